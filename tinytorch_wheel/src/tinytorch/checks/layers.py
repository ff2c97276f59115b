"""Learner checks for module 03, Layers.

In module 03 the learner writes layers as subclasses of ``Module`` (``tinytorch.core.layers``):
parameters are ``Tensor`` attributes created with ``requires_grad=True`` (so that
``Module.parameters()`` finds them) and ``forward`` computes with Tensor operations, each of which
records itself in the autograd graph: a layer that passes its check goes into the learner's
package, and the milestone network trains its parameters through it. Each check takes the
learner's class itself and builds its own instances.

The exercises in the notebook's order::

    the learner writes                                    the check cell runs
    Linear(in_features, out_features, bias=True)          check_linear(Linear)
        .weight (out, in), .bias (out,), forward(x)
    Sequential(*modules), forward(x)                      check_sequential(Sequential)
    Dropout(p=0.5), forward(x)                            check_dropout(Dropout)

``Linear`` uses PyTorch's default initialisation: weight and bias uniform in
[-1/sqrt(in_features), 1/sqrt(in_features)], float32, and ``forward(x) = x @ W.T + b`` for an
input of shape (in_features,) or (N, in_features). ``Sequential`` applies its modules in order
and exposes their parameters. ``Dropout`` zeroes each element with probability ``p`` in training
mode and scales the others by ``1 / (1 - p)``; after ``.eval()`` it returns its input unchanged.
The statistical cases use 200,000 elements and tolerances of ten standard deviations or more, so
a right version never fails by bad luck. Last, each output must be connected to the graph:
``backward`` from a ``Linear``'s output reaches its input, its weight and its bias, from a
``Sequential``'s its input and every child's parameters, and from a training ``Dropout``'s its
input, with the gradients the formulas give. A forward computed on ``.data`` with numpy and
wrapped in a new Tensor, right as its values are, is turned away: nothing could train through it.

Every expected value and gradient is a numpy formula or a number worked out by hand, never a call
of ``tinytorch.core``.
"""

import numpy as np

from tinytorch.checks._helpers import floats, gradient_case, require_class, tensor_result, text
from tinytorch.checks._report import Case, fail, run_cases
from tinytorch.core.layers import Module
from tinytorch.core.tensor import Tensor
from tinytorch.workspace import saves

__all__ = ["check_linear", "check_sequential", "check_dropout"]


def _array(check, name, describe, got):
    got = tensor_result(check, name, describe, got,
                        hint="return a Tensor built with Tensor operations on x (x @ W.T + b, "
                             "x * mask): they return Tensors")
    return None if got is None else got.data


# ===== Linear ====================================================================================


