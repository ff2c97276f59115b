"""Learner checks for module 05, Autograd.

In module 05 the learner writes the backward of operations, as ``Function`` subclasses from
``tinytorch.core.autograd``: ``forward`` takes numpy arrays, saves on ``self`` what the backward
needs and returns the result; ``backward(grad)`` takes dL/d(output) and returns dL/d(input), one
per input (a tuple when there are several). The learner also writes the helper that undoes
broadcasting and a gradient check by central differences.

The exercises in the notebook's order::

    the learner writes                                      the check cell runs
    class Mul(Function): forward(a, b), backward(grad)      check_mul_backward(Mul)
    class Exp(Function): forward(a), backward(grad)         check_exp_backward(Exp)
    class Sum(Function): forward(a, axis, keepdims),        check_sum_backward(Sum)
                         backward(grad)
    class MatMul(Function): forward(a, b), backward(grad)   check_matmul_backward(MatMul)
        (2-D matrices)
    class LinearFunction(Function):                         check_linear_backward(LinearFunction)
        forward(x, weight, bias) = x @ weight.T + bias,
        backward(grad) -> (grad_x, grad_weight, grad_bias)
        (x of shape (N, in_features))
    unbroadcast(grad, shape) -> array of shape              check_unbroadcast(unbroadcast)
    numerical_gradient(f, x, eps=1e-6) -> array             check_numerical_gradient(
        (central differences of a scalar function f)            numerical_gradient)

The Function checks call ``YourFunction.apply(*tensors)`` and then the ``backward`` of that very
call with a chosen upstream gradient (never all ones, so a forgotten ``grad *`` shows), and
compare what ``backward`` returned, before the engine sums or casts anything. One case also runs
a whole ``loss.backward()`` through the engine. The expected gradients are the calculus results
written as numpy formulas (d(ab)/da = b, d(e^a)/da = e^a, ...) or numbers worked out by hand,
never calls of ``tinytorch.core``.
"""

import numpy as np

from tinytorch.checks._helpers import floats, raises_case, require_class, require_function, text
from tinytorch.checks._report import Case, fail, run_cases
from tinytorch.core.autograd import Function
from tinytorch.core.tensor import Tensor
from tinytorch.workspace import saves

__all__ = ["check_mul_backward", "check_exp_backward", "check_sum_backward",
           "check_matmul_backward", "check_linear_backward", "check_unbroadcast",
           "check_numerical_gradient", "check_topological_order", "check_backward",
           "check_no_grad"]


class _Call:
    """One ``apply`` of the learner's Function and the raw result of its ``backward``."""

    def __init__(self, check, function, arrays, grad, **options):
        self.check, self.function = check, function
        self.inputs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
        self.output = function.apply(*self.inputs, **options)
        self.grad = grad
        self.grads = None

    def gradients(self, describe):
        """What backward returned, as a tuple with one entry per input (checked)."""
        if self.grads is None:
            grads = self.output._ctx.backward(self.grad.copy())
            count = len(self.inputs)
            if count == 1 and not isinstance(grads, tuple):
                grads = (grads,)
            if not isinstance(grads, tuple) or len(grads) != count:
                got = (f"a tuple of {len(grads)}" if isinstance(grads, tuple)
                       else type(grads).__name__)
                fail(self.check, "backward returned the wrong number of gradients", describe,
                     f"a tuple of {count} arrays, one per input of forward", got,
                     "return (grad_a, grad_b): one gradient per input, in forward's order")
            self.grads = grads
        return self.grads


def _function_cases(check, make_call, label, describe, hints, expected_output, expected_grads,
                    names):
    """Cases for one call (``label`` names it): the forward value, then each input's gradient."""
    calls = {}

    def call():
        if "call" not in calls:
            calls["call"] = make_call()
        return calls["call"]

    def gradient(i):
        def run():
            g = call().gradients(describe)[i]
            if g is None:
                fail(check, f"no gradient for {names[i]}", describe, "an array", "None",
                     hints[i])
            return g
        return run

    cases = [Case(f"forward ({label})", lambda: call().output.data, expected_output, describe,
                  "forward computes the operation on the arrays and returns the result")]
    for i, name in enumerate(names):
        cases.append(Case(f"gradient for {name} ({label})", gradient(i), expected_grads[i],
                          f"{describe} (grad: the upstream gradient)", hints[i]))
    return cases


