"""A differential fuzzer: random small programs of tensor operations, run once in tinytorch and
once in PyTorch (float64), must give the same value at every step and the same gradient for every
leaf.

hypothesis writes each program one step at a time, like this one (the leaves are listed first,
with their values)::

    x0 = leaf of shape (2, 3, 3): [...]
    x1 = leaf of shape (3, 1): [...]
    v0 = x0.transpose(0, -1, 1)
    v1 = v0 * x1
    v2 = v1.max(axis=(-1, 0), keepdims=False)

with random shapes (broadcasting included), negative axes, indexing with ints, slices and integer
arrays, the reductions, reshape and transpose, the elementwise operations and matmul of vectors,
matrices and batches. The program is run in PyTorch while it is drawn, so that each step can keep
to where both libraries are defined and agree on the derivative:

- log, sqrt and negative or fractional powers get positive inputs (``x.abs() + 1`` when needed),
  a divisor is kept away from 0 the same way, and exp gets inputs of at most 8;
- no value may sit within 1e-9 of a kink (abs at 0, a clip bound, a near-tie of a max) without
  being exactly on it: the two libraries round differently, so a value a hair from the kink in
  one can land on the other side in the other. Exact ties and exact bounds agree.

Each program is then run in both libraries with gradients, and the gradient of
``(output * weight).sum()`` reaches every leaf. A failure names the value or gradient that
differs, and hypothesis prints the (shrunk) program as its falsifying example.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinytorch import Tensor

pytestmark = pytest.mark.torch

MAX_SIDE, MAX_DIMS, MAX_STEPS = 3, 4, 6
NUMBERS = [2.0, -1.5, 0.5, 3]
# Values and gradients in float64: a relative 1e-6 is the package's promise; 1e-9 absolute covers
# results that cancel to about 0, where the libraries' different summation orders show.
RTOL, ATOL = 1e-6, 1e-9


# ===== The operations: how each is written, and run in each library ==========================
def _reduce_in_torch(name):
    def reduce(t, axis, keepdims):
        if axis is None:
            out = getattr(t, name)()
            return out.reshape((1,) * t.ndim) if keepdims else out
        return getattr(t, name)(dim=axis, keepdim=keepdims)
    return reduce


def _index_in_torch(t, index):
    return t[tuple(torch.from_numpy(i) if isinstance(i, np.ndarray) else i for i in index)]


def _reversed_in_torch(t):
    return t.permute(tuple(reversed(range(t.ndim))))


# name: (how the step is written, tinytorch, torch; None where torch is written the same way)
OPS = {
    "add": ("{0} + {1}", lambda a, b: a + b, None),
    "sub": ("{0} - {1}", lambda a, b: a - b, None),
    "mul": ("{0} * {1}", lambda a, b: a * b, None),
    "div": ("{0} / {1}", lambda a, b: a / b, None),
    "pow": ("{0} ** {1}", lambda a, b: a ** b, None),
    "neg": ("-{0}", lambda a: -a, None),
    "matmul": ("{0} @ {1}", lambda a, b: a @ b, None),
    "exp": ("{0}.exp()", lambda a: a.exp(), None),
    "log": ("{0}.log()", lambda a: a.log(), None),
    "sqrt": ("{0}.sqrt()", lambda a: a.sqrt(), None),
    "abs": ("{0}.abs()", lambda a: a.abs(), None),
    "clip": ("{0}.clip({low}, {high})", lambda a, low, high: a.clip(low, high), None),
    "sum": ("{0}.sum(axis={axis}, keepdims={keepdims})",
            lambda a, axis, keepdims: a.sum(axis=axis, keepdims=keepdims), _reduce_in_torch("sum")),
    "mean": ("{0}.mean(axis={axis}, keepdims={keepdims})",
             lambda a, axis, keepdims: a.mean(axis=axis, keepdims=keepdims),
             _reduce_in_torch("mean")),
    "max": ("{0}.max(axis={axis}, keepdims={keepdims})",
            lambda a, axis, keepdims: a.max(axis=axis, keepdims=keepdims),
            _reduce_in_torch("amax")),
    "transpose": ("{0}.transpose({axes})", lambda a, axes: a.transpose(*axes),
                  lambda t, axes: t.permute(axes) if axes else _reversed_in_torch(t)),
    "T": ("{0}.T", lambda a: a.T, _reversed_in_torch),  # torch's .T is for matrices only
    "reshape": ("{0}.reshape({shape})", lambda a, shape: a.reshape(shape), None),
    "index": ("{0}[{index}]", lambda a, index: a[index], _index_in_torch),
}


def _text(option):
    """An argument as it would be written in Python code."""
    if isinstance(option, slice):
        parts = ["" if v is None else str(v) for v in (option.start, option.stop, option.step)]
        return ":".join(parts[:2] if option.step is None else parts)
    if isinstance(option, np.ndarray):
        return f"np.array({option.tolist()})"
    return repr(option)


class Program:
    """Leaves (numpy arrays) and steps (operation, operands, options), each with a name."""

    def __init__(self):
        self.leaves, self.steps, self.values = {}, [], {}

    def leaf(self, array):
        name = f"x{len(self.leaves)}"
        self.leaves[name] = array
        self.values[name] = torch.from_numpy(array)
        return name

    def step(self, op, *operands, **options):
        """Append a step, run it in torch and return its name; reject steps that leave the
        ground where the comparison is meaningful."""
        name = f"v{len(self.steps)}"
        self.steps.append((name, op, operands, options))
        args = [self.values[o] if isinstance(o, str) else o for o in operands]
        with torch.no_grad():
            value = (OPS[op][2] or OPS[op][1])(*args, **options)
        assume(value.numel() <= 256 and float(value.abs().max()) < 1e4)  # nan fails too
        self.values[name] = value
        return name

    def __repr__(self):
        lines = [f"{name} = leaf of shape {a.shape}: {a.tolist()}" for name, a in
                 self.leaves.items()]
        for name, op, operands, options in self.steps:
            texts = [o if isinstance(o, str) else repr(o) for o in operands]
            if op == "transpose":
                options = {"axes": ", ".join(map(str, options["axes"]))}
            elif op == "index":
                options = {"index": ", ".join(_text(i) for i in options["index"])}
            lines.append(f"{name} = " + OPS[op][0].format(*texts, **options))
        return "\n".join(lines)

    def run(self, library):
        """The leaves (requiring gradients) and every value, computed in one library."""
        if library == "torch":
            leaves = {n: torch.tensor(a, requires_grad=True) for n, a in self.leaves.items()}
        else:
            leaves = {n: Tensor(a.copy(), requires_grad=True) for n, a in self.leaves.items()}
        values = dict(leaves)
        for name, op, operands, options in self.steps:
            run = OPS[op][1] if library == "tinytorch" else OPS[op][2] or OPS[op][1]
            values[name] = run(*[values[o] if isinstance(o, str) else o for o in operands],
                               **options)
        return leaves, values


# ===== Drawing a program =====================================================================
def _near(value, point):
    """True when some element is within 1e-9 of ``point`` without being exactly on it."""
    distance = (value - point).abs()
    return bool(((distance > 0) & (distance < 1e-9)).any())


def _near_tie(value, axis):
    """True when, in some group that max reduces, the two largest differ by less than 1e-9
    without being equal."""
    if value.numel() <= 1:
        return False
    axes = range(value.ndim) if axis is None or axis == () else (
        axis if isinstance(axis, tuple) else (axis,))
    axes = [a % max(value.ndim, 1) for a in axes]
    kept = [a for a in range(value.ndim) if a not in axes]
    groups = value.permute(kept + axes).reshape(math.prod(value.shape[a] for a in kept), -1)
    if groups.shape[1] < 2:
        return False
    top = groups.sort(dim=1).values[:, -2:]
    gap = top[:, 1] - top[:, 0]
    return bool(((gap > 0) & (gap < 1e-9)).any())


def _broadcastable(a, b):
    return all(m == n or m == 1 or n == 1 for m, n in zip(a[::-1], b[::-1]))


def _draw_leaf(draw, program, shape):
    # Multiples of 1/64 are exact in binary: sums and products of a few of them are exact too.
    elements = st.integers(-128, 128).map(lambda i: i / 64)
    return program.leaf(draw(hnp.arrays(np.float64, shape, elements=elements)))


def _positive(program, name):
    """``name`` if all its values are at least 0.1, else ``name.abs() + 1``."""
    if float(program.values[name].min()) >= 0.1:
        return name
    assume(not _near(program.values[name], 0.0))
    return program.step("add", program.step("abs", name), 1.0)


def _other_operand(draw, program, name):
    """A second operand for a binary operation: a number, an earlier value whose shape
    broadcasts with ``name``'s, or a new leaf of such a shape."""
    shape = tuple(program.values[name].shape)
    fitting = [n for n, v in program.values.items() if _broadcastable(tuple(v.shape), shape)]
    kind = draw(st.sampled_from(["number", "value", "leaf"]))
    if kind == "number":
        return draw(st.sampled_from(NUMBERS))
    if kind == "value":
        return draw(st.sampled_from(fitting))
    return _draw_leaf(draw, program, draw(hnp.broadcastable_shapes(
        shape, max_dims=max(MAX_DIMS, len(shape)), max_side=max(shape + (MAX_SIDE,)))))