@saves("layers.Linear")
def check_linear(Linear):
    """Check ``Linear``: parameter shapes, dtype and PyTorch's initialisation, and ``forward``."""
    check = "check_linear"
    require_class(check, Linear, "Linear")
    big = "Linear(256, 128)"
    bound = 1 / np.sqrt(256)  # 1/16
    pytorch_init = ("PyTorch's default: uniform in [-1/sqrt(in_features), 1/sqrt(in_features)], "
                    "e.g. np.random.uniform(-bound, bound, (out_features, in_features))")

    def shape_of(attribute):
        def run():
            p = getattr(Linear(3, 2), attribute)
            if not isinstance(p, Tensor):
                fail(check, f"`.{attribute}` is not a Tensor", f"Linear(3, 2).{attribute}",
                     "a Tensor", type(p).__name__,
                     "wrap the numpy array: Tensor(array, requires_grad=True)")
            return np.asarray(p.shape)
        return run

    def statistics(attribute, in_features, out_features):
        # Thousands of values: a right uniform init passes each test by over ten standard errors.
        def run():
            values = getattr(Linear(in_features, out_features), attribute).data
            b = 1 / np.sqrt(in_features)
            return [np.abs(values).max() <= b, values.max() > 0.5 * b, values.min() < -0.5 * b,
                    abs(values.mean()) < 0.1 * b]
        return run

    def weight_spread():
        w = Linear(256, 128).weight.data
        return [w.max() / bound, w.min() / bound, w.std() / bound]

    def dtypes():
        layer = Linear(3, 2)
        got = [str(np.asarray(layer.weight.data).dtype), str(np.asarray(layer.bias.data).dtype)]
        if got != ["float32", "float32"]:
            fail(check, "the parameters are not float32", "Linear(3, 2): weight, bias dtypes",
                 "float32, float32", ", ".join(got),
                 "numpy's random numbers are float64: convert with .astype(np.float32)")
        return 0.0

    def found_parameters(bias):
        def run():
            layer = Linear(3, 2, bias=bias)
            expected = [layer.weight] + ([layer.bias] if bias else [])
            found = list(layer.parameters())
            if len(found) != len(expected) or not all(
                    any(p is e for p in found) for e in expected):
                fail(check, "parameters() does not return the layer's weight and bias",
                     f"Linear(3, 2, bias={bias}).parameters()",
                     f"{len(expected)} tensors: " + ("weight and bias" if bias else "weight"),
                     f"{len(found)} tensors",
                     "subclass Module, call super().__init__(), and create the parameters with "
                     "Tensor(..., requires_grad=True): Module.parameters() finds those")
            return 0.0
        return run

    def no_bias():
        layer = Linear(3, 2, bias=False)
        if layer.bias is not None:
            fail(check, "bias=False still made a bias", "Linear(3, 2, bias=False).bias", "None",
                 repr(layer.bias), "if bias: create it, else self.bias = None")
        return 0.0

    def forward(x, bias=True):
        describe = f"W = {text(W)}, b = {text(B)}, x = {text(x)}"

        def run():
            layer = Linear(3, 2, bias=bias)
            layer.weight.data[...] = W
            if bias:
                layer.bias.data[...] = B
            return _array(check, "forward", describe, layer(Tensor(x.astype(np.float32))))
        return run

    W = floats([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]])
    B = floats([0.5, -2.0])
    x = floats([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]])
    vector = floats([2.0, 0.0, -2.0])
    batch = np.random.default_rng(0).normal(size=(5, 3))

    def connected():
        layer = Linear(3, 2)
        layer.weight.data[...] = W
        layer.bias.data[...] = B
        inputs = Tensor(x.astype(np.float32), requires_grad=True)
        return layer(inputs), {"x": inputs, "self.weight": layer.weight, "self.bias": layer.bias}

    forward_hint = ("forward(x) = x @ W.T + b: W has shape (out_features, in_features), so it is "
                    "transposed; b adds to every row")
    cases = [
        Case("weight shape", shape_of("weight"), [2, 3], "Linear(3, 2).weight.shape",
             "PyTorch's layout: weight has shape (out_features, in_features)", rtol=0, atol=0),
        Case("bias shape", shape_of("bias"), [2], "Linear(3, 2).bias.shape",
             "one bias per output: shape (out_features,)", rtol=0, atol=0),
        Case("float32 parameters", dtypes, 0.0, "Linear(3, 2)", "use float32"),
        Case("parameters() finds weight and bias", found_parameters(True), 0.0,
             "Linear(3, 2).parameters()", "create the parameters with requires_grad=True"),
        # the four numbers: all |w| <= bound, max > bound/2, min < -bound/2, |mean| < bound/10
        Case("weight init: uniform in +-1/sqrt(in_features)", statistics("weight", 256, 128),
             [True, True, True, True], f"{big}.weight, bound 1/sqrt(256) = 1/16 (checks: all "
             "|w| <= bound, max > bound/2, min < -bound/2, |mean| < bound/10)", pytorch_init),
        # uniform on [-b, b]: max and min near +-b, standard deviation b / sqrt(3) = 0.577 b
        Case("weight init: the whole range is used", weight_spread,
             [1.0, -1.0, 1 / np.sqrt(3)], f"{big}.weight: max, min and std divided by the bound",
             pytorch_init + "; not a normal distribution, not a smaller range", rtol=0.0,
             atol=0.06),
        Case("bias init: uniform in +-1/sqrt(in_features) too", statistics("bias", 16, 4096),
             [True, True, True, True], "Linear(16, 4096).bias, bound 1/sqrt(16) = 1/4 (the same "
             "four checks as for the weight)",
             "PyTorch draws the bias from the same uniform range as the weight (not zeros)"),
        Case("forward, a batch", forward(x), x @ W.T + B, f"W = {text(W)}, b = {text(B)}, "
             f"x = {text(x)} (weight and bias set by the check)", forward_hint),
        Case("forward, one sample", forward(vector), vector @ W.T + B,
             f"W = {text(W)}, b = {text(B)}, x = {text(vector)}",
             forward_hint + "; a 1-D input (in_features,) gives a 1-D output (out_features,)"),
        Case("forward, random rows", forward(batch), batch @ W.T + B,
             f"W = {text(W)}, b = {text(B)}, x = 5 random rows", forward_hint),
        Case("bias=False: no bias", no_bias, 0.0, "Linear(3, 2, bias=False)",
             "respect the bias argument"),
        Case("bias=False: parameters() finds the weight", found_parameters(False), 0.0,
             "Linear(3, 2, bias=False).parameters()", "only the weight is a parameter"),
        Case("bias=False: forward is x @ W.T", forward(x, bias=False), x @ W.T,
             f"W = {text(W)}, x = {text(x)}, bias=False", "without a bias, add nothing"),
        # y = x W^T + b: dx = g W, dW = g^T x, db = the sum of g over the batch
        gradient_case(check, "gradients flow back to x, weight and bias",
                      f"W = {text(W)}, b = {text(B)}, x = {text(x)}, x with requires_grad=True",
                      connected, x @ W.T + B,
                      lambda y, g: {"x": g @ W, "self.weight": g.T @ x, "self.bias": g.sum(axis=0)},
                      "x @ self.weight.T + self.bias", shape=(2, 2), rtol=1e-5, atol=1e-5),
    ]
    run_cases(check, cases)