# ===== Mul =======================================================================================


@saves("autograd.Mul")
def check_mul_backward(Mul):
    """Check ``Mul``: forward ``a * b``; backward ``(grad * b, grad * a)``."""
    check = "check_mul_backward"
    require_class(check, Mul, "Mul", base=Function)
    a, b = floats([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]]), floats([[2.0, 0.5, -3.0], [1.0, 2.0, 5.0]])
    g = floats([[1.0, 2.0, -1.0], [0.5, 3.0, 2.0]])
    describe = f"a = {text(a)}, b = {text(b)}, grad = {text(g)}"
    hints = ["z = a * b, so dz/da = b: the gradient for a is grad * b (save b in forward)",
             "dz/db = a: the gradient for b is grad * a (save a in forward)"]
    cases = _function_cases(check, lambda: _Call(check, Mul, [a, b], g), "2x3 arrays",
                            describe, hints,
                            a * b, [g * b, g * a], ["a", "b"])

    def square():
        x = Tensor(floats([3.0, -1.0]), requires_grad=True)
        Mul.apply(x, x).backward(floats([1.0, 2.0]))
        return x.grad.data

    # y = x * x: both inputs are x, so x.grad = grad * x + grad * x = [6, -4]
    cases.append(Case("x * x through the engine", square, [6.0, -4.0],
                      "x = [3.0, -1.0]; Mul.apply(x, x).backward([1.0, 2.0]); x.grad",
                      "both gradients reach x and add up: grad * b + grad * a = 2 * grad * x"))
    run_cases(check, cases)


# ===== Exp =======================================================================================


@saves("autograd.Exp")
def check_exp_backward(Exp):
    """Check ``Exp``: forward ``exp(a)``; backward ``grad * exp(a)``."""
    check = "check_exp_backward"
    require_class(check, Exp, "Exp", base=Function)
    a = floats([[0.0, 1.0, -2.0], [np.log(3.0), 0.5, -0.5]])
    g = floats([[2.0, -1.0, 3.0], [1.0, 0.5, 4.0]])
    describe = f"a = {text(a)}, grad = {text(g)}"
    hint = ("d(e^a)/da = e^a, the output itself: save it in forward (self.out = np.exp(a)) "
            "and return grad * self.out")
    cases = _function_cases(check, lambda: _Call(check, Exp, [a], g), "2x3 array", describe,
                            [hint],
                            np.exp(a), [g * np.exp(a)], ["a"])
    big = floats([-1000.0, 0.0, 20.0])
    cases += _function_cases(check, lambda: _Call(check, Exp, [big], floats([1.0, 1.0, 2.0])),
                             "large and small", "a = [-1000.0, 0.0, 20.0], grad = [1.0, 1.0, 2.0]",
                             [hint],
                             np.exp(big), [[0.0, 1.0, 2 * np.exp(20.0)]], ["a"])
    run_cases(check, cases)


# ===== Sum =======================================================================================