def _binary(draw, program, x):
    op = draw(st.sampled_from(["add", "sub", "mul", "div", "pow"]))
    other = _other_operand(draw, program, x)
    a, b = (x, other) if draw(st.booleans()) else (other, x)
    if op == "div" and isinstance(b, str) and float(program.values[b].abs().min()) < 0.5:
        b = _positive(program, b)
    if op == "pow":
        if not isinstance(b, str):
            b = draw(st.sampled_from([2, 3, 0, -1, 0.5, 1.5]))
        if not isinstance(a, str):
            a = abs(a)
        elif isinstance(b, str) or b not in (2, 3, 0):  # only these powers take any base
            a = _positive(program, a)
        if isinstance(b, str) and float(program.values[b].abs().max()) > 3:
            b = program.step("clip", b, low=-3.0, high=3.0)
    return program.step(op, a, b)


def _elementwise(draw, program, x):
    op = draw(st.sampled_from(["neg", "exp", "log", "sqrt", "abs", "clip"]))
    value = program.values[x]
    if op == "exp" and float(value.max()) > 8:
        return program.step("exp", program.step("clip", x, low=None, high=8.0))
    if op in ("log", "sqrt"):
        return program.step(op, _positive(program, x))
    if op == "abs":
        assume(not _near(value, 0.0))
    if op == "clip":
        low, high = draw(st.sampled_from([(-1.0, 1.0), (0.0, None), (None, 0.5), (-0.5, 2.0)]))
        assume(not any(_near(value, bound) for bound in (low, high) if bound is not None))
        return program.step("clip", x, low=low, high=high)
    return program.step(op, x)


