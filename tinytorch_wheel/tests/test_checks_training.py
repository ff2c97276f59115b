"""What only the module 07 learner checks say, beyond the contract of every check.

The right, wrong and unwritten versions they are tested on are in check_versions/training.py,
where test_checks_contract.py runs them all.
"""

import pytest

from tinytorch import random
from tinytorch.checks._report import CheckFailure
from tinytorch.checks import training as checks
from tinytorch.core import training

from .check_versions.training import EXERCISES


@pytest.mark.parametrize("check", ["check_train_epoch", "check_evaluate"])
def test_checks_leave_the_random_generator_alone(check):
    before = random.generator().bit_generator.state
    getattr(checks, check)(EXERCISES[check]["reference"])
    assert random.generator().bit_generator.state == before


def test_a_missing_zero_grad_gets_the_hint():
    with pytest.raises(AssertionError, match="zero_grad"):
        checks.check_train_epoch(EXERCISES["check_train_epoch"]["wrong"]["never zeroes gradients"])


@pytest.mark.parametrize("check", ["check_train_epoch", "check_evaluate", "check_clip_grad_norm"])
def test_checks_want_a_function_not_a_class(check):
    with pytest.raises(TypeError, match=rf"{check}: pass your function"):
        getattr(checks, check)(training.Accuracy)


def test_a_metric_class_whose_constructor_raises_gets_a_report():
    class BrokenAccuracy:
        def __init__(self):
            raise NameError("name 'np' is not defined")

    with pytest.raises(CheckFailure, match="NameError"):
        checks.check_accuracy(BrokenAccuracy)
