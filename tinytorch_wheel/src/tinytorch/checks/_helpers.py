"""Small helpers shared by the checks of every module: how to describe an input, what to require
of the learner's object (``require_class``, ``require_function``), the common kinds of case (an
error raised, the input left unchanged, no overflow on the way, gradients through the graph) and
how to see that a result is connected to the autograd graph.
"""

import dataclasses
import warnings

import numpy as np

from tinytorch.checks._report import Case, _show, fail
from tinytorch.core.tensor import Tensor


def text(array):
    """An array on one line, as a nested list: [[1.0, 2.0], [3.0, 4.0]]."""
    return str(np.asarray(array).tolist())


def floats(values):
    """A float64 array: expected values are computed in float64, whatever the learner uses."""
    return np.array(values, dtype=np.float64)


def require_class(check, candidate, example, base=None):
    """The check wants the class itself (it builds its own instances), a subclass of ``base`` if
    given (the engine calls ``apply`` and ``backward``, which only ``Function`` provides)."""
    if base is not None and not (isinstance(candidate, type) and issubclass(candidate, base)):
        raise TypeError(
            f"{check}: pass your {base.__name__} subclass itself, e.g. {check}({example}), "
            f"written as class {example}({base.__name__}) (got {candidate!r})"
        )
    if not isinstance(candidate, type):
        raise TypeError(
            f"{check}: pass your class itself, e.g. {check}({example}), not an instance "
            f"(got a {type(candidate).__name__} object)"
        )


def require_function(check, candidate, example):
    """The check wants something to call on a Tensor: a function (or a module instance)."""
    if isinstance(candidate, type) or not callable(candidate):
        raise TypeError(
            f"{check}: pass your function, e.g. {check}({example}) (got "
            f"{candidate.__name__ if isinstance(candidate, type) else type(candidate).__name__})"
        )


def tensor_result(check, name, describe, got, tensor_class=Tensor,
                  hint="wrap the numpy result: return Tensor(result)"):
    """Return ``got`` if it is a tensor, else fail: the next modules build on tensors."""
    if got is not None and not isinstance(got, tensor_class):
        fail(check, f"'{name}' did not return a Tensor", describe, "a Tensor",
             f"{type(got).__name__}: {got!r}", hint)
    return got


def diagnosed(check, case, diagnose):
    """``case``, with a hint read from the wrong answer where the answer shows the mistake.

    ``diagnose(got)`` gets the learner's wrong values (a float64 array of the right shape) and
    returns a hint naming the mistake that gives exactly these values, or None to keep the
    case's own hint. Right answers, wrong shapes and non-numbers go on to ``run_cases`` as usual.
    """

    def run():
        got = case.run()
        if got is None:
            return got
        values = np.asarray(got.data if isinstance(got, Tensor) else got)
        expected = np.asarray(case.expected)
        if (values.shape != expected.shape or not np.issubdtype(values.dtype, np.number)
                or np.allclose(values, expected, rtol=case.rtol, atol=case.atol)):
            return got
        with np.errstate(all="ignore"):  # a wrong answer may hold inf or nan
            hint = diagnose(values.astype(np.float64))
        if hint:
            fail(check, f"wrong result for '{case.name}'", case.describe, _show(expected),
                 _show(values), hint)
        return got

    return dataclasses.replace(case, run=run)


class _Watched(np.ndarray):
    """An array that notes every numpy operation turning finite numbers into inf or nan.

    In CPython numpy learns of an overflow from the processor's floating-point flags and warns;
    WebAssembly (Pyodide) has no such flags and numpy stays silent there. Watching the arrays
    themselves finds ``np.exp(1e4) = inf`` on every platform. The results of operations on a
    watched array are watched too, so a chain like ``1 / (1 + np.exp(-x.data))`` is followed.
    """

    notes = []

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        def plain(values):
            return tuple(np.asarray(v) if isinstance(v, _Watched) else v for v in values)

        inputs = plain(inputs)
        if "out" in kwargs:
            kwargs["out"] = plain(kwargs["out"])
        result = getattr(ufunc, method)(*inputs, **kwargs)
        results = result if isinstance(result, tuple) else (result,)
        if all(_finite(v) for v in inputs) and not all(_finite(r) for r in results):
            _Watched.notes.append(f"np.{ufunc.__name__} turned finite numbers into inf or nan")
        watched = tuple(r.view(_Watched) if type(r) is np.ndarray else r for r in results)
        return watched if isinstance(result, tuple) else watched[0]


