"""Learner checks for module 04, Losses.

The learner composes each loss from Tensor operations (``d ** 2``, ``.mean()``, ``.log()``,
``.clip(...)``, indexing), each of which records itself in the autograd graph: a loss that passes
its check goes into the learner's package, and the milestone network is trained through it. The
loss exercises are classes that subclass ``Module`` (module 03), exactly like the
reference classes in ``tinytorch.core.losses``, so calling a loss runs its ``forward``. Each
check takes the learner's function or class (not an instance), creates the loss with the default
arguments and calls it like PyTorch code does: ``loss = MSELoss(); loss(predictions, targets)``.
Only the default reduction (the mean) is asked for.

The exercises in the notebook's order; every loss returns a scalar Tensor, the mean::

    the learner writes                                   the check cell runs
    log_softmax(x, dim=-1) -> Tensor                     check_log_softmax(log_softmax)
    MSELoss.forward(predictions, targets)                check_mse_loss(MSELoss)
    HuberLoss(delta=1.0).forward(predictions, targets)   check_huber_loss(HuberLoss)
    CrossEntropyLoss.forward(logits, targets)            check_cross_entropy_loss(CrossEntropyLoss)
    BinaryCrossEntropyLoss.forward(predictions, targets) check_binary_cross_entropy_loss(
                                                             BinaryCrossEntropyLoss)
    BCEWithLogitsLoss.forward(logits, targets)           check_bce_with_logits_loss(
                                                             BCEWithLogitsLoss)

What the checks ask beyond the formulas: ``log_softmax`` works along any ``dim``, stays finite for
logits of 1000 and -10000 (1000 in float32 too, the course's default dtype, whose exp overflows
from exp(89) on), subtracts each row's own maximum (rows of very different size) and leaves its
input unchanged; cross-entropy takes logits (N, C) and integer class indices (N,), is finite for
logits of +-1e4 and for rows of very different size, and leaves the logits unchanged; binary
cross-entropy takes probabilities in [0, 1], 0 and 1 included (in float32 too), and clamps each
log at -100 like PyTorch; BCE with logits takes raw scores and is finite for +-1e4. Where a wrong
value shows the mistake (a log_softmax off by one amount per row, a loss summed instead of
averaged or with its sign flipped), the hint names it. Last, the loss of predictions (or logits)
with ``requires_grad=True`` must be connected to them: ``loss.backward()`` gives them the
derivative of the loss, so a loss computed on ``.data`` with numpy and wrapped in a new Tensor,
right as its value is, is turned away. The gradient cases keep away from the points where a loss
has no derivative or where PyTorch's choice is a convention (Huber at ``|d| = delta``, a logit of
exactly 0, probabilities of exactly 0 or 1).

Every expected value and gradient below comes from a plain float64 numpy formula on small, safe
numbers (the derivatives written out by hand), or from numbers worked out by hand for the extreme
cases, never from ``tinytorch.core``.
"""

import numpy as np

from tinytorch.checks._helpers import (diagnosed, floats, gradient_case, require_class,
                                       require_function, text, unchanged_case)
from tinytorch.checks._report import Case, fail, result_of, run_cases
from tinytorch.core.tensor import Tensor
from tinytorch.workspace import saves

__all__ = [
    "check_log_softmax",
    "check_mse_loss",
    "check_huber_loss",
    "check_cross_entropy_loss",
    "check_binary_cross_entropy_loss",
    "check_bce_with_logits_loss",
]


def _require_tensor(check, case):
    """Run the first case once to see that the result is a Tensor (later modules need one)."""
    got = result_of(check, case)
    if not isinstance(got, Tensor):
        fail(check, f"'{case.name}' did not return a Tensor", case.describe, "a Tensor",
             f"{type(got).__name__}: {got!r}",
             "return a Tensor built with Tensor operations (they return Tensors), not a numpy "
             "array computed on .data")


def _run(check, cases):
    _require_tensor(check, cases[0])
    run_cases(check, cases)


# ===== log_softmax ================================================================================


def _plain_log_softmax(x, axis):
    """The textbook formula, safe here because these inputs are small."""
    return x - np.log(np.exp(x).sum(axis=axis, keepdims=True))