# ===== Sequential ================================================================================


class _Shift(Module):
    """x + value (no parameters)."""

    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, x):
        return x + self.value


class _Scale(Module):
    """x * factor, with the factor a parameter."""

    def __init__(self, factor):
        super().__init__()
        self.factor = Tensor(np.array([factor], dtype=np.float32), requires_grad=True)

    def forward(self, x):
        return x * self.factor


@saves("layers.Sequential")
def check_sequential(Sequential):
    """Check ``Sequential(*modules)``: modules applied in order, their parameters exposed."""
    check = "check_sequential"
    require_class(check, Sequential, "Sequential")
    x = floats([1.0, 2.0])

    def run(*modules):
        describe = "Sequential(...)"
        return lambda: _array(check, "forward", describe, Sequential(*modules)(Tensor(x.copy())))

    def parameters_of(make, describe, count):
        def run_case():
            model, expected = make()
            found = list(model.parameters())
            if len(found) != count or not all(any(p is e for p in found) for e in expected):
                fail(check, "parameters() misses the children's parameters", describe,
                     f"{count} tensors (each child's parameters)", f"{len(found)} tensors",
                     "keep the modules in a list attribute (self.layers = list(modules)): "
                     "Module.parameters() looks inside Module attributes and lists of modules, "
                     "not inside dicts")
            return 0.0
        return Case(f"parameters() of {describe}", run_case, 0.0, describe,
                    "collect the children's parameters")

    def flat():
        a, b = _Scale(2.0), _Scale(3.0)
        return Sequential(a, _Shift(1.0), b), [a.factor, b.factor]

    def nested():
        a, b = _Scale(2.0), _Scale(3.0)
        return Sequential(Sequential(a), b), [a.factor, b.factor]

    order = ("apply the modules one after another, each to the previous output: "
             "for module in self.layers: x = module(x)")

    def connected():
        first, last = _Scale(2.0), _Scale(3.0)
        inputs = Tensor(x.copy(), requires_grad=True)
        return Sequential(first, _Shift(1.0), last)(inputs), {"x": inputs, "a": first.factor,
                                                               "b": last.factor}
    cases = [
        # ((x + 1) * 2) - 3 = [1, 3]; the reverse order would give ((x - 3) * 2) + 1 = [-3, -1]
        Case("modules in order", run(_Shift(1.0), _Scale(2.0), _Shift(-3.0)), [1.0, 3.0],
             "Sequential(x + 1, x * 2, x - 3) on [1.0, 2.0]", order),
        Case("one module", run(_Scale(3.0)), [3.0, 6.0], "Sequential(x * 3) on [1.0, 2.0]",
             order),
        Case("no modules", run(), [1.0, 2.0], "Sequential() on [1.0, 2.0]",
             "with no modules the input passes through unchanged"),
        Case("a Sequential inside a Sequential",
             run(Sequential(_Shift(1.0), _Scale(2.0)), _Shift(1.0)), [5.0, 7.0],
             "Sequential(Sequential(x + 1, x * 2), x + 1) on [1.0, 2.0]",
             "a Sequential is a Module like any other: " + order),
        parameters_of(flat, "Sequential(x * 2, x + 1, x * 3)", 2),
        parameters_of(nested, "Sequential(Sequential(x * 2), x * 3)", 2),
        # y = b (a x + 1) with a = 2, b = 3: dy/dx = a b = 6, dy/da = b x, dy/db = a x + 1
        gradient_case(check, "gradients flow back through every module",
                      "Sequential(x * a, x + 1, x * b) with parameters a = 2, b = 3, on x = "
                      "[1.0, 2.0] with requires_grad=True", connected, 3 * (2 * x + 1),
                      lambda y, g: {"x": 6 * g, "a": [np.sum(3 * x * g)],
                                    "b": [np.sum((2 * x + 1) * g)]},
                      "x = module(x) for each module, then return that last output itself",
                      shape=x.shape, atol=1e-5),
    ]
    run_cases(check, cases)


# ===== Dropout ===================================================================================


