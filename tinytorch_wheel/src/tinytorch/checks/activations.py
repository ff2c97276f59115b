"""Learner checks for module 02, Activations.

The learner composes each function from Tensor operations (``x.clip(min=0)``, ``x.exp()``,
``x - m``, ``x.sum(axis=dim, keepdims=True)``), each of which records itself in the autograd
graph: the function passes its check into the learner's package and the milestone trains through
it. Each check takes the learner's function (or a module instance, which is called the same way)
and calls it on tensors: ``relu(x)``, ``softmax(x, dim=1)``.

The exercises in the notebook's order::

    the learner writes                    the check cell runs
    relu(x) -> Tensor                     check_relu(relu)
    sigmoid(x) -> Tensor                  check_sigmoid(sigmoid)
    tanh(x) -> Tensor                     check_tanh(tanh)
    softmax(x, dim=-1) -> Tensor          check_softmax(softmax)

What the checks ask beyond the formulas: the input is left unchanged; ``sigmoid``, ``tanh`` and
``softmax`` are exact for inputs of +-1e4 (``sigmoid`` also for +-100 in float32, the course's
default dtype, whose exp overflows from exp(89) on) and no step of the computation overflows (the textbook
``1 / (1 + np.exp(-x))`` gives the right 0 at x = -1e4, but only after ``exp`` returned inf: the
stable version never makes an inf). The checks see that on every platform, by handing over
tensors whose arrays note any numpy operation that turns finite numbers into inf or nan (in the
browser numpy cannot warn about overflow). ``softmax`` normalises along ``dim`` (default the
last) and subtracts the maximum of each slice along ``dim``, not one global maximum. Last, the
result of an input with ``requires_grad=True`` must be connected to it: its ``backward`` gives
the input the derivative of the activation, so a version computed on ``x.data`` with numpy and
wrapped in a new Tensor, right as its values are, is turned away. The gradient cases avoid
``x = 0``, where ReLU has no derivative.

Every expected value and gradient is a plain float64 numpy formula on safe inputs (the
derivatives written out by hand), or a number worked out by hand for the extreme ones, never a
call of ``tinytorch.core``.
"""

import numpy as np

from tinytorch.checks._helpers import (floats, gradient_case, no_overflow_case, require_function,
                                       tensor_result, text, unchanged_case)
from tinytorch.checks._report import Case, run_cases
from tinytorch.core.tensor import Tensor
from tinytorch.workspace import saves

__all__ = ["check_relu", "check_sigmoid", "check_tanh", "check_softmax"]

MIXED = floats([[-2.0, -0.5, 0.0], [0.5, 1.0, 3.0]])
EXTREMES = floats([-1e4, -800.0, 800.0, 1e4])
# The course's default dtype: float32's exp overflows from exp(89) on, float64's from exp(710).
EXTREMES_32 = np.array([-100.0, 100.0], dtype=np.float32)
# For the gradient cases: both signs, no 0 (ReLU has no derivative there).
SLOPES = floats([[-3.0, -1.0, -0.25], [0.5, 1.5, 4.0]])
NEW_TENSOR = ("return a Tensor built with Tensor operations on x (they return Tensors), not a "
              "numpy array computed on x.data")


def _caller(check, candidate):
    """``call(x, **options)`` returns a case's ``run``: the learner's result as an array."""

    def call(x, describe, **options):
        def run():
            got = tensor_result(check, describe, describe, candidate(Tensor(x.copy()), **options),
                                hint=NEW_TENSOR)
            return None if got is None else got.data
        return run

    return call


def _unchanged_case(candidate, x, describe, **options):
    return unchanged_case("leaves its input unchanged", lambda t: candidate(t, **options), x,
                          f"{describe}, compared after the call",
                          "compute new tensors (x.clip(min=0), x - m, (...).exp()), never in "
                          "place: x.data[...] = ... or x.data -= ... changes the caller's tensor")


def _slope_case(check, candidate, value, slope, operations, x=SLOPES, **options):
    """The gradient case of an activation: ``slope`` is its derivative at ``x``, elementwise."""
    dim = f" (dim={options['dim']})" if options else ""

    def forward():
        tensor = Tensor(x.copy(), requires_grad=True)
        return candidate(tensor, **options), {"x": tensor}

    return gradient_case(check, "gradients flow back to x",
                         f"x = {text(x)}, requires_grad=True{dim}", forward, value,
                         lambda y, g: {"x": slope(g)}, operations, shape=x.shape)


# ===== ReLU ======================================================================================