def _log_softmax_mistakes(x, axis, right):
    """What a wrong log_softmax of ``x`` along ``axis`` shows about the mistake: a hint, or None.

    ``right`` is x - log(sum(exp(x))). An answer off by one amount per row has the right
    differences within each row and a wrong normaliser; off by exactly the row maximum m, it is
    the usual x - log(sum(exp(x - m))), in which the shift by m was not undone.
    """
    m = x.max(axis=axis, keepdims=True)
    over_everything = x - x.max() - np.log(np.exp(x - x.max()).sum())

    def diagnose(got):
        if not np.all(np.isfinite(got)):
            return None
        if x.ndim > 1 and np.allclose(got, over_everything, rtol=1e-5, atol=1e-6):
            return ("your answer is normalised over the whole tensor: all its probabilities sum "
                    "to one together. Normalise each row (each slice along dim) on its own: max "
                    "and sum with axis=dim, keepdims=True")
        offset = got - right
        per_row = offset.mean(axis=axis, keepdims=True)
        if np.allclose(offset, per_row, rtol=1e-5, atol=1e-6):
            if np.allclose(per_row, m, rtol=1e-5, atol=1e-6):
                return (f"each row of your answer (each slice along dim) is off by the same "
                        f"amount, the row's maximum m (here {text(m)}): the shift "
                        f"was not undone. With shifted = x - m, log_softmax(x) = shifted - "
                        f"log(sum(exp(shifted))); subtracting that from x itself leaves m over")
            return (f"each row of your answer (each slice along dim) is off by the same amount "
                    f"(here {text(np.round(per_row, 4) + 0.0)}): the differences within a row are "
                    f"right, the normaliser is not. Subtract log(sum(exp(x))) along dim, "
                    f"computed as m + log(sum(exp(x - m))) with m the row maximum")
        if np.allclose(got, np.exp(right), rtol=1e-5, atol=1e-6):
            return ("these are probabilities (the softmax), not their logarithms: take the log, "
                    "or better subtract the log-sum-exp directly: x - m - log(sum(exp(x - m)))")
        return None

    return diagnose


