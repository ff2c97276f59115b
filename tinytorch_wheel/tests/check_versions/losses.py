"""Right and wrong answers to the module 04 learner checks, and their unwritten exercises.

Learners compose their losses from Tensor operations, so that the milestone network trains
through them. Each check runs on the reference (tinytorch.core.losses), on a learner-style
version of that kind, and on typical mistakes, each of which must fail with the standard
AssertionError. Most mistakes are written in numpy on ``.data`` for brevity (they fail on their
values first); the right formulas written that way fail too, because nothing is connected to the
graph, and so do versions with one piece cut from it.

RIGHT, WRONG and STUBS are run by test_checks_contract.py; what only these checks say is
tested in test_checks_losses.py.
"""

import math

import numpy as np

from tinytorch.checks import losses as checks
from tinytorch.core import losses
from tinytorch.core.layers import Module
from tinytorch.core.tensor import Tensor


def tensor_loss(compute):
    """A loss class the way a learner writes it in module 04: Tensor operations throughout."""

    class Loss(Module):
        def forward(self, predictions, targets):
            return compute(predictions, targets)

    return Loss


def numpy_loss(compute):
    """A loss class computed with numpy on .data and wrapped in a new Tensor: no gradient."""

    class Loss(Module):
        def forward(self, predictions, targets):
            return Tensor(np.asarray(compute(predictions.data, targets.data)))

    return Loss


def numpy_huber(compute):
    """Like ``numpy_loss`` for Huber, whose constructor takes ``delta``."""

    class Huber(Module):
        def __init__(self, delta=1.0):
            super().__init__()
            self.delta = delta

        def forward(self, predictions, targets):
            return Tensor(np.asarray(compute(predictions.data - targets.data, self.delta)))

    return Huber


def stable_log_softmax(z, axis):
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def pick(log_probs, targets):
    return log_probs[np.arange(len(targets)), targets]


# ===== log_softmax ================================================================================


def good_log_softmax(x, dim=-1):
    shifted = x - x.max(axis=dim, keepdims=True)
    return shifted - shifted.exp().sum(axis=dim, keepdims=True).log()


def numpy_log_softmax(x, dim=-1):
    return Tensor(stable_log_softmax(x.data, dim))


def log_softmax_with_a_constant_log_sum(x, dim=-1):
    shifted = x - x.max(axis=dim, keepdims=True)
    return shifted - Tensor(np.log(np.exp(shifted.data).sum(axis=dim, keepdims=True)))


def naive_log_softmax(x, dim=-1):
    e = np.exp(x.data)
    return Tensor(np.log(e / e.sum(axis=dim, keepdims=True)))


def log_softmax_ignoring_dim(x, dim=-1):
    return Tensor(stable_log_softmax(x.data, -1))


def log_softmax_over_everything(x, dim=-1):
    shifted = x.data - x.data.max()
    return Tensor(shifted - np.log(np.exp(shifted).sum()))


def softmax_without_log(x, dim=-1):
    return Tensor(np.exp(stable_log_softmax(x.data, dim)))


def log_softmax_forgetting_the_max(x, dim=-1):
    m = x.data.max(axis=dim, keepdims=True)
    return Tensor(x.data - np.log(np.exp(x.data - m).sum(axis=dim, keepdims=True)))


def log_softmax_with_flipped_sign(x, dim=-1):
    return Tensor(-stable_log_softmax(x.data, dim))


def log_softmax_of_softmax_plus_epsilon(x, dim=-1):
    return Tensor(np.log(np.exp(stable_log_softmax(x.data, dim)) + 1e-12))


def log_softmax_in_place(x, dim=-1):
    x.data -= x.data.max(axis=dim, keepdims=True)
    x.data -= np.log(np.exp(x.data).sum(axis=dim, keepdims=True))
    return Tensor(x.data.copy())


def log_softmax_returning_numpy(x, dim=-1):
    return stable_log_softmax(x.data, dim)


def log_softmax_with_one_maximum(x, dim=-1):
    shifted = x - x.max()  # one maximum for the whole batch, not one per row
    return shifted - shifted.exp().sum(axis=dim, keepdims=True).log()


