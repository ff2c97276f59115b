"""What only the module 06 learner checks say, beyond the contract of every check.

The right, wrong and unwritten versions they are tested on are in check_versions/optimizers.py,
where test_checks_contract.py runs them all.
"""

import pytest

from tinytorch.checks import optimizers as checks
from tinytorch.core import optimizers

from .check_versions.optimizers import EXERCISES


@pytest.mark.parametrize("check", EXERCISES)
def test_checks_want_the_class_not_an_instance(check):
    instance = optimizers.SGD([optimizers.Tensor([1.0], requires_grad=True)], lr=0.1)
    with pytest.raises(TypeError, match="pass your class itself"):
        getattr(checks, check)(instance)


def test_a_missing_bias_correction_gets_the_hint():
    with pytest.raises(AssertionError, match="bias correction"):
        checks.check_adam_step(EXERCISES["check_adam_step"]["wrong"]["no bias correction"])
