"""Unit tests of tinytorch.core.losses: worked numbers, PyTorch's documented formulas written out
one sample at a time, gradients by central differences, extreme inputs and every error message.

These run in CPython and in Pyodide; the comparison with PyTorch itself is test_losses_torch.py.
"""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinytorch import Tensor, no_grad
from tinytorch.core.layers import Module
from tinytorch.core.losses import (BCELoss, BCEWithLogitsLoss, BinaryCrossEntropyLoss,
                                   CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss,
                                   log_softmax)

from .strategies import assert_gradients_match, grid_arrays

REDUCTIONS = ["mean", "sum", "none"]
LN2 = np.log(2.0)


def f64(values):
    return np.array(values, dtype=np.float64)


def index_tensor(values):
    return Tensor(np.array(values, dtype=np.int64))


# ===== independent references: PyTorch's documented formulas, one sample at a time ================


def reference_log_softmax(x, axis):
    """The textbook formula, safe for the small values the tests draw."""
    return x - np.log(np.sum(np.exp(x), axis=axis, keepdims=True))


def reduce(losses, reduction, total):
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.sum() / total


def as_rows(x, num_classes):
    """(N, C, d1, ...) -> one row of C values per sample and position."""
    return np.moveaxis(x, 1, -1).reshape(-1, num_classes) if x.ndim > 1 else x[None]


def reference_cross_entropy(z, y, weight=None, ignore_index=-100, reduction="mean",
                            label_smoothing=0.0):
    num_classes = z.shape[0] if z.ndim == 1 else z.shape[1]
    w = np.ones(num_classes) if weight is None else weight
    s = label_smoothing
    log_p = reference_log_softmax(as_rows(z, num_classes), axis=1)
    loss_shape = z.shape[:1] + z.shape[2:] if z.ndim > 1 else ()
    if np.issubdtype(y.dtype, np.integer):
        losses, total = [], 0.0
        for lp, t in zip(log_p, y.reshape(-1)):
            if t == ignore_index:
                losses.append(0.0)
                continue
            losses.append(-(1 - s) * w[t] * lp[t] - s / num_classes * np.sum(w * lp))
            total += w[t]
    else:
        q = as_rows(y, num_classes) * (1 - s) + s / num_classes
        losses = [-np.sum(w * qi * lp) for qi, lp in zip(q, log_p)]
        total = len(losses)
    return reduce(np.array(losses).reshape(loss_shape), reduction, total)


def reference_nll(log_p, y, weight=None, ignore_index=-100, reduction="mean"):
    num_classes = log_p.shape[0] if log_p.ndim == 1 else log_p.shape[1]
    w = np.ones(num_classes) if weight is None else weight
    losses, total = [], 0.0
    for lp, t in zip(as_rows(log_p, num_classes), y.reshape(-1)):
        losses.append(0.0 if t == ignore_index else -w[t] * lp[t])
        total += 0.0 if t == ignore_index else w[t]
    loss_shape = log_p.shape[:1] + log_p.shape[2:] if log_p.ndim > 1 else ()
    return reduce(np.array(losses).reshape(loss_shape), reduction, total)


# ===== strategies ================================================================================


@st.composite
def class_problems(draw, probabilities=False):
    """Logits (C,), (N, C) or (N, C, d) and matching targets, with some targets ignored."""
    num_classes = draw(st.integers(1, 4))
    layout = draw(st.sampled_from(["unbatched", "batched", "k-dim"]))
    n = draw(st.integers(1, 3))
    shape = {"unbatched": (num_classes,), "batched": (n, num_classes),
             "k-dim": (n, num_classes, draw(st.integers(1, 3)))}[layout]
    logits = draw(hnp.arrays(np.float64, shape, elements=st.floats(-4, 4, width=64)))
    index_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    if probabilities:
        raw = draw(hnp.arrays(np.float64, shape, elements=st.floats(0.01, 1, width=64)))
        axis = 0 if layout == "unbatched" else 1
        return logits, raw / raw.sum(axis=axis, keepdims=True)
    targets = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, num_classes - 1)))
    ignored = draw(hnp.arrays(np.bool_, index_shape))
    ignored.flat[0] = False  # at least one target counts, so a mean is defined
    return logits, np.where(ignored, -100, targets)


