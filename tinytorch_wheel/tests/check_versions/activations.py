"""Right and wrong answers to the module 02 learner checks, and their unwritten exercises.

Learners compose their activations from Tensor operations, so that gradients flow through them
when the milestone trains on them. Each check runs on the reference functions and modules, on
learner-style versions of that kind, and on typical mistakes, each of which must fail with the
standard AssertionError: among them versions computed with numpy on ``.data`` and wrapped in a
new Tensor, whose values are right but which are cut from the graph.

RIGHT, WRONG and STUBS are run by test_checks_contract.py; what only these checks say is
tested in test_checks_activations.py.
"""

import numpy as np

from tinytorch.core import activations
from tinytorch.core.tensor import Tensor


def numpy_version(formula):
    """An activation computed with numpy on .data and wrapped in a new Tensor: no gradient."""
    return lambda x: Tensor(formula(x.data))


def numpy_softmax(formula):
    return lambda x, dim=-1: Tensor(formula(x.data, dim))


def stable_sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def stable_softmax(x, dim):
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def tensor_sigmoid(x):
    """The learner's sigmoid of the notebook: m = max(x, 0) subtracted in every exponent."""
    m = x.clip(min=0)
    top = (x - m).exp()
    return top / (top + (-m).exp())


def two_branch_sigmoid(x):
    """The two branches, picked by a constant mask: the mask needs no gradient, e does."""
    e = (-x.abs()).exp()
    positive = Tensor((x.data >= 0).astype(x.dtype))
    return positive / (1 + e) + (1 - positive) * e / (1 + e)


def tensor_softmax(x, dim=-1):
    e = (x - x.max(axis=dim, keepdims=True)).exp()
    return e / e.sum(axis=dim, keepdims=True)


def softmax_with_a_constant_max(x, dim=-1):
    """The maximum may be a constant: it cancels out of the fraction, and out of the gradient."""
    e = (x - Tensor(x.data.max(axis=dim, keepdims=True))).exp()
    return e / e.sum(axis=dim, keepdims=True)


# Right values, computed with numpy on .data: not connected to x.
NOT_CONNECTED = {
    "check_relu": numpy_version(lambda x: np.maximum(x, 0)),
    "check_sigmoid": numpy_version(stable_sigmoid),
    "check_tanh": numpy_version(np.tanh),
    "check_softmax": numpy_softmax(stable_softmax),
}


def relu_plus_a_constant(x):
    return x - Tensor(np.minimum(x.data, 0))  # slope 1 everywhere


def softmax_over_a_constant_sum(x, dim=-1):
    e = (x - x.max(axis=dim, keepdims=True)).exp()
    return e / Tensor(e.data.sum(axis=dim, keepdims=True))


def sigmoid_with_a_constant_denominator(x):
    m = x.clip(min=0)
    top = (x - m).exp()
    return top / Tensor((top + (-m).exp()).data)


# Right values, one piece that depends on x cut from the graph: a wrong gradient.
DETACHED = {
    "check_relu": relu_plus_a_constant,
    "check_sigmoid": sigmoid_with_a_constant_denominator,
    "check_tanh": lambda x: 2 * sigmoid_with_a_constant_denominator(2 * x) - 1,
    "check_softmax": softmax_over_a_constant_sum,
}


def relu_in_place(x):
    np.maximum(x.data, 0, out=x.data)
    return x


def sigmoid_clipped_for_float64(x):
    """exp(500) is finite in float64, but float32 overflows from exp(89) on."""
    return 1 / (1 + (-x.clip(-500, 500)).exp())


def softmax_in_place(x, dim=-1):
    x.data -= x.data.max(axis=dim, keepdims=True)
    e = np.exp(x.data)
    return Tensor(e / e.sum(axis=dim, keepdims=True))


