"""What only the module 08 learner checks say, beyond the contract of every check.

The right, wrong and unwritten versions they are tested on are in check_versions/data.py,
where test_checks_contract.py runs them all.
"""

import numpy as np
import pytest

from tinytorch.checks import data as checks
from tinytorch.utils import data

from .check_versions.data import EXERCISES


@pytest.mark.parametrize("check", EXERCISES)
def test_checks_want_the_class_not_an_instance(check):
    instance = data.TensorDataset(np.zeros(3))
    with pytest.raises(TypeError, match="pass your class itself"):
        getattr(checks, check)(instance)