@saves("autograd.Sum")
def check_sum_backward(Sum):
    """Check ``Sum``: forward ``np.sum(a, axis, keepdims)``; backward spreads grad back."""
    check = "check_sum_backward"
    require_class(check, Sum, "Sum", base=Function)
    square = np.arange(9, dtype=np.float64).reshape(3, 3)
    wide = np.arange(6, dtype=np.float64).reshape(2, 3)
    cube = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    spread = ("every element of a was added into the sum once, so each one gets the gradient of "
              "its sum: put the reduced axis back (np.expand_dims(grad, axis) when keepdims is "
              "False) and np.broadcast_to(grad, a.shape)")

    def case(a, a_text, grad, expected, axis, keepdims, hint=spread):
        describe = f"a = {a_text}, axis={axis}, keepdims={keepdims}, grad = {text(grad)}"
        return _function_cases(
            check, lambda: _Call(check, Sum, [a], np.asarray(grad, dtype=np.float64),
                                 axis=axis, keepdims=keepdims),
            f"shape {a.shape}, axis={axis}, keepdims={keepdims}", describe, [hint],
            a.sum(axis=axis, keepdims=keepdims), [expected], ["a"])

    g3 = floats([1.0, 10.0, 100.0])
    cases = (
        case(wide, text(wide), 2.0, np.full((2, 3), 2.0), None, False,
             "the sum of all elements: every element gets the (scalar) gradient, "
             "np.broadcast_to(grad, a.shape); grad is not all ones, so multiply by it")
        # summing down the columns (axis=0): column j gets g3[j] in every row
        + case(square, "np.arange(9).reshape(3, 3)", g3, np.tile(g3, (3, 1)), 0, False)
        # summing along the rows (axis=1): row i gets g3[i] in every column
        + case(square, "np.arange(9).reshape(3, 3)", g3, np.tile(g3[:, None], (1, 3)), 1, False)
        + case(wide, text(wide), floats([1.0, 2.0]), floats([[1.0] * 3, [2.0] * 3]), -1, False)
        + case(wide, text(wide), floats([[1.0, 2.0, 3.0]]), floats([[1.0, 2.0, 3.0]] * 2), 0,
               True, "with keepdims=True the reduced axis is still there (size 1): "
                     "np.broadcast_to(grad, a.shape) is all it takes")
        + case(cube, "np.arange(24).reshape(2, 3, 4)", g3,
               np.broadcast_to(g3[None, :, None], (2, 3, 4)), (0, 2), False)
    )
    run_cases(check, cases)


# ===== MatMul ====================================================================================


@saves("autograd.MatMul")
def check_matmul_backward(MatMul):
    """Check ``MatMul`` for matrices and batches of them: backward ``(grad @ B^T, A^T @ grad)``,
    transposing the last two axes."""
    check = "check_matmul_backward"
    require_class(check, MatMul, "MatMul", base=Function)
    hints = ["Z = A @ B: dL/dA = grad @ B.T, shaped like A (rows of grad times rows of B)",
             "dL/dB = A.T @ grad, shaped like B (columns of A times columns of grad)"]
    # square matrices first: a wrong formula gives the right shape but wrong numbers
    a2, b2 = floats([[1.0, 2.0], [3.0, 4.0]]), floats([[0.0, 1.0], [-1.0, 2.0]])
    g2 = floats([[1.0, -1.0], [2.0, 0.5]])
    a, b = floats([[1.0, 0.0, 2.0], [-1.0, 3.0, 1.0]]), np.arange(12.0).reshape(3, 4) / 4
    g = floats([[1.0, 2.0, 0.0, -1.0], [0.5, -1.0, 1.0, 2.0]])
    cases = (
        _function_cases(check, lambda: _Call(check, MatMul, [a2, b2], g2), "2x2 @ 2x2",
                        f"a = {text(a2)}, b = {text(b2)}, grad = {text(g2)}", hints, a2 @ b2,
                        [g2 @ b2.T, a2.T @ g2], ["a", "b"])
        + _function_cases(check, lambda: _Call(check, MatMul, [a, b], g), "2x3 @ 3x4",
                          f"a (2, 3) = {text(a)}, b (3, 4) = np.arange(12).reshape(3, 4) / 4, "
                          f"grad (2, 4) = {text(g)}", hints, a @ b, [g @ b.T, a.T @ g],
                          ["a", "b"])
    )
    # a batch of two 2x2 products: .T reverses the batch axis too, and with every size 2 that
    # gives wrong numbers rather than an error
    a3, b3 = np.arange(8.0).reshape(2, 2, 2) / 4, np.arange(8.0).reshape(2, 2, 2) / 2 - 1
    g3 = floats([[[1.0, -2.0], [0.5, 3.0]], [[-1.0, 2.0], [4.0, 0.0]]])
    batch_hints = ["for a batch of matrices, .T reverses every axis, the batch axis too: swap "
                   "only the last two, np.swapaxes(self.b, -1, -2) (for a matrix that is B.T)",
                   "for a batch of matrices, .T reverses every axis, the batch axis too: swap "
                   "only the last two, np.swapaxes(self.a, -1, -2) (for a matrix that is A.T)"]

    def swap(m):
        return np.swapaxes(m, -1, -2)

    cases += _function_cases(check, lambda: _Call(check, MatMul, [a3, b3], g3),
                             "a batch of 2: (2, 2, 2) @ (2, 2, 2)",
                             f"a = np.arange(8).reshape(2, 2, 2) / 4, "
                             f"b = np.arange(8).reshape(2, 2, 2) / 2 - 1, grad = {text(g3)}",
                             batch_hints,
                             a3 @ b3, [g3 @ swap(b3), swap(a3) @ g3], ["a", "b"])
    run_cases(check, cases)


