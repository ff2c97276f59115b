"""The one helper that compares tinytorch with PyTorch: values and gradients of a computation.

Imported only by the ``*_torch.py`` test files: it imports torch, which Pyodide does not have.
"""

import numpy as np
import torch

from tinytorch import Tensor

# float64 must agree to a relative 1e-6 (the package's promise); float32 to its own precision.
TOLERANCES = {np.dtype(np.float64): (1e-6, 1e-12), np.dtype(np.float32): (1e-5, 1e-6)}


def assert_matches_torch(tinytorch_fn, torch_fn, *arrays, rtol=None, atol=None):
    """Run the same computation in both libraries; compare the outputs and the gradients.

    ``tinytorch_fn`` takes tinytorch tensors, ``torch_fn`` torch tensors made from the same numpy
    ``arrays`` (floating arrays require gradients; integer arrays, e.g. class indices, do not).
    Both outputs are weighted by the same random array and summed before ``backward``, so every
    element of the output's gradient matters. Returns the tinytorch output.
    """
    floating = [np.issubdtype(a.dtype, np.floating) for a in arrays]
    ours = [Tensor(a.copy(), requires_grad=f) for a, f in zip(arrays, floating)]
    theirs = [torch.tensor(a, requires_grad=f) for a, f in zip(arrays, floating)]
    out, expected = tinytorch_fn(*ours), torch_fn(*theirs)

    dtype = out.dtype
    default_rtol, default_atol = TOLERANCES.get(dtype, (0, 0))
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    assert out.dtype == _numpy_dtype(expected), f"dtype {out.dtype} != torch's {expected.dtype}"
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=rtol, atol=atol,
                               err_msg="values differ from PyTorch")

    if not any(floating) or not expected.requires_grad:
        return out
    weight = np.random.default_rng(0).uniform(0.5, 1.5, out.shape).astype(out.dtype)
    (out * Tensor(weight)).sum().backward()
    (expected * torch.tensor(weight)).sum().backward()
    for i, (mine, reference) in enumerate(zip(ours, theirs)):
        if not floating[i]:
            continue
        if reference.grad is None:
            assert mine.grad is None or not np.any(mine.grad.data), f"input {i}: torch has no grad"
            continue
        assert mine.grad is not None, f"input {i}: no gradient, PyTorch has one"
        assert mine.grad.dtype == mine.dtype
        np.testing.assert_allclose(mine.grad.data, reference.grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i} differs from PyTorch")
    return out


def _numpy_dtype(tensor):
    return np.dtype(str(tensor.dtype).removeprefix("torch."))