def log_softmax_shifted_by_the_mean(x, dim=-1):
    shifted = x - x.mean(axis=dim, keepdims=True)  # enough in float64 for logits of 1000
    return shifted - shifted.exp().sum(axis=dim, keepdims=True).log()


# ===== MSE ========================================================================================

GoodMSE = tensor_loss(lambda p, t: ((p - t) ** 2).mean())
WRONG_MSE = {
    "numpy on .data, then wrapped": numpy_loss(lambda p, t: np.mean((p - t) ** 2)),
    "|d| times a constant |d|": tensor_loss(
        lambda p, t: ((p - t).abs() * Tensor(np.abs(p.data - t.data))).mean()),
    "sum instead of mean": numpy_loss(lambda p, t: np.sum((p - t) ** 2)),
    "no square": numpy_loss(lambda p, t: np.mean(p - t)),
    "absolute error": numpy_loss(lambda p, t: np.mean(np.abs(p - t))),
    "root of the mean": numpy_loss(lambda p, t: np.sqrt(np.mean((p - t) ** 2))),
    "divided by the batch size": numpy_loss(lambda p, t: np.sum((p - t) ** 2) / len(p)),
    "square of the mean error": numpy_loss(lambda p, t: np.mean(p - t) ** 2),
    "mean per column": numpy_loss(lambda p, t: np.mean((p - t) ** 2, axis=0)),
    "returns a float": type("FloatMSE", (Module,), {
        "forward": lambda self, p, t: float(np.mean((p.data - t.data) ** 2))}),
}

# ===== Huber ======================================================================================


def huber(d, delta):
    return np.mean(np.where(np.abs(d) < delta, 0.5 * d**2, delta * (np.abs(d) - 0.5 * delta)))


def tensor_huber(d, delta):
    small = Tensor((np.abs(d.data) < delta).astype(d.dtype))  # a constant mask is fine
    return (small * 0.5 * d**2 + (1 - small) * delta * (d.abs() - 0.5 * delta)).mean()


def huber_with_a_constant_clip(d, delta):
    c = Tensor(np.clip(d.data, -delta, delta))
    return (0.5 * c**2 + delta * (d.abs() - c.abs())).mean()


def huber_class(compute):
    """Like ``tensor_loss`` for Huber, whose constructor takes ``delta``."""

    class Huber(Module):
        def __init__(self, delta=1.0):
            super().__init__()
            self.delta = delta

        def forward(self, predictions, targets):
            return compute(predictions - targets, self.delta)

    return Huber


GoodHuber = huber_class(tensor_huber)
WRONG_HUBER = {
    "numpy on .data, then wrapped": numpy_huber(huber),
    "d clipped on .data": huber_class(huber_with_a_constant_clip),
    "no 0.5 in the quadratic": numpy_huber(
        lambda d, k: np.mean(np.where(np.abs(d) < k, d**2, k * (np.abs(d) - 0.5 * k)))),
    "delta ignored": numpy_huber(lambda d, k: huber(d, 1.0)),
    "linear piece without -0.5 delta": numpy_huber(
        lambda d, k: np.mean(np.where(np.abs(d) < k, 0.5 * d**2, k * np.abs(d)))),
    "smooth L1 (divided by delta)": numpy_huber(lambda d, k: huber(d, k) / k),
    "sum instead of mean": numpy_huber(lambda d, k: huber(d, k) * d.size),
    "branches swapped": numpy_huber(
        lambda d, k: np.mean(np.where(np.abs(d) >= k, 0.5 * d**2, k * (np.abs(d) - 0.5 * k)))),
    "plain MSE": numpy_huber(lambda d, k: np.mean(d**2)),
}

# ===== cross-entropy ==============================================================================

GoodCrossEntropy = tensor_loss(
    lambda z, y: -good_log_softmax(z, dim=1)[np.arange(len(z)), y.data].mean())


def naive_cross_entropy(z, y):
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return -np.mean(np.log(pick(p, y)))


