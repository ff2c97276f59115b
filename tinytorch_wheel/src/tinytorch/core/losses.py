r"""Losses: one number that says how wrong the model is, and that training pushes down.

Every loss compares the model's output (``input``) with the right answer (``target``), computes
one loss per element or sample, and reduces them like ``torch.nn`` does::

    reduction="none"   every loss, one per sample (or element)
    reduction="sum"    their sum
    reduction="mean"   their mean (the default); with class weights the weighted mean
                       sum(w_i * l_i) / sum(w_i) over the targets that are not ignored

Every loss inherits ``reduction`` (and ``weight``) from a base class, ``_Loss`` or
``_WeightedLoss`` as in PyTorch, so a loss class is its formula and its own arguments.

The file follows the course: ``log_softmax`` (the stable building block, defined with the
activations and re-exported here), the regression losses (MSE, L1, Huber), the classification
losses (cross-entropy, NLL) and the binary ones (BCE, BCE with logits). Cross-entropy is
log-softmax followed by picking the target's log-probability, and its gradient is the famous
``softmax - onehot``, so it is one fused operation::

    logits z ──► log_softmax (log-sum-exp) ──► pick class y ──► negate, average ──► loss
    dloss/dz = (softmax(z) - onehot(y)) / N

Stability comes from formulas, not from hidden epsilons: the log-sum-exp trick for softmax,
``logaddexp`` for log-sigmoid, and PyTorch's documented clamp of BCE's logs at -100.
"""

import numpy as np

from tinytorch.core._validation import (check_choice, check_floating, check_int, check_number,
                                        check_tensor)
from tinytorch.core.activations import _log_softmax, log_softmax
from tinytorch.core.autograd import Function
from tinytorch.core.module import Module
from tinytorch.core.tensor import Tensor

__all__ = [
    "log_softmax",
    "MSELoss",
    "L1Loss",
    "HuberLoss",
    "CrossEntropyLoss",
    "NLLLoss",
    "BinaryCrossEntropyLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
]

# ===== What every loss shares: reduction and weight, checked once ==============================


class _Loss(Module):
    """The base of every loss, as PyTorch's ``_Loss``: it checks and keeps ``reduction``. Errors
    name the loss by its class, so no loss spells its own name."""

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = check_choice(type(self).__name__, "reduction", reduction,
                                      ("mean", "sum", "none"))


class _WeightedLoss(_Loss):
    """A loss with an optional ``weight`` tensor (one per class, or one per element), as
    PyTorch's ``_WeightedLoss``."""

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.weight = _check_weight_tensor(type(self).__name__, "weight", weight)


# ===== Checks of the inputs, written once and used by every loss ===============================


def _check_same_shape(owner, input, target):
    if input.shape == target.shape:
        return
    advice = "they must be equal (one target per prediction)"
    if [n for n in input.shape if n != 1] == [n for n in target.shape if n != 1]:
        # (N,) against (N, 1): PyTorch's regression losses only warn and broadcast to (N, N), a
        # silently wrong loss; its binary losses refuse, as every loss does here.
        advice += f"; reshape one to match the other, e.g. target.reshape{input.shape}"
    raise ValueError(
        f"{owner}: input has shape {input.shape} but target has shape {target.shape}; {advice}"
    )


def _check_probabilities(owner, name, tensor, hint=""):
    values = tensor.data
    outside = ~((values >= 0) & (values <= 1))  # also true for nan
    if outside.any():
        raise ValueError(
            f"{owner}: {name} must hold probabilities in [0, 1], got {values[outside].flat[0]}"
            f"{hint}"
        )


def _check_weight_tensor(owner, name, weight):
    if weight is not None:
        check_floating(owner, name, weight)
    return weight


def _check_broadcasts_to(owner, name, weight, shape):
    if weight is not None and weight.shape != shape:
        try:
            fits = np.broadcast_shapes(weight.shape, shape) == shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"{owner}: {name} has shape {weight.shape}, which does not broadcast to the "
                f"input's shape {shape}"
            )


def _num_classes(input):
    """C of an input (C,), (N, C) or (N, C, d1, ...): the class dimension is 1 (0 if unbatched)."""
    return input.shape[0] if input.ndim == 1 else input.shape[1]