optional_weights = st.none() | hnp.arrays(np.float64, 4, elements=st.floats(0.25, 2, width=64))
smoothing = st.sampled_from([0.0, 0.1, 0.5, 1.0])


# ===== log_softmax ===============================================================================


def test_log_softmax_worked_numbers():
    out = log_softmax(Tensor(np.log(f64([1.0, 1.0, 2.0]))))
    np.testing.assert_allclose(out.data, np.log([0.25, 0.25, 0.5]), rtol=1e-12)


@given(grid_arrays(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)), st.data())
def test_log_softmax_matches_the_formula_and_its_gradient(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    np.testing.assert_allclose(log_softmax(Tensor(x), dim=dim).data,
                               reference_log_softmax(x, dim), rtol=1e-10, atol=1e-12)
    assert_gradients_match(lambda t: log_softmax(t, dim=dim), x)


@given(hnp.arrays(np.float64, (2, 3), elements=st.floats(-3, 3, width=64)),
       st.floats(-1e4, 1e4, width=64))
def test_log_softmax_ignores_a_shift_of_each_row(x, shift):
    np.testing.assert_allclose(log_softmax(Tensor(x + shift)).data, log_softmax(Tensor(x)).data,
                               atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_is_finite_for_huge_logits(dtype):
    x = Tensor(np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=dtype), requires_grad=True)
    out = log_softmax(x, dim=1)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.data, [[0.0, -2e4, -1e4], [-np.log(3)] * 3], rtol=1e-6)
    out.backward(np.ones(out.shape, dtype=dtype))
    assert np.isfinite(x.grad.data).all()


# ===== regression losses =========================================================================

PREDICTIONS, TARGETS = f64([1.0, 2.0, 3.0]), f64([1.0, 4.0, 0.0])  # errors 0, -2, 3


@pytest.mark.parametrize("loss, none", [
    (MSELoss, [0.0, 4.0, 9.0]),
    (L1Loss, [0.0, 2.0, 3.0]),
    (HuberLoss, [0.0, 1.5, 2.5]),
    (lambda reduction: HuberLoss(reduction, delta=2.5), [0.0, 2.0, 4.375]),
], ids=["mse", "l1", "huber", "huber-delta-2.5"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_worked_numbers(loss, none, reduction):
    out = loss(reduction)(Tensor(PREDICTIONS), Tensor(TARGETS))
    expected = {"none": none, "sum": sum(none), "mean": sum(none) / 3}[reduction]
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)


@pytest.mark.parametrize("loss", [MSELoss, L1Loss, HuberLoss,
                                  lambda reduction: HuberLoss(reduction, delta=0.3)],
                         ids=["mse", "l1", "huber", "huber-delta-0.3"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=st.data())
def test_regression_losses_gradients(loss, reduction, data):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))
    # Grid values never sit on a kink: |d| = 0 for L1, |d| = delta for Huber.
    predictions = data.draw(grid_arrays(shape))
    targets = data.draw(grid_arrays(shape, offset=0.005))
    assert_gradients_match(loss(reduction), predictions, targets)


def test_huber_gradient_is_the_clipped_error():
    x = Tensor(f64([-3.0, -0.5, 0.0, 0.5, 3.0]), requires_grad=True)
    HuberLoss(reduction="sum", delta=1.0)(x, Tensor(np.zeros(5))).backward()
    np.testing.assert_allclose(x.grad.data, [-1.0, -0.5, 0.0, 0.5, 1.0])


def test_huber_delta_may_be_a_numpy_number():
    loss = HuberLoss(delta=np.float32(0.5))(Tensor(f64([0.0, 3.0])), Tensor(np.zeros(2)))
    np.testing.assert_allclose(loss.item(), (0 + 0.5 * (3 - 0.25)) / 2, rtol=1e-7)


def test_l1_gradient_is_zero_where_prediction_equals_target():
    x = Tensor(f64([1.0, 2.0]), requires_grad=True)
    L1Loss(reduction="sum")(x, Tensor(f64([1.0, 0.0]))).backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0])


# ===== cross-entropy ============================================================================


