"""Differential tests: every loss of tinytorch.core.losses against torch.nn, values and gradients.

Every combination of the constructor arguments (reduction, weight, ignore_index, label_smoothing,
pos_weight, delta) and of the input layouts (unbatched, batched, K-dimensional; class indices and
class probabilities) runs on both sides with the same arrays and the same upstream gradient.
float64 must agree to a relative 1e-6, float32 closely.
"""

import numpy as np
import pytest
import torch

from tinytorch.core import losses
from tinytorch.core.losses import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss,
                                   MSELoss, NLLLoss, log_softmax)
from tinytorch.core.tensor import Tensor

pytestmark = pytest.mark.torch

REDUCTIONS = ["mean", "sum", "none"]
DTYPES = [np.float64, np.float32]
TOLERANCE = {np.float64: dict(rtol=1e-6, atol=1e-12), np.float32: dict(rtol=2e-4, atol=1e-6)}


def compare(ours, theirs, arrays, dtype, grad_of=(0,), constants=()):
    """Run ``ours(*tensors)`` and ``theirs(*torch_tensors)`` on the same arrays and compare.

    ``arrays`` are cast to ``dtype``; those whose positions are in ``grad_of`` require gradients.
    ``constants`` (e.g. integer class indices) are passed after them unchanged.
    """
    arrays = [np.asarray(a, dtype=dtype) for a in arrays]
    ours_in = [Tensor(a.copy(), requires_grad=i in grad_of) for i, a in enumerate(arrays)]
    theirs_in = [torch.tensor(a.copy(), requires_grad=i in grad_of) for i, a in enumerate(arrays)]
    out = ours(*ours_in, *(Tensor(c) for c in constants))
    expected = theirs(*theirs_in, *(torch.tensor(c) for c in constants))
    assert out.dtype == dtype and out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **TOLERANCE[dtype])
    upstream = np.random.default_rng(5).uniform(0.5, 1.5, out.shape).astype(dtype)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    for i in grad_of:
        assert ours_in[i].grad.dtype == dtype
        np.testing.assert_allclose(ours_in[i].grad.data, theirs_in[i].grad.numpy(),
                                   **TOLERANCE[dtype], err_msg=f"gradient of input {i}")


def optional(array):
    return None if array is None else Tensor(array)


def optional_torch(array):
    return None if array is None else torch.tensor(array)


# ===== log_softmax ===============================================================================


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, dim", [((5,), 0), ((3, 4), 1), ((3, 4), 0), ((3, 4), -1),
                                        ((2, 3, 4), 1), ((2, 3, 4), -1)])
@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_log_softmax(dtype, shape, dim, scale):
    x = scale * np.random.default_rng(0).normal(size=shape)
    compare(lambda t: log_softmax(t, dim=dim), lambda t: torch.log_softmax(t, dim=dim), [x],
            dtype)


# ===== regression losses =========================================================================

REGRESSION = [
    ("mse", lambda r: MSELoss(reduction=r), lambda r: torch.nn.MSELoss(reduction=r)),
    ("l1", lambda r: L1Loss(reduction=r), lambda r: torch.nn.L1Loss(reduction=r)),
] + [
    (f"huber-{delta}", lambda r, d=delta: HuberLoss(reduction=r, delta=d),
     lambda r, d=delta: torch.nn.HuberLoss(reduction=r, delta=d))
    for delta in [0.5, 1.0, 2.5]
]


@pytest.mark.parametrize("name, ours, theirs", REGRESSION, ids=[r[0] for r in REGRESSION])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (7,), (2, 3, 4)])
def test_regression_losses(name, ours, theirs, reduction, dtype, shape):
    rng = np.random.default_rng(1)
    predictions, targets = 2 * rng.normal(size=shape), 2 * rng.normal(size=shape)
    compare(ours(reduction), theirs(reduction), [predictions, targets], dtype, grad_of=(0, 1))


# ===== cross-entropy and NLL =====================================================================

LAYOUTS = {  # input shape for C = 4 classes
    "unbatched": (4,),
    "batched": (6, 4),
    "k-dim": (3, 4, 2),
    "k-dim-2": (2, 4, 3, 2),
    "huge-logits": (6, 4),
}
IGNORE = {  # ignore_index and which targets are set to it
    "nothing-ignored": (-100, False),
    "some-ignored": (-100, True),
    "ignore-class-1": (1, True),
}