def _matmul(draw, program, x):
    shape = tuple(program.values[x].shape)
    if not shape:
        x, shape = program.step("reshape", x, shape=(1,)), (1,)
    on_the_left = draw(st.booleans())
    inner = shape[-1] if on_the_left else shape[-2 if len(shape) > 1 else 0]
    batch = draw(st.sampled_from([(), shape[:-2], (1,) * len(shape[:-2]), (2,)]))
    if len(shape) > 2 and not _broadcastable(batch, shape[:-2]):
        batch = ()
    outer = draw(st.integers(1, MAX_SIDE))
    if draw(st.booleans()):
        other = (inner,)
    else:
        other = batch + ((inner, outer) if on_the_left else (outer, inner))
    y = _draw_leaf(draw, program, other)
    return program.step("matmul", x, y) if on_the_left else program.step("matmul", y, x)


def _axis(draw, ndim):
    if ndim == 0:
        return draw(st.sampled_from([None, 0, -1]))
    return draw(st.none() | st.integers(-ndim, ndim - 1) | hnp.valid_tuple_axes(ndim))


def _reduction(draw, program, x):
    op = draw(st.sampled_from(["sum", "mean", "max"]))
    axis, keepdims = _axis(draw, program.values[x].ndim), draw(st.booleans())
    if op == "max":
        assume(not _near_tie(program.values[x], axis))
    return program.step(op, x, axis=axis, keepdims=keepdims)