@saves("activations.relu")
def check_relu(relu):
    """Check ``relu(x) = max(x, 0)``, elementwise."""
    check = "check_relu"
    require_function(check, relu, "relu")
    call = _caller(check, relu)
    vector = floats([-3.0, -1.0, 0.0, 2.0, 5.0])
    cases = [
        Case("mixed signs", call(vector, text(vector)), [0.0, 0.0, 0.0, 2.0, 5.0], text(vector),
             "relu keeps positive values and replaces negative ones by 0: x.clip(min=0)"),
        Case("a matrix", call(MIXED, text(MIXED)), [[0.0, 0.0, 0.0], [0.5, 1.0, 3.0]], text(MIXED),
             "elementwise, whatever the shape"),
        Case("tiny and huge values", call(floats([-1e-8, 1e-8, -1e4, 1e4]), "[-1e-8, 1e-8, -1e4, 1e4]"),
             [0.0, 1e-8, 0.0, 1e4], "[-1e-08, 1e-08, -10000.0, 10000.0]",
             "only the sign decides: a positive value passes unchanged, however small",
             rtol=1e-7, atol=0.0),
        _unchanged_case(relu, MIXED, text(MIXED)),
        # relu'(x) = 1 where x > 0, 0 where x < 0
        _slope_case(check, relu, np.maximum(SLOPES, 0), lambda g: np.where(SLOPES > 0, g, 0.0),
                    "x.clip(min=0)"),
    ]
    run_cases(check, cases)


# ===== Sigmoid ===================================================================================


@saves("activations.sigmoid")
def check_sigmoid(sigmoid):
    """Check ``sigmoid(x) = 1 / (1 + exp(-x))``, exact and warning-free for inputs of +-1e4."""
    check = "check_sigmoid"
    require_function(check, sigmoid, "sigmoid")
    call = _caller(check, sigmoid)
    safe = floats([-5.0, -1.0, 0.0, 1.0, 5.0])
    no_positive_exponent = ("Subtract m = max(x, 0) in every exponent, so that none is "
                            "positive: with m = x.clip(min=0), sigmoid(x) = (x - m).exp() / "
                            "((x - m).exp() + (-m).exp())")
    stable = "exp(-x) overflows for x = -1e4. " + no_positive_exponent
    float32 = ("float32, the default dtype, overflows much sooner than float64: exp(100) is "
               "already inf, so clipping x to +-500 does not help. " + no_positive_exponent)
    s = 1 / (1 + np.exp(-SLOPES))
    cases = [
        Case("small inputs", call(safe, text(safe)), 1 / (1 + np.exp(-safe)), text(safe),
             "sigmoid(x) = 1 / (1 + exp(-x)); sigmoid(0) = 0.5, sigmoid(-x) = 1 - sigmoid(x)"),
        Case("a matrix", call(MIXED, text(MIXED)), 1 / (1 + np.exp(-MIXED)), text(MIXED),
             "elementwise, whatever the shape"),
        # sigmoid(-1e4) = 1 / (1 + e^10000) = 0 and sigmoid(1e4) = 1 in any floating type
        Case("inputs of +-800 and +-1e4", call(EXTREMES, text(EXTREMES)), [0.0, 0.0, 1.0, 1.0],
             text(EXTREMES), "exp(800) is inf and inf / inf is nan: " + stable),
        Case("very negative inputs stay accurate", call(floats([-30.0, -50.0]), "[-30.0, -50.0]"),
             np.exp([-30.0, -50.0]) / (1 + np.exp([-30.0, -50.0])), "[-30.0, -50.0]",
             "sigmoid(-50) is 1.9e-22, not 0: compute it as exp(x) / (exp(x) + 1) for x < 0 "
             "(the form with m = max(x, 0) does), rather than 1 - sigmoid(50)",
             rtol=1e-6, atol=0.0),
        no_overflow_case(check, "no overflow", sigmoid, EXTREMES,
                         f"{text(EXTREMES)}, every step watched", stable),
        # sigmoid(-100) = 3.7e-44, a float32 subnormal; 0 is as close as the tolerance asks
        Case("float32 inputs of +-100", call(EXTREMES_32, "float32 +-100"), [0.0, 1.0],
             f"np.array({text(EXTREMES_32)}, dtype=np.float32)", float32),
        no_overflow_case(check, "no overflow in float32", sigmoid, EXTREMES_32,
                         f"np.array({text(EXTREMES_32)}, dtype=np.float32), every step watched",
                         float32),
        _unchanged_case(sigmoid, MIXED, text(MIXED)),
        # sigmoid'(x) = s (1 - s)
        _slope_case(check, sigmoid, s, lambda g: g * s * (1 - s),
                    "x.clip(min=0), x - m, (...).exp(), a / b"),
    ]
    run_cases(check, cases)


# ===== Tanh ======================================================================================


