"""Right and wrong answers to the module 05 learner checks, and their unwritten exercises.

Each check runs on the reference (tinytorch.core), on a version written the way a learner writes
it in the notebook, and on versions with one typical mistake each, which must fail with the
standard AssertionError.

RIGHT, WRONG and STUBS are run by test_checks_contract.py; what only these checks say is
tested in test_checks_autograd.py.
"""

import numpy as np

from tinytorch.checks import autograd as checks
from tinytorch.core import autograd, layers, tensor
from tinytorch.core.autograd import Function
from tinytorch.core.tensor import Tensor as _Tensor
from tinytorch.solutions import autograd as solution


def function(name, forward, backward):
    """A Function subclass made of a forward and a backward, as a learner writes it."""
    return type(name, (Function,), {"forward": forward, "backward": backward})


# ----- learner-style right versions ------------------------------------------------------------------
def mul_forward(self, a, b):
    self.a, self.b = a, b
    return a * b


def exp_forward(self, a):
    self.a, self.out = a, np.exp(a)
    return self.out


def matmul_forward(self, a, b):
    self.a, self.b = a, b
    return a @ b


def sum_forward(self, a, axis=None, keepdims=False):
    self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
    return np.sum(a, axis=axis, keepdims=keepdims)


def sum_backward(self, grad):
    if self.axis is not None and not self.keepdims:
        grad = np.expand_dims(grad, self.axis)
    return np.broadcast_to(grad, self.shape)


def linear_forward(self, x, weight, bias):
    self.x, self.weight = x, weight
    return x @ weight.T + bias