def test_cross_entropy_worked_numbers():
    # softmax of [0, log 3] is [1/4, 3/4]
    logits = Tensor(f64([[0.0, np.log(3.0)], [0.0, 0.0]]), requires_grad=True)
    loss = CrossEntropyLoss()(logits, index_tensor([1, 0]))
    np.testing.assert_allclose(loss.item(), (-np.log(0.75) + LN2) / 2, rtol=1e-12)
    loss.backward()
    np.testing.assert_allclose(logits.grad.data, [[0.125, -0.125], [-0.25, 0.25]], rtol=1e-12)


def test_cross_entropy_weighted_mean_divides_by_the_weights_that_count():
    logits = Tensor(np.zeros((3, 2)))
    loss = CrossEntropyLoss(weight=Tensor(f64([1.0, 3.0])))(logits, index_tensor([0, 1, 1]))
    np.testing.assert_allclose(loss.item(), (1 + 3 + 3) * LN2 / (1 + 3 + 3), rtol=1e-12)


def test_cross_entropy_label_smoothing_worked_numbers():
    # Two classes, smoothing 0.2: target [0.9, 0.1] instead of [1, 0]
    logits = f64([[0.0, np.log(3.0)]])
    loss = CrossEntropyLoss(label_smoothing=0.2)(Tensor(logits), index_tensor([0]))
    np.testing.assert_allclose(loss.item(), -(0.9 * np.log(0.25) + 0.1 * np.log(0.75)),
                               rtol=1e-12)


def test_label_smoothing_may_be_a_numpy_number():
    # As above with numpy's float32 0.2 (torch.nn.CrossEntropyLoss accepts it too)
    logits = f64([[0.0, np.log(3.0)]])
    loss = CrossEntropyLoss(label_smoothing=np.float32(0.2))(Tensor(logits), index_tensor([0]))
    np.testing.assert_allclose(loss.item(), -(0.9 * np.log(0.25) + 0.1 * np.log(0.75)),
                               rtol=1e-7)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(problem=class_problems(), weight=optional_weights, label_smoothing=smoothing)
def test_cross_entropy_with_class_indices(problem, weight, label_smoothing, reduction):
    logits, targets = problem
    num_classes = logits.shape[0] if logits.ndim == 1 else logits.shape[1]
    weight = None if weight is None else weight[:num_classes]
    loss = CrossEntropyLoss(weight=None if weight is None else Tensor(weight),
                            reduction=reduction, label_smoothing=label_smoothing)
    expected = reference_cross_entropy(logits, targets, weight, -100, reduction, label_smoothing)
    out = loss(Tensor(logits), Tensor(targets))
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)
    assert_gradients_match(lambda z: loss(z, Tensor(targets)), logits)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(problem=class_problems(probabilities=True), weight=optional_weights,
       label_smoothing=smoothing)
def test_cross_entropy_with_class_probabilities(problem, weight, label_smoothing, reduction):
    logits, probabilities = problem
    num_classes = logits.shape[0] if logits.ndim == 1 else logits.shape[1]
    weight = None if weight is None else weight[:num_classes]
    loss = CrossEntropyLoss(weight=None if weight is None else Tensor(weight),
                            reduction=reduction, label_smoothing=label_smoothing)
    expected = reference_cross_entropy(logits, probabilities, weight, -100, reduction,
                                       label_smoothing)
    np.testing.assert_allclose(loss(Tensor(logits), Tensor(probabilities)).data, expected,
                               rtol=1e-10, atol=1e-12)
    # Gradients for both: the logits and the target probabilities.
    assert_gradients_match(loss, logits, probabilities)


def test_one_hot_probabilities_equal_class_indices():
    rng = np.random.default_rng(0)
    logits, targets = rng.normal(size=(5, 4)), np.array([0, 3, 1, 1, 2])
    one_hot = np.eye(4)[targets]
    by_index = CrossEntropyLoss(label_smoothing=0.3)(Tensor(logits), Tensor(targets))
    by_probability = CrossEntropyLoss(label_smoothing=0.3)(Tensor(logits), Tensor(one_hot))
    np.testing.assert_allclose(by_index.item(), by_probability.item(), rtol=1e-12)