# ===== Linear ====================================================================================


def check_linear_backward(LinearFunction):
    """Check ``LinearFunction``: forward ``x @ W.T + b``; backward ``(g @ W, g.T @ x, sum of g)``."""
    check = "check_linear_backward"
    require_class(check, LinearFunction, "LinearFunction", base=Function)
    x = floats([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0], [2.0, 1.0, 1.0], [-1.0, 0.0, 0.5]])
    w, b = floats([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]]), floats([0.5, -2.0])
    g = floats([[1.0, 0.0], [0.5, -1.0], [2.0, 1.0], [0.0, 3.0]])
    describe = f"x (4, 3) = {text(x)}, W (2, 3) = {text(w)}, b = {text(b)}, grad (4, 2) = {text(g)}"
    hints = ["y = x @ W.T + b, so dL/dx = grad @ W: shape (N, in_features), like x",
             "dL/dW = grad.T @ x: shape (out_features, in_features), like W",
             "b is added to every row, so dL/db is grad summed over the batch: grad.sum(axis=0)"]
    cases = _function_cases(check, lambda: _Call(check, LinearFunction, [x, w, b], g),
                            "a batch of 4", describe, hints, x @ w.T + b, [g @ w, g.T @ x, g.sum(axis=0)],
                            ["x", "weight", "bias"])
    run_cases(check, cases)


# ===== unbroadcast ===============================================================================


@saves("autograd.unbroadcast")
def check_unbroadcast(unbroadcast):
    """Check ``unbroadcast(grad, shape)``: ``grad`` summed over the axes broadcasting added or
    stretched, with the result of exactly ``shape``."""
    check = "check_unbroadcast"
    require_function(check, unbroadcast, "unbroadcast")
    g23 = np.arange(1.0, 7.0).reshape(2, 3)  # [[1, 2, 3], [4, 5, 6]]
    g423 = np.arange(24.0).reshape(4, 2, 3)
    sum_hint = ("an input of shape {shape} was used for every position of the {grad_shape} "
                "result: sum the gradient over the added leading axes and over the axes where "
                "shape has 1 (keepdims=True), then reshape to shape")

    def case(grad, grad_text, shape, expected, hint=None):
        hint = hint or sum_hint.format(shape=shape, grad_shape=grad.shape)
        describe = f"grad = {grad_text} (shape {grad.shape}), shape = {shape}"
        return Case(f"{grad.shape} to {shape}", lambda: unbroadcast(grad.copy(), shape),
                    expected, describe, hint)

    cases = [
        case(g23, text(g23), (2, 3), g23, "nothing was broadcast: return grad unchanged"),
        case(g23, text(g23), (3,), [5.0, 7.0, 9.0],
             "a (3,) input was repeated down the 2 rows: sum over axis 0"),
        case(g23, text(g23), (1, 3), [[5.0, 7.0, 9.0]],
             "a (1, 3) input was stretched along axis 0: sum it with keepdims=True"),
        case(g23, text(g23), (2, 1), [[6.0], [15.0]],
             "a (2, 1) input was stretched along axis 1: sum it with keepdims=True"),
        case(g23, text(g23), (), 21.0, "a scalar was used everywhere: the sum of all of grad"),
        case(g423, "np.arange(24).reshape(4, 2, 3)", (2, 1),
             g423.sum(axis=0).sum(axis=1, keepdims=True), None),
        case(g423, "np.arange(24).reshape(4, 2, 3)", (1, 1, 3),
             g423.sum(axis=(0, 1), keepdims=True), None),
    ]
    run_cases(check, cases)


