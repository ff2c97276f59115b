"""Shared machinery of the learner checks: run cases, compare, and explain a failure.

Every ``check_<exercise>`` builds a list of ``Case`` objects and hands them to ``run_cases``. A
failure raises ``CheckFailure``, an ``AssertionError``, with the same lines everywhere (input,
expected, got, hint), so a learner learns to read one format; success prints one line.

The report is all the learner sees of a failed check. IPython (Jupyter, JupyterLite, Colab) shows
what an exception's ``_render_traceback_`` returns in place of its traceback, so the frames of the
checks' own code never push the report below the fold; plain Python and pytest print the report
as the exception's message. When the learner's code raises, the report names the case, its input
and hint, the error, and the learner's own lines where it was raised; a check that runs a case
before ``run_cases`` does (to see the type of its result, say) runs it through ``result_of``.
"""

import functools
import linecache
import os
import site
import sys
import sysconfig
import traceback
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import tinytorch
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
    """A check's verdict on the learner's code; its message is the report.

    Raised by ``fail``, or by ``result_of`` from an error the learner's code raised. A case's
    ``run`` may call ``fail`` itself when it finds something a number cannot show (a wrong dtype,
    an overflow warning, a missing error): ``run_cases`` lets that through as it is.
    """

    def _render_traceback_(self):
        """What IPython shows of this exception in place of its traceback: the report alone."""
        return str(self).splitlines() + list(getattr(self, "__notes__", ()))


def _report(check, problem, where=None, **fields):
    """``check: problem``, then a line for each field, the values aligned, and last the learner's
    lines that raised (``where``), if there are any."""

    def field(value):  # the rows of a printed matrix line up under its first row
        return str(value).replace("\n", "\n" + " " * 12)

    if where:
        fields["where"] = where
    return "\n".join([f"{check}: {problem}"] +
                     [f"  {label:<9} {field(value)}" for label, value in fields.items()])


def fail(check, problem, describe, expected, got, hint):
    """Raise the learner-facing CheckFailure in the standard four-line format."""
    __tracebackhide__ = True  # pytest: this frame delivers the report, it does not explain it
    # `from None`: a check that fails while handling an error it caught (a learner's error whose
    # message says too little) has put what matters of that error in `got`.
    raise CheckFailure(_report(check, problem, input=describe, expected=expected, got=got,
                               hint=hint)) from None


# ----- the learner's own code in a traceback ------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _library_folders():
    """The folders of code that is not the learner's: tinytorch, Python's standard library and the
    installed packages (numpy, IPython, ...)."""
    paths = sysconfig.get_paths()
    folders = [os.path.dirname(tinytorch.__file__)]
    folders += [paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")
                if key in paths]
    folders += getattr(site, "getsitepackages", list)()
    folders.append(getattr(site, "getusersitepackages", str)())
    return tuple(os.path.join(os.path.realpath(folder), "") for folder in folders if folder)


def _is_yours(filename):
    """Whether code from ``filename`` is the learner's: a notebook cell, their script or their
    package. A name in angle brackets is a cell when IPython keeps its source in ``linecache``
    (``<frozen ...>`` and numpy's generated code have none)."""
    if filename.startswith("<"):
        return filename in linecache.cache
    return not os.path.realpath(filename).startswith(_library_folders())


def _place(filename):
    """Where code comes from, as the learner knows it: ``Cell In[4]`` for a notebook cell, as
    IPython names it, else the file, relative to the current (the notebook's) folder if inside."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    cells = getattr(getattr(shell, "compile", None), "_filename_map", {})
    if filename in cells:
        return f"Cell In[{cells[filename]}]"
    if filename.startswith("<"):
        return filename
    try:
        relative = os.path.relpath(filename)
    except ValueError:  # on another drive (Windows)
        return filename
    return filename if relative.startswith(os.pardir + os.sep) else relative


def _where(error):
    """The learner's frames in ``error``'s traceback, innermost last, as the field ``where`` shows
    them (at most three: a recursion would give a thousand); "" if there are none."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if _is_yours(f.filename)]
    lines = []
    for frame in frames[-3:]:
        lines.append(f"{_place(frame.filename)}, line {frame.lineno}, in {frame.name}")
        if frame.line:
            lines.append(f"    {frame.line}")
    return "\n".join(lines)


def _from_your_code(error):
    """``error``, its traceback cut to start at the learner's first frame: the frames above it
    are the check's, which called the learner's code. Unchanged if no frame is the learner's."""
    tb = error.__traceback__
    while tb is not None and not _is_yours(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    return error if tb is None else error.with_traceback(tb)


# ----- running the cases --------------------------------------------------------------------------
def result_of(check, case):
    """What the learner's code returns for ``case``; if it raises, the check's report instead.

    That report names the case, its input, the error and the learner's lines where it was raised,
    with the case's hint, and is raised from the error (its ``__cause__``). A NotImplementedError,
    an exercise not written yet, goes on as it is (its type and message are the stub's), shown in
    short by IPython. A case's own CheckFailure goes on without the frames of the case's code.
    """
    try:
        return case.run()
    except CheckFailure as failure:
        raise failure.with_traceback(None)
    except NotImplementedError as error:
        lines = _report(check, "you have not written this yet",
                        got=f"{type(error).__name__}: {error}", where=_where(error)).splitlines()
        error._render_traceback_ = lambda: lines
        raise
    except Exception as error:
        report = _report(check, f"your code raised an error on '{case.name}'",
                         input=case.describe,
                         got=f"your code raised {type(error).__name__}: {error}",
                         hint=case.hint, where=_where(error))
        raise CheckFailure(report) from _from_your_code(error)


def run_cases(check, cases):
    """Run every case; stop at the first wrong one with its report, else print one line."""
    for case in cases:
        got = result_of(check, case)
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