def cross_entropy_shifting_in_place(z, y):
    z.data -= z.data.max(axis=1, keepdims=True)  # stable, but it changes the caller's logits
    log_probs = z - z.exp().sum(axis=1, keepdims=True).log()
    return -log_probs[np.arange(len(z)), y.data].mean()


WRONG_CROSS_ENTROPY = {
    "numpy on .data, then wrapped": numpy_loss(
        lambda z, y: -np.mean(pick(stable_log_softmax(z, 1), y))),
    "log-sum-exp on .data": tensor_loss(
        lambda z, y: -log_softmax_with_a_constant_log_sum(z, dim=1)[np.arange(len(z)),
                                                                    y.data].mean()),
    "missing minus sign": numpy_loss(lambda z, y: np.mean(pick(stable_log_softmax(z, 1), y))),
    "swapped indexing": numpy_loss(
        lambda z, y: -np.mean(stable_log_softmax(z, 1)[y, np.arange(len(y))])),
    "naive softmax overflows": numpy_loss(naive_cross_entropy),
    "sum instead of mean": numpy_loss(lambda z, y: -np.sum(pick(stable_log_softmax(z, 1), y))),
    "missing log": numpy_loss(lambda z, y: -np.mean(pick(np.exp(stable_log_softmax(z, 1)), y))),
    "softmax over the batch axis": numpy_loss(
        lambda z, y: -np.mean(pick(stable_log_softmax(z, 0), y))),
    "picks whole columns": numpy_loss(lambda z, y: -np.mean(stable_log_softmax(z, 1)[:, y])),
    "ignores the targets": numpy_loss(lambda z, y: -np.mean(stable_log_softmax(z, 1)[:, 0])),
    "subtracts the maximum in place": tensor_loss(cross_entropy_shifting_in_place),
    "one maximum for the batch": tensor_loss(
        lambda z, y: -log_softmax_with_one_maximum(z, dim=1)[np.arange(len(z)), y.data].mean()),
}

# ===== binary cross-entropy =======================================================================


def clamped_bce(p, y):
    with np.errstate(divide="ignore"):
        log_p, log_q = np.maximum(np.log(p), -100), np.maximum(np.log(1 - p), -100)
    return -np.mean(y * log_p + (1 - y) * log_q)


def tensor_bce(p, y):
    with np.errstate(divide="ignore"):
        log_p, log_q = p.log().clip(min=-100), (1 - p).log().clip(min=-100)
    return -(y * log_p + (1 - y) * log_q).mean()


def bce_with_a_constant_second_log(p, y):
    with np.errstate(divide="ignore"):
        log_p, log_q = p.log().clip(min=-100), Tensor(np.maximum(np.log(1 - p.data), -100))
    return -(y * log_p + (1 - y) * log_q).mean()


GoodBCE = tensor_loss(tensor_bce)


def unclamped_bce(p, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def epsilon_bce(p, y):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def clamped_after_multiplying_bce(p, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.mean(np.maximum(y * np.log(p), -100) + np.maximum((1 - y) * np.log(1 - p), -100))


def bce_clamping_the_probabilities(p, y):
    tiny = math.exp(-100)  # log(tiny) = -100 in float64; in float32 tiny is subnormal
    return -(y * p.clip(min=tiny).log() + (1 - y) * (1 - p).clip(min=tiny).log()).mean()


WRONG_BCE = {
    "numpy on .data, then wrapped": numpy_loss(clamped_bce),
    "log(1 - p) on .data": tensor_loss(bce_with_a_constant_second_log),
    "no clamp": numpy_loss(unclamped_bce),
    "epsilon clip instead of the -100 clamp": numpy_loss(epsilon_bce),
    "clamp after multiplying": numpy_loss(clamped_after_multiplying_bce),
    "missing minus sign": numpy_loss(lambda p, y: -clamped_bce(p, y)),
    "sum instead of mean": numpy_loss(lambda p, y: clamped_bce(p, y) * p.size),
    "only the positive term": numpy_loss(
        lambda p, y: -np.mean(y * np.maximum(np.log(np.maximum(p, 1e-300)), -100))),
    "arguments swapped": numpy_loss(lambda p, y: clamped_bce(y, p)),
    "probabilities clamped at exp(-100)": tensor_loss(bce_clamping_the_probabilities),
}

# ===== BCE with logits ============================================================================


def stable_bce_with_logits(x, y):
    return np.mean(np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x))))


