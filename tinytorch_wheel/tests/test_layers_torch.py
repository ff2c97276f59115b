"""Linear, Sequential and Dropout against torch.nn with the same weights: values and gradients."""

import numpy as np
import pytest
import torch

from tinytorch import Tensor, manual_seed
from tinytorch.core.activations import ReLU, Tanh
from tinytorch.core.layers import Dropout, Linear, Sequential

from .torch_helpers import assert_matches_torch

pytestmark = pytest.mark.torch


def torch_copy(layer):
    """A torch.nn.Linear holding the same weights as a tinytorch Linear."""
    theirs = torch.nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None,
                             dtype=getattr(torch, str(layer.weight.dtype)))
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(layer.weight.data))
        if layer.bias is not None:
            theirs.bias.copy_(torch.from_numpy(layer.bias.data))
    return theirs


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(5,), (8, 5), (2, 3, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_values_and_gradients(dtype, shape, bias):
    ours = Linear(5, 3, bias=bias, dtype=dtype)
    theirs = torch_copy(ours)
    x = np.random.default_rng(1).normal(size=shape).astype(dtype)
    assert_matches_torch(ours, theirs, x)  # values and the input's gradient
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.data, getattr(theirs, name).grad.numpy(),
                                   rtol=1e-5 if dtype == np.float32 else 1e-6, err_msg=name)


def test_linear_initialisation_has_torchs_distribution():
    # Same law, not the same numbers: uniform on [-1/sqrt(in), 1/sqrt(in)] for weight and bias.
    manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = Linear(400, 300), torch.nn.Linear(400, 300)
    for name in ("weight", "bias"):
        a, b = getattr(ours, name).data, getattr(theirs, name).detach().numpy()
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose([a.min(), a.max(), a.std()], [b.min(), b.max(), b.std()],
                                   rtol=0.1, atol=0.002)


def test_an_mlp_matches_torch():
    manual_seed(0)
    ours = Sequential(Linear(6, 16), ReLU(), Linear(16, 8), Tanh(), Linear(8, 3))
    theirs = torch.nn.Sequential(torch_copy(ours[0]), torch.nn.ReLU(), torch_copy(ours[2]),
                                 torch.nn.Tanh(), torch_copy(ours[4]))
    x = np.random.default_rng(2).normal(size=(10, 6)).astype(np.float32)
    assert_matches_torch(ours, theirs, x)
    ours_grads = {name: p.grad.data for name, p in ours.named_parameters()}
    their_grads = {name: p.grad.numpy() for name, p in theirs.named_parameters()}
    assert list(ours_grads) == list(their_grads)
    for name in ours_grads:
        np.testing.assert_allclose(ours_grads[name], their_grads[name], rtol=1e-4, atol=1e-6,
                                   err_msg=name)
    assert list(ours.state_dict()) == list(theirs.state_dict())


@pytest.mark.parametrize("frozen", [["bias"], ["weight"], ["weight", "bias"]], ids=str)
def test_frozen_parameters_stay_parameters_like_torch(frozen):
    ours = Sequential(Linear(3, 4), ReLU(), Linear(4, 2))
    theirs = torch.nn.Sequential(torch_copy(ours[0]), torch.nn.ReLU(), torch_copy(ours[2]))
    for name in frozen:
        getattr(ours[0], name).requires_grad = False
        getattr(theirs[0], name).requires_grad = False
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ([(name, p.requires_grad) for name, p in ours.named_parameters()]
            == [(name, p.requires_grad) for name, p in theirs.named_parameters()])
    x = np.random.default_rng(3).normal(size=(5, 3)).astype(np.float32)
    assert_matches_torch(ours, theirs, x)
    for (name, mine), (_, reference) in zip(ours.named_parameters(), theirs.named_parameters()):
        if reference.grad is None:
            assert mine.grad is None, name
        else:
            np.testing.assert_allclose(mine.grad.data, reference.grad.numpy(), rtol=1e-5,
                                       atol=1e-6, err_msg=name)


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_has_torchs_semantics(p):
    # The masks come from different generators; what must agree is what a mask does.
    manual_seed(0)
    torch.manual_seed(0)
    x = np.ones(100_000, dtype=np.float32)
    ours = Dropout(p)(Tensor(x)).data
    theirs = torch.nn.Dropout(p)(torch.from_numpy(x)).numpy()
    assert set(np.unique(ours)) == set(np.unique(theirs))  # {0, 1 / (1 - p)}
    assert abs(np.mean(ours == 0) - np.mean(theirs == 0)) < 0.01
    assert repr(Dropout(p)) in repr(torch.nn.Dropout(p)).replace(", inplace=False", "")
