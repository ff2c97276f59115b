"""Right and wrong answers to the module 03 learner checks, and their unwritten exercises.

Each check runs on the reference class, on a learner-style class (a Module subclass whose forward
is composed of Tensor operations, so that gradients flow through it) and on classes with one
typical mistake each, which must fail with the standard AssertionError: among them forwards
computed with numpy on ``.data`` and wrapped in a new Tensor, whose values are right but which
are cut from the graph.

RIGHT, WRONG and STUBS are run by test_checks_contract.py; what only these checks say is
tested in test_checks_layers.py.
"""

import numpy as np

from tinytorch.core import layers
from tinytorch.core.layers import Module
from tinytorch.core.tensor import Tensor


# ===== Linear ======================================================================================
class LearnerLinear(Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.weight = self.parameter((out_features, in_features), in_features)
        self.bias = self.parameter((out_features,), in_features) if bias else None

    def parameter(self, shape, in_features):
        bound = 1 / np.sqrt(in_features)
        return Tensor(np.random.uniform(-bound, bound, shape).astype(np.float32),
                      requires_grad=True)

    def forward(self, x):
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias


def init(sample):
    """A Linear whose parameters are drawn by ``sample(shape, in_features)``."""
    return type("Init", (LearnerLinear,), {"parameter": lambda self, shape, n: Tensor(
        np.asarray(sample(shape, n)).astype(np.float32), requires_grad=True)})


class TransposedLayout(LearnerLinear):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__(out_features, in_features, bias=False)
        self.bias = self.parameter((out_features,), in_features) if bias else None

    def forward(self, x):
        return Tensor(x.data @ self.weight.data + self.bias.data)


class Float64(LearnerLinear):
    def parameter(self, shape, in_features):
        bound = 1 / np.sqrt(in_features)
        return Tensor(np.random.uniform(-bound, bound, shape), requires_grad=True)


class NoRequiresGrad(LearnerLinear):
    def parameter(self, shape, in_features):
        return Tensor(super().parameter(shape, in_features).data)


class ForgetsTheBias(LearnerLinear):
    def forward(self, x):
        return Tensor(x.data @ self.weight.data.T)


class IgnoresBiasFalse(LearnerLinear):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__(in_features, out_features, bias=True)


class BiasTimesTwo(LearnerLinear):
    def forward(self, x):
        return Tensor(x.data @ self.weight.data.T + 2 * self.bias.data)


class NumpyForward(LearnerLinear):
    """Right values, computed with numpy on .data: no gradient reaches x, weight or bias."""

    def forward(self, x):
        y = x.data @ self.weight.data.T
        return Tensor(y if self.bias is None else y + self.bias.data)


class DetachedInput(LearnerLinear):
    """The parameters are in the graph, the input is not: the layers below would not learn."""

    def forward(self, x):
        y = Tensor(x.data) @ self.weight.T
        return y if self.bias is None else y + self.bias


class DetachedWeight(LearnerLinear):
    def forward(self, x):
        y = x @ Tensor(self.weight.data.T)
        return y if self.bias is None else y + self.bias


# ===== Sequential ==================================================================================
class LearnerSequential(Module):
    def __init__(self, *modules):
        super().__init__()
        self.layers = list(modules)

    def forward(self, x):
        for module in self.layers:
            x = module(x)
        return x


def sequential(forward):
    return type("Sequential", (LearnerSequential,), {"forward": forward})


def returns_a_copy(self, x):
    """Right values, but a new Tensor made from .data: cut from the graph."""
    return Tensor(LearnerSequential.forward(self, x).data)


def run_each_on_the_input(self, x):
    out = x
    for module in self.layers:
        out = module(x)
    return out


class DictStorage(Module):
    def __init__(self, *modules):
        super().__init__()
        self.layers = {str(i): m for i, m in enumerate(modules)}

    def forward(self, x):
        for module in self.layers.values():
            x = module(x)
        return x


# ===== Dropout =====================================================================================
class LearnerDropout(Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        keep = np.random.random(x.shape) >= self.p
        return x * Tensor(keep / (1 - self.p))


def numpy_dropout(self, x):
    """Right values, computed with numpy on .data: no gradient reaches x."""
    if not self.training or self.p == 0:
        return x
    return Tensor(x.data * (np.random.random(x.shape) >= self.p) / (1 - self.p))


def dropout(forward):
    return type("Dropout", (LearnerDropout,), {"forward": forward})


def in_place(self, x):
    if self.training:
        x.data *= (np.random.random(x.shape) >= self.p) / (1 - self.p)
    return x


RIGHT = {
    "check_linear": [layers.Linear, LearnerLinear],
    "check_sequential": [layers.Sequential, LearnerSequential],
    "check_dropout": [layers.Dropout, LearnerDropout],
}

WRONG = {
    "check_linear": [
        TransposedLayout,
        init(lambda shape, n: np.random.randn(*shape)),
        init(lambda shape, n: np.zeros(shape)),
        init(lambda shape, n: np.random.uniform(-1 / n, 1 / n, shape)),
        init(lambda shape, n: np.random.uniform(0, 1 / np.sqrt(n), shape)),
        init(lambda shape, n: np.random.uniform(-1, 1, shape) * np.sqrt(6 / (n + shape[0]))),
        type("ZeroBias", (LearnerLinear,), {"__init__": lambda self, i, o, bias=True: (
            LearnerLinear.__init__(self, i, o, bias),
            bias and self.bias.data.fill(0))[0]}),
        Float64,
        NoRequiresGrad,
        ForgetsTheBias,
        IgnoresBiasFalse,
        BiasTimesTwo,
        NumpyForward,
        DetachedInput,
        DetachedWeight,
    ],
    "check_sequential": [
        sequential(lambda self, x: LearnerSequential.forward(
            type("R", (), {"layers": self.layers[::-1]})(), x)),
        sequential(lambda self, x: self.layers[0](x) if self.layers else x),
        sequential(lambda self, x: self.layers[-1](x) if self.layers else x),
        sequential(lambda self, x: x),
        sequential(run_each_on_the_input),
        DictStorage,
        sequential(returns_a_copy),
    ],
    "check_dropout": [
        dropout(lambda self, x: Tensor(x.data * (np.random.random(x.shape) >= self.p))
                if self.training else x),
        dropout(lambda self, x: Tensor(x.data * (np.random.random(x.shape) >= self.p)
                                       * (1 - self.p)) if self.training else x),
        dropout(lambda self, x: Tensor(x.data * (np.random.random(x.shape) < self.p)
                                       / (1 - self.p)) if self.training else x),
        dropout(lambda self, x: Tensor(x.data * (np.random.random(x.shape) >= self.p)
                                       / (1 - self.p))),
        dropout(lambda self, x: Tensor(x.data * (np.random.default_rng(0).random(x.shape)
                                                 >= self.p) / (1 - self.p))
                if self.training else x),
        dropout(in_place),
        dropout(lambda self, x: LearnerDropout.forward(self, x) if self.training
                else Tensor(x.data / (1 - self.p))),
        dropout(lambda self, x: Tensor(x.data * (np.arange(x.data.size).reshape(x.shape)
                                                 >= self.p * x.data.size) / (1 - self.p))
                if self.training else x),
        dropout(numpy_dropout),
    ],
}



class Stub(Module):
    def __init__(self, *args, **kwargs):
        super().__init__()
        raise NotImplementedError("create the layer's parameters")


STUBS = dict.fromkeys(RIGHT, Stub)
