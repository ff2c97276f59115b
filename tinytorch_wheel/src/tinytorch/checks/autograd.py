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

from tinytorch.checks._helpers import floats, require_function, text
from tinytorch.checks._report import Case, fail, run_cases
from tinytorch.core.autograd import Function
from tinytorch.core.tensor import Tensor

__all__ = ["check_mul_backward", "check_exp_backward", "check_sum_backward",
           "check_matmul_backward", "check_linear_backward", "check_unbroadcast",
           "check_numerical_gradient"]


def _require_function_class(check, candidate, example):
    if not (isinstance(candidate, type) and issubclass(candidate, Function)):
        raise TypeError(
            f"{check}: pass your Function subclass itself, e.g. {check}({example}), written as "
            f"class {example}(Function) (got {candidate!r})"
        )


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


def check_mul_backward(Mul):
    """Check ``Mul``: forward ``a * b``; backward ``(grad * b, grad * a)``."""
    check = "check_mul_backward"
    _require_function_class(check, Mul, "Mul")
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


def check_exp_backward(Exp):
    """Check ``Exp``: forward ``exp(a)``; backward ``grad * exp(a)``."""
    check = "check_exp_backward"
    _require_function_class(check, Exp, "Exp")
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


def check_sum_backward(Sum):
    """Check ``Sum``: forward ``np.sum(a, axis, keepdims)``; backward spreads grad back."""
    check = "check_sum_backward"
    _require_function_class(check, Sum, "Sum")
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


def check_matmul_backward(MatMul):
    """Check ``MatMul`` for matrices: backward ``(grad @ b.T, a.T @ grad)``."""
    check = "check_matmul_backward"
    _require_function_class(check, MatMul, "MatMul")
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
    run_cases(check, cases)


# ===== Linear ====================================================================================


def check_linear_backward(LinearFunction):
    """Check ``LinearFunction``: forward ``x @ W.T + b``; backward ``(g @ W, g.T @ x, sum of g)``."""
    check = "check_linear_backward"
    _require_function_class(check, LinearFunction, "LinearFunction")
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