@saves("losses.log_softmax")
def check_log_softmax(candidate):
    """Check ``log_softmax(x, dim=-1)``: a Tensor of log-probabilities along ``dim``."""
    check = "check_log_softmax"
    require_function(check, candidate, "log_softmax")

    def value(name, x, expected, describe, hint, **dim):
        """A case comparing ``log_softmax(Tensor(x), **dim)`` with ``expected``."""
        case = Case(name, lambda: candidate(Tensor(x.copy()), **dim), expected, describe, hint)
        return diagnosed(check, case, _log_softmax_mistakes(x, dim.get("dim", -1), expected))

    row = floats([[1.0, 2.0, 3.0]])
    rows = floats([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]])
    columns = floats([[1.0, -2.0], [0.0, 3.0], [2.0, 0.5]])
    cube = np.arange(12, dtype=np.float64).reshape(2, 3, 2) / 4
    vector = floats([0.5, -1.0, 2.0])
    scales = floats([[1000.0, 999.0], [0.0, -1.0]])
    large = np.array([[1000.0, 0.0]], dtype=np.float32)
    spread = "subtract each row's maximum and its own log-sum-exp: use axis=dim, keepdims=True"
    cases = [
        value("one row", row, _plain_log_softmax(row, -1), f"{text(row)} (dim=-1)",
              "log_softmax(x) = x - log(sum(exp(x))) along dim; is the log missing?"),
        value("two rows", rows, _plain_log_softmax(rows, -1), f"{text(rows)} (dim=-1)",
              "every row is normalised on its own: " + spread, dim=-1),
        value("dim=0 (down the columns)", columns, _plain_log_softmax(columns, 0),
              f"{text(columns)} (dim=0)",
              "use the dim argument as the axis of max and sum: " + spread, dim=0),
        value("a 3-D input, dim=1", cube, _plain_log_softmax(cube, 1),
              "np.arange(12).reshape(2, 3, 2) / 4 (dim=1)", spread, dim=1),
        value("a 1-D input, default dim", vector, _plain_log_softmax(vector, -1), text(vector),
              "dim defaults to -1, the last dimension"),
        value("equal logits", floats([[5.0, 5.0, 5.0, 5.0]]), np.full((1, 4), -np.log(4)),
              "[[5.0, 5.0, 5.0, 5.0]] (dim=-1)", "equal logits share the probability: log(1/4)"),
        value("a row with a very large logit", floats([[1000.0, 0.0]]),
              floats([[0.0, -1000.0]]), "[[1000.0, 0.0]] (dim=-1)",
              "exp(1000) overflows; subtract the row maximum before exp (the log-sum-exp trick)"),
        value("very negative logits", floats([[-10000.0, -10001.0, -10002.0]]),
              _plain_log_softmax(floats([[0.0, -1.0, -2.0]]), -1),
              "[[-10000.0, -10001.0, -10002.0]] (dim=-1)",
              "exp(-10000) underflows to 0 and log(0) = -inf; after subtracting the maximum the "
              "largest exponent is exp(0) = 1"),
        # the first row is [1, 0] shifted by 999; one maximum for the whole batch (1000) would
        # send the second row to exp(-1000) = 0 and log(0) = -inf
        value("rows of very different size", scales,
              _plain_log_softmax(floats([[1.0, 0.0], [0.0, -1.0]]), -1),
              f"{text(scales)} (dim=-1)",
              "subtract each row's own maximum, x.max(axis=dim, keepdims=True), not the maximum "
              "of the whole tensor: that sends the small row to exp(-1000) = 0, then log(0)"),
        # float32's exp overflows above 88.7: a shift that is enough in float64 may not be
        value("float32, a very large logit", large, floats([[0.0, -1000.0]]),
              "np.array([[1000.0, 0.0]], dtype=np.float32) (dim=-1)",
              "in float32 exp overflows from exp(89) on, so only subtracting the row maximum is "
              "safe (the largest exponent is then exp(0) = 1); any other shift, such as the "
              "mean, leaves exp(500) here"),
        unchanged_case("leaves its input unchanged", lambda x: candidate(x, dim=-1), rows,
                       f"{text(rows)}, compared after the call",
                       "compute new tensors (x - m), not in place: x.data -= m changes the "
                       "caller's tensor"),
        _gradient_case(check, lambda: candidate, rows, None, _plain_log_softmax(rows, -1),
                       # d(sum(g * log_softmax(x)))/dx = g - softmax(x) * sum(g) along dim
                       lambda g: g - np.exp(_plain_log_softmax(rows, -1))
                       * g.sum(axis=-1, keepdims=True),
                       "x - x.max(axis=dim, keepdims=True), (...).exp(), "
                       "(...).sum(axis=dim, keepdims=True), (...).log()",
                       first="x", note=" (dim=-1)", dim=-1),
    ]
    _run(check, cases)


# ===== MSELoss ===================================================================================


def _loss_mistakes(expected, count):
    """What a wrong loss value shows, where it can: summed over ``count`` numbers instead of
    averaged, or the sign flipped. A hint, or None."""

    def diagnose(got):
        if count > 1 and np.isclose(got, expected * count, rtol=1e-5, atol=1e-6):
            return (f"your loss is {count} times the right one, and {count} numbers are "
                    f"averaged here: you summed them; take the mean, (...).mean()")
        if expected != 0 and np.isclose(got, -expected, rtol=1e-5, atol=1e-6):
            return ("your loss has the opposite sign of the right one: the log of a probability "
                    "is negative, so these losses carry a minus sign in front, -mean(...)")
        return None

    return diagnose


def _loss_case(check, make_loss, name, predictions, targets, expected, hint, note=""):
    def run():
        return make_loss()(Tensor(predictions.copy()), Tensor(targets.copy()))

    describe = f"predictions {text(predictions)}, targets {text(targets)}{note}"
    return diagnosed(check, Case(name, run, expected, describe, hint),
                     _loss_mistakes(expected, predictions.size))


