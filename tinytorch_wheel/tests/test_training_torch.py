"""Differential tests of tinytorch.core.training against PyTorch: gradient clipping and a short
training run (Linear layers, cross-entropy, SGD with momentum) with the same data and weights."""

import numpy as np
import pytest
import torch

from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import SGD
from tinytorch.core.tensor import Tensor
from tinytorch.core.training import Trainer, clip_grad_norm_
from tinytorch.utils.data import DataLoader, TensorDataset

pytestmark = pytest.mark.torch


@pytest.mark.parametrize("max_norm", [0.01, 1.0, 3.0, 100.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clip_grad_norm_matches_torch(max_norm, dtype):
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=s).astype(dtype) for s in [(4, 3), (3,), (), (2, 2, 2)]]
    ours = [Tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.from_numpy(g).dtype, requires_grad=True)
              for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = Tensor(g.copy()), torch.from_numpy(g.copy())
    ours.append(Tensor(np.zeros(2, dtype=dtype), requires_grad=True))  # no grad: skipped by both
    theirs.append(torch.zeros(2, dtype=theirs[0].dtype, requires_grad=True))
    norm = clip_grad_norm_(ours, max_norm)
    torch_norm = torch.nn.utils.clip_grad_norm_(theirs, max_norm)
    assert norm == pytest.approx(torch_norm.item(), rel=1e-6)
    # PyTorch scales by max_norm / (norm + 1e-6); we scale by max_norm / norm (see docstring).
    for p, q in zip(ours[:-1], theirs[:-1]):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=2e-6, atol=1e-9)
    assert ours[-1].grad is None and theirs[-1].grad is None


def test_a_training_run_matches_torch():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    y = rng.integers(0, 3, 50)
    model = Sequential(Linear(4, 6, dtype=np.float64), Linear(6, 3, dtype=np.float64))
    twin = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Linear(6, 3)).double()
    with torch.no_grad():
        for p, q in zip(model.parameters(), twin.parameters()):
            q.copy_(torch.from_numpy(p.data))
    loader = DataLoader(TensorDataset(X, y), batch_size=16)  # unshuffled: the same batches
    trainer = Trainer(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.2, momentum=0.9),
                      grad_clip_norm=1.0, verbose=False)
    history = trainer.fit(loader, epochs=3)

    opt = torch.optim.SGD(twin.parameters(), lr=0.2, momentum=0.9)
    losses = []
    for _ in range(3):
        total = 0.0
        for start in range(0, 50, 16):
            xb = torch.from_numpy(X[start:start + 16])
            yb = torch.from_numpy(y[start:start + 16])
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(twin(xb), yb)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(twin.parameters(), 1.0)
            opt.step()
            total += loss.item() * len(xb)
        losses.append(total / 50)
    np.testing.assert_allclose(history["train_loss"], losses, rtol=1e-6)
    for p, q in zip(model.parameters(), twin.parameters()):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-5, atol=1e-7)
