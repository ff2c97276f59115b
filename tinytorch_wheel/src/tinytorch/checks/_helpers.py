"""Small helpers shared by the checks of modules 01 (Tensor), 02 (Activations), 03 (Layers) and
05 (Autograd): how to describe an input, what to require of the learner's object, how to run
learner code while listening for numpy's overflow warnings.
"""

import warnings

import numpy as np

from tinytorch.checks._report import Case, fail
from tinytorch.core.tensor import Tensor


def text(array):
    """An array on one line, as a nested list: [[1.0, 2.0], [3.0, 4.0]]."""
    return str(np.asarray(array).tolist())


def floats(values):
    """A float64 array: expected values are computed in float64, whatever the learner uses."""
    return np.array(values, dtype=np.float64)


def require_class(check, candidate, example):
    """The check wants the class itself (it builds its own instances)."""
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


def tensor_result(check, name, describe, got, tensor_class=Tensor):
    """Return ``got`` if it is a tensor, else fail: the next modules build on tensors."""
    if got is not None and not isinstance(got, tensor_class):
        fail(check, f"'{name}' did not return a Tensor", describe, "a Tensor",
             f"{type(got).__name__}: {got!r}", "wrap the numpy result: return Tensor(result)")
    return got


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


def raises_case(check, name, call, error, mentions, describe, hint):
    """A case that wants ``call()`` to raise ``error`` with a message that mentions each of
    ``mentions`` (for example both shapes)."""

    def run():
        try:
            result = call()
        except error as raised:
            missing = [m for m in mentions if m not in str(raised)]
            if missing:
                fail(check, f"the error for '{name}' does not say enough", describe,
                     f"{error.__name__} mentioning {', '.join(mentions)}",
                     f"{type(raised).__name__}: {raised}", hint)
            return 0.0
        fail(check, f"no {error.__name__} for '{name}'", describe, f"{error.__name__}",
             f"no error; the result was {result!r}", hint)

    return Case(name, run, 0.0, describe, hint)