def _gradient_case(check, make_loss, first_values, targets, value, gradient, operations,
                   first="predictions", note="", **options):
    """The case that wants the loss connected to its first input (predictions or logits):
    ``make_loss()(first, targets)`` (or ``make_loss()(first, **options)`` without targets), then
    backward; ``gradient(g)`` is the expected gradient of the first input."""

    def forward():
        tensor = Tensor(first_values.copy(), requires_grad=True)
        if targets is None:
            return make_loss()(tensor, **options), {first: tensor}
        return make_loss()(tensor, Tensor(targets.copy())), {first: tensor}

    describe = f"{first} {text(first_values)}, requires_grad=True"
    if targets is not None:
        describe += f", targets {text(targets)}"
    shape = first_values.shape if targets is None else None  # a loss is a scalar
    return gradient_case(check, "gradients flow back to " + first, describe + note,
                         forward, value, lambda result, g: {first: gradient(g)}, operations,
                         shape=shape, result="loss" if targets is not None else "result")


@saves("losses.MSELoss")
def check_mse_loss(candidate):
    """Check an ``MSELoss`` class: ``MSELoss()(predictions, targets)`` is the mean squared error."""
    check = "check_mse_loss"
    require_class(check, candidate, "MSELoss")
    batch_p = floats([[0.5, 1.0, -1.0], [2.0, 0.0, 1.5]])
    batch_t = floats([[0.0, 1.0, 1.0], [1.0, -1.0, 1.5]])
    cases = [
        _loss_case(check, candidate, "errors 0, -2 and 3", floats([1.0, 2.0, 3.0]),
                   floats([1.0, 4.0, 0.0]), 13 / 3,
                   "square each error, then average: (0 + 4 + 9) / 3"),
        _loss_case(check, candidate, "a perfect prediction", floats([0.5, -2.0]),
                   floats([0.5, -2.0]), 0.0, "equal predictions and targets give a loss of 0"),
        _loss_case(check, candidate, "a batch of vectors (2, 3)", batch_p, batch_t,
                   np.mean((batch_p - batch_t) ** 2),
                   "the mean is over every element (.mean() of the whole tensor, no axis), not "
                   "per row, and the result is one number"),
        _loss_case(check, candidate, "large errors", floats([1000.0, -1000.0]),
                   floats([-1000.0, 0.0]), (2000.0**2 + 1000.0**2) / 2,
                   "square the errors: (2000^2 + 1000^2) / 2"),
        # d(mean(d**2))/dp = 2 d / n
        _gradient_case(check, candidate, batch_p, batch_t, np.mean((batch_p - batch_t) ** 2),
                       lambda g: 2 * (batch_p - batch_t) / batch_p.size,
                       "predictions - targets, d ** 2, (...).mean()"),
    ]
    _run(check, cases)


# ===== HuberLoss =================================================================================


@saves("losses.HuberLoss")
def check_huber_loss(candidate):
    """Check a ``HuberLoss`` class: ``HuberLoss(delta=...)(predictions, targets)``, the mean."""
    check = "check_huber_loss"
    require_class(check, candidate, "HuberLoss")
    pieces = ("0.5 * d**2 where |d| < delta, delta * (|d| - 0.5 * delta) elsewhere, "
              "with d = predictions - targets")
    batch_p = floats([[0.2, -0.4], [3.0, 1.0]])
    batch_t = floats([[0.0, 0.0], [0.0, 0.0]])
    d = batch_p - batch_t
    # small and large errors, none at |d| = delta, where the two pieces meet
    errors = floats([0.5, 3.0, -2.0, 0.2, -0.7])
    cases = [
        # three errors, not two: without its 0.5 the loss of two would look summed
        _loss_case(check, candidate, "small errors only (delta=1)", floats([0.5, -0.2, 0.1]),
                   floats([0.0, 0.0, 0.0]), (0.125 + 0.02 + 0.005) / 3,
                   "for |d| < delta the loss is 0.5 * d**2 (do not forget the 0.5)"),
        _loss_case(check, candidate, "small and large errors (delta=1)", floats([0.5, 3.0, -2.0]),
                   floats([0.0, 0.0, 0.0]), (0.125 + 2.5 + 1.5) / 3,
                   "large errors grow linearly: delta * (|d| - 0.5 * delta); " + pieces),
        _loss_case(check, lambda: candidate(delta=2.0), "delta=2", floats([1.0, 3.0, -4.0]),
                   floats([0.0, 0.0, 0.0]), (0.5 + 4.0 + 6.0) / 3,
                   "use self.delta (here 2.0) in the threshold and in the linear piece; "
                   + pieces,
                   note=" (HuberLoss(delta=2.0))"),
        _loss_case(check, candidate, "a batch (2, 2), delta=1", batch_p, batch_t,
                   np.mean(np.where(np.abs(d) < 1, 0.5 * d**2, np.abs(d) - 0.5)),
                   "average over every element; " + pieces),
        # the slope of each piece: d where |d| < delta, delta * sign(d) elsewhere; then / n
        _gradient_case(check, candidate, errors, np.zeros(5),
                       np.mean(np.where(np.abs(errors) < 1, 0.5 * errors**2, np.abs(errors) - 0.5)),
                       lambda g: np.clip(errors, -1.0, 1.0) / errors.size,
                       "d = predictions - targets, d.abs(), d.clip(-self.delta, self.delta), "
                       "d ** 2, (...).mean(); a mask of d.data < delta may stay a constant"),
    ]
    _run(check, cases)