# ===== numerical_gradient ========================================================================


@saves("autograd.numerical_gradient")
def check_numerical_gradient(numerical_gradient):
    """Check ``numerical_gradient(f, x, eps=1e-6)``: central differences, one element at a time."""
    check = "check_numerical_gradient"
    require_function(check, numerical_gradient, "numerical_gradient")
    vector = floats([1.0, -2.0, 3.0])
    matrix = floats([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
    central = ("nudge one element at a time by +eps and -eps (restore it after), and divide the "
               "difference of f by 2 * eps")

    def run(f, x, **eps):
        return lambda: numerical_gradient(f, x.copy(), **eps)

    def restored():
        x = matrix.copy()
        numerical_gradient(lambda a: np.sum(a ** 2), x)
        return x

    cases = [
        # f = sum(x^2): df/dx = 2x
        Case("sum of squares", run(lambda a: np.sum(a ** 2), vector), 2 * vector,
             f"f(x) = sum(x ** 2), x = {text(vector)}", central),
        # f = sum(sin(x) * x): df/dx = sin(x) + x cos(x), element by element, on a matrix
        Case("a matrix", run(lambda a: np.sum(np.sin(a) * a), matrix),
             np.sin(matrix) + matrix * np.cos(matrix),
             f"f(x) = sum(sin(x) * x), x = {text(matrix)}",
             "loop over every index of a matrix (np.ndindex(x.shape)), not only over the rows: "
             + central),
        # with eps = 1e-3 one-sided differences of x^3 are off by about 3 x eps = 3e-3
        Case("central, not one-sided", run(lambda a: np.sum(a ** 3), vector, eps=1e-3),
             3 * vector ** 2, f"f(x) = sum(x ** 3), x = {text(vector)}, eps=1e-3",
             "(f(x + eps) - f(x - eps)) / (2 eps) is exact up to eps**2; the one-sided "
             "(f(x + eps) - f(x)) / eps is off by about eps", rtol=1e-5, atol=1e-8),
        Case("x is restored", restored, matrix, f"x = {text(matrix)}, compared after the call",
             "put every element back after nudging it (x[i] = original), or the next "
             "elements are measured at the wrong point", rtol=0.0, atol=0.0),
        # f = (x0 * x1)^2: df/dx0 = 2 x0 x1^2 = 2 * 3 * 4 = 24, df/dx1 = 2 x0^2 x1 = 2 * 9 * 2 = 36
        Case("a worked example", run(lambda a: (a[0] * a[1]) ** 2, floats([3.0, 2.0])),
             [24.0, 36.0], "f(x) = (x[0] * x[1]) ** 2 at x = [3.0, 2.0]", central),
    ]
    run_cases(check, cases)


# ===== the engine: topological_order, backward, no_grad ==========================================
#
# The graphs below are built with tinytorch's Tensor in float64; every tensor has a name, so a
# report can say "b came before its input a". Expected gradients are worked out by hand.


def _leaf(values):
    return Tensor(floats(values), requires_grad=True)


def _graphs():
    """name -> (root, {tensor id: name}, describe) for the order checks."""
    graphs = {}

    def named(describe, root, **tensors):
        tensors["root"] = root
        graphs[describe] = (root, {id(t): n for n, t in tensors.items()}, describe)

    x = _leaf([1.0, 2.0])
    y = x * 2.0
    z = y.exp()
    named("x -> y = x * 2 -> z = y.exp() -> root = z.sum()", z.sum(), x=x, y=y, z=z)
    x = _leaf([1.0, 2.0])
    a, b = x * 3.0, x + 1.0
    ab = a * b
    named("a = x * 3, b = x + 1, ab = a * b, root = ab.sum()  (x reached by two paths)",
          ab.sum(), x=x, a=a, b=b, ab=ab)
    w, c = _leaf([1.0, -1.0]), Tensor(floats([2.0, 5.0]))
    wc = w * c
    named("wc = w * c with a constant c (requires_grad=False), root = wc.sum()", wc.sum(),
          w=w, wc=wc)
    u, v = _leaf([1.0]), _leaf([2.0])
    p = u * v
    q = p + u
    r = q * v
    named("p = u * v, q = p + u, r = q * v, root = r.sum()", r.sum(), u=u, v=v, p=p, q=q, r=r)
    return graphs


@saves("autograd.topological_order")
def check_topological_order(topological_order):
    """Check ``topological_order(root)``: every tensor that requires a gradient and leads to
    ``root``, once each, each after all of its inputs, ``root`` last."""
    check = "check_topological_order"
    require_function(check, topological_order, "topological_order")

    def case(root, names, describe):
        def run():
            order = topological_order(root)
            if not isinstance(order, list):
                fail(check, "it did not return a list", describe, "a list of tensors",
                     type(order).__name__, "collect the tensors in a list and return it")
            shown = [names.get(id(t), "a constant" if not getattr(t, "requires_grad", 1) else "?")
                     for t in order]
            want = sorted(names.values())
            seen = [id(t) for t in order]
            if len(set(seen)) != len(seen):
                fail(check, "a tensor appears twice", describe, f"each of {want} once", shown,
                     "a tensor reached by two paths is visited twice: remember the tensors you "
                     "have visited (a set of id(tensor)) and skip them")
            if "a constant" in shown:
                fail(check, "a constant is in the order", describe, f"only {want}", shown,
                     "skip inputs with requires_grad False: nothing needs their gradient")
            if sorted(shown) != want:
                fail(check, "tensors are missing", describe, f"all of {want}", shown,
                     "follow every input of t.grad_fn.inputs, not only the first, down to the "
                     "leaves (whose grad_fn is None)")
            position = {i: k for k, i in enumerate(seen)}
            for t in order:
                for inp in (t.grad_fn.inputs if t.grad_fn is not None else ()):
                    if inp.requires_grad and position[id(inp)] > position[id(t)]:
                        fail(check, f"{names[id(t)]} comes before its input {names[id(inp)]}",
                             describe, "every tensor after all of its inputs, root last", shown,
                             "append a tensor only after visiting all of its inputs (visit the "
                             "inputs first, then append: post-order); do not reverse the list")
            return 0.0
        return Case(describe.split(",")[0], run, 0.0, describe, "")

    cases = [case(*graph) for graph in _graphs().values()]
    leaf = _leaf([3.0])
    cases.append(case(leaf, {id(leaf): "root"}, "root is a leaf x (no grad_fn)"))
    run_cases(check, cases)


def _grad_of(check, tensor, name, describe):
    if tensor.grad is None:
        fail(check, f"{name}.grad is None", describe, f"{name}.grad filled in", "None",
             "no gradient reached this leaf: walk from root back to the leaves "
             "(reversed(topological_order(root))), hand each tensor's gradient to its "
             "grad_fn.backward, and at a leaf (grad_fn None) store it in .grad as a Tensor")
    # Anything but a Tensor of the leaf's shape is refused by the .grad setter, inside the
    # learner's code, where the check's report shows the line.
    return tensor.grad.data


@saves("autograd.backward")
def check_backward(backward):
    """Check the engine ``backward(root, grad=None)``: every leaf's ``.grad`` filled in, added up
    where a tensor is used twice, unbroadcast, and only a scalar root without ``grad``."""
    check = "check_backward"
    require_function(check, backward, "backward")
    twice = ("the gradients that meet at one tensor must be added: keep a dict from id(tensor) "
             "to its gradient and add to it, never overwrite")

    def used_twice():
        x = _leaf([1.0, 2.0, 3.0])
        backward((x * x).sum())
        return _grad_of(check, x, "x", "root = (x * x).sum()")

    def two_paths():
        x = _leaf([0.0, 1.0])
        backward((x * 3.0 + x.exp()).sum())
        return _grad_of(check, x, "x", "root = (x * 3 + x.exp()).sum()")

    def in_order():
        x = _leaf([1.0, 2.0])
        a = x * 2.0
        backward((a + a * 3.0).sum())
        return _grad_of(check, x, "x", "a = x * 2, root = (a + a * 3).sum()")

    def broadcast():
        w = _leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        b = _leaf([0.5, 0.5, 0.5])
        c = Tensor(floats([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]]))
        backward(((w + b) * c).sum())
        return _grad_of(check, b, "b", "w (2, 3), b (3,), root = ((w + b) * c).sum()")

    def explicit():
        x = _leaf([1.0, 2.0, 3.0])
        backward(x * 2.0, floats([1.0, 10.0, 100.0]))
        return _grad_of(check, x, "x", "y = x * 2, backward(y, [1, 10, 100])")

    def accumulates():
        x = _leaf([1.0, 2.0])
        x.grad = Tensor(floats([1.0, 1.0]))
        backward((x * 2.0).sum())
        return _grad_of(check, x, "x", "x.grad = [1, 1] already, root = (x * 2).sum()")

    def leaves_only():
        x, c = _leaf([1.0, 2.0]), Tensor(floats([3.0, 4.0]))
        a = x * c
        backward(a.sum())
        if c.grad is not None:
            fail(check, "a constant got a .grad", "c = Tensor([3, 4]) (requires_grad False), "
                 "root = (x * c).sum()", "c.grad is None", f"c.grad = {c.grad}",
                 "skip inputs with requires_grad False (topological_order leaves them out)")
        if a.grad is not None:
            fail(check, "an intermediate tensor kept a .grad", "a = x * c, root = a.sum()",
                 "a.grad is None (only leaves keep .grad, as in PyTorch)", f"a.grad = {a.grad}",
                 "keep the gradients of intermediate tensors in your dict only; set .grad on "
                 "leaves (grad_fn is None)")
        return _grad_of(check, x, "x", "root = (x * c).sum()")

    def owned():
        x, y = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
        backward((x + y).sum())
        gx = _grad_of(check, x, "x", "root = (x + y).sum()")
        gy = _grad_of(check, y, "y", "root = (x + y).sum()")
        shared = np.shares_memory(gx, gy)
        if shared or not gx.flags.writeable or not gy.flags.writeable:
            fail(check, "two leaves share one gradient array" if shared else
                 "a leaf's .grad is a read-only array", "root = (x + y).sum()",
                 "x.grad and y.grad: two arrays of their own, which can be changed in place",
                 "one array shared by both" if shared else "a read-only view",
                 "Add.backward returns the same array for both inputs, and Sum.backward may "
                 "return a read-only np.broadcast_to view; optimizer.zero_grad() and "
                 "clip_grad_norm_ change .grad in place, so store a copy: Tensor(np.array(g))")
        return gx

    cases = [
        Case("x used twice", used_twice, [2.0, 4.0, 6.0], "root = (x * x).sum(), x = [1, 2, 3]",
             twice),
        Case("two paths", two_paths, 3.0 + np.exp([0.0, 1.0]),
             "root = (x * 3 + x.exp()).sum(), x = [0, 1]", twice),
        Case("reverse topological order", in_order, [8.0, 8.0],
             "a = x * 2, root = (a + a * 3).sum(), x = [1, 2]",
             "walk reversed(topological_order(root)): a tensor may pass its gradient on only "
             "once every tensor that uses it has added its share"),
        Case("a broadcast bias", broadcast, [11.0, 22.0, 33.0],
             "w (2, 3), b = [0.5, 0.5, 0.5], c = [[1, 2, 3], [10, 20, 30]], "
             "root = ((w + b) * c).sum()",
             "b was added to each of 2 rows: unbroadcast each gradient to its input's shape "
             "(unbroadcast(g, inp.shape)) before adding it up"),
        Case("an explicit grad", explicit, [2.0, 20.0, 200.0],
             "y = x * 2, backward(y, grad=[1, 10, 100])",
             "start from the grad you were given; only when it is None use ones"),
        Case("gradients accumulate", accumulates, [3.0, 3.0],
             "x.grad = [1, 1] before, root = (x * 2).sum()",
             "add the new gradient to the .grad a leaf already has (optimizer.zero_grad() is "
             "what resets it)"),
        Case("only leaves keep .grad", leaves_only, [3.0, 4.0], "root = (x * c).sum()",
             "x.grad = c"),
        Case("each leaf owns its .grad", owned, [1.0, 1.0], "root = (x + y).sum()",
             "store a copy of the gradient in each leaf's .grad: Tensor(np.array(g))"),
        raises_case(check, "a root that is not a scalar, without grad",
                    lambda: backward(_leaf([1.0, 2.0]) * 2.0), (ValueError, RuntimeError),
                    ["scalar"], "y = x * 2 with shape (2,), backward(y)",
                    "grad=None means d(root)/d(root) = 1, which only exists for a root with one "
                    "element: raise a ValueError that says a scalar is needed (or a grad)"),
    ]
    run_cases(check, cases)


@saves("autograd.no_grad")
def check_no_grad(no_grad):
    """Check ``no_grad()``: operations inside ``with no_grad():`` record nothing, and afterwards
    recording is as it was before, also after an error and when nested."""
    check = "check_no_grad"
    import tinytorch.core.autograd as engine

    def records():
        return (_leaf([1.0]) * 2.0).requires_grad

    def run(body):
        def call():
            before = engine.grad_enabled
            try:
                return float(body())
            finally:
                engine.grad_enabled = before
        return call

    def inside():
        with no_grad():
            return records()

    def after():
        with no_grad():
            pass
        return records()

    def after_error():
        try:
            with no_grad():
                raise KeyError("raised inside the block")
        except KeyError:
            pass
        return records()

    def nested():
        with no_grad():
            with no_grad():
                pass
            return records()

    def already_off():
        engine.grad_enabled = False
        with no_grad():
            pass
        return engine.grad_enabled

    switch = "tinytorch_autograd.grad_enabled"
    cases = [
        Case("inside the block", run(inside), 0.0, "with no_grad(): y = x * 2; y.requires_grad",
             f"on entry, set {switch} = False: operations check it before they record"),
        Case("after the block", run(after), 1.0, "with no_grad(): pass; then (x * 2).requires_grad",
             f"on exit, put {switch} back"),
        Case("after an error in the block", run(after_error), 1.0,
             "with no_grad(): raise KeyError; then (x * 2).requires_grad",
             "restore the switch in a finally: (or __exit__), which runs when the block raises"),
        Case("nested", run(nested), 0.0,
             "with no_grad(): (with no_grad(): pass); then, still in the outer block, "
             "(x * 2).requires_grad",
             f"on exit, restore the value {switch} had on entry, not True: blocks nest"),
        Case("entered when recording is already off", run(already_off), 0.0,
             f"{switch} = False; with no_grad(): pass; then {switch}",
             "save the value on entry and restore exactly that value"),
    ]
    run_cases(check, cases)
