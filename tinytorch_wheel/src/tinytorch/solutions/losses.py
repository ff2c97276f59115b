"""The solutions of 04_losses.ipynb: log_softmax and five losses, each returning the mean.

Each is composed of tensor operations, so autograd finds its gradient; stability comes from the
formulas (the log-sum-exp trick, exponents that are never positive, PyTorch's clamp at -100).
"""

import numpy as np

from tinytorch import Tensor
from tinytorch.core.module import Module


def log_softmax(x, dim=-1):
    """Logarithm of the softmax of x along dim, computed with the log-sum-exp trick.

    log_softmax(x)_k = (x_k - m) - log(sum_j exp(x_j - m)),   m = max_j x_j

    Args:
        x: a floating-point Tensor.
        dim: the dimension whose entries become probabilities (default: the last).

    Returns:
        A Tensor of the same shape as x.
    """
    shifted = x - x.max(axis=dim, keepdims=True)
    return shifted - shifted.exp().sum(axis=dim, keepdims=True).log()


class MSELoss(Module):
    """Mean squared error between predictions and targets of the same shape.

    loss = mean((predictions - targets) ** 2), over every element

    Example:
        MSELoss()(Tensor([1.0, 2.0]), Tensor([1.0, 4.0]))  gives  Tensor(2.)
    """

    def forward(self, predictions, targets):
        return ((predictions - targets) ** 2).mean()


class HuberLoss(Module):
    """Huber loss: 0.5 * d**2 where |d| < delta, delta * (|d| - 0.5 * delta) elsewhere.

    d = predictions - targets; the loss is the mean over every element.

    Example:
        HuberLoss()(Tensor([0.5, 3.0]), Tensor([0.0, 0.0]))  gives  Tensor(1.3125)
    """

    def __init__(self, delta=1.0):
        super().__init__()
        self.delta = delta

    def forward(self, predictions, targets):
        d = predictions - targets
        # Both pieces at once: with c = d clipped to [-delta, delta], 0.5 * c**2 is the quadratic
        # piece, and beyond delta the loss grows by delta for every unit of |d| - |c|.
        c = d.clip(-self.delta, self.delta)
        return (0.5 * c**2 + self.delta * (d.abs() - c.abs())).mean()


class CrossEntropyLoss(Module):
    """Cross-entropy between logits (N, C) and integer class indices (N,), averaged over N.

    loss = -mean_n log_softmax(logits)[n, targets[n]]

    Use your log_softmax over the classes (dim=1): it keeps huge logits finite.

    Example:
        CrossEntropyLoss()(Tensor([[0.0, 0.0]]), Tensor(np.array([1])))  gives  Tensor(0.6931) = log(2)
    """

    def forward(self, logits, targets):
        log_probs = log_softmax(logits, dim=1)
        picked = log_probs[np.arange(len(logits)), targets.data]
        return -picked.mean()


class BinaryCrossEntropyLoss(Module):
    """Binary cross-entropy between probabilities and targets in [0, 1], each log clamped at -100.

    loss = -mean(y * max(log(p), -100) + (1 - y) * max(log(1 - p), -100)), over every element

    Example:
        BinaryCrossEntropyLoss()(Tensor([0.8, 0.0]), Tensor([1.0, 1.0]))  gives  Tensor(50.1116)
    """

    def forward(self, predictions, targets):
        p, y = predictions, targets
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped right here
            log_p = p.log().clip(min=-100)
            log_1mp = (1 - p).log().clip(min=-100)
        return -(y * log_p + (1 - y) * log_1mp).mean()


class BCEWithLogitsLoss(Module):
    """Binary cross-entropy on raw scores (logits): a sigmoid and BCE in one stable formula.

    loss = mean(max(z, 0) - z * y + log(1 + exp(-|z|))) = mean((1 - y) * z + log(1 + exp(-z)))

    Example:
        BCEWithLogitsLoss()(Tensor([0.0]), Tensor([1.0]))  gives  Tensor(0.6931) = log(2)
    """

    def forward(self, logits, targets):
        z, y = logits, targets
        # The form max(z, 0) - z * y + log(1 + exp(-|z|)): no exponent is ever positive.
        # max(z, 0) is written (z + |z|) / 2, whose slope at z = 0 is 1/2 (|z| has slope 0
        # there), so the gradient at z = 0 is sigmoid(0) - y; z.clip(min=0) has slope 1 there.
        return ((z + z.abs()) / 2 - z * y + (1 + (-z.abs()).exp()).log()).mean()
