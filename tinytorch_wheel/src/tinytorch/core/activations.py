r"""Activations: the nonlinear functions between layers, as functions and as modules.

Without them a stack of layers collapses into one: ``W2 @ (W1 @ x) = (W2 @ W1) @ x`` is a
single linear map, however many layers you stack. An activation bends the line in between::

    ReLU        y = max(x, 0)                        dy/dx = 1 where x > 0, else 0
    Sigmoid     y = 1 / (1 + exp(-x))                dy/dx = y * (1 - y)
    Tanh        y = tanh(x)                          dy/dx = 1 - y**2
    Softmax     y_i = exp(x_i) / sum_j exp(x_j)      dL/dx = y * (g - sum_j g_j * y_j)
    LogSoftmax  y_i = x_i - log(sum_j exp(x_j))      dL/dx = g - softmax(x) * sum_j g_j

Each one is a ``Function`` (forward and backward side by side), a function for expressions
(``relu(x)``, like ``torch.relu``) and a ``Module`` for ``Sequential`` (``ReLU()``, like
``torch.nn.ReLU``). ``log_softmax`` is written in module 04, where cross-entropy needs it, but
it is an activation like ``softmax`` and lives here; ``tinytorch.core.losses`` re-exports it. The
file imports only the tensor, the autograd ``Function`` and ``Module``, never the layers or the
losses, so it reads in the course's order.

The exponentials are written so that they cannot overflow, whatever the input: ``sigmoid``
only ever takes ``exp`` of a non-positive number, and ``softmax`` subtracts the maximum first.
"""

import numpy as np

from tinytorch.core._validation import check_dim, check_floating, check_int, check_tensor
from tinytorch.core.autograd import Function
from tinytorch.core.module import Module
from tinytorch.core.tensor import Tensor

__all__ = ["ReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "relu", "sigmoid", "tanh",
           "softmax", "log_softmax"]


# ===== ReLU ====================================================================================


class ReLUFunction(Function):
    """y = max(x, 0);  dy/dx = 1 where x > 0, else 0 (0 at x = 0 and 1 at nan, as in PyTorch)."""

    def forward(self, x):
        self.passes = ~(x <= 0)  # not "x > 0": PyTorch passes the gradient of a nan through
        return np.maximum(x, 0)

    def backward(self, grad):
        return grad * self.passes


def relu(x):
    """The rectified linear unit, elementwise: ``max(x, 0)``, like ``torch.relu``.

    Example:
        >>> relu(Tensor([-2.0, 0.0, 3.0]))
        Tensor([0., 0., 3.])
    """
    check_tensor("relu", "input", x)
    return ReLUFunction.apply(x)


class ReLU(Module):
    r"""The rectified linear unit as a module, like ``torch.nn.ReLU``.

    ReLU(x) = max(x, 0)

    It keeps positive values and zeroes negative ones. Its gradient is 1 or 0, so it neither
    shrinks nor blows up the gradients that flow through it: the default activation of hidden
    layers.

    Shape:
        input: any shape; output: the same shape.

    Example:
        >>> ReLU()(Tensor([[-1.0, 2.0], [3.0, -4.0]]))
        Tensor([[0., 2.],
                [3., 0.]])
    """

    def forward(self, x):
        return relu(x)


# ===== Sigmoid =================================================================================


class SigmoidFunction(Function):
    """y = 1 / (1 + exp(-x));  dy/dx = y * (1 - y)."""

    def forward(self, x):
        # exp(-x) overflows for x = -1e4. With e = exp(-|x|), which is at most 1, both halves
        # are exact rewrites: 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0.
        e = np.exp(-np.abs(x))
        self.y = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        return self.y

    def backward(self, grad):
        return grad * self.y * (1 - self.y)


def sigmoid(x):
    """The logistic sigmoid, elementwise: ``1 / (1 + exp(-x))``, like ``torch.sigmoid``.

    Example:
        >>> sigmoid(Tensor([0.0, 1e4, -1e4]))
        Tensor([0.5, 1. , 0. ])
    """
    check_tensor("sigmoid", "input", x)
    return SigmoidFunction.apply(x)


class Sigmoid(Module):
    r"""The logistic sigmoid as a module, like ``torch.nn.Sigmoid``.

    Sigmoid(x) = 1 / (1 + exp(-x))

    Squashes any number into (0, 1), so its output reads as a probability (binary
    classification). Computed without overflow for any input: for x < 0 as exp(x) / (1 + exp(x)).

    Shape:
        input: any shape; output: the same shape.

    Example:
        >>> Sigmoid()(Tensor(np.array([-1.0, 0.0, 1.0])))
        Tensor([0.26894142, 0.5       , 0.73105858], dtype=float64)
    """

    def forward(self, x):
        return sigmoid(x)


# ===== Tanh ====================================================================================


class TanhFunction(Function):
    """y = tanh(x);  dy/dx = 1 - y**2."""

    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, grad):
        return grad * (1 - self.y * self.y)


def tanh(x):
    """The hyperbolic tangent, elementwise, like ``torch.tanh``.

    Example:
        >>> tanh(Tensor([0.0, 1e4]))
        Tensor([0., 1.])
    """
    check_tensor("tanh", "input", x)
    return TanhFunction.apply(x)


class Tanh(Module):
    r"""The hyperbolic tangent as a module, like ``torch.nn.Tanh``.

    Tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x)) = 2 * sigmoid(2x) - 1

    Like the sigmoid, but from -1 to 1 and centred at 0.

    Shape:
        input: any shape; output: the same shape.

    Example:
        >>> Tanh()(Tensor(np.array([-1.0, 0.0, 1.0])))
        Tensor([-0.76159416,  0.        ,  0.76159416], dtype=float64)
    """

    def forward(self, x):
        return tanh(x)


