"""Differential tests of tinytorch.utils.data against PyTorch: collate against default_collate."""

import numpy as np
import pytest
import torch
from torch.utils.data import default_collate

from tinytorch.core.tensor import Tensor
from tinytorch.utils.data import collate

pytestmark = pytest.mark.torch


def arrays(*dtypes):
    return [np.arange(3).astype(dtype) for dtype in dtypes]


# default_collate makes torch.tensor(batch) of Python numbers when the first is an int or a bool:
# the dtype of the whole batch, float32 as soon as one number is a float. (A batch that starts with
# a Python float is float64 there and float32 here: see test_data.py.)
@pytest.mark.parametrize("ours, theirs", [
    ([1, 2, 3],) * 2,
    ([0, 0.5],) * 2,
    ([2, 0.25, 1],) * 2,
    ([True, 2],) * 2,
    ([2, True],) * 2,
    ([True, False],) * 2,
    (arrays(np.float32, np.float64),) * 2,
    (arrays(np.float64, np.float32),) * 2,
    (arrays(np.bool_, np.int64),) * 2,
    ([Tensor._wrap(a) for a in arrays(np.float32, np.float64)],
     [torch.from_numpy(a) for a in arrays(np.float32, np.float64)]),
])
def test_collate_matches_default_collate(ours, theirs):
    ours, theirs = collate(ours), default_collate(theirs)
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
