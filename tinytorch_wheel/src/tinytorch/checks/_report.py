"""Shared machinery of the learner checks: run cases, compare, and explain a failure.

Every ``check_<exercise>`` builds a list of ``Case`` objects and hands them to ``run_cases``. A
failure raises ``AssertionError`` with the same four lines everywhere (input, expected, got, hint),
so a learner learns to read one format; success prints one line.
"""

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from tinytorch.core.tensor import Tensor


@dataclass
class Case:
    """One situation to try: what to call, the right answer and what to say if it is wrong.

    ``run`` calls the learner's code and returns its result; ``expected`` is the right answer
    (an array or number) computed independently of the learner's code; ``describe`` says what the
    input was; ``hint`` says what usually causes a wrong answer in this case.
    """

    name: str
    run: Callable[[], Any]
    expected: Any
    describe: str
    hint: str
    rtol: float = 1e-5
    atol: float = 1e-6


def _as_array(value):
    if isinstance(value, Tensor):
        return value.data
    return np.asarray(value)


def _show(value):
    array = np.asarray(value)
    with np.printoptions(precision=4, suppress=True, threshold=12, edgeitems=3):
        text = np.array2string(array, separator=", ")
    return text if array.ndim else str(array.item())


class CheckFailure(AssertionError):
    """A check's verdict on the learner's code, raised by ``fail``.

    A case's ``run`` may call ``fail`` itself when it finds something a number cannot show (a
    wrong dtype, an overflow warning, a missing error): ``run_cases`` lets that through as it is.
    """


def fail(check, problem, describe, expected, got, hint):
    """Raise the learner-facing AssertionError in the standard four-line format."""

    def field(value):  # the rows of a printed matrix line up under its first row
        return str(value).replace("\n", "\n" + " " * 12)

    raise CheckFailure(
        f"{check}: {problem}\n"
        f"  input     {field(describe)}\n"
        f"  expected  {field(expected)}\n"
        f"  got       {field(got)}\n"
        f"  hint      {hint}"
    )


def run_cases(check, cases):
    """Run every case; stop at the first wrong one with a clear message, else print one line.

    An exception raised by the learner's code is not hidden: it propagates with its own
    traceback, after a line saying which case triggered it.
    """
    for case in cases:
        try:
            got = case.run()
        except (NotImplementedError, CheckFailure):
            raise
        except Exception:
            print(f"{check}: your code raised an error on '{case.name}' (input {case.describe})")
            raise
        if got is None:
            fail(check, f"'{case.name}' returned None", case.describe, _show(case.expected),
                 "None", "did you forget the return statement?")
        got_array = _as_array(got)
        expected = np.asarray(case.expected)
        if got_array.shape != expected.shape:
            fail(check, f"wrong shape for '{case.name}'", case.describe,
                 f"shape {expected.shape}: {_show(expected)}",
                 f"shape {got_array.shape}: {_show(got_array)}", case.hint)
        if not np.issubdtype(got_array.dtype, np.number) and got_array.dtype != np.bool_:
            fail(check, f"'{case.name}' did not return numbers", case.describe, _show(expected),
                 repr(got), case.hint)
        if not np.allclose(got_array, expected, rtol=case.rtol, atol=case.atol, equal_nan=False):
            fail(check, f"wrong result for '{case.name}'", case.describe, _show(expected),
                 _show(got_array), case.hint)
    print(f"{check}: {len(cases)} cases passed")
