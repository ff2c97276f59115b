"""What only the module 01 learner checks say, beyond the contract of every check.

The right, wrong and unwritten versions they are tested on are in check_versions/tensor.py,
where test_checks_contract.py runs them all.
"""

import pytest

from tinytorch import Tensor
from tinytorch.checks import tensor as checks

from .check_versions.tensor import WRONG


@pytest.mark.parametrize("name", checks.__all__)
def test_checks_want_the_class(name):
    with pytest.raises(TypeError, match=rf"{name}: pass your class itself"):
        getattr(checks, name)(Tensor([1.0]))


def test_a_failure_reads_well():
    with pytest.raises(AssertionError) as info:
        checks.check_matmul(WRONG["check_matmul"][0])
    assert str(info.value).splitlines()[0] == "check_matmul: wrong result for '2x2 @ 2x2'"
    assert "not the elementwise *" in str(info.value)
