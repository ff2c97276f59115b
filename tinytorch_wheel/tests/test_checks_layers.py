"""The module 03 learner checks accept right answers and reject wrong ones.

Each check runs on the reference class, on a learner-style class (a Module subclass computing with
numpy, no autograd yet) and on classes with one typical mistake each, which must fail with the
standard AssertionError.
"""

import numpy as np
import pytest

from tinytorch.checks import layers as checks
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
        y = x.data @ self.weight.data.T
        if self.bias is not None:
            y = y + self.bias.data
        return Tensor(y)


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
        return Tensor(x.data * keep / (1 - self.p))


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
    ],
    "check_sequential": [
        sequential(lambda self, x: LearnerSequential.forward(
            type("R", (), {"layers": self.layers[::-1]})(), x)),
        sequential(lambda self, x: self.layers[0](x) if self.layers else x),
        sequential(lambda self, x: self.layers[-1](x) if self.layers else x),
        sequential(lambda self, x: x),
        sequential(run_each_on_the_input),
        DictStorage,
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
    ],
}


@pytest.mark.parametrize("name, right", [(n, r) for n, rs in RIGHT.items() for r in rs],
                         ids=lambda v: getattr(v, "__module__", v).split(".")[-1]
                         if isinstance(v, type) else v)
def test_checks_pass_right_versions(name, right, capsys):
    getattr(checks, name)(right)
    out = capsys.readouterr().out
    assert out.startswith(f"{name}: ") and out.endswith(" cases passed\n") and out.count("\n") == 1


@pytest.mark.parametrize("name, wrong", [(n, w) for n, ws in WRONG.items() for w in ws])
def test_checks_reject_wrong_versions(name, wrong):
    with pytest.raises(AssertionError) as info:
        getattr(checks, name)(wrong)
    message = str(info.value)
    assert message.startswith(f"{name}: ")
    for field in ("  input     ", "  expected  ", "  got       ", "  hint      "):
        assert field in message


def test_every_check_has_five_wrong_versions():
    assert set(WRONG) == set(RIGHT) == set(checks.__all__)
    assert all(len(versions) >= 5 for versions in WRONG.values())


@pytest.mark.parametrize("name", checks.__all__)
def test_a_stub_propagates_its_not_implemented_error(name):
    class Stub(Module):
        def __init__(self, *args, **kwargs):
            super().__init__()
            raise NotImplementedError("create the layer's parameters")

    with pytest.raises(NotImplementedError, match="create the layer's parameters"):
        getattr(checks, name)(Stub)


@pytest.mark.parametrize("name, instance", [("check_linear", layers.Linear(2, 2)),
                                            ("check_sequential", layers.Sequential()),
                                            ("check_dropout", layers.Dropout())])
def test_checks_want_the_class(name, instance):
    with pytest.raises(TypeError, match=rf"{name}: pass your class itself"):
        getattr(checks, name)(instance)