# ===== CrossEntropyLoss ==========================================================================


def _cross_entropy_case(check, candidate, name, logits, targets, expected, hint,
                        dtype=np.float64):
    def run():
        return candidate()(Tensor(logits.astype(dtype)), Tensor(targets.copy()))

    describe = f"logits {text(logits)}, targets {text(targets)}"
    if dtype != np.float64:
        describe += f" ({np.dtype(dtype).name} logits)"
    return diagnosed(check, Case(name, run, expected, describe, hint),
                     _loss_mistakes(expected, len(targets)))


def _plain_cross_entropy(logits, targets):
    log_probs = _plain_log_softmax(logits, 1)
    return -np.mean(log_probs[np.arange(len(targets)), targets])


@saves("losses.CrossEntropyLoss")
def check_cross_entropy_loss(candidate):
    """Check a ``CrossEntropyLoss`` class on logits (N, C) and integer class indices (N,)."""
    check = "check_cross_entropy_loss"
    require_class(check, candidate, "CrossEntropyLoss")
    one = floats([[2.0, 1.0, 0.1]])
    square = floats([[1.0, 2.0, 0.5], [0.3, -1.0, 2.5], [1.5, 0.2, -0.7]])
    square_targets = np.array([2, 0, 1])
    wide = floats([[0.5, 1.5, -0.5], [2.0, 0.0, 1.0], [0.0, 0.0, 3.0], [1.0, 1.0, 1.0]])
    wide_targets = np.array([1, 0, 2, 1])
    pick = ("pick the log-probability of each sample's own class: "
            "log_probs[np.arange(N), targets.data], then average and negate")
    softmax = np.exp(_plain_log_softmax(square, 1))
    scales = floats([[1000.0, 999.0, 998.0], [0.0, 1.0, -1.0]])

    cases = [
        _cross_entropy_case(check, candidate, "one sample", one, np.array([0]),
                            _plain_cross_entropy(one, [0]),
                            "loss = -log(softmax(logits)[target]); check the minus sign and "
                            "the log"),
        _cross_entropy_case(check, candidate, "three samples, three classes", square,
                            square_targets, _plain_cross_entropy(square, square_targets), pick),
        _cross_entropy_case(check, candidate, "four samples, three classes", wide, wide_targets,
                            _plain_cross_entropy(wide, wide_targets),
                            "softmax over the classes (axis 1) of each sample; " + pick),
        _cross_entropy_case(check, candidate, "equal logits", np.zeros((2, 4)), np.array([3, 0]),
                            np.log(4.0), "equal logits give every class 1/4: loss log(4)"),
        _cross_entropy_case(check, candidate, "float32 logits", wide, wide_targets,
                            _plain_cross_entropy(wide, wide_targets),
                            "work in the logits' dtype; Tensor([...]) from a list is float32",
                            dtype=np.float32),
        _cross_entropy_case(check, candidate, "a confident right answer",
                            floats([[100.0, 0.0, 0.0]]), np.array([0]), 0.0,
                            "a confident, right prediction costs almost nothing: -log(1) = 0"),
        _cross_entropy_case(check, candidate, "very large logits",
                            floats([[10000.0, 0.0, -10000.0], [0.0, 10000.0, 0.0]]),
                            np.array([1, 1]), 5000.0,
                            "exp(10000) overflows: use the log-sum-exp trick (your log_softmax); "
                            "by hand the losses are 10000 and 0"),
        # the first row is [2, 1, 0] shifted by 998
        _cross_entropy_case(check, candidate, "rows of very different size", scales,
                            np.array([1, 1]),
                            _plain_cross_entropy(floats([[2.0, 1.0, 0.0], [0.0, 1.0, -1.0]]),
                                                 [1, 1]),
                            "subtract each sample's own maximum (axis=1, keepdims=True), not "
                            "the maximum of the whole batch: that sends the second row to "
                            "exp(-1000) = 0, then log(0)"),
        unchanged_case("leaves the logits unchanged",
                       lambda logits: candidate()(logits, Tensor(square_targets.copy())), square,
                       f"logits {text(square)}, targets {text(square_targets)}; the logits "
                       "compared after the call",
                       "compute new tensors (logits - m), not in place: logits.data -= m "
                       "changes the caller's logits (the network's output, which backward() "
                       "still needs)"),
        # softmax minus one-hot, divided by N
        _gradient_case(check, candidate, square, square_targets,
                       _plain_cross_entropy(square, square_targets),
                       lambda g: (softmax - np.eye(3)[square_targets]) / len(square_targets),
                       "your log_softmax(logits, dim=1), log_probs[np.arange(N), targets.data], "
                       "(...).mean()", first="logits"),
    ]
    _run(check, cases)