def test_k_dimensional_input_equals_the_flattened_batch():
    rng = np.random.default_rng(1)
    logits, targets = rng.normal(size=(2, 3, 4, 5)), rng.integers(0, 3, size=(2, 4, 5))
    x = Tensor(logits, requires_grad=True)
    loss = CrossEntropyLoss(reduction="none")(x, Tensor(targets))
    assert loss.shape == (2, 4, 5)
    rows = np.moveaxis(logits, 1, -1).reshape(-1, 3)
    flat = CrossEntropyLoss(reduction="none")(Tensor(rows), Tensor(targets.reshape(-1)))
    np.testing.assert_allclose(loss.data.reshape(-1), flat.data, rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_unbatched_input_equals_a_batch_of_one(reduction):
    logits = f64([0.5, -1.0, 2.0])
    single = CrossEntropyLoss(reduction=reduction)(Tensor(logits), index_tensor(2))
    batch = CrossEntropyLoss(reduction=reduction)(Tensor(logits[None]), index_tensor([2]))
    assert single.shape == ()
    np.testing.assert_allclose(single.data, batch.data.reshape(()), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_is_finite_for_huge_logits(dtype, reduction, label_smoothing):
    logits = Tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=dtype),
                    requires_grad=True)
    loss = CrossEntropyLoss(reduction=reduction, label_smoothing=label_smoothing)(
        logits, index_tensor([1, 2]))
    assert loss.dtype == dtype and np.isfinite(loss.data).all()
    if label_smoothing == 0:  # by hand: losses 2e4 and log(2)
        per_sample = np.array([2e4, LN2])
        expected = {"none": per_sample, "sum": per_sample.sum(), "mean": per_sample.mean()}
        np.testing.assert_allclose(loss.data, expected[reduction], rtol=1e-6)
    loss.backward(np.ones(loss.shape, dtype=dtype))
    assert logits.grad.dtype == dtype and np.isfinite(logits.grad.data).all()


def test_cross_entropy_probability_targets_are_finite_for_huge_logits():
    logits = Tensor(f64([[1e4, -1e4]]), requires_grad=True)
    loss = CrossEntropyLoss()(logits, Tensor(f64([[0.5, 0.5]])))
    np.testing.assert_allclose(loss.item(), 1e4, rtol=1e-12)
    loss.backward()
    np.testing.assert_allclose(logits.grad.data, [[0.5, -0.5]])


@pytest.mark.parametrize("make", [
    lambda: CrossEntropyLoss(),
    lambda: CrossEntropyLoss(weight=Tensor(f64([1.0, 2.0, 3.0]))),
    lambda: CrossEntropyLoss(label_smoothing=0.2),
    lambda: NLLLoss(),
])
def test_all_targets_ignored_gives_nan_and_zero_gradients_like_pytorch(make):
    logits = Tensor(np.random.default_rng(2).normal(size=(2, 3)), requires_grad=True)
    loss = make()(logits, index_tensor([-100, -100]))
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(logits.grad.data, np.zeros((2, 3)))


def test_ignore_index_may_be_a_valid_class():
    logits = Tensor(f64([[0.0, 0.0], [0.0, np.log(3.0)]]))
    loss = CrossEntropyLoss(ignore_index=0)(logits, index_tensor([0, 1]))
    np.testing.assert_allclose(loss.item(), -np.log(0.75), rtol=1e-12)


def test_a_second_backward_through_cross_entropy_says_what_to_do():
    logits = Tensor(np.zeros((2, 3)), requires_grad=True)
    loss = CrossEntropyLoss()(logits, index_tensor([0, 1]))
    loss.backward()
    with pytest.raises(RuntimeError, match="compute the loss again"):
        loss.backward()


def test_cross_entropy_keeps_no_more_than_two_batch_by_class_arrays():
    batch, classes = 32, 4096
    logits = np.random.default_rng(3).normal(size=(batch, classes)).astype(np.float32)
    targets = np.arange(batch)
    tracemalloc.start()
    x = Tensor(logits, requires_grad=True)
    CrossEntropyLoss()(x, Tensor(targets)).backward()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # the softmax, turned into the gradient in place, and the copy the engine keeps as x.grad
    assert peak <= 2.2 * batch * classes * 4