def class_problem(layout, ignore, seed=2):
    rng = np.random.default_rng(seed)
    shape = LAYOUTS[layout]
    logits = rng.normal(size=shape)
    if layout == "huge-logits":
        logits += rng.choice([-1e4, 0.0, 1e4], size=shape)
    index_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    targets = np.asarray(rng.integers(0, 4, size=index_shape))
    ignore_index, some_ignored = IGNORE[ignore]
    if some_ignored:  # the first target and every third (the one target of an unbatched input)
        targets.flat[::3] = ignore_index
    probabilities = rng.uniform(0.05, 1, size=shape)
    probabilities /= probabilities.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)
    return logits, targets, probabilities, ignore_index


WEIGHT = np.array([0.5, 2.0, 1.0, 1.5])


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("ignore", IGNORE)
@pytest.mark.parametrize("weighted", [False, True], ids=["no-weight", "weight"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_with_class_indices(layout, ignore, weighted, label_smoothing, reduction,
                                          dtype):
    logits, targets, _, ignore_index = class_problem(layout, ignore)
    weight = WEIGHT.astype(dtype) if weighted else None
    kwargs = dict(ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    compare(CrossEntropyLoss(weight=optional(weight), **kwargs),
            torch.nn.CrossEntropyLoss(weight=optional_torch(weight), **kwargs),
            [logits], dtype, constants=[targets])


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("weighted", [False, True], ids=["no-weight", "weight"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_with_class_probabilities(layout, weighted, label_smoothing, reduction,
                                                dtype):
    logits, _, probabilities, _ = class_problem(layout, "nothing-ignored")
    weight = WEIGHT.astype(dtype) if weighted else None
    kwargs = dict(reduction=reduction, label_smoothing=label_smoothing)
    compare(CrossEntropyLoss(weight=optional(weight), **kwargs),
            torch.nn.CrossEntropyLoss(weight=optional_torch(weight), **kwargs),
            [logits, probabilities], dtype, grad_of=(0, 1))


def test_probability_targets_with_a_real_ignore_index_are_refused_by_both():
    logits, _, probabilities, _ = class_problem("batched", "nothing-ignored")
    with pytest.raises(RuntimeError, match="ignore_index is not supported"):
        torch.nn.CrossEntropyLoss(ignore_index=1)(torch.tensor(logits), torch.tensor(probabilities))
    with pytest.raises(ValueError, match="ignore_index=1 only applies to class-index targets"):
        CrossEntropyLoss(ignore_index=1)(Tensor(logits), Tensor(probabilities))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("ignore", IGNORE)
@pytest.mark.parametrize("weighted", [False, True], ids=["no-weight", "weight"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_nll_loss(layout, ignore, weighted, reduction, dtype):
    logits, targets, _, ignore_index = class_problem(layout, ignore)
    log_p = logits - np.log(np.exp(logits - logits.max()).sum()) - logits.max()  # any numbers do
    weight = WEIGHT.astype(dtype) if weighted else None
    kwargs = dict(ignore_index=ignore_index, reduction=reduction)
    compare(NLLLoss(weight=optional(weight), **kwargs),
            torch.nn.NLLLoss(weight=optional_torch(weight), **kwargs),
            [log_p], dtype, constants=[targets])


@pytest.mark.parametrize("ours, theirs, kwargs", [
    (CrossEntropyLoss, torch.nn.CrossEntropyLoss, {}),
    (CrossEntropyLoss, torch.nn.CrossEntropyLoss, dict(label_smoothing=0.25)),
    (NLLLoss, torch.nn.NLLLoss, {}),
], ids=["cross-entropy", "cross-entropy-smoothing", "nll"])
@pytest.mark.parametrize("weighted", [False, True], ids=["no-weight", "weight"])
def test_every_target_ignored(ours, theirs, kwargs, weighted):
    weight = WEIGHT if weighted else None
    logits = np.random.default_rng(3).normal(size=(3, 4))
    compare(ours(weight=optional(weight), **kwargs),
            theirs(weight=optional_torch(weight), **kwargs),
            [logits], np.float64, constants=[np.full(3, -100)])


# ===== binary cross-entropy ======================================================================


def bce_problem(shape, with_extremes, seed=4):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.02, 0.98, size=shape)
    y = rng.uniform(0, 1, size=shape)
    if with_extremes:  # p exactly 0 and 1 against targets 0, 1 and in between
        flat_p, flat_y = p.reshape(-1), y.reshape(-1)
        flat_p[:6], flat_y[:6] = [0, 0, 0, 1, 1, 1], [0, 1, 0.3, 0, 1, 0.3]
    return p, y


@pytest.mark.parametrize("shape", [(12,), (4, 3)])
@pytest.mark.parametrize("weight_shape", [None, "same", "last-dim"])
@pytest.mark.parametrize("with_extremes", [False, True], ids=["inside", "p-0-and-1"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy(shape, weight_shape, with_extremes, reduction, dtype):
    p, y = bce_problem(shape, with_extremes)
    weight = {None: None, "same": np.linspace(0.5, 2, np.prod(shape)).reshape(shape),
              "last-dim": np.linspace(0.5, 2, shape[-1])}[weight_shape]
    weight = None if weight is None else weight.astype(dtype)
    # The target's gradient too: -logit(p), which PyTorch leaves unclamped (+-inf at p = 0 or 1).
    compare(BCELoss(weight=optional(weight), reduction=reduction),
            torch.nn.BCELoss(weight=optional_torch(weight), reduction=reduction),
            [p, y], dtype, grad_of=(0, 1))


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy_where_the_logs_are_clamped(dtype):
    # From p far below e^-100 (the loss clamps log(p) at -100; the target's gradient, -logit(p),
    # is not clamped) to ordinary values.
    tiny = np.finfo(dtype).tiny
    p = np.array([tiny, 1e-44, 1e-30, 1 - np.finfo(dtype).eps / 2, 0.5])
    y = np.array([0.5, 1.0, 0.0, 0.25, 0.5])
    compare(BCELoss(reduction="none"), torch.nn.BCELoss(reduction="none"), [p, y], dtype,
            grad_of=(0, 1))


@pytest.mark.parametrize("ours, theirs", [(BCELoss, torch.nn.BCELoss),
                                          (BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss)],
                         ids=["BCELoss", "BCEWithLogitsLoss"])
@pytest.mark.parametrize("input_shape, target_shape", [((4, 1), (4,)), ((4,), (4, 1)),
                                                       ((4, 3), (3,))])
def test_binary_losses_refuse_a_target_of_another_shape_like_torch(ours, theirs, input_shape,
                                                                   target_shape):
    # Unlike its regression losses, which warn and broadcast, PyTorch refuses these outright.
    p, y = np.full(input_shape, 0.5), np.full(target_shape, 0.5)
    with pytest.raises(ValueError, match="size"):
        theirs()(torch.tensor(p), torch.tensor(y))
    with pytest.raises(ValueError, match=rf"input has shape \({input_shape[0]},"):
        ours()(Tensor(p), Tensor(y))


@pytest.mark.parametrize("shape", [(12,), (4, 3)])
@pytest.mark.parametrize("weighted", [False, True], ids=["no-weight", "weight"])
@pytest.mark.parametrize("pos_weighted", [False, True], ids=["no-pos-weight", "pos-weight"])
@pytest.mark.parametrize("huge", [False, True], ids=["moderate", "logits-1e4"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits(shape, weighted, pos_weighted, huge, reduction, dtype):
    rng = np.random.default_rng(6)
    x = 3 * rng.normal(size=shape)
    if huge:
        x += rng.choice([-1e4, 1e4], size=shape)
    y = rng.uniform(0, 1, size=shape)
    y.reshape(-1)[:4] = [0, 1, 0, 1]
    weight = np.linspace(0.5, 2, np.prod(shape)).reshape(shape).astype(dtype) if weighted else None
    pos_weight = np.linspace(0.5, 3, shape[-1]).astype(dtype) if pos_weighted else None
    compare(BCEWithLogitsLoss(weight=optional(weight), pos_weight=optional(pos_weight),
                              reduction=reduction),
            torch.nn.BCEWithLogitsLoss(weight=optional_torch(weight),
                                       pos_weight=optional_torch(pos_weight), reduction=reduction),
            [x, y], dtype, grad_of=(0, 1))


def test_every_public_loss_is_compared_here():
    compared = {"log_softmax", "MSELoss", "L1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss",
                "BinaryCrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss"}
    assert set(losses.__all__) == compared
