"""The module 04 learner checks accept right answers and reject wrong ones.

Learners have no autograd in module 04: their versions compute with numpy on ``.data`` and return
a Tensor. Each check runs on the reference (tinytorch.core.losses), on a learner-style numpy
version, and on typical mistakes, each of which must fail with the standard AssertionError.
"""

import numpy as np
import pytest

from tinytorch.checks import losses as checks
from tinytorch.core import losses
from tinytorch.core.layers import Module
from tinytorch.core.tensor import Tensor


def learner_loss(compute):
    """A loss class the way a learner writes it in module 04: numpy on .data, a Tensor out."""

    class Loss(Module):
        def forward(self, predictions, targets):
            return Tensor(np.asarray(compute(predictions.data, targets.data)))

    return Loss


def learner_huber(compute):
    """Like ``learner_loss`` for Huber, whose constructor takes ``delta``."""

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
    return Tensor(stable_log_softmax(x.data, dim))


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


# ===== MSE ========================================================================================

GoodMSE = learner_loss(lambda p, t: np.mean((p - t) ** 2))
WRONG_MSE = {
    "sum instead of mean": learner_loss(lambda p, t: np.sum((p - t) ** 2)),
    "no square": learner_loss(lambda p, t: np.mean(p - t)),
    "absolute error": learner_loss(lambda p, t: np.mean(np.abs(p - t))),
    "root of the mean": learner_loss(lambda p, t: np.sqrt(np.mean((p - t) ** 2))),
    "divided by the batch size": learner_loss(lambda p, t: np.sum((p - t) ** 2) / len(p)),
    "square of the mean error": learner_loss(lambda p, t: np.mean(p - t) ** 2),
    "mean per column": learner_loss(lambda p, t: np.mean((p - t) ** 2, axis=0)),
    "returns a float": type("FloatMSE", (Module,), {
        "forward": lambda self, p, t: float(np.mean((p.data - t.data) ** 2))}),
}

# ===== Huber ======================================================================================


def huber(d, delta):
    return np.mean(np.where(np.abs(d) < delta, 0.5 * d**2, delta * (np.abs(d) - 0.5 * delta)))


GoodHuber = learner_huber(huber)
WRONG_HUBER = {
    "no 0.5 in the quadratic": learner_huber(
        lambda d, k: np.mean(np.where(np.abs(d) < k, d**2, k * (np.abs(d) - 0.5 * k)))),
    "delta ignored": learner_huber(lambda d, k: huber(d, 1.0)),
    "linear piece without -0.5 delta": learner_huber(
        lambda d, k: np.mean(np.where(np.abs(d) < k, 0.5 * d**2, k * np.abs(d)))),
    "smooth L1 (divided by delta)": learner_huber(lambda d, k: huber(d, k) / k),
    "sum instead of mean": learner_huber(lambda d, k: huber(d, k) * d.size),
    "branches swapped": learner_huber(
        lambda d, k: np.mean(np.where(np.abs(d) >= k, 0.5 * d**2, k * (np.abs(d) - 0.5 * k)))),
    "plain MSE": learner_huber(lambda d, k: np.mean(d**2)),
}

# ===== cross-entropy ==============================================================================

GoodCrossEntropy = learner_loss(lambda z, y: -np.mean(pick(stable_log_softmax(z, 1), y)))


def naive_cross_entropy(z, y):
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return -np.mean(np.log(pick(p, y)))


WRONG_CROSS_ENTROPY = {
    "missing minus sign": learner_loss(lambda z, y: np.mean(pick(stable_log_softmax(z, 1), y))),
    "swapped indexing": learner_loss(
        lambda z, y: -np.mean(stable_log_softmax(z, 1)[y, np.arange(len(y))])),
    "naive softmax overflows": learner_loss(naive_cross_entropy),
    "sum instead of mean": learner_loss(lambda z, y: -np.sum(pick(stable_log_softmax(z, 1), y))),
    "missing log": learner_loss(lambda z, y: -np.mean(pick(np.exp(stable_log_softmax(z, 1)), y))),
    "softmax over the batch axis": learner_loss(
        lambda z, y: -np.mean(pick(stable_log_softmax(z, 0), y))),
    "picks whole columns": learner_loss(lambda z, y: -np.mean(stable_log_softmax(z, 1)[:, y])),
    "ignores the targets": learner_loss(lambda z, y: -np.mean(stable_log_softmax(z, 1)[:, 0])),
}

# ===== binary cross-entropy =======================================================================


def clamped_bce(p, y):
    with np.errstate(divide="ignore"):
        log_p, log_q = np.maximum(np.log(p), -100), np.maximum(np.log(1 - p), -100)
    return -np.mean(y * log_p + (1 - y) * log_q)


GoodBCE = learner_loss(clamped_bce)


def unclamped_bce(p, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def epsilon_bce(p, y):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def clamped_after_multiplying_bce(p, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.mean(np.maximum(y * np.log(p), -100) + np.maximum((1 - y) * np.log(1 - p), -100))


WRONG_BCE = {
    "no clamp": learner_loss(unclamped_bce),
    "epsilon clip instead of the -100 clamp": learner_loss(epsilon_bce),
    "clamp after multiplying": learner_loss(clamped_after_multiplying_bce),
    "missing minus sign": learner_loss(lambda p, y: -clamped_bce(p, y)),
    "sum instead of mean": learner_loss(lambda p, y: clamped_bce(p, y) * p.size),
    "only the positive term": learner_loss(
        lambda p, y: -np.mean(y * np.maximum(np.log(np.maximum(p, 1e-300)), -100))),
    "arguments swapped": learner_loss(lambda p, y: clamped_bce(y, p)),
}

# ===== BCE with logits ============================================================================


def stable_bce_with_logits(x, y):
    return np.mean(np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x))))