def _index_shape(input):
    """The shape of class-index targets, and of the per-sample losses: the input's without C."""
    return input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()


def _check_class_target(owner, input, target, allow_probabilities):
    """Decide what ``target`` holds: "indices" (integers) or "probabilities" (floats).

    Class indices have the input's shape without the class dimension: (N, d1, ...) for an
    input (N, C, d1, ...), () for an unbatched input (C,). Probabilities have the input's shape.
    """
    check_floating(owner, "input", input)
    check_tensor(owner, "target", target)
    if input.ndim == 0 or _num_classes(input) == 0:
        raise ValueError(
            f"{owner}: input must have shape (C,), (N, C) or (N, C, d1, ...) with at least one "
            f"class, got {input.shape}"
        )
    index_shape = _index_shape(input)
    kind = target.data.dtype.kind
    if kind in "iu":  # signed or unsigned integers
        if target.shape == index_shape:
            return "indices"
    elif kind == "f":
        if allow_probabilities and target.shape == input.shape:
            return "probabilities"
        if target.shape == index_shape:
            raise TypeError(
                f"{owner}: target has dtype {target.dtype}, but class indices must be integers; "
                f"build them with Tensor(np.array([0, 2])) or Tensor([0, 2], dtype=np.int64), or "
                f"convert with Tensor(target.data.astype(np.int64))"
            )
    else:
        raise TypeError(
            f"{owner}: target must hold integer class indices, got dtype {target.dtype}"
        )
    wanted = f"class indices (integers) of shape {index_shape}"
    if allow_probabilities:
        wanted += f" or class probabilities (floats) of the input's shape {input.shape}"
    raise ValueError(
        f"{owner}: input has shape {input.shape}, so target must hold {wanted}; got shape "
        f"{target.shape}"
    )


def _check_class_index(owner, target, num_classes, ignore_index):
    """Check that every target is a class index in [0, C) or ignore_index; say which count.

    Returns None when every target counts, else the boolean mask of the targets that are not
    ignore_index. The common case costs two reductions: all targets are classes, and
    ignore_index (-100 by default) is not one, so none of them can be ignored.
    """
    if target.size and 0 <= target.min() and target.max() < num_classes:
        if not 0 <= ignore_index < num_classes:
            return None
    counted = target != ignore_index
    wrong = target[counted & ((target < 0) | (target >= num_classes))]
    if wrong.size:
        raise IndexError(
            f"{owner}: target contains class index {wrong[0]}, but the input has {num_classes} "
            f"classes (valid targets are 0..{num_classes - 1}, or ignore_index={ignore_index})"
        )
    return None if counted.all() else counted


def _check_class_weight(owner, weight, num_classes):
    if weight is not None and weight.shape != (num_classes,):
        raise ValueError(
            f"{owner}: weight must have one entry per class, shape ({num_classes},), got "
            f"{weight.shape}"
        )


# ===== Reductions ==============================================================================


class WeightedMean(Function):
    """z = sum(losses) / total_weight;  every loss gets grad / total_weight.

    The mean of PyTorch's weighted class losses: total_weight is the sum of the weights of the
    targets that count. When every target is ignored, nothing counts: the loss is 0 / 0 = nan
    and no input gets a gradient, exactly as in PyTorch.
    """

    def forward(self, losses, total_weight):
        self.shape, self.total_weight = losses.shape, total_weight
        if total_weight == 0:  # every target is ignored: 0 / 0
            return np.full((), np.nan, dtype=losses.dtype)
        return np.asarray(losses.sum() / total_weight)

    def backward(self, grad):
        if self.total_weight == 0:
            return np.zeros(self.shape, dtype=grad.dtype)
        return np.full(self.shape, grad / self.total_weight, dtype=grad.dtype)


def _reduce(losses, reduction, total_weight=None):
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    if total_weight is None:
        return losses.mean()
    return WeightedMean.apply(losses, total_weight=np.asarray(total_weight, dtype=losses.dtype))


# ===== Regression losses ========================================================================


def _check_regression_pair(owner, input, target):
    check_floating(owner, "input", input)
    check_floating(owner, "target", target)
    _check_same_shape(owner, input, target)