def _finite(value):
    array = np.asarray(value)
    return array.dtype.kind not in "fc" or bool(np.all(np.isfinite(array)))


def overflows(call, x):
    """What went wrong numerically in ``call(tensor)`` for a tensor of ``x``: a list of notes.

    Overflow, invalid operations (inf - inf, 0 / 0) and division by zero count; underflow to 0
    does not: exp(-1e4) = 0 is the right answer.
    """
    tensor = Tensor(x.copy())
    tensor.data = tensor.data.view(_Watched)
    _Watched.notes = []
    errors = np.errstate(over="warn", invalid="warn", divide="warn", under="ignore")
    with warnings.catch_warnings(record=True) as caught, errors:
        warnings.simplefilter("always")
        call(tensor)
    notes = _Watched.notes + [f"RuntimeWarning: {w.message}" for w in caught
                              if issubclass(w.category, RuntimeWarning)]
    _Watched.notes = []
    return notes


def no_overflow_case(check, name, call, x, describe, hint):
    """A case that fails when ``call(Tensor(x))`` overflows somewhere along the way, even if the
    final numbers come out right (1 / (1 + inf) = 0 is right, but only by luck)."""

    def run():
        notes = overflows(call, x)
        if notes:
            fail(check, f"numpy overflowed during '{name}'", describe,
                 "no inf or nan at any step", notes[0], hint)
        return 0.0

    return Case(name, run, 0.0, describe, hint)


def unchanged_case(name, call, x, describe, hint):
    """A case that wants ``call(Tensor(x))`` to leave its tensor as it was: the caller's tensor (a
    network's output, which ``backward()`` still needs) is not the learner's to change."""

    def run():
        tensor = Tensor(x.copy())
        call(tensor)
        return tensor.data

    return Case(name, run, x, describe, hint)


def raises_case(check, name, call, error, mentions, describe, hint):
    """A case that wants ``call()`` to raise ``error`` with a message that mentions each of
    ``mentions`` (for example both shapes)."""

    expected = " or ".join(e.__name__ for e in (error if isinstance(error, tuple) else (error,)))

    def run():
        try:
            result = call()
        except error as raised:
            missing = [m for m in mentions if m not in str(raised)]
            if missing:
                fail(check, f"the error for '{name}' does not say enough", describe,
                     f"{expected} mentioning {', '.join(mentions)}",
                     f"{type(raised).__name__}: {raised}", hint)
            return 0.0
        fail(check, f"no {expected} for '{name}'", describe, expected,
             f"no error; the result was {result!r}", hint)

    return Case(name, run, 0.0, describe, hint)


# ----- the autograd graph ---------------------------------------------------------------------
# What a learner writes in modules 02 to 04 is saved into their package and trained in the
# milestone, so it has to pass gradients back: built from Tensor operations, each of which records
# itself in the graph, never computed on .data with numpy and wrapped in a new Tensor.


def upstream(shape):
    """The gradient handed to ``backward`` for a result of ``shape``: 1, -1.5, 2, -2.5, 1, ...

    Never all ones: a forgotten factor would hide, and the sum of a softmax slice is always 1, so
    ones would give a softmax the gradient 0 whatever was written.
    """
    size = int(np.prod(shape))
    values = (1 + 0.5 * (np.arange(size) % 4)) * np.where(np.arange(size) % 2, -1.0, 1.0)
    return values.reshape(shape)