GoodBCEWithLogits = tensor_loss(
    lambda x, y: (x.clip(min=0) - x * y + (1 + (-x.abs()).exp()).log()).mean())


def sigmoid_then_log(x, y):
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        p = 1 / (1 + np.exp(-x))
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def overflowing_softplus(x, y):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.mean(y * np.log1p(np.exp(-x)) + (1 - y) * np.log1p(np.exp(x)))


def sigmoid_then_clamped_bce(x, y):
    with np.errstate(over="ignore"):
        return clamped_bce(1 / (1 + np.exp(-x)), y)


WRONG_BCE_WITH_LOGITS = {
    "numpy on .data, then wrapped": numpy_loss(stable_bce_with_logits),
    "max(x, 0) on .data": tensor_loss(
        lambda x, y: (Tensor(np.maximum(x.data, 0)) - x * y + (1 + (-x.abs()).exp()).log()).mean()),
    "sigmoid, then log": numpy_loss(sigmoid_then_log),
    "sigmoid, then BCE clamped at -100": numpy_loss(sigmoid_then_clamped_bce),
    "softplus that overflows": numpy_loss(overflowing_softplus),
    "wrong sign of x * y": numpy_loss(
        lambda x, y: np.mean(np.maximum(x, 0) + x * y + np.log1p(np.exp(-np.abs(x))))),
    "sum instead of mean": numpy_loss(lambda x, y: stable_bce_with_logits(x, y) * x.size),
    "ignores the targets": numpy_loss(lambda x, y: np.mean(np.log1p(np.exp(-np.abs(x))))),
}

# ===== the tests ==================================================================================

EXERCISES = [  # check, reference, learner-style right answer, wrong versions
    (checks.check_log_softmax, losses.log_softmax, good_log_softmax, {
        "naive (overflows)": naive_log_softmax,
        "ignores dim": log_softmax_ignoring_dim,
        "over the whole array": log_softmax_over_everything,
        "softmax, missing log": softmax_without_log,
        "forgets to add the max back": log_softmax_forgetting_the_max,
        "flipped sign": log_softmax_with_flipped_sign,
        "log of softmax plus epsilon": log_softmax_of_softmax_plus_epsilon,
        "changes its input": log_softmax_in_place,
        "returns a numpy array": log_softmax_returning_numpy,
        "numpy on .data, then wrapped": numpy_log_softmax,
        "log-sum-exp on .data": log_softmax_with_a_constant_log_sum,
        "one maximum for the batch": log_softmax_with_one_maximum,
        "shifted by the mean": log_softmax_shifted_by_the_mean,
    }),
    (checks.check_mse_loss, losses.MSELoss, GoodMSE, WRONG_MSE),
    (checks.check_huber_loss, losses.HuberLoss, GoodHuber, WRONG_HUBER),
    (checks.check_cross_entropy_loss, losses.CrossEntropyLoss, GoodCrossEntropy,
     WRONG_CROSS_ENTROPY),
    (checks.check_binary_cross_entropy_loss, losses.BinaryCrossEntropyLoss, GoodBCE, WRONG_BCE),
    (checks.check_bce_with_logits_loss, losses.BCEWithLogitsLoss, GoodBCEWithLogits,
     WRONG_BCE_WITH_LOGITS),
]


RIGHT = {check.__name__: [reference, good] for check, reference, good, _ in EXERCISES}
WRONG = {check.__name__: wrongs for check, _, _, wrongs in EXERCISES}


def stub_function(x, dim=-1):
    raise NotImplementedError("Compute log_softmax with the log-sum-exp trick.")


class StubLoss(Module):
    def __init__(self, delta=1.0):
        super().__init__()

    def forward(self, predictions, targets):
        raise NotImplementedError("Compute the loss and return it as a Tensor.")


STUBS = {name: stub_function if name == "check_log_softmax" else StubLoss for name in RIGHT}