class MSELoss(_Loss):
    r"""Mean squared error between predictions and targets.

    l_i = (input_i - target_i) ** 2;   loss = mean(l)   (reduction="mean")

    A mean of squares, built from tensor operations, so autograd finds its gradient
    2 * (input - target) / n by itself. Large errors count quadratically.

    Args:
        reduction: "mean" (default), "sum" or "none".

    Shape:
        input: any shape; target: the same shape; output: scalar, or input's shape for "none".

    Example:
        >>> MSELoss()(Tensor([1.0, 2.0]), Tensor([1.0, 4.0])).item()
        2.0
    """

    def forward(self, input, target):
        _check_regression_pair(type(self).__name__, input, target)
        return _reduce((input - target) ** 2, self.reduction)


class L1Loss(_Loss):
    r"""Mean absolute error between predictions and targets.

    l_i = abs(input_i - target_i);   loss = mean(l)   (reduction="mean")

    Every unit of error counts the same, so outliers pull less than in MSE; the gradient is
    sign(input - target) (0 where they are equal, as in PyTorch).

    Args:
        reduction: "mean" (default), "sum" or "none".

    Shape:
        input: any shape; target: the same shape; output: scalar, or input's shape for "none".

    Example:
        >>> L1Loss()(Tensor([1.0, 2.0]), Tensor([1.0, 4.0])).item()
        1.0
    """

    def forward(self, input, target):
        _check_regression_pair(type(self).__name__, input, target)
        return _reduce((input - target).abs(), self.reduction)


class HuberFunction(Function):
    """l = d**2 / 2 if |d| < delta else delta * (|d| - delta / 2), d = input - target;
    dl/dinput = clip(d, -delta, delta) = -dl/dtarget: the error, but never larger than delta."""

    def forward(self, input, target, delta):
        d = input - target
        self.slope = np.clip(d, -delta, delta)
        return np.where(np.abs(d) < delta, 0.5 * d * d, delta * (np.abs(d) - 0.5 * delta))

    def backward(self, grad):
        grad_input = grad * self.slope
        return grad_input, -grad_input


class HuberLoss(_Loss):
    r"""Huber loss: squared error for small errors, absolute error (times delta) for large ones.

    ::

        l_i = 0.5 * d_i ** 2                     if |d_i| < delta
              delta * (|d_i| - 0.5 * delta)      otherwise,          d_i = input_i - target_i
        loss = mean(l)   (reduction="mean")

    The two pieces meet smoothly at abs(d) = delta. The gradient is d clipped to [-delta, delta], so
    an outlier pulls no harder than delta: robust like L1, smooth near zero like MSE.

    Args:
        reduction: "mean" (default), "sum" or "none".
        delta: where the quadratic turns linear; a positive number (default 1.0).

    Shape:
        input: any shape; target: the same shape; output: scalar, or input's shape for "none".

    Example:
        >>> HuberLoss(reduction="none")(Tensor([0.5, 3.0]), Tensor([0.0, 0.0]))
        Tensor([0.125, 2.5  ])
    """

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction)
        self.delta = check_number(type(self).__name__, "delta", delta, low=0, low_open=True)

    def forward(self, input, target):
        _check_regression_pair(type(self).__name__, input, target)
        return _reduce(HuberFunction.apply(input, target, delta=self.delta), self.reduction)


# ===== Classification losses ====================================================================