def _listed(names):
    """x; x and w; x, w and b."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def not_connected_hint(leaves, operations):
    """What to say when no gradient reaches ``leaves`` (a name or several): the usual cause, and
    the cure."""
    leaves = [leaves] if isinstance(leaves, str) else list(leaves)
    data = f"{leaves[0]}.data" if len(leaves) == 1 else "their .data"
    return (f"your result is not connected to {_listed(leaves)}: it was computed on {data} "
            f"(numpy) and wrapped in a new Tensor. Compute with Tensor operations ({operations}) "
            f"so that gradients can flow back through it (module 05 shows how)")


def detached_hint(leaf, operations):
    """What to say when the values are right and the gradient is not: a piece was cut off."""
    return (f"the values are right but the gradient is not: a piece that depends on {leaf} was "
            f"computed on .data (numpy) and wrapped in a new Tensor, so backward() treats it as a "
            f"constant. Build every such piece from Tensor operations ({operations})")


def gradient_case(check, name, describe, forward, value, gradients, operations, shape=None,
                  result="result", rtol=1e-5, atol=1e-7):
    """A case that wants the learner's result connected to the graph, with the right gradients.

    ``forward()`` creates the inputs as tensors with ``requires_grad=True``, calls the learner's
    code and returns ``(result, {input name: input})``, named as the learner knows them (``x``,
    ``self.weight``). Then ``result.backward()`` runs, with ``g = upstream(shape)`` for a result of
    that shape (``shape=None``: a scalar, ``backward()`` alone). ``value`` is the right result
    (None where it is random), ``gradients`` the right ``{name: d(sum(result * g))/d(input)}``,
    worked out by hand in float64, or a function of the result's values and ``g`` giving them.
    ``result`` is what the description calls the result (``loss`` for a loss).
    """
    g = None if shape is None else upstream(shape)
    if g is None:
        how = f"{result}.backward()"
    elif g.size <= 12:
        how = f"{result}.backward(g), g = {text(g)}"
    else:
        how = f"{result}.backward(g), g of shape {g.shape} cycling 1, -1.5, 2, -2.5"
    full = f"{describe}; {how}"

    def run():
        out, inputs = forward()
        out = tensor_result(check, name, full, out, hint=not_connected_hint(inputs, operations))
        if out is None:
            return None
        if value is not None:
            want = np.asarray(value)
            if out.shape != want.shape or not np.allclose(out.data, want, rtol=rtol, atol=atol):
                fail(check, f"wrong result for '{name}'", full, _show(want), _show(out.data),
                     "the same formula as in the cases above, on inputs that require gradients")
        if not out.requires_grad:
            fail(check, f"the result of '{name}' is not connected to the graph", full,
                 f"a result with requires_grad=True, whose backward() reaches {_listed(inputs)}",
                 "requires_grad=False: a new Tensor that does not remember how it was computed",
                 not_connected_hint(inputs, operations))
        if g is None:
            out.backward()
        else:
            out.backward(g)
        want = gradients(out.data, g) if callable(gradients) else gradients
        for leaf, tensor in inputs.items():
            expected = np.asarray(want[leaf])
            if tensor.grad is None:
                hint = not_connected_hint(leaf, operations)
                if out.is_leaf:  # Tensor(numpy result, requires_grad=True)
                    hint = (f"Tensor(result, requires_grad=True) starts a graph of its own, with "
                            f"no link to {leaf}. Compute with Tensor operations ({operations}) so "
                            f"that gradients can flow back to {leaf} (module 05 shows how)")
                fail(check, f"no gradient reached {leaf} in '{name}'", full, _show(expected),
                     f"{leaf}.grad is None after backward()", hint)
            got = tensor.grad.data
            if got.shape != expected.shape or not np.allclose(got, expected, rtol=rtol,
                                                              atol=atol):
                fail(check, f"wrong gradient of {leaf} for '{name}'", full, _show(expected),
                     _show(got), detached_hint(leaf, operations))
        return 0.0

    return Case(name, run, 0.0, describe, f"compute with Tensor operations ({operations})")