# ===== BinaryCrossEntropyLoss ====================================================================


def _plain_bce(p, y):
    """Only for probabilities strictly between 0 and 1, where no log needs its clamp."""
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


@saves("losses.BinaryCrossEntropyLoss")
def check_binary_cross_entropy_loss(candidate):
    """Check a ``BinaryCrossEntropyLoss`` class: probabilities and targets in [0, 1], the mean."""
    check = "check_binary_cross_entropy_loss"
    require_class(check, candidate, "BinaryCrossEntropyLoss")
    formula = "loss = -mean(y * log(p) + (1 - y) * log(1 - p))"
    clamp = ("clamp each log at -100 before multiplying, like PyTorch: "
             "p.log().clip(min=-100) and (1 - p).log().clip(min=-100)")
    # strictly between 0 and 1: at exactly 0 or 1 the derivative of the clamped loss is not defined
    inside_p, inside_y = floats([0.9, 0.2, 0.6, 0.35]), floats([1.0, 0.0, 0.5, 1.0])
    batch_p = floats([[0.9, 0.4], [0.25, 0.6]])
    batch_y = floats([[1.0, 0.0], [0.0, 1.0]])
    cases = [
        _loss_case(check, candidate, "two confident answers", floats([0.9, 0.2]),
                   floats([1.0, 0.0]), _plain_bce(floats([0.9, 0.2]), floats([1.0, 0.0])),
                   formula + "; check the minus sign and the order (predictions, targets)"),
        _loss_case(check, candidate, "soft targets", floats([0.7, 0.3]), floats([0.2, 0.9]),
                   _plain_bce(floats([0.7, 0.3]), floats([0.2, 0.9])),
                   "both terms count when targets are between 0 and 1: " + formula),
        _loss_case(check, candidate, "a batch (2, 2)", batch_p, batch_y,
                   _plain_bce(batch_p, batch_y), "average over every element: " + formula),
        _loss_case(check, candidate, "certain and right: p = 1 for y = 1, p = 0 for y = 0",
                   floats([1.0, 0.0]), floats([1.0, 0.0]), 0.0,
                   "0 * log(0) is nan in numpy; " + clamp),
        _loss_case(check, candidate, "certain and wrong: p = 0 for y = 1, p = 1 for y = 0",
                   floats([0.0, 1.0]), floats([1.0, 0.0]), 100.0,
                   "log(0) = -inf; " + clamp + "; each loss here is 100"),
        # two losses of 100 (certain and wrong) and two of 0 (certain and right)
        _loss_case(check, candidate, "float32: probabilities 0 and 1",
                   np.array([0.0, 1.0, 1.0, 0.0], dtype=np.float32),
                   np.array([1.0, 0.0, 1.0, 0.0], dtype=np.float32), 50.0,
                   "the clamp must give exactly -100 in float32 too: clamp the log, "
                   "p.log().clip(min=-100), not the probability (exp(-100) = 3.7e-44 is below "
                   "float32's normal range, and its log in float32 is -99.98)",
                   note=" (both float32)"),
        # dl/dp = -(y / p - (1 - y) / (1 - p)), then / n
        _gradient_case(check, candidate, inside_p, inside_y, _plain_bce(inside_p, inside_y),
                       lambda g: -(inside_y / inside_p - (1 - inside_y) / (1 - inside_p))
                       / inside_p.size,
                       "predictions.log().clip(min=-100), 1 - predictions, y * a, (...).mean()"),
    ]
    _run(check, cases)