GoodBCEWithLogits = learner_loss(stable_bce_with_logits)


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
    "sigmoid, then log": learner_loss(sigmoid_then_log),
    "sigmoid, then BCE clamped at -100": learner_loss(sigmoid_then_clamped_bce),
    "softplus that overflows": learner_loss(overflowing_softplus),
    "wrong sign of x * y": learner_loss(
        lambda x, y: np.mean(np.maximum(x, 0) + x * y + np.log1p(np.exp(-np.abs(x))))),
    "sum instead of mean": learner_loss(lambda x, y: stable_bce_with_logits(x, y) * x.size),
    "ignores the targets": learner_loss(lambda x, y: np.mean(np.log1p(np.exp(-np.abs(x))))),
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
    }),
    (checks.check_mse_loss, losses.MSELoss, GoodMSE, WRONG_MSE),
    (checks.check_huber_loss, losses.HuberLoss, GoodHuber, WRONG_HUBER),
    (checks.check_cross_entropy_loss, losses.CrossEntropyLoss, GoodCrossEntropy,
     WRONG_CROSS_ENTROPY),
    (checks.check_binary_cross_entropy_loss, losses.BinaryCrossEntropyLoss, GoodBCE, WRONG_BCE),
    (checks.check_bce_with_logits_loss, losses.BCEWithLogitsLoss, GoodBCEWithLogits,
     WRONG_BCE_WITH_LOGITS),
]


def test_every_check_is_listed_and_tested():
    assert sorted(checks.__all__) == sorted(check.__name__ for check, *_ in EXERCISES)
    for check, *_ in EXERCISES:
        assert check.__name__ in checks.__doc__


@pytest.mark.parametrize("check, reference", [(c, r) for c, r, _, _ in EXERCISES],
                         ids=lambda value: getattr(value, "__name__", ""))
def test_check_passes_on_the_reference(check, reference, capsys):
    check(reference)
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"{check.__name__}: ") and out.endswith(" cases passed")


@pytest.mark.parametrize("check, good", [(c, g) for c, _, g, _ in EXERCISES],
                         ids=lambda value: getattr(value, "__name__", ""))
def test_check_passes_on_a_learner_style_numpy_version(check, good, capsys):
    check(good)
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"{check.__name__}: ") and out.endswith(" cases passed")


WRONG = [(check, name, wrong)
         for check, _, _, wrongs in EXERCISES for name, wrong in wrongs.items()]


@pytest.mark.parametrize("check, name, wrong", WRONG,
                         ids=[f"{c.__name__}-{n}" for c, n, _ in WRONG])
def test_check_rejects_a_wrong_version(check, name, wrong):
    with pytest.raises(AssertionError) as info:
        check(wrong)
    message = str(info.value)
    assert message.startswith(f"{check.__name__}: ")
    labels = [line.split()[0] for line in message.splitlines() if line.startswith("  ") and
              line.split()[0] in ("input", "expected", "got", "hint")]
    assert labels == ["input", "expected", "got", "hint"]


@pytest.mark.parametrize("check, _", [(c, r) for c, r, _, _ in EXERCISES])
def test_every_exercise_has_at_least_five_wrong_versions(check, _):
    assert sum(1 for c, _, _ in WRONG if c is check) >= 5


def test_a_naive_log_softmax_is_told_about_the_log_sum_exp_trick():
    with pytest.raises(AssertionError, match="log-sum-exp") as info:
        checks.check_log_softmax(naive_log_softmax)
    assert "'a row with a very large logit'" in str(info.value)


def test_bce_without_the_clamp_is_told_about_the_clamp():
    with pytest.raises(AssertionError, match="clamp each log at -100"):
        checks.check_binary_cross_entropy_loss(WRONG_BCE["no clamp"])


def stub_function(x, dim=-1):
    raise NotImplementedError("Compute log_softmax with the log-sum-exp trick.")


class StubLoss(Module):
    def __init__(self, delta=1.0):
        super().__init__()

    def forward(self, predictions, targets):
        raise NotImplementedError("Compute the loss and return it as a Tensor.")


@pytest.mark.parametrize("check", [c for c, *_ in EXERCISES], ids=lambda c: c.__name__)
def test_a_stub_propagates_its_not_implemented_error(check):
    stub = stub_function if check is checks.check_log_softmax else StubLoss
    with pytest.raises(NotImplementedError, match="^Compute"):
        check(stub)


def test_an_error_in_the_learners_code_propagates_with_the_case_named(capsys):
    def broken(x, dim=-1):
        return Tensor(x.data @ np.ones(7))  # shapes that do not fit: numpy raises ValueError

    with pytest.raises(ValueError):
        checks.check_log_softmax(broken)
    assert "your code raised an error" in capsys.readouterr().out


@pytest.mark.parametrize("check", [c for c, *_ in EXERCISES[1:]], ids=lambda c: c.__name__)
def test_loss_checks_want_the_class_not_an_instance(check):
    with pytest.raises(TypeError, match="pass your class itself"):
        check(GoodMSE())