class CrossEntropyIndices(Function):
    """Cross-entropy with class-index targets, fused: log-softmax, pick, and its gradient.

    forward:   l_i = w_i * (log(sum_c exp(z_ic)) - z_iy)      with y = target_i, w_i its weight
    backward:  dl_i/dz_i = w_i * (softmax(z_i) - onehot(y))

    ``sample_weight=None`` means w_i = 1 for every sample (no class weights, nothing ignored).
    One (N, C) array is enough: it holds the shifted logits, then their exp, and the backward
    turns it into the gradient in place (softmax = exp / sum_exp, folded into one multiplication).
    """

    def forward(self, logits, target, sample_weight):
        # Subtract each row's maximum so that exp cannot overflow (the log-sum-exp trick).
        self.exp = logits - logits.max(axis=1, keepdims=True)
        self.rows, self.target, self.sample_weight = np.arange(len(target)), target, sample_weight
        target_logit = self.exp[self.rows, target]
        np.exp(self.exp, out=self.exp)
        self.sum_exp = self.exp.sum(axis=1)
        losses = np.log(self.sum_exp) - target_logit
        return losses if sample_weight is None else sample_weight * losses

    def backward(self, grad):
        if self.exp is None:
            raise RuntimeError(
                "CrossEntropyLoss: backward() already ran through this loss; compute the loss "
                "again (its saved softmax became the gradient, to save memory, as PyTorch frees "
                "saved tensors after a backward pass)"
            )
        grad_logits, self.exp = self.exp, None
        scale = grad if self.sample_weight is None else grad * self.sample_weight
        grad_logits *= (scale / self.sum_exp)[:, None]  # softmax * scale
        grad_logits[self.rows, self.target] -= scale
        return grad_logits


class CrossEntropyProbabilities(Function):
    """Cross-entropy against target distributions q (class probabilities, smoothed labels).

    forward:   l_i = -sum_c w_c q_ic log_softmax(z_i)_c
    backward:  dl_i/dz_i = softmax(z_i) * sum_c w_c q_ic - w q_i,    dl_i/dq_i = -w log_softmax(z_i)

    For a one-hot q and w = 1 this is the index version: softmax(z_i) - onehot(y).
    """

    def forward(self, logits, q, weight):
        self.log_p, self.weight = _log_softmax(logits, axis=1), weight
        self.weighted_q = q * weight
        return -(self.weighted_q * self.log_p).sum(axis=1)

    def backward(self, grad):
        g = grad[:, None]
        total = self.weighted_q.sum(axis=1, keepdims=True)
        grad_logits = (np.exp(self.log_p) * total - self.weighted_q) * g
        grad_q = -self.log_p * self.weight * g if self.inputs[1].requires_grad else None
        return grad_logits, grad_q


def _as_rows(tensor, num_classes):
    """(N, C, d1, ...) -> (N * d1 * ..., C): every position of a K-dimensional input is a sample.

    An unbatched (C,) input becomes one row (1, C). Tensor operations, so gradients flow back.
    """
    if tensor.ndim == 2:
        return tensor
    if tensor.ndim == 1:
        return tensor.reshape(1, num_classes)
    if tensor.ndim > 2:
        tensor = tensor.transpose((0,) + tuple(range(2, tensor.ndim)) + (1,))
    return tensor.reshape(-1, num_classes)


def _index_sample_weights(target, weight, counted, dtype):
    """Targets that are safe to index with, and each sample's weight (0 where ignored).

    ``weight`` is the class weights as an array, or None for none; ``counted`` the mask from
    ``_check_class_index`` (None: every target counts). The sample weights are None when every
    one of them would be 1 (no class weights, nothing ignored): the common case multiplies by
    nothing.
    """
    if counted is None:
        return target, None if weight is None else weight[target]
    safe_target = np.where(counted, target, 0)
    per_sample = 1 if weight is None else weight[safe_target]
    return safe_target, np.where(counted, per_sample, 0).astype(dtype)


def _class_weight_array(weight, num_classes, dtype):
    if weight is None:
        return np.ones(num_classes, dtype=dtype)
    return weight.data.astype(dtype, copy=False)