def learner_unbroadcast(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def learner_numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


Mul = function("Mul", mul_forward, lambda self, g: (g * self.b, g * self.a))
Exp = function("Exp", exp_forward, lambda self, g: g * self.out)
Sum = function("Sum", sum_forward, sum_backward)
MatMul = function("MatMul", matmul_forward, lambda self, g: (g @ np.swapaxes(self.b, -1, -2),
                                                          np.swapaxes(self.a, -1, -2) @ g))
Linear = function("LinearFunction", linear_forward,
                  lambda self, g: (g @ self.weight, g.T @ self.x, g.sum(axis=0)))

RIGHT = {
    "check_mul_backward": [tensor.Mul, Mul],
    "check_exp_backward": [tensor.Exp, Exp],
    "check_sum_backward": [tensor.Sum, Sum],
    "check_matmul_backward": [tensor.MatMul, MatMul],
    "check_linear_backward": [layers.LinearFunction, Linear],
    "check_unbroadcast": [autograd.unbroadcast, learner_unbroadcast],
    "check_numerical_gradient": [autograd.numerical_gradient, learner_numerical_gradient],
}


# ----- wrong versions ---------------------------------------------------------------------------------
def numerical_gradient_variant(step):
    """A numerical gradient whose per-element estimate is ``step(f, x, i, eps)``."""

    def numerical_gradient(f, x, eps=1e-6):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            grad[i] = step(f, x, i, eps)
        return grad

    return numerical_gradient


def nudged(f, x, i, delta):
    old = x[i]
    x[i] = old + delta
    value = f(x)
    x[i] = old
    return value


def not_restored(f, x, i, eps):
    old = x[i]
    x[i] = old + eps
    up = f(x)
    x[i] = old - eps
    return (up - f(x)) / (2 * eps)


def rows_only(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def unbroadcast_without_keepdims(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    axes = tuple(axis for axis, n in enumerate(shape) if n == 1 and grad.shape[axis] != 1)
    return grad.sum(axis=axes) if axes else grad


WRONG = {
    "check_mul_backward": [
        function("Swapped", mul_forward, lambda self, g: (g * self.a, g * self.b)),
        function("NoUpstream", mul_forward, lambda self, g: (self.b, self.a)),
        function("LikeAdd", mul_forward, lambda self, g: (g, g)),
        function("OneGradient", mul_forward, lambda self, g: g * self.b),
        function("Summed", mul_forward, lambda self, g: ((g * self.b).sum(), (g * self.a).sum())),
        function("BothProducts", mul_forward, lambda self, g: (g * self.a * self.b,) * 2),
        function("WrongForward", lambda self, a, b: mul_forward(self, a, b) + 0 * a + a,
                 lambda self, g: (g * self.b, g * self.a)),
    ],
    "check_exp_backward": [
        function("TimesInput", exp_forward, lambda self, g: g * self.a),
        function("NoUpstream", exp_forward, lambda self, g: self.out),
        function("NegativeExponent", exp_forward, lambda self, g: g / self.out),
        function("LogDerivative", exp_forward, lambda self, g: g / np.log(self.out + 2)),
        function("PlusInstead", exp_forward, lambda self, g: g + self.out),
        function("ReturnsGrad", exp_forward, lambda self, g: g),
    ],
    "check_sum_backward": [
        function("ForgetsGrad", sum_forward, lambda self, g: np.ones(self.shape)),
        function("DividedByCount", sum_forward,
                 lambda self, g: sum_backward(self, g) / np.prod(self.shape)),
        function("ReturnsGrad", sum_forward, lambda self, g: g),
        function("NoExpandDims", sum_forward, lambda self, g: np.broadcast_to(g, self.shape)),
        function("ExpandsLastAxis", sum_forward, lambda self, g: np.broadcast_to(
            g if self.axis is None or self.keepdims else np.expand_dims(g, -1), self.shape)),
        function("TotalEverywhere", sum_forward, lambda self, g: np.full(self.shape, g.sum())),
    ],
    "check_matmul_backward": [
        function("NoTransposes", matmul_forward, lambda self, g: (g @ self.b, self.a @ g)),
        function("SwappedRoles", matmul_forward, lambda self, g: (self.a.T @ g, g @ self.b.T)),
        function("ReversedOrder", matmul_forward, lambda self, g: (self.b.T @ g, g @ self.a.T)),
        function("NoUpstream", matmul_forward, lambda self, g: (
            np.ones_like(g) @ self.b.T, self.a.T @ np.ones_like(g))),
        function("Elementwise", matmul_forward, lambda self, g: (g * self.b, g * self.a)),
        function("HalfTransposed", matmul_forward, lambda self, g: (g @ self.b.T, self.a @ g)),
        # right for matrices, wrong for a batch: .T reverses the batch axis too
        function("DotT", matmul_forward, lambda self, g: (g @ self.b.T, self.a.T @ g)),
    ],
    "check_linear_backward": [
        function("NoBiasInForward", lambda self, x, w, b: linear_forward(self, x, w, b) - b,
                 Linear.backward),
        function("WeightTransposed", linear_forward,
                 lambda self, g: (g @ self.weight, self.x.T @ g, g.sum(axis=0))),
        function("BiasPerRow", linear_forward,
                 lambda self, g: (g @ self.weight, g.T @ self.x, g.sum(axis=1))),
        function("BiasMean", linear_forward,
                 lambda self, g: (g @ self.weight, g.T @ self.x, g.mean(axis=0))),
        function("BiasNotSummed", linear_forward,
                 lambda self, g: (g @ self.weight, g.T @ self.x, g)),
        function("TwoGradients", linear_forward, lambda self, g: (g @ self.weight, g.T @ self.x)),
        function("NoUpstreamForX", linear_forward, lambda self, g: (
            np.ones_like(g) @ self.weight, g.T @ self.x, g.sum(axis=0))),
    ],
    "check_unbroadcast": [
        lambda grad, shape: grad.sum(axis=0) if grad.shape != shape else grad,
        lambda grad, shape: learner_unbroadcast(grad, shape) / (grad.size / max(np.prod(shape), 1)),
        lambda grad, shape: grad.sum() if grad.shape != shape else grad,
        unbroadcast_without_keepdims,
        lambda grad, shape: grad,
        lambda grad, shape: learner_unbroadcast(grad, shape).T,
    ],
    "check_numerical_gradient": [
        numerical_gradient_variant(lambda f, x, i, eps: (nudged(f, x, i, eps) - f(x)) / eps),
        numerical_gradient_variant(
            lambda f, x, i, eps: (nudged(f, x, i, eps) - nudged(f, x, i, -eps)) / eps),
        numerical_gradient_variant(not_restored),
        rows_only,
        numerical_gradient_variant(
            lambda f, x, i, eps: nudged(f, x, i, eps) - nudged(f, x, i, -eps)),
        numerical_gradient_variant(
            lambda f, x, i, eps: (nudged(f, x, i, eps) - nudged(f, x, i, -eps)) / (2 * eps)
            * (1 + 1e-3)),
    ],
}


# ----- the engine: topological_order, backward, no_grad ---------------------------------------------
# Each wrong version is the reference with one classic mistake; the right versions are the
# reference and the solution typed into the notebook (tinytorch.solutions.autograd).


def order_without_visited_set(root):
    order = []

    def visit(t):
        if t.grad_fn is not None:
            for inp in t.grad_fn.inputs:
                if inp.requires_grad:
                    visit(inp)
        order.append(t)
    visit(root)
    return order


def order_pre_order(root):
    order, seen = [], set()

    def visit(t):
        if id(t) in seen:
            return
        seen.add(id(t))
        order.append(t)  # before its inputs
        if t.grad_fn is not None:
            for inp in t.grad_fn.inputs:
                if inp.requires_grad:
                    visit(inp)
    visit(root)
    return order


def order_reversed(root):
    return list(reversed(solution.topological_order(root)))


def order_with_constants(root):
    order, seen = [], set()

    def visit(t):
        if id(t) in seen:
            return
        seen.add(id(t))
        if t.grad_fn is not None:
            for inp in t.grad_fn.inputs:
                visit(inp)  # constants too
        order.append(t)
    visit(root)
    return order


def order_first_input_only(root):
    order, seen = [], set()

    def visit(t):
        if id(t) in seen:
            return
        seen.add(id(t))
        if t.grad_fn is not None and t.grad_fn.inputs[0].requires_grad:
            visit(t.grad_fn.inputs[0])
        order.append(t)
    visit(root)
    return order


def order_as_generator(root):
    yield from solution.topological_order(root)


def engine(*, overwrite=False, unbroadcast=True, reverse=True, accumulate=True, scalar_check=True,
           constants=False, keep_all=False, copy=True):
    """The solution's engine with mistakes switched on."""
    def backward(root, grad=None):
        if grad is None:
            if scalar_check and root.data.size != 1:
                raise ValueError("backward: grad can only be implied for a scalar root")
            grad = np.ones_like(root.data)
        grads = {id(root): grad}
        order = solution.topological_order(root)
        for t in (reversed(order) if reverse else order):
            g = grads.pop(id(t), None)
            if g is None:
                continue
            if t.grad_fn is None or keep_all:
                own = np.array(g) if copy else g
                t.grad = _Tensor(own if t.grad is None or not accumulate else t.grad.data + g)
            if t.grad_fn is None:
                continue
            out = t.grad_fn.backward(g)
            out = out if isinstance(out, tuple) else (out,)
            for inp, ig in zip(t.grad_fn.inputs, out):
                if ig is None or (not inp.requires_grad and not constants):
                    continue
                ig = np.asarray(ig)
                if unbroadcast:
                    ig = solution.unbroadcast(ig, inp.shape)
                if not inp.requires_grad:
                    inp.grad = _Tensor(ig)
                    continue
                grads[id(inp)] = ig if overwrite or id(inp) not in grads else grads[id(inp)] + ig
    return backward


def _restoring(body):
    """A no_grad written with contextlib, whose exit does ``body(previous)``."""
    import contextlib

    @contextlib.contextmanager
    def no_grad():
        previous = autograd.grad_enabled
        autograd.grad_enabled = False
        yield
        body(previous)
    return no_grad


def no_grad_without_finally():
    return _restoring(lambda previous: setattr(autograd, "grad_enabled", previous))()


def no_grad_restores_true():
    import contextlib

    @contextlib.contextmanager
    def no_grad():
        autograd.grad_enabled = False
        try:
            yield
        finally:
            autograd.grad_enabled = True
    return no_grad()


def no_grad_never_off():
    import contextlib
    return contextlib.nullcontext()


def no_grad_never_restores():
    return _restoring(lambda previous: None)()


class no_grad_local_flag:  # noqa: N801 (the learner's name)
    """Sets a flag of its own, which the operations never read."""
    enabled = True

    def __enter__(self):
        self.previous, no_grad_local_flag.enabled = no_grad_local_flag.enabled, False

    def __exit__(self, *error):
        no_grad_local_flag.enabled = self.previous


ENGINE_RIGHT = [
    ("topological_order", checks.check_topological_order, autograd.topological_order),
    ("topological_order", checks.check_topological_order, solution.topological_order),
    ("backward", checks.check_backward, autograd.backward),
    ("backward", checks.check_backward, solution.backward),
    ("no_grad", checks.check_no_grad, autograd.no_grad),
    ("no_grad", checks.check_no_grad, solution.no_grad),
]

ENGINE_WRONG = [
    (checks.check_topological_order, order_without_visited_set, "a tensor appears twice"),
    (checks.check_topological_order, order_pre_order, "comes before its input"),
    (checks.check_topological_order, order_reversed, "comes before its input"),
    (checks.check_topological_order, order_with_constants, "a constant is in the order"),
    (checks.check_topological_order, order_first_input_only, "tensors are missing"),
    (checks.check_topological_order, order_as_generator, "it did not return a list"),
    (checks.check_backward, engine(overwrite=True), "'x used twice'"),
    (checks.check_backward, engine(unbroadcast=False), "a broadcast bias"),
    (checks.check_backward, engine(reverse=False), "x.grad is None"),
    (checks.check_backward, engine(accumulate=False), "gradients accumulate"),
    (checks.check_backward, engine(scalar_check=False), "a root that is not a scalar"),
    (checks.check_backward, engine(constants=True), "a constant got a .grad"),
    (checks.check_backward, engine(keep_all=True), "an intermediate tensor kept a .grad"),
    (checks.check_backward, engine(copy=False), "two leaves share one gradient array"),
    (checks.check_no_grad, no_grad_without_finally, "after an error in the block"),
    (checks.check_no_grad, no_grad_restores_true, "'nested'"),
    (checks.check_no_grad, no_grad_never_off, "inside the block"),
    (checks.check_no_grad, no_grad_never_restores, "after the block"),
    (checks.check_no_grad, no_grad_local_flag, "inside the block"),
]


RIGHT.update({f"check_{name}": [] for name, _, _ in ENGINE_RIGHT})
WRONG.update({f"check_{name}": [] for name, _, _ in ENGINE_RIGHT})
for name, _, right in ENGINE_RIGHT:
    RIGHT[f"check_{name}"].append(right)
for check, wrong, _ in ENGINE_WRONG:
    WRONG[check.__name__].append(wrong)


def raise_stub(*args, **kwargs):
    raise NotImplementedError("write the backward: dL/d(input) from dL/d(output)")


# A Function whose backward is not written yet; for the engine's exercises, the function itself.
STUBS = {name: type("Stub", (right[1],), {"backward": raise_stub})
         if isinstance(right[1], type) else raise_stub for name, right in RIGHT.items()}
