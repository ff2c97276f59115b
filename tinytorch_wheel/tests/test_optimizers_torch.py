"""Differential tests: tinytorch's optimizers against torch.optim, step by step.

Both sides get the same starting parameters and the same gradient at every step (random arrays,
some steps with a missing gradient), so any difference comes from the update rule itself.
"""

import itertools

import numpy as np
import pytest
import torch

from tinytorch.core.optimizers import SGD, Adam, AdamW
from tinytorch.core.tensor import Tensor

pytestmark = pytest.mark.torch

SHAPES = [(3, 4), (4,), ()]
STEPS = 12
TOLERANCE = {np.float64: dict(rtol=1e-12, atol=1e-14), np.float32: dict(rtol=2e-6, atol=2e-7)}


def run_both(ours_cls, torch_cls, kwargs, dtype, skip_step=None, steps=STEPS):
    """Run both optimizers for ``steps`` steps; return the two lists of final parameters."""
    rng = np.random.default_rng(7)
    start = [rng.normal(size=s).astype(dtype) for s in SHAPES]
    ours = [Tensor(a.copy(), requires_grad=True) for a in start]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    opt_ours, opt_theirs = ours_cls(ours, **kwargs), torch_cls(theirs, **kwargs)
    for step in range(steps):
        opt_ours.zero_grad()
        opt_theirs.zero_grad()
        for i, (p, q) in enumerate(zip(ours, theirs)):
            if step == skip_step and i == 0:
                continue  # parameter 0 gets no gradient in this step: both must skip it
            g = (rng.normal(size=p.shape) * 3).astype(dtype)
            p.grad = Tensor(g.copy())
            q.grad = torch.tensor(g.copy())
        opt_ours.step()
        opt_theirs.step()
    return [p.data for p in ours], [q.detach().numpy() for q in theirs]


SGD_OPTIONS = [
    dict(lr=lr, momentum=m, dampening=d, nesterov=n, weight_decay=wd)
    for lr, m, d, n, wd in itertools.product([0.1, 0.003], [0.0, 0.9], [0.0, 0.3], [False, True],
                                             [0.0, 0.05])
    if not (n and (m == 0 or d != 0))
]
ADAM_OPTIONS = [
    dict(lr=lr, betas=b, eps=e, weight_decay=wd, amsgrad=a)
    for lr, b, e, wd, a in itertools.product([1e-3, 0.05], [(0.9, 0.999), (0.5, 0.9), (0.0, 0.0)],
                                             [1e-8, 1e-3], [0.0, 0.1], [False, True])
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", SGD_OPTIONS, ids=str)
def test_sgd_matches_torch(kwargs, dtype):
    ours, theirs = run_both(SGD, torch.optim.SGD, kwargs, dtype, skip_step=4)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, **TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", ADAM_OPTIONS, ids=str)
@pytest.mark.parametrize("classes", [(Adam, torch.optim.Adam), (AdamW, torch.optim.AdamW)],
                         ids=["Adam", "AdamW"])
def test_adam_matches_torch(classes, kwargs, dtype):
    ours, theirs = run_both(*classes, kwargs, dtype, skip_step=3)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, **TOLERANCE[dtype])


def test_adamw_default_weight_decay_matches_torch():
    ours, theirs = run_both(AdamW, torch.optim.AdamW, dict(lr=0.01), np.float64)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("classes, kwargs", [
    ((SGD, torch.optim.SGD), dict(lr=0.1, momentum=0.9)),
    ((Adam, torch.optim.Adam), dict(lr=0.01, amsgrad=True)),
])
def test_state_matches_torch(classes, kwargs):
    """The saved state (momentum buffer, moments, step) holds the same numbers as torch's."""
    rng = np.random.default_rng(0)
    p = Tensor(rng.normal(size=(5,)), requires_grad=True)
    q = torch.tensor(p.data.copy(), requires_grad=True)
    ours, theirs = classes[0]([p], **kwargs), classes[1]([q], **kwargs)
    for _ in range(5):
        g = rng.normal(size=5)
        p.grad, q.grad = Tensor(g.copy()), torch.tensor(g.copy())
        ours.step()
        theirs.step()
    mine, torch_state = ours.state_dict()["state"][0], theirs.state_dict()["state"][0]
    assert set(mine) == set(torch_state)
    for key, value in torch_state.items():
        np.testing.assert_allclose(np.asarray(mine[key]), np.asarray(value), rtol=1e-12)


@pytest.mark.parametrize("classes, kwargs", [
    ((SGD, torch.optim.SGD), dict(lr=0.1, momentum=0.9, weight_decay=0.1)),
    ((Adam, torch.optim.Adam), dict(lr=0.01, weight_decay=0.1)),
    ((AdamW, torch.optim.AdamW), dict(lr=0.01, weight_decay=0.1)),
], ids=["SGD", "Adam", "AdamW"])
def test_frozen_parameters_are_kept_and_skipped_like_torch(classes, kwargs):
    """A frozen tensor (requires_grad=False) in the parameter list: accepted, never updated."""
    rng = np.random.default_rng(1)
    start = [rng.normal(size=s) for s in SHAPES]
    ours = [Tensor(a.copy(), requires_grad=True) for a in start]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    ours[1].requires_grad = theirs[1].requires_grad = False
    opt_ours, opt_theirs = classes[0](ours, **kwargs), classes[1](theirs, **kwargs)
    for _ in range(3):
        for p, q in zip(ours, theirs):
            if p.requires_grad:
                g = rng.normal(size=p.shape)
                p.grad, q.grad = Tensor(g.copy()), torch.tensor(g.copy())
        opt_ours.step()
        opt_theirs.step()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-12)
    np.testing.assert_array_equal(ours[1].data, start[1])
    assert len(opt_theirs.state_dict()["state"]) == 2 and opt_ours.state[1] == {}