class CrossEntropyLoss(_WeightedLoss):
    r"""Cross-entropy between logits and class targets: log-softmax followed by NLL, fused.

    With class indices y::

        l_n = -w[y_n] * log_softmax(x_n)[y_n]    (0 where y_n == ignore_index)
        loss = sum_n l_n / sum_n w[y_n]   over the targets that are not ignored (reduction="mean";
        without weights: the mean over those targets; if all are ignored: nan, as in PyTorch)

    With class probabilities p (same shape as the input)::

        l_n = -sum_c w[c] * p_nc * log_softmax(x_n)[c];   loss = mean over the N samples

    label_smoothing = e mixes the targets with the uniform distribution: (1 - e) * target + e / C.

    The gradient with respect to the logits is softmax(x) - onehot(y) (scaled by weights and the
    reduction): the model is pushed up on the right class and down on the others, in proportion
    to how much probability it gave them.

    Args:
        weight: optional Tensor of shape (C,), a rescaling weight for each class.
        ignore_index: a class index whose targets contribute neither loss nor gradient (default
            -100; only for class-index targets).
        reduction: "mean" (default), "sum" or "none".
        label_smoothing: a number in [0, 1] (default 0.0).

    Shape:
        input: (C,), (N, C) or (N, C, d1, ..., dK) raw scores (logits), class dimension 1.
        target: class indices (integer dtype) of shape (), (N,) or (N, d1, ..., dK), in
        [0, C) or ignore_index; or class probabilities (floating) of the input's shape.
        output: scalar; for "none", the shape of the class-index target (), (N,) or
        (N, d1, ..., dK).

    Example:
        >>> logits = Tensor([[2.0, 0.5, -1.0], [0.0, 3.0, 0.0]], requires_grad=True)
        >>> loss = CrossEntropyLoss()(logits, Tensor(np.array([0, 1])))
        >>> round(loss.item(), 4)
        0.1681
        >>> loss.backward()
        >>> logits.grad.data.round(3)  # (softmax - onehot) / N
        array([[-0.107,  0.088,  0.02 ],
               [ 0.023, -0.045,  0.023]], dtype=float32)
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(weight, reduction)
        owner = type(self).__name__
        self.ignore_index = check_int(owner, "ignore_index", ignore_index)
        self.label_smoothing = check_number(owner, "label_smoothing", label_smoothing, low=0,
                                            high=1)

    def forward(self, input, target):
        owner = type(self).__name__
        kind = _check_class_target(owner, input, target, allow_probabilities=True)
        num_classes = _num_classes(input)
        _check_class_weight(owner, self.weight, num_classes)
        logits = _as_rows(input, num_classes)
        loss_shape = _index_shape(input)
        smoothing = self.label_smoothing

        if kind == "probabilities":
            if self.ignore_index >= 0:  # PyTorch refuses this too, rather than ignore it silently
                raise ValueError(
                    f"{owner}: ignore_index={self.ignore_index} only applies to class-index "
                    f"targets, but target holds class probabilities; leave ignore_index at -100"
                )
            q = _as_rows(target, num_classes)
            if smoothing:
                q = q * (1 - smoothing) + smoothing / num_classes
            weight = _class_weight_array(self.weight, num_classes, input.dtype)
            losses = CrossEntropyProbabilities.apply(logits, q, weight=weight)
            return _reduce(losses.reshape(loss_shape), self.reduction, total_weight=len(q.data))

        flat_target = target.data.reshape(-1)
        counted = _check_class_index(owner, flat_target, num_classes, self.ignore_index)
        # Without class weights there is nothing to look up: None stands for weights of 1.
        weight = None if self.weight is None else self.weight.data.astype(input.dtype, copy=False)
        indices, sample_weight = _index_sample_weights(flat_target, weight, counted, input.dtype)
        if smoothing:
            # The smoothed one-hot target, zero for ignored samples; PyTorch still divides the
            # mean by the weights of the counted targets.
            q = np.full(logits.shape, smoothing / num_classes, dtype=input.dtype)
            q[np.arange(len(indices)), indices] += 1 - smoothing
            q[flat_target == self.ignore_index] = 0
            weight = _class_weight_array(self.weight, num_classes, input.dtype)
            losses = CrossEntropyProbabilities.apply(logits, Tensor._wrap(q), weight=weight)
        else:
            losses = CrossEntropyIndices.apply(logits, target=indices, sample_weight=sample_weight)
        if losses.shape != loss_shape:
            losses = losses.reshape(loss_shape)
        total_weight = len(indices) if sample_weight is None else sample_weight.sum()
        return _reduce(losses, self.reduction, total_weight=total_weight)


class NLLLoss(_WeightedLoss):
    r"""Negative log-likelihood: minus the log-probability given to the target class.

    l_n = -w[y_n] * input[n, y_n]    (0 where y_n == ignore_index)
    loss = sum_n l_n / sum_n w[y_n]   over the targets that are not ignored (reduction="mean")

    The input holds log-probabilities, typically the output of ``log_softmax``:
    ``NLLLoss()(log_softmax(x, dim=1), y)`` equals ``CrossEntropyLoss()(x, y)``. Giving it raw
    logits, or applying log-softmax twice, is a common bug.

    Args:
        weight: optional Tensor of shape (C,), a rescaling weight for each class.
        ignore_index: a class index whose targets contribute neither loss nor gradient (-100).
        reduction: "mean" (default), "sum" or "none".

    Shape:
        input: (C,), (N, C) or (N, C, d1, ..., dK) log-probabilities, class dimension 1.
        target: class indices (integer dtype) of shape (), (N,) or (N, d1, ..., dK).
        output: scalar; for "none", the target's shape.

    Example:
        >>> log_probs = Tensor(np.log(np.array([[0.5, 0.5], [0.25, 0.75]])))
        >>> loss = NLLLoss()(log_probs, Tensor(np.array([0, 1])))
        >>> round(loss.item(), 4)  # -(log 0.5 + log 0.75) / 2
        0.4904
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(weight, reduction)
        self.ignore_index = check_int(type(self).__name__, "ignore_index", ignore_index)

    def forward(self, input, target):
        owner = type(self).__name__
        _check_class_target(owner, input, target, allow_probabilities=False)
        num_classes = _num_classes(input)
        _check_class_weight(owner, self.weight, num_classes)
        flat_target = target.data.reshape(-1)
        counted = _check_class_index(owner, flat_target, num_classes, self.ignore_index)
        weight = _class_weight_array(self.weight, num_classes, input.dtype)
        indices, sample_weight = _index_sample_weights(flat_target, weight, counted, input.dtype)
        log_probs = _as_rows(input, num_classes)
        losses = -log_probs[np.arange(len(indices)), indices] * Tensor._wrap(sample_weight)
        loss_shape = _index_shape(input)
        if losses.shape != loss_shape:
            losses = losses.reshape(loss_shape)
        return _reduce(losses, self.reduction, total_weight=sample_weight.sum())


