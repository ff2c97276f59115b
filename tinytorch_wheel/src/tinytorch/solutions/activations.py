"""The solutions of 02_activations.ipynb: relu, sigmoid, tanh and softmax.

Each is composed of tensor operations, so autograd differentiates it when a later notebook trains
a network built from it.
"""

import numpy as np

from tinytorch import Tensor
from tinytorch.core.module import Module


def relu(x):
    """The rectified linear unit, elementwise: max(x, 0).

    Args:
        x: a Tensor of any shape.

    Returns:
        A new Tensor of the same shape: x where x > 0, else 0.
    """
    return x.clip(min=0)


def sigmoid(x):
    """The logistic sigmoid, elementwise: 1 / (1 + exp(-x)), without overflow for any input.

    Args:
        x: a floating-point Tensor of any shape.

    Returns:
        A new Tensor of the same shape, with values in [0, 1].
    """
    # sigmoid(x) = exp(x) / (exp(x) + exp(0)). Dividing top and bottom by exp(m), m = max(x, 0),
    # leaves only exponents <= 0: with e = exp(-|x|) it is 1 / (1 + e) where x >= 0 and
    # e / (e + 1) where x < 0, the two safe forms, in one expression.
    m = x.clip(min=0)
    top = (x - m).exp()
    return top / (top + (-m).exp())


def tanh(x):
    """The hyperbolic tangent, elementwise, without overflow for any input.

    Args:
        x: a floating-point Tensor of any shape.

    Returns:
        A new Tensor of the same shape, with values in [-1, 1].
    """
    return 2 * sigmoid(2 * x) - 1


def softmax(x, dim=-1):
    """Softmax along dim: exp(x) normalised to sum to 1, computed without overflow.

    softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m),   m = max_j x_j along dim

    Args:
        x: a floating-point Tensor with at least one dimension.
        dim: the axis whose entries form one distribution (default: the last).

    Returns:
        A new Tensor of the same shape; its entries along dim are positive and sum to 1.
    """
    e = (x - x.max(axis=dim, keepdims=True)).exp()
    return e / e.sum(axis=dim, keepdims=True)