# ===== Softmax =================================================================================


class SoftmaxFunction(Function):
    """y = exp(x) / sum(exp(x)) along dim;  dL/dx = y * (g - sum(g * y)) along dim.

    The backward is the Jacobian-vector product: dy_i/dx_j = y_i * (delta_ij - y_j), so
    sum_i g_i * dy_i/dx_j = y_j * (g_j - sum_i g_i * y_i), without building the Jacobian.
    """

    def forward(self, x, dim):
        # Subtracting the maximum changes nothing (it cancels between top and bottom), but the
        # largest exponent becomes exp(0) = 1: no overflow for logits of 1e4.
        e = np.exp(x - x.max(axis=dim, keepdims=True))
        self.y, self.dim = e / e.sum(axis=dim, keepdims=True), dim
        return self.y

    def backward(self, grad):
        return self.y * (grad - (grad * self.y).sum(axis=self.dim, keepdims=True))


def softmax(x, dim=-1):
    """Softmax along ``dim``: exponentials normalised to sum to one, like ``torch.softmax``.

    Example:
        >>> softmax(Tensor([[1000.0, 1000.0], [0.0, -1000.0]]))
        Tensor([[0.5, 0.5],
                [1. , 0. ]])
    """
    check_tensor("softmax", "input", x)
    return SoftmaxFunction.apply(x, dim=check_dim("softmax", x, dim))


class Softmax(Module):
    r"""Softmax along a dimension as a module, like ``torch.nn.Softmax``.

    Softmax(x)_i = exp(x_i) / sum_j exp(x_j)
                 = exp(x_i - m) / sum_j exp(x_j - m),   m = max_j x_j   (what is computed)

    Turns a vector of scores (logits) into probabilities: positive, summing to one along
    ``dim``, in the same order as the scores. For training a classifier, give the logits to
    ``CrossEntropyLoss`` instead: it fuses log-softmax into the loss, which is more accurate.

    Args:
        dim: the dimension along which the outputs sum to one (default: the last; PyTorch's
            default ``None`` picks one implicitly and is deprecated there).

    Shape:
        input: any shape with at least one dimension; output: the same shape.

    Example:
        >>> Softmax(dim=1)(Tensor(np.array([[1.0, 2.0, 3.0]])))
        Tensor([[0.09003057, 0.24472847, 0.66524096]], dtype=float64)
        >>> Softmax(dim=0)
        Softmax(dim=0)
    """

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = check_int("Softmax", "dim", dim)

    def forward(self, x):
        check_tensor("Softmax", "input", x)
        return SoftmaxFunction.apply(x, dim=check_dim("Softmax", x, self.dim))

    def extra_repr(self):
        return f"dim={self.dim}"


# ===== log_softmax ==============================================================================


def _log_softmax(x, axis):
    """x - max - log(sum(exp(x - max))): after the shift the largest exponent is exp(0) = 1."""
    out = x - x.max(axis=axis, keepdims=True)
    out -= np.log(np.exp(out).sum(axis=axis, keepdims=True))
    return out


class LogSoftmaxFunction(Function):
    """y = x - logsumexp(x);  dL/dx = g - softmax(x) * sum(g), with softmax(x) = exp(y)."""

    def forward(self, x, dim):
        self.dim = dim
        self.y = _log_softmax(x, dim)
        return self.y

    def backward(self, grad):
        return grad - np.exp(self.y) * grad.sum(axis=self.dim, keepdims=True)


def log_softmax(x, dim=-1):
    r"""Logarithm of the softmax along ``dim``, computed stably with the log-sum-exp trick.

    log_softmax(x)_i = x_i - log(sum_j exp(x_j)) = (x_i - m) - log(sum_j exp(x_j - m)),
    m = max_j x_j

    Subtracting the maximum changes nothing mathematically, but the largest exponent becomes
    exp(0) = 1, so nothing overflows even for logits of 1e4 (where ``exp`` alone gives inf).
    ``LogSoftmax`` below is this function as a module; ``tinytorch.core.losses`` re-exports it,
    as the losses are built on it.

    Args:
        x: a floating-point tensor of at least one dimension.
        dim: the dimension that sums to one after ``exp`` (default: the last).

    Shape:
        input: any shape; output: the same shape.

    Example:
        >>> log_softmax(Tensor([[1000.0, 0.0]]))
        Tensor([[    0., -1000.]])
        >>> log_softmax(Tensor([0.0, 0.0])).exp()  # back to probabilities
        Tensor([0.5, 0.5])
    """
    check_floating("log_softmax", "input", x)
    dim = check_dim("log_softmax", x, dim)
    if x.shape[dim] == 0:
        raise ValueError(f"log_softmax: dimension {dim} of the input (shape {x.shape}) is empty")
    return LogSoftmaxFunction.apply(x, dim=dim)


# ===== LogSoftmax ==============================================================================


class LogSoftmax(Module):
    r"""Log of the softmax along a dimension as a module, like ``torch.nn.LogSoftmax``.

    LogSoftmax(x)_i = x_i - log(sum_j exp(x_j)) = (x_i - m) - log(sum_j exp(x_j - m))

    Computed by ``log_softmax`` above with the log-sum-exp trick, never as
    ``log(softmax(x))``, which gives ``log(0) = -inf`` once a probability underflows.

    Args:
        dim: the dimension along which ``exp`` of the outputs sums to one (default: the last).

    Shape:
        input: any shape with at least one dimension; output: the same shape.

    Example:
        >>> LogSoftmax(dim=1)(Tensor([[1000.0, 0.0]]))
        Tensor([[    0., -1000.]])
    """

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = check_int("LogSoftmax", "dim", dim)

    def forward(self, x):
        check_tensor("LogSoftmax", "input", x)
        return log_softmax(x, dim=self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"
