"""What only the module 04 learner checks say, beyond the contract of every check.

The right, wrong and unwritten versions they are tested on are in check_versions/losses.py,
where test_checks_contract.py runs them all.
"""

import numpy as np
import pytest

from tinytorch.checks import losses as checks
from tinytorch.checks._report import CheckFailure
from tinytorch.core import losses
from tinytorch.core.tensor import Tensor

from .check_versions.losses import (EXERCISES, WRONG, WRONG_BCE, GoodMSE,
                                    log_softmax_forgetting_the_max, naive_log_softmax)


def test_every_check_is_in_the_modules_table():
    for name in checks.__all__:
        assert name in checks.__doc__


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # it overflows, of course
def test_a_naive_log_softmax_is_told_about_the_log_sum_exp_trick():
    with pytest.raises(AssertionError, match="log-sum-exp") as info:
        checks.check_log_softmax(naive_log_softmax)
    assert "'a row with a very large logit'" in str(info.value)


def test_a_log_softmax_that_keeps_the_shift_is_told_so():
    with pytest.raises(AssertionError) as info:
        checks.check_log_softmax(log_softmax_forgetting_the_max)
    hint = str(info.value).splitlines()[-1]
    assert "off by the same amount" in hint and "maximum" in hint and "log missing" not in hint


@pytest.mark.parametrize("check, name, diagnosis", [
    (checks.check_log_softmax, "over the whole array", "normalised over the whole tensor"),
    (checks.check_log_softmax, "softmax, missing log", "these are probabilities"),
    (checks.check_mse_loss, "sum instead of mean", "summed"),
    (checks.check_cross_entropy_loss, "sum instead of mean", "summed"),
    (checks.check_cross_entropy_loss, "missing minus sign", "opposite sign"),
    (checks.check_binary_cross_entropy_loss, "missing minus sign", "opposite sign"),
], ids=lambda value: getattr(value, "__name__", value))
def test_a_wrong_answer_is_told_what_it_shows(check, name, diagnosis):
    wrong = WRONG[check.__name__][name]
    with pytest.raises(AssertionError) as info:
        check(wrong)
    assert diagnosis in str(info.value).splitlines()[-1]


def test_bce_without_the_clamp_is_told_about_the_clamp():
    with pytest.raises(AssertionError, match="clamp each log at -100"):
        checks.check_binary_cross_entropy_loss(WRONG_BCE["no clamp"])


FIRST_INPUT = {checks.check_log_softmax: "x", checks.check_cross_entropy_loss: "logits",
               checks.check_bce_with_logits_loss: "logits"}  # the others: "predictions"


@pytest.mark.parametrize("check", [c for c, *_ in EXERCISES], ids=lambda c: c.__name__)
def test_numpy_on_data_is_told_to_use_tensor_operations(check):
    first = FIRST_INPUT.get(check, "predictions")
    wrong = WRONG[check.__name__]["numpy on .data, then wrapped"]
    with pytest.raises(AssertionError) as info:
        check(wrong)
    lines = str(info.value).splitlines()
    assert lines[0] == (f"{check.__name__}: the result of 'gradients flow back to {first}' is not "
                        f"connected to the graph")
    assert lines[4].startswith(f"  hint      your result is not connected to {first}: it was "
                               f"computed on {first}.data (numpy) and wrapped in a new Tensor. "
                               f"Compute with Tensor operations (")


DETACHED = [(checks.check_log_softmax, "log-sum-exp on .data"),
            (checks.check_mse_loss, "|d| times a constant |d|"),
            (checks.check_huber_loss, "d clipped on .data"),
            (checks.check_cross_entropy_loss, "log-sum-exp on .data"),
            (checks.check_binary_cross_entropy_loss, "log(1 - p) on .data"),
            (checks.check_bce_with_logits_loss, "max(x, 0) on .data")]


@pytest.mark.parametrize("check, name", DETACHED, ids=[c.__name__ for c, _ in DETACHED])
def test_a_detached_piece_is_told_the_gradient_is_wrong(check, name):
    first = FIRST_INPUT.get(check, "predictions")
    wrong = WRONG[check.__name__][name]
    with pytest.raises(AssertionError) as info:
        check(wrong)
    lines = str(info.value).splitlines()
    assert lines[0] == (f"{check.__name__}: wrong gradient of {first} for 'gradients flow back to "
                        f"{first}'")
    assert lines[-1].startswith("  hint      the values are right but the gradient is not")


def test_an_error_in_the_learners_code_is_reported_with_the_case_named_and_chained():
    def broken(x, dim=-1):
        return Tensor(x.data @ np.ones(7))  # shapes that do not fit: numpy raises ValueError

    with pytest.raises(CheckFailure) as info:
        checks.check_log_softmax(broken)
    assert "your code raised an error on" in str(info.value)
    assert "your code raised ValueError" in str(info.value)
    assert isinstance(info.value.__cause__, ValueError)


@pytest.mark.parametrize("check", [c for c, *_ in EXERCISES[1:]], ids=lambda c: c.__name__)
def test_loss_checks_want_the_class_not_an_instance(check):
    with pytest.raises(TypeError, match="pass your class itself"):
        check(GoodMSE())


def test_the_log_softmax_check_wants_a_function_not_a_class():
    with pytest.raises(TypeError, match="check_log_softmax: pass your function"):
        checks.check_log_softmax(losses.CrossEntropyLoss)
