"""Activations against PyTorch: values and gradients, float32 and float64, extreme inputs."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from tinytorch.core.activations import (LogSoftmax, ReLU, Sigmoid, Softmax, Tanh, relu, sigmoid,
                                        softmax, tanh)

from .strategies import arrays, shapes
from .torch_helpers import assert_matches_torch

pytestmark = pytest.mark.torch

ELEMENTWISE = {
    "relu": (relu, ReLU, torch.relu, torch.nn.ReLU),
    "sigmoid": (sigmoid, Sigmoid, torch.sigmoid, torch.nn.Sigmoid),
    "tanh": (tanh, Tanh, torch.tanh, torch.nn.Tanh),
}
DTYPES = [np.float32, np.float64]
EXTREMES = np.array([[-1e4, -800.0, -88.0, -20.0, -1.0, 0.0, 1e-8, 1.0, 20.0, 88.0, 800.0, 1e4]])


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("dtype", DTYPES)
@given(x=arrays(low=-30, high=30))
def test_elementwise(name, dtype, x):
    ours, our_module, theirs, their_module = ELEMENTWISE[name]
    assert_matches_torch(ours, theirs, x.astype(dtype))
    assert_matches_torch(our_module(), their_module(), x.astype(dtype))


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("dtype", DTYPES)
def test_elementwise_at_the_extremes(name, dtype):
    ours, _, theirs, _ = ELEMENTWISE[name]
    out = assert_matches_torch(ours, theirs, EXTREMES.astype(dtype))
    assert np.all(np.isfinite(out.data))


@pytest.mark.parametrize("dtype", DTYPES)
@given(x=arrays(shapes(min_dims=1), low=-30, high=30), data=st.data())
def test_softmax_and_log_softmax_along_every_dim(dtype, x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    x = x.astype(dtype)
    assert_matches_torch(lambda t: softmax(t, dim=dim), lambda t: torch.softmax(t, dim=dim), x)
    assert_matches_torch(Softmax(dim=dim), torch.nn.Softmax(dim=dim), x)
    assert_matches_torch(LogSoftmax(dim=dim), torch.nn.LogSoftmax(dim=dim), x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_with_huge_logits(dtype, dim):
    x = np.concatenate([EXTREMES, EXTREMES[:, ::-1], np.full_like(EXTREMES, 1e4)]).astype(dtype)
    out = assert_matches_torch(Softmax(dim=dim), torch.nn.Softmax(dim=dim), x)
    assert np.all(np.isfinite(out.data))
    out = assert_matches_torch(LogSoftmax(dim=dim), torch.nn.LogSoftmax(dim=dim), x)
    assert np.all(np.isfinite(out.data))


def test_relu_passes_the_gradient_at_nan_like_torch():
    # torch's relu backward zeroes the gradient where the output is <= 0, which nan is not.
    x = np.array([np.nan, -1.0, 0.0, 2.0])
    assert_matches_torch(relu, torch.relu, x)
    assert_matches_torch(ReLU(), torch.nn.ReLU(), x)