def test_losses_record_no_graph_under_no_grad():
    logits = Tensor(np.zeros((2, 3)), requires_grad=True)
    with no_grad():
        loss = CrossEntropyLoss()(logits, index_tensor([0, 1]))
    assert not loss.requires_grad


# ===== NLL =======================================================================================


def test_nll_worked_numbers():
    log_p = Tensor(np.log(f64([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]])), requires_grad=True)
    loss = NLLLoss(weight=Tensor(f64([1.0, 2.0, 1.0])))(log_p, index_tensor([0, 1]))
    np.testing.assert_allclose(loss.item(), -(np.log(0.5) + 2 * np.log(0.8)) / 3, rtol=1e-12)
    loss.backward()
    np.testing.assert_allclose(log_p.grad.data, [[-1 / 3, 0, 0], [0, -2 / 3, 0]], rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(problem=class_problems(), weight=optional_weights)
def test_nll_matches_the_formula_and_its_gradient(problem, weight, reduction):
    log_p, targets = problem
    num_classes = log_p.shape[0] if log_p.ndim == 1 else log_p.shape[1]
    weight = None if weight is None else weight[:num_classes]
    loss = NLLLoss(weight=None if weight is None else Tensor(weight), reduction=reduction)
    np.testing.assert_allclose(loss(Tensor(log_p), Tensor(targets)).data,
                               reference_nll(log_p, targets, weight, -100, reduction),
                               rtol=1e-12, atol=1e-15)
    assert_gradients_match(lambda z: loss(z, Tensor(targets)), log_p)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(problem=class_problems(), weight=optional_weights)
def test_nll_of_log_softmax_is_cross_entropy(problem, weight, reduction):
    logits, targets = problem
    num_classes = logits.shape[0] if logits.ndim == 1 else logits.shape[1]
    weight = None if weight is None else Tensor(weight[:num_classes])
    dim = 0 if logits.ndim == 1 else 1
    nll = NLLLoss(weight=weight, reduction=reduction)(log_softmax(Tensor(logits), dim=dim),
                                                     Tensor(targets))
    ce = CrossEntropyLoss(weight=weight, reduction=reduction)(Tensor(logits), Tensor(targets))
    np.testing.assert_allclose(nll.data, ce.data, rtol=1e-10, atol=1e-12)


# ===== binary cross-entropy =======================================================================


def test_bce_worked_numbers():
    p = Tensor(f64([0.8, 0.0, 0.0, 1.0, 1.0, 0.5]), requires_grad=True)
    y = f64([1.0, 1.0, 0.0, 1.0, 0.0, 0.25])
    loss = BinaryCrossEntropyLoss(reduction="none")(p, Tensor(y))
    # each log is clamped at -100: p = 0 for y = 1 costs 100, and p = 0 for y = 0 costs 0, not nan
    np.testing.assert_allclose(loss.data, [-np.log(0.8), 100, 0, 0, 100, LN2], rtol=1e-12)
    loss.backward(np.ones(6))
    # PyTorch's gradient (p - y) / max(p (1 - p), 1e-12): huge but finite at p = 0 and 1
    np.testing.assert_allclose(p.grad.data, [-1.25, -1e12, 0, 0, 1e12, 1.0], rtol=1e-12)


def test_bce_weight_rescales_each_element_and_mean_divides_by_the_count():
    p, y = Tensor(f64([[0.5, 0.5], [0.5, 0.5]])), Tensor(f64([[1.0, 0.0], [0.0, 1.0]]))
    loss = BinaryCrossEntropyLoss(weight=Tensor(f64([1.0, 3.0])))(p, y)
    np.testing.assert_allclose(loss.item(), (1 + 3 + 1 + 3) * LN2 / 4, rtol=1e-12)


def test_bce_loss_is_the_same_class():
    assert BCELoss is BinaryCrossEntropyLoss


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=st.data())
def test_bce_matches_the_formula_and_its_gradients(reduction, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))
    p = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(0.05, 0.95, width=64)))
    # inside (0, 1), so that the numerical gradient's nudges keep the targets valid
    y = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(0.01, 0.99, width=64)))
    weight = data.draw(st.none() | hnp.arrays(np.float64, shape[-1:],
                                               elements=st.floats(0.5, 2, width=64)))
    loss = BinaryCrossEntropyLoss(weight=None if weight is None else Tensor(weight),
                                  reduction=reduction)
    losses = -(1 if weight is None else weight) * (y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(loss(Tensor(p), Tensor(y)).data,
                               reduce(losses, reduction, losses.size), rtol=1e-12)
    assert_gradients_match(loss, p, y)


def test_bce_with_logits_worked_numbers():
    x = Tensor(f64([0.0, 0.0, 1e4, -1e4, 1e4, -1e4]), requires_grad=True)
    y = f64([1.0, 0.0, 1.0, 0.0, 0.0, 1.0])
    loss = BCEWithLogitsLoss(reduction="none")(x, Tensor(y))
    np.testing.assert_allclose(loss.data, [LN2, LN2, 0, 0, 1e4, 1e4], rtol=1e-12)
    loss.backward(np.ones(6))
    np.testing.assert_allclose(x.grad.data, [-0.5, 0.5, 0, 0, 1, -1])  # sigmoid(x) - y


def test_bce_with_logits_pos_weight_counts_positives_more():
    loss = BCEWithLogitsLoss(pos_weight=Tensor(f64([3.0, 1.0])), reduction="none")(
        Tensor(np.zeros((1, 2))), Tensor(f64([[1.0, 1.0]])))
    np.testing.assert_allclose(loss.data, [[3 * LN2, LN2]], rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_is_finite_for_huge_logits(dtype):
    x = Tensor(np.array([1e4, -1e4, 1e4, -1e4], dtype=dtype), requires_grad=True)
    loss = BCEWithLogitsLoss(pos_weight=Tensor(np.array([2.0], dtype=dtype)))(
        x, Tensor(np.array([1.0, 0.0, 0.3, 0.7], dtype=dtype)))
    assert loss.dtype == dtype and np.isfinite(loss.item())
    loss.backward()
    assert np.isfinite(x.grad.data).all()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=st.data())
def test_bce_with_logits_matches_sigmoid_then_bce_and_its_gradients(reduction, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))
    x = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-5, 5, width=64)))
    # inside (0, 1), so that the numerical gradient's nudges keep the targets valid
    y = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(0.01, 0.99, width=64)))
    pos_weight = data.draw(st.none() | hnp.arrays(np.float64, shape[-1:],
                                                   elements=st.floats(0.5, 3, width=64)))
    weight = data.draw(st.none() | hnp.arrays(np.float64, shape, elements=st.floats(0.5, 2)))
    loss = BCEWithLogitsLoss(weight=None if weight is None else Tensor(weight),
                             pos_weight=None if pos_weight is None else Tensor(pos_weight),
                             reduction=reduction)
    p = 1 / (1 + np.exp(-x))
    pw = 1 if pos_weight is None else pos_weight
    losses = -(1 if weight is None else weight) * (pw * y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(loss(Tensor(x), Tensor(y)).data,
                               reduce(losses, reduction, losses.size), rtol=1e-10)
    assert_gradients_match(loss, x, y)


# ===== modules ===================================================================================

ALL_LOSSES = [MSELoss, L1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BinaryCrossEntropyLoss,
              BCEWithLogitsLoss]


@pytest.mark.parametrize("loss", ALL_LOSSES, ids=lambda c: c.__name__)
def test_losses_are_modules_without_parameters(loss):
    module = loss()
    assert isinstance(module, Module) and module.parameters() == []
    assert repr(module) == f"{loss.__name__}()"


def test_class_weights_are_not_parameters():
    assert CrossEntropyLoss(weight=Tensor(f64([1.0, 2.0]))).parameters() == []


@pytest.mark.parametrize("loss", [MSELoss, L1Loss, HuberLoss, BinaryCrossEntropyLoss,
                                  BCEWithLogitsLoss], ids=lambda c: c.__name__)
def test_float32_in_float32_out(loss):
    p = Tensor(np.array([0.25, 0.75], dtype=np.float32), requires_grad=True)
    out = loss()(p, Tensor(np.array([0.0, 1.0], dtype=np.float32)))
    out.backward()
    assert out.dtype == np.float32 and p.grad.dtype == np.float32


# ===== errors ====================================================================================

ints = np.array([0, 1], dtype=np.int64)
floats2 = Tensor(f64([0.5, 0.5]))

ERRORS = [
    # bad constructor arguments
    (lambda: MSELoss(reduction="avg"), ValueError,
     r"MSELoss: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: HuberLoss(delta=0), ValueError, r"HuberLoss: delta must be a positive number, got 0"),
    (lambda: HuberLoss(delta="1"), TypeError, r"delta must be a positive number, got '1' \(str\)"),
    (lambda: CrossEntropyLoss(label_smoothing=1.5), ValueError,
     r"label_smoothing must be a number in \[0, 1\], got 1.5"),
    (lambda: CrossEntropyLoss(ignore_index=1.0), TypeError, r"ignore_index must be an integer"),
    (lambda: CrossEntropyLoss(weight=[1.0, 2.0]), TypeError,
     r"CrossEntropyLoss: weight must be a Tensor, got list"),
    (lambda: NLLLoss(weight=Tensor(ints)), TypeError, r"weight must be a floating-point tensor"),
    (lambda: BCEWithLogitsLoss(reduction=None), ValueError, r"reduction must be"),
    # inputs that are not tensors, or of the wrong dtype
    (lambda: MSELoss()([1.0], Tensor([1.0])), TypeError,
     r"MSELoss: input must be a Tensor, got list"),
    (lambda: L1Loss()(Tensor([1.0]), 1.0), TypeError,
     r"L1Loss: target must be a Tensor, got float"),
    (lambda: MSELoss()(Tensor(ints), floats2), TypeError,
     r"MSELoss: input must be a floating-point tensor, got dtype int64"),
    (lambda: BinaryCrossEntropyLoss()(floats2, Tensor(ints)), TypeError,
     r"target must be a floating-point tensor, got dtype int64; convert it"),
    # shapes
    (lambda: MSELoss()(Tensor(np.zeros(4)), Tensor(np.zeros((4, 1)))), ValueError,
     r"MSELoss: input has shape \(4,\) but target has shape \(4, 1\); they must be equal .*"
     r"target.reshape\(4,\)"),
    (lambda: BCELoss()(Tensor(np.zeros((4, 1))), Tensor(np.zeros(4))), ValueError,
     r"BinaryCrossEntropyLoss: input has shape \(4, 1\) but target has shape \(4,\).*"
     r"target.reshape\(4, 1\)"),
    (lambda: HuberLoss()(Tensor(np.zeros(3)), Tensor(np.zeros(2))), ValueError,
     r"HuberLoss: input has shape \(3,\) but target has shape \(2,\); they must be equal "
     r"\(one target per prediction\)$"),
    (lambda: CrossEntropyLoss()(Tensor(np.zeros((4, 3))), Tensor(np.zeros(5, dtype=int))),
     ValueError, r"CrossEntropyLoss: input has shape \(4, 3\), so target must hold class "
                 r"indices \(integers\) of shape \(4,\) or class probabilities \(floats\) of the "
                 r"input's shape \(4, 3\); got shape \(5,\)"),
    (lambda: CrossEntropyLoss()(Tensor(np.zeros((4, 3))), Tensor(np.zeros((4, 2)))), ValueError,
     r"got shape \(4, 2\)"),
    (lambda: NLLLoss()(Tensor(np.zeros((2, 3))), Tensor(np.zeros((2, 3)))), ValueError,
     r"NLLLoss: input has shape \(2, 3\), so target must hold class indices \(integers\) of "
     r"shape \(2,\); got shape \(2, 3\)"),
    (lambda: CrossEntropyLoss()(Tensor(np.zeros((2, 0))), Tensor(ints)), ValueError,
     r"with at least one class, got \(2, 0\)"),
    (lambda: CrossEntropyLoss()(Tensor(np.float64(1.0)), Tensor(ints)), ValueError,
     r"input must have shape \(C,\), \(N, C\) or \(N, C, d1, ...\)"),
    # class indices
    (lambda: CrossEntropyLoss()(Tensor(np.zeros((2, 3))), index_tensor([0, 5])), IndexError,
     r"^CrossEntropyLoss: target contains class index 5, but the input has 3 classes \(valid "
     r"targets are 0..2, or ignore_index=-100\)$"),
    (lambda: NLLLoss(ignore_index=7)(Tensor(np.zeros((2, 3))), index_tensor([-1, 7])), IndexError,
     r"NLLLoss: target contains class index -1, .* or ignore_index=7\)"),
    (lambda: CrossEntropyLoss()(Tensor(np.zeros((2, 3))), Tensor(f64([0.0, 2.0]))), TypeError,
     r"class indices must be integers; build them with Tensor\(np.array\(\[0, 2\]\)\) or "
     r"Tensor\(\[0, 2\], dtype=np.int64\)"),
    (lambda: NLLLoss()(Tensor(np.zeros(3)), Tensor(f64(1.0))), TypeError,
     r"NLLLoss: target has dtype float64, but class indices must be integers"),
    (lambda: CrossEntropyLoss()(Tensor(np.zeros((2, 3))), Tensor(np.array([True, False]))),
     TypeError, r"target must hold integer class indices, got dtype bool"),
    (lambda: CrossEntropyLoss(weight=Tensor(f64([1, 2, 3, 4])))(Tensor(np.zeros((2, 3))),
                                                                 Tensor(ints)),
     ValueError, r"weight must have one entry per class, shape \(3,\), got \(4,\)"),
    (lambda: CrossEntropyLoss(ignore_index=0)(Tensor(np.zeros((2, 3))), Tensor(np.ones((2, 3)))),
     ValueError, r"ignore_index=0 only applies to class-index targets, but target holds class "
                 r"probabilities; leave ignore_index at -100"),
    # probabilities
    (lambda: BCELoss()(Tensor(f64([0.5, 1.5])), floats2), ValueError,
     r"BinaryCrossEntropyLoss: input must hold probabilities in \[0, 1\], got 1.5; apply "
     r"Sigmoid to raw scores first, or use BCEWithLogitsLoss"),
    (lambda: BCELoss()(Tensor(f64([0.5, np.nan])), floats2), ValueError,
     r"input must hold probabilities in \[0, 1\], got nan"),
    (lambda: BCELoss()(floats2, Tensor(f64([-0.5, 1.0]))), ValueError,
     r"target must hold probabilities in \[0, 1\], got -0.5$"),
    (lambda: BCEWithLogitsLoss()(floats2, Tensor(f64([2.0, 1.0]))), ValueError,
     r"BCEWithLogitsLoss: target must hold probabilities in \[0, 1\], got 2.0"),
    (lambda: BCELoss(weight=Tensor(f64([1.0, 2.0, 3.0])))(floats2, floats2), ValueError,
     r"BinaryCrossEntropyLoss: weight has shape \(3,\), which does not broadcast to the input's "
     r"shape \(2,\)"),
    (lambda: BCEWithLogitsLoss(pos_weight=Tensor(np.ones((2, 2))))(floats2, floats2), ValueError,
     r"pos_weight has shape \(2, 2\), which does not broadcast to the input's shape \(2,\)"),
    # log_softmax
    (lambda: log_softmax(Tensor(np.zeros((2, 3))), dim=2), IndexError,
     r"log_softmax: dim 2 is out of range for an input of shape \(2, 3\) \(use a dim from -2 "
     r"to 1\)"),
    (lambda: log_softmax(Tensor(np.zeros(2)), dim=True), TypeError,
     r"log_softmax: dim must be an integer, got True \(bool\)"),
    (lambda: log_softmax(Tensor(ints)), TypeError,
     r"log_softmax: input must be a floating-point tensor, got dtype int64"),
    (lambda: log_softmax([1.0, 2.0]), TypeError, r"log_softmax: input must be a Tensor, got list"),
    (lambda: log_softmax(Tensor(f64(1.0))), ValueError, r"at least one dimension, got a scalar"),
    (lambda: log_softmax(Tensor(np.zeros((2, 0))), dim=1), ValueError,
     r"dimension 1 of the input \(shape \(2, 0\)\) is empty"),
]


@pytest.mark.parametrize("call, error, message", ERRORS)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