@saves("layers.Dropout")
def check_dropout(Dropout):
    """Check ``Dropout(p)``: the fraction dropped, the scaling, fresh masks and eval mode."""
    check = "check_dropout"
    require_class(check, Dropout, "Dropout")
    n = 200_000
    ones = np.ones(n, dtype=np.float32)

    def train_output(p):
        y = Dropout(p)(Tensor(ones.copy()))
        return _array(check, "forward", f"Dropout(p={p}) on {n:,} ones", y)

    def fraction_dropped(p):
        return lambda: np.mean(train_output(p) == 0)

    def kept_values(p):
        def run():
            y = train_output(p)
            return np.unique(y[y != 0])
        return run

    def fresh_masks():
        drop = Dropout(0.5)
        first, second = (_array(check, "forward", "Dropout(0.5)", drop(Tensor(ones.copy())))
                         for _ in range(2))
        return np.mean((first == 0) != (second == 0))

    def eval_mode():
        drop = Dropout(0.5)
        drop.eval()
        y = drop(Tensor(ones[:1000].copy()))
        return _array(check, "forward", "Dropout(0.5).eval()", y)

    def p_zero():
        y = Dropout(0.0)(Tensor(ones[:1000].copy()))
        return _array(check, "forward", "Dropout(0.0)", y)

    def train_again():
        drop = Dropout(0.5)
        drop.eval()
        drop.train()
        return np.mean(_array(check, "forward", "Dropout(0.5)", drop(Tensor(ones.copy()))) == 0)

    def unchanged():
        x = Tensor(ones.copy())
        Dropout(0.5)(x)
        return x.data[:1000]

    def shape():
        y = _array(check, "forward", "Dropout(0.5)", Dropout(0.5)(Tensor(np.ones((4, 5)))))
        return np.asarray(y.shape)

    def connected():
        inputs = Tensor(np.random.default_rng(1).normal(size=1000), requires_grad=True)
        return Dropout(0.5)(inputs), {"x": inputs}

    count = f"{n:,} ones, fraction of zeros"
    drop_hint = ("zero each element with probability p: keep = np.random.random(x.shape) >= p "
                 "(the ones with rand < p are dropped)")
    scale_hint = ("scale what you keep by 1 / (1 - p), so that the expected value is unchanged "
                  "and nothing has to change at evaluation")
    cases = [
        Case("the output has the input's shape", shape, [4, 5], "Dropout(0.5) on np.ones((4, 5))",
             "return x * mask / (1 - p): same shape as x", rtol=0.0, atol=0.0),
        Case("p=0.3 drops about 30%", fraction_dropped(0.3), 0.3, f"Dropout(0.3) on {count}",
             drop_hint, rtol=0.0, atol=0.01),
        Case("p=0.8 drops about 80%", fraction_dropped(0.8), 0.8, f"Dropout(0.8) on {count}",
             drop_hint, rtol=0.0, atol=0.01),
        Case("kept values are scaled by 1/(1-p)", kept_values(0.3), [1 / 0.7],
             f"Dropout(0.3) on {n:,} ones, the values that are not zero", scale_hint),
        Case("the mean stays the same", lambda: np.mean(train_output(0.5)), 1.0,
             f"Dropout(0.5) on {n:,} ones, mean of the output", scale_hint, rtol=0.0, atol=0.02),
        Case("a new mask for every call", fresh_masks, 0.5,
             f"two calls of one Dropout(0.5) on {n:,} ones: fraction of positions whose "
             "zero/non-zero status differs", "draw new random numbers in every forward (no fixed "
             "seed, no mask saved in __init__)", rtol=0.0, atol=0.02),
        Case("eval mode returns the input", eval_mode, ones[:1000],
             "drop = Dropout(0.5); drop.eval(); drop(x) with x = 1,000 ones",
             "after .eval(), self.training is False: return x unchanged (no mask, no scaling)"),
        Case("train() turns it back on", train_again, 0.5,
             f"Dropout(0.5) after .eval() then .train(), on {count}",
             "decide with self.training at every call", rtol=0.0, atol=0.01),
        Case("p=0 returns the input", p_zero, ones[:1000],
             "Dropout(0.0) on 1,000 ones", "with p = 0 nothing is dropped and 1 / (1 - 0) = 1"),
        Case("leaves its input unchanged", unchanged, ones[:1000],
             "x = 200,000 ones; Dropout(0.5)(x); then x", "compute a new tensor "
             "(x * Tensor(mask) / (1 - p)), never x.data *= mask, which zeroes the caller's "
             "tensor"),
        # y = x * mask / (1 - p): the gradient is g / (1 - p) where an element was kept, else 0
        gradient_case(check, "gradients flow back to x",
                      "Dropout(0.5) in training mode on x = 1,000 random normal numbers, "
                      "requires_grad=True", connected, None,
                      lambda y, g: {"x": np.where(y != 0, g / 0.5, 0.0)},
                      "x * Tensor(mask) / (1 - p); the mask itself may be a constant",
                      shape=(1000,)),
    ]
    run_cases(check, cases)