@saves("activations.tanh")
def check_tanh(tanh):
    """Check ``tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))``, exact for inputs of +-1e4."""
    check = "check_tanh"
    require_function(check, tanh, "tanh")
    call = _caller(check, tanh)
    safe = floats([-3.0, -1.0, 0.0, 0.5, 2.0])
    formula = (np.exp(safe) - np.exp(-safe)) / (np.exp(safe) + np.exp(-safe))
    stable = ("exp(1e4) is inf and inf / inf is nan: build tanh from your stable sigmoid, "
              "tanh(x) = 2 * sigmoid(2 * x) - 1, which never takes exp of a positive number")
    t = np.tanh(SLOPES)
    cases = [
        Case("small inputs", call(safe, text(safe)), formula, text(safe),
             "tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x)); it is odd: tanh(-x) = -tanh(x)"),
        Case("a matrix", call(MIXED, text(MIXED)),
             (np.exp(2 * MIXED) - 1) / (np.exp(2 * MIXED) + 1), text(MIXED),
             "elementwise, whatever the shape"),
        Case("inputs of +-800 and +-1e4", call(EXTREMES, text(EXTREMES)), [-1.0, -1.0, 1.0, 1.0],
             text(EXTREMES), stable),
        no_overflow_case(check, "no overflow", tanh, EXTREMES,
                         f"{text(EXTREMES)}, every step watched", stable),
        _unchanged_case(tanh, MIXED, text(MIXED)),
        # tanh'(x) = 1 - tanh(x)**2
        _slope_case(check, tanh, t, lambda g: g * (1 - t**2),
                    "2 * sigmoid(2 * x) - 1 with your sigmoid"),
    ]
    run_cases(check, cases)


# ===== Softmax ===================================================================================


def _plain_softmax(x, axis):
    """The textbook formula, safe here because these inputs are small."""
    return np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)


@saves("activations.softmax")
def check_softmax(softmax):
    """Check ``softmax(x, dim=-1)``: positive, summing to one along ``dim``, stable for 1e4."""
    check = "check_softmax"
    require_function(check, softmax, "softmax")
    call = _caller(check, softmax)
    row = floats([[1.0, 2.0, 3.0]])
    rows = floats([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]])
    square = floats([[1.0, 0.0], [3.0, -1.0]])
    cube = np.arange(12, dtype=np.float64).reshape(2, 3, 2) / 4
    # exp([0, ln 2, ln 5]) = [1, 2, 5], which sum to 8
    worked = floats([[0.0, np.log(2.0), np.log(5.0)]])
    huge = floats([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4]])
    scales = floats([[1000.0, 999.0], [0.0, -1.0]])
    along = "normalise along dim: sum with axis=dim, keepdims=True, so each slice sums to one"
    shift = ("exp(1e4) overflows: subtract the maximum along dim first, "
             "x - x.max(axis=dim, keepdims=True); it cancels out of the fraction")
    y = _plain_softmax(SLOPES, -1)
    cases = [
        Case("a worked example", call(worked, "[[0, ln 2, ln 5]]", dim=-1),
             [[1 / 8, 2 / 8, 5 / 8]], "[[0.0, ln 2, ln 5]] (dim=-1)",
             "softmax(x)_i = exp(x_i) / sum_j exp(x_j): here [1, 2, 5] / 8"),
        Case("one row", call(row, text(row), dim=-1), _plain_softmax(row, -1),
             f"{text(row)} (dim=-1)", along),
        Case("two rows", call(rows, text(rows), dim=-1), _plain_softmax(rows, -1),
             f"{text(rows)} (dim=-1)", "each row separately: " + along),
        Case("dim defaults to -1", call(rows, text(rows)), _plain_softmax(rows, -1),
             f"{text(rows)} (no dim given)", "give dim a default: def softmax(x, dim=-1)"),
        Case("dim=0 (down the columns)", call(square, text(square), dim=0),
             _plain_softmax(square, 0), f"{text(square)} (dim=0)",
             "use the dim argument as the axis of max and sum: " + along),
        Case("a 3-D input, dim=1", call(cube, "cube", dim=1), _plain_softmax(cube, 1),
             "np.arange(12).reshape(2, 3, 2) / 4 (dim=1)", along),
        Case("equal logits", call(floats([[7.0, 7.0, 7.0, 7.0]]), "[[7, 7, 7, 7]]", dim=-1),
             np.full((1, 4), 0.25), "[[7.0, 7.0, 7.0, 7.0]] (dim=-1)",
             "equal scores share the probability equally"),
        # subtracting each row's maximum: [1e4, 0, -1e4] -> [0, -1e4, -2e4] -> [1, 0, 0]
        Case("logits of +-1e4", call(huge, text(huge), dim=-1),
             [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]], f"{text(huge)} (dim=-1)", shift),
        # one global maximum (1000) would send the second row to exp(-1000) = 0 and 0 / 0
        Case("rows of very different size", call(scales, text(scales), dim=-1),
             _plain_softmax(floats([[1.0, 0.0], [0.0, -1.0]]), -1), f"{text(scales)} (dim=-1)",
             "subtract each row's own maximum (axis=dim, keepdims=True), not the maximum of "
             "the whole tensor: that sends the small row to exp(-1000) = 0, then 0 / 0"),
        no_overflow_case(check, "no overflow", lambda x: softmax(x, dim=-1), huge,
                         f"{text(huge)} (dim=-1), every step watched", shift),
        _unchanged_case(softmax, rows, text(rows), dim=-1),
        # the vector-Jacobian product of softmax: y * (g - sum(g * y)) along dim
        _slope_case(check, softmax, y, lambda g: y * (g - (g * y).sum(axis=-1, keepdims=True)),
                    "x - x.max(axis=dim, keepdims=True), (...).exp(), "
                    "e.sum(axis=dim, keepdims=True), e / s", dim=-1),
    ]
    run_cases(check, cases)