# ===== Binary classification losses =============================================================

# PyTorch's floor for p * (1 - p) in BCE's gradient: at p = 0 or 1 the true gradient is infinite.
_BCE_GRADIENT_FLOOR = 1e-12


class BinaryCrossEntropyFunction(Function):
    """l = -w [y log(p) + (1 - y) log(1 - p)], each log clamped at -100 as in PyTorch;
    dl/dp = w (p - y) / max(p (1 - p), 1e-12);   dl/dy = w (log(1 - p) - log(p)) = -w logit(p).

    PyTorch clamps the logs in the loss only: the target's gradient uses them unclamped, so it is
    +inf at p = 0 and -inf at p = 1, here as there."""

    def forward(self, p, y, weight):
        with np.errstate(divide="ignore"):  # log(0) = -inf; the loss clamps it below
            self.log_p, self.log_1mp = np.log(p), np.log1p(-p)
        self.p, self.y, self.weight = p, y, weight
        return -weight * (y * np.maximum(self.log_p, -100)
                          + (1 - y) * np.maximum(self.log_1mp, -100))

    def backward(self, grad):
        g = grad * self.weight
        grad_p = g * (self.p - self.y) / np.maximum(self.p * (1 - self.p), _BCE_GRADIENT_FLOOR)
        if not self.inputs[1].requires_grad:  # the usual case: targets are data
            return grad_p, None
        return grad_p, g * (self.log_1mp - self.log_p)


