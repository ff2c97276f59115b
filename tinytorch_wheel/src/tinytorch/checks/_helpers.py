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


def run_listening(call):
    """Call ``call()`` and return its result with the RuntimeWarnings numpy gave meanwhile.

    Overflow, invalid operations (inf - inf, 0 / 0) and division by zero are reported; underflow
    to 0 is not: exp(-1e4) = 0 is the right answer.
    """
    errors = np.errstate(over="warn", invalid="warn", divide="warn", under="ignore")
    with warnings.catch_warnings(record=True) as caught, errors:
        warnings.simplefilter("always")
        result = call()
    return result, [w for w in caught if issubclass(w.category, RuntimeWarning)]


def no_warning_case(check, name, call, describe, hint):
    """A case that fails when the learner's code makes numpy warn (overflow, 0/0, ...)."""

    def run():
        _, caught = run_listening(call)
        if caught:
            fail(check, f"numpy warned during '{name}'", describe, "no warning",
                 f"RuntimeWarning: {caught[0].message}", hint)
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