def _transpose(draw, program, x):
    ndim = program.values[x].ndim
    form = draw(st.sampled_from(["axes", "axes", "axes", "none", "T"]))
    if form == "T":
        return program.step("T", x)
    if form == "none":
        return program.step("transpose", x, axes=())
    axes = draw(st.permutations(range(ndim)))
    negative = draw(st.lists(st.booleans(), min_size=ndim, max_size=ndim))
    return program.step("transpose", x, axes=tuple(a - ndim * n for a, n in zip(axes, negative)))


def _reshape(draw, program, x):
    shape = list(draw(st.permutations(tuple(program.values[x].shape) + (1,))))
    if draw(st.booleans()):
        shape[draw(st.integers(0, len(shape) - 1))] = -1
    return program.step("reshape", x, shape=tuple(shape))


def _index_entry(draw, n, kind):
    if kind == "int":
        return draw(st.integers(-n, n - 1))
    if kind == "array":
        return draw(hnp.arrays(np.int64, st.integers(1, 4), elements=st.integers(-n, n - 1)))
    start = draw(st.integers(0, n - 1))
    stop = draw(st.integers(start + 1, n))
    start = draw(st.sampled_from([start, start - n, None if start == 0 else start]))
    stop = draw(st.sampled_from([stop, None if stop == n else stop]))
    return slice(start, stop, draw(st.sampled_from([None, 1, 2])))


def _indexing(draw, program, x):
    shape = tuple(program.values[x].shape)
    if not shape:
        return _reshape(draw, program, x)
    count = draw(st.integers(1, len(shape)))
    # An integer array goes with slices only: numpy and torch order the result's axes
    # differently when an int stands between a slice and an array (x[0, :, [1, 2]]).
    kinds = draw(st.sampled_from([["int", "slice"], ["array", "slice"]]))
    entries = [draw(st.sampled_from(kinds)) for _ in range(count)]
    if entries.count("array") > 1:
        entries = ["slice" if k == "array" else k for k in entries]
        entries[0] = "array"
    index = tuple(_index_entry(draw, n, kind) for n, kind in zip(shape, entries))
    return program.step("index", x, index=index)


STEPS = [_binary, _elementwise, _matmul, _reduction, _transpose, _reshape, _indexing]


@st.composite
def programs(draw):
    program = Program()
    x = _draw_leaf(draw, program, draw(hnp.array_shapes(min_dims=0, max_dims=3,
                                                        max_side=MAX_SIDE)))
    for _ in range(draw(st.integers(1, MAX_STEPS))):
        x = draw(st.sampled_from(STEPS))(draw, program, x)
    return program


# ===== The test ==============================================================================
@settings(max_examples=400, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(program=programs())
def test_random_programs_match_torch(program):
    ours_leaves, ours = program.run("tinytorch")
    theirs_leaves, theirs = program.run("torch")
    for name, value in theirs.items():
        np.testing.assert_allclose(ours[name].data, value.detach().numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=f"{name} differs from PyTorch")
    out_name = program.steps[-1][0]
    weight = np.random.default_rng(0).uniform(0.5, 1.5, ours[out_name].shape)
    (ours[out_name] * Tensor(weight)).sum().backward()
    (theirs[out_name] * torch.from_numpy(weight)).sum().backward()
    for name, leaf in theirs_leaves.items():
        mine = ours_leaves[name].grad
        if leaf.grad is None:
            assert mine is None, f"{name} has a gradient, PyTorch has none"
            continue
        assert mine is not None, f"{name} has no gradient, PyTorch has one"
        np.testing.assert_allclose(mine.data, leaf.grad.numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=f"the gradient of {name} differs from PyTorch")