class BinaryCrossEntropyLoss(_WeightedLoss):
    r"""Binary cross-entropy between predicted probabilities and targets in [0, 1].

    l_i = -w_i * [y_i * log(p_i) + (1 - y_i) * log(1 - p_i)];   loss = mean(l)  (reduction="mean")

    Each log is clamped at -100, like PyTorch, so a confident wrong answer (p = 0 for y = 1) costs
    100 instead of infinity, and p exactly 0 or 1 gives a finite loss and input gradient (the
    target's gradient, -logit(p), is infinite there, as in PyTorch). The input must already be a
    probability (after a sigmoid); for raw scores use ``BCEWithLogitsLoss``, which is more
    stable. Also available as ``BCELoss``.

    Args:
        weight: optional Tensor that broadcasts to the input's shape, a rescaling weight for each
            element (the mean still divides by the number of elements).
        reduction: "mean" (default), "sum" or "none".

    Shape:
        input: any shape, values in [0, 1]; target: the same shape, values in [0, 1];
        output: scalar, or input's shape for "none".

    Example:
        >>> BinaryCrossEntropyLoss(reduction="none")(Tensor([0.8, 0.0]), Tensor([1.0, 1.0]))
        Tensor([  0.22314353, 100.        ])
    """

    def forward(self, input, target):
        owner = type(self).__name__
        _check_regression_pair(owner, input, target)
        raw_scores = "; apply Sigmoid to raw scores first, or use BCEWithLogitsLoss on them"
        _check_probabilities(owner, "input", input, raw_scores)
        _check_probabilities(owner, "target", target)
        _check_broadcasts_to(owner, "weight", self.weight, input.shape)
        weight = 1.0 if self.weight is None else self.weight.data.astype(input.dtype, copy=False)
        losses = BinaryCrossEntropyFunction.apply(input, target, weight=weight)
        return _reduce(losses, self.reduction)


BCELoss = BinaryCrossEntropyLoss


class BCEWithLogitsFunction(Function):
    """l = w [(1 - y) x - (1 + (pw - 1) y) log sigmoid(x)],  log sigmoid(x) = -logaddexp(0, -x);
    dl/dx = w [(1 + (pw - 1) y) sigmoid(x) - pw y];   dl/dy = -w [x + (pw - 1) log sigmoid(x)]."""

    def forward(self, x, y, weight, pos_weight):
        self.log_sigmoid = -np.logaddexp(0, -x)  # never exp of a large number
        self.x, self.y, self.weight, self.pos_weight = x, y, weight, pos_weight
        self.log_weight = 1 + (pos_weight - 1) * y
        return weight * ((1 - y) * x - self.log_weight * self.log_sigmoid)

    def backward(self, grad):
        g = grad * self.weight
        sigmoid = np.exp(self.log_sigmoid)
        grad_x = g * (self.log_weight * sigmoid - self.pos_weight * self.y)
        grad_y = -g * (self.x + (self.pos_weight - 1) * self.log_sigmoid)
        return grad_x, grad_y


class BCEWithLogitsLoss(_WeightedLoss):
    r"""Binary cross-entropy on raw scores (logits): a sigmoid and BCE in one stable formula.

    l_i = -w_i * [pos_weight * y_i * log(sigmoid(x_i)) + (1 - y_i) * log(1 - sigmoid(x_i))]
    loss = mean(l)   (reduction="mean")

    With log(sigmoid(x)) = -logaddexp(0, -x) and log(1 - sigmoid(x)) = log(sigmoid(x)) - x nothing
    overflows or rounds to log(0), even for logits of +-1e4; the gradient is simply
    sigmoid(x) - y (without pos_weight). ``pos_weight`` > 1 makes positives count more.

    Args:
        weight: optional Tensor that broadcasts to the input's shape, a rescaling weight for each
            element.
        reduction: "mean" (default), "sum" or "none".
        pos_weight: optional Tensor that broadcasts to the input's shape (typically (C,), one per
            class in the last dimension), the weight of the positive targets.

    Shape:
        input: any shape (logits); target: the same shape, values in [0, 1];
        output: scalar, or input's shape for "none".

    Example:
        >>> BCEWithLogitsLoss(reduction="none")(Tensor([10000.0, -10000.0]), Tensor([1.0, 1.0]))
        Tensor([    0., 10000.])
    """

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(weight, reduction)
        self.pos_weight = _check_weight_tensor(type(self).__name__, "pos_weight", pos_weight)

    def forward(self, input, target):
        owner = type(self).__name__
        _check_regression_pair(owner, input, target)
        _check_probabilities(owner, "target", target)
        _check_broadcasts_to(owner, "weight", self.weight, input.shape)
        _check_broadcasts_to(owner, "pos_weight", self.pos_weight, input.shape)

        def as_array(t):
            return 1.0 if t is None else t.data.astype(input.dtype, copy=False)

        losses = BCEWithLogitsFunction.apply(
            input, target, weight=as_array(self.weight), pos_weight=as_array(self.pos_weight)
        )
        return _reduce(losses, self.reduction)