# ===== BCEWithLogitsLoss =========================================================================


def _plain_bce_with_logits(x, y):
    """Only for small logits, where the textbook formula is safe."""
    p = 1 / (1 + np.exp(-x))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


@saves("losses.BCEWithLogitsLoss")
def check_bce_with_logits_loss(candidate):
    """Check a ``BCEWithLogitsLoss`` class: raw scores (logits) and targets in [0, 1], the mean."""
    check = "check_bce_with_logits_loss"
    require_class(check, candidate, "BCEWithLogitsLoss")
    stable = ("use a stable form, in which no exponent is positive: "
              "loss = max(x, 0) - x * y + log(1 + exp(-|x|)), with max(x, 0) = x.clip(min=0)")
    # no logit of exactly 0, where max(x, 0) has no derivative
    grad_x, grad_y = floats([2.0, -1.0, 0.5, -3.0]), floats([1.0, 0.0, 0.25, 1.0])
    x2, y2 = floats([2.0, -1.0, 0.5]), floats([1.0, 0.0, 0.0])
    soft_x, soft_y = floats([0.3, -2.0]), floats([0.25, 0.8])
    batch_x = floats([[1.5, -0.5], [0.0, 3.0]])
    batch_y = floats([[1.0, 0.0], [0.5, 1.0]])
    cases = [
        _loss_case(check, candidate, "a logit of 0", floats([0.0]), floats([1.0]), np.log(2.0),
                   "sigmoid(0) = 0.5, so the loss is -log(0.5) = log(2)"),
        _loss_case(check, candidate, "three logits", x2, y2, _plain_bce_with_logits(x2, y2),
                   "loss = -mean(y * log(sigmoid(x)) + (1 - y) * log(1 - sigmoid(x))); "
                   "check the minus sign and the order (logits, targets)"),
        _loss_case(check, candidate, "soft targets", soft_x, soft_y,
                   _plain_bce_with_logits(soft_x, soft_y),
                   "both terms count when targets are between 0 and 1"),
        _loss_case(check, candidate, "a batch (2, 2)", batch_x, batch_y,
                   _plain_bce_with_logits(batch_x, batch_y), "average over every element"),
        _loss_case(check, candidate, "very large logits, right", floats([10000.0, -10000.0]),
                   floats([1.0, 0.0]), 0.0,
                   "sigmoid(10000) rounds to 1 and log(1 - 1) = -inf; " + stable),
        _loss_case(check, candidate, "very large logits, wrong", floats([10000.0, -10000.0]),
                   floats([0.0, 1.0]), 10000.0,
                   "by hand each loss is 10000 (a clamp at -100 would give 100, exp(10000) "
                   "overflows); " + stable),
        # dl/dx = sigmoid(x) - y, then / n
        _gradient_case(check, candidate, grad_x, grad_y, _plain_bce_with_logits(grad_x, grad_y),
                       lambda g: (1 / (1 + np.exp(-grad_x)) - grad_y) / grad_x.size,
                       "logits.clip(min=0), logits * targets, logits.abs(), (...).exp(), "
                       "(...).log(), (...).mean()", first="logits"),
    ]
    _run(check, cases)