RIGHT = {
    "check_relu": [activations.relu, activations.ReLU(), lambda x: x.clip(min=0),
                   lambda x: x * Tensor((x.data > 0).astype(x.dtype))],
    "check_sigmoid": [activations.sigmoid, activations.Sigmoid(), tensor_sigmoid,
                      two_branch_sigmoid],
    "check_tanh": [activations.tanh, activations.Tanh(), lambda x: 2 * tensor_sigmoid(2 * x) - 1,
                   lambda x: 2 * two_branch_sigmoid(2 * x) - 1],
    "check_softmax": [activations.softmax, tensor_softmax, softmax_with_a_constant_max],
}

WRONG = {
    "check_relu": [
        numpy_version(np.abs),
        numpy_version(lambda x: np.clip(x, 0, 1)),
        numpy_version(lambda x: np.where(x > 0, x, 0.01 * x)),  # leaky
        numpy_version(lambda x: (x > 0).astype(x.dtype)),  # the mask, not the values
        numpy_version(lambda x: np.maximum(x, 1e-3)),
        lambda x: np.maximum(x.data, 0),  # a numpy array, not a Tensor
        relu_in_place,
        NOT_CONNECTED["check_relu"],
        lambda x: Tensor(np.maximum(x.data, 0), requires_grad=True),  # a graph of its own
        DETACHED["check_relu"],
    ],
    "check_sigmoid": [
        numpy_version(lambda x: 1 / (1 + np.exp(-x))),  # right values, but overflows
        numpy_version(lambda x: np.exp(x) / (1 + np.exp(x))),  # nan at 1e4
        numpy_version(lambda x: np.where(x >= 0, 1 / (1 + np.exp(-x)),
                                         np.exp(x) / (1 + np.exp(x)))),  # both branches overflow
        numpy_version(lambda x: 1 / (1 + np.exp(x))),  # sign
        numpy_version(lambda x: 1 - 1 / (1 + np.exp(np.clip(x, -500, 500)))),  # loses 1e-22
        numpy_version(np.tanh),
        numpy_version(lambda x: 1 / (1 + np.exp(-np.clip(x, -30, 30)))),  # clipped too soon
        NOT_CONNECTED["check_sigmoid"],
        DETACHED["check_sigmoid"],
        sigmoid_clipped_for_float64,
    ],
    "check_tanh": [
        numpy_version(lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))),  # nan
        numpy_version(lambda x: (np.exp(2 * x) - 1) / (np.exp(2 * x) + 1)),  # nan at 1e4
        numpy_version(lambda x: (np.exp(x) + np.exp(-x)) / (np.exp(x) - np.exp(-x))),
        numpy_version(lambda x: 2 * stable_sigmoid(x) - 1),  # tanh(x / 2)
        numpy_version(stable_sigmoid),
        numpy_version(lambda x: np.sinh(x) / np.cosh(x)),  # inf / inf at 1e4
        NOT_CONNECTED["check_tanh"],
        DETACHED["check_tanh"],
    ],
    "check_softmax": [
        numpy_softmax(lambda x, dim: np.exp(x) / np.exp(x).sum(axis=dim, keepdims=True)),
        numpy_softmax(lambda x, dim: stable_softmax(x, 0)),  # ignores dim
        numpy_softmax(lambda x, dim: stable_softmax(x, -1)),  # ignores dim, the other way
        numpy_softmax(lambda x, dim: np.exp(x - x.max()) / np.exp(x - x.max()).sum(
            axis=dim, keepdims=True)),  # one global maximum
        numpy_softmax(lambda x, dim: np.exp(x - x.max()) / np.exp(x - x.max()).sum()),
        numpy_softmax(lambda x, dim: (x - x.max(axis=dim, keepdims=True)) - np.log(np.exp(
            x - x.max(axis=dim, keepdims=True)).sum(axis=dim, keepdims=True))),  # log-softmax
        numpy_softmax(lambda x, dim: x / x.sum(axis=dim, keepdims=True)),  # no exp
        lambda x, dim=0: Tensor(stable_softmax(x.data, dim)),  # wrong default dim
        softmax_in_place,
        NOT_CONNECTED["check_softmax"],
        DETACHED["check_softmax"],
    ],
}


def stub(x, dim=-1):
    raise NotImplementedError("return a Tensor of the activation of x")


STUBS = dict.fromkeys(RIGHT, stub)
