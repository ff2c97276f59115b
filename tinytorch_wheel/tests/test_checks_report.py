"""What a learner sees of a check (tinytorch.checks._report): one line when it passes, the report
alone when it fails.

IPython (Jupyter, JupyterLite, Colab) shows what an exception's ``_render_traceback_`` returns in
place of its traceback, so none of the checks' own frames comes before the report; plain Python
and pytest print the report as the exception's message. An error raised by the learner's code
becomes the report of the case that raised it, chained to that error and showing the learner's own
line; an exercise still raising its stub's NotImplementedError stays that error, shown in short.

The learner's versions of ``relu`` below are checked by the course's own ``check_relu``. The
IPython tests run a real InteractiveShell in this process, as a notebook's kernel does; Pyodide's
test run has no IPython and skips them (tests/browser/test_check_report.py covers JupyterLite).
"""

import builtins
import re
import sys
import traceback
from pathlib import Path

import pytest

from tinytorch import Tensor, workspace
from tinytorch.checks._report import CheckFailure
from tinytorch.checks.activations import check_relu

CHECKS_FRAME = re.compile(r"tinytorch[/\\]checks")


def right(x):
    return x.clip(min=0.0)


def wrong(x):
    return x.clip(min=0.0) * 2


def relu_of_numbers(x):
    values = []
    for value in x.data:
        values.append(max(value, 0.0))  # a number of a vector; of a matrix, a row: an error
    return Tensor(values)


def stub(x):
    raise NotImplementedError("Write relu: keep the positive values, replace the rest by 0.")


def line_of(function, text):
    """The line number of ``text`` in ``function``'s source file."""
    lines = Path(function.__code__.co_filename).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def no_frame_of_the_checks(lines):
    shown = [line for line in lines if CHECKS_FRAME.search(line)]
    assert not shown, f"frames of the checks' own code are shown: {shown}"


# ----- the report, in any Python --------------------------------------------------------------

def test_a_passing_check_prints_one_line(capsys):
    check_relu(right)
    assert re.fullmatch(r"check_relu: \d+ cases passed\n", capsys.readouterr().out)


def test_a_wrong_result_is_rendered_as_the_report_alone():
    with pytest.raises(CheckFailure) as caught:
        check_relu(wrong)
    failure = caught.value
    lines = failure._render_traceback_()
    assert lines == str(failure).splitlines()
    assert re.fullmatch(r"check_relu: wrong result for '.+'", lines[0]), lines[0]
    assert [line[:12] for line in lines[1:]] == \
        ["  input     ", "  expected  ", "  got       ", "  hint      "]
    no_frame_of_the_checks(lines)


def test_an_error_in_the_learners_code_is_the_report_of_its_case_chained_to_it():
    with pytest.raises(CheckFailure) as caught:
        check_relu(relu_of_numbers)
    failure = caught.value
    lines = failure._render_traceback_()
    assert lines == str(failure).splitlines()
    assert re.fullmatch(r"check_relu: your code raised an error on '.+'", lines[0]), lines[0]
    assert lines[1] == "  input     [[-2.0, -0.5, 0.0], [0.5, 1.0, 3.0]]"
    assert lines[2] == ("  got       your code raised ValueError: The truth value of an array with "
                        "more than one element is ambiguous. Use a.any() or a.all()")
    assert lines[3].startswith("  hint      ")
    line = line_of(relu_of_numbers, "values.append(max(value, 0.0))")
    assert re.fullmatch(rf"  where     \S*test_checks_report\.py, line {line}, in relu_of_numbers",
                        lines[4]), lines[4]
    assert lines[5].strip().startswith("values.append(max(value, 0.0))  # a number of a vector")
    assert len(lines) == 6, "only the learner's own frame is shown, not numpy's or the checks'"
    no_frame_of_the_checks(lines)

    cause = failure.__cause__
    assert type(cause) is ValueError and str(cause) in lines[2]
    # The learner's error itself, its traceback starting in their function (plain Python prints
    # it above the report): the frames of the check that called the function are cut off.
    assert [frame.name for frame in traceback.extract_tb(cause.__traceback__)] == \
        ["relu_of_numbers"]


def test_in_plain_python_the_message_is_the_report_and_the_learners_line_comes_first():
    with pytest.raises(CheckFailure) as caught:
        check_relu(relu_of_numbers)
    printed = "".join(traceback.format_exception(caught.value))
    cause, report = printed.split("\nThe above exception was the direct cause of the following "
                                  "exception:\n")
    assert not CHECKS_FRAME.search(cause), cause
    assert "in relu_of_numbers\n    values.append(max(value, 0.0))" in cause
    assert report.endswith(f"CheckFailure: {caught.value}\n")


def test_an_unwritten_exercise_raises_its_not_implemented_error_shown_in_short():
    with pytest.raises(NotImplementedError, match="^Write relu") as caught:
        check_relu(stub)
    lines = caught.value._render_traceback_()
    assert lines[0] == "check_relu: you have not written this yet"
    assert lines[1] == ("  got       NotImplementedError: Write relu: keep the positive values, "
                        "replace the rest by 0.")
    line = line_of(stub, "raise NotImplementedError")
    assert re.fullmatch(rf"  where     \S*test_checks_report\.py, line {line}, in stub", lines[2])
    assert lines[3].strip().startswith('raise NotImplementedError("Write relu:')
    assert len(lines) == 4
    no_frame_of_the_checks(lines)


# ----- in IPython, as in a notebook ---------------------------------------------------------------

@pytest.fixture
def ipython(monkeypatch, capsys):
    """A real IPython shell in this process; ``ipython(source)`` runs a cell and returns (its
    result, what it printed). The shell is thrown away afterwards, and what it changed put back."""
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    monkeypatch.setattr(workspace, "_folder", None)
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    monkeypatch.setattr(sys, "displayhook", sys.displayhook)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    names = set(vars(builtins))
    shell = interactiveshell.InteractiveShell.instance(config=config, colors="nocolor")

    def run(source):
        capsys.readouterr()
        result = shell.run_cell(source, store_history=True)
        return result, capsys.readouterr().out

    yield run
    interactiveshell.InteractiveShell.clear_instance()
    for name in set(vars(builtins)) - names:  # __IPYTHON__, display
        delattr(builtins, name)


LOG_SOFTMAX_WRONG = '''\
def log_softmax(x, dim=-1):
    return x - x.max(axis=dim, keepdims=True)
'''
LOG_SOFTMAX_FORGOT_KEEPDIMS = '''\
def log_softmax(x, dim=-1):
    shifted = x - x.max(axis=dim)
    return shifted - shifted.exp().sum(axis=dim).log()
'''


def test_in_ipython_a_failing_check_shows_its_report_first_and_no_frame_of_the_checks(ipython):
    ipython("from tinytorch.checks.losses import check_log_softmax")
    ipython(LOG_SOFTMAX_WRONG)
    result, out = ipython("check_log_softmax(log_softmax)")
    assert isinstance(result.error_in_exec, CheckFailure)
    assert re.match(r"check_log_softmax: wrong result for '.+'\n  input     ", out), out
    assert out.rstrip("\n") == str(result.error_in_exec)
    no_frame_of_the_checks(out.splitlines())


def test_in_ipython_an_error_in_the_learners_cell_shows_the_report_and_the_cells_line(ipython):
    ipython("from tinytorch.checks.losses import check_log_softmax")
    cell, _ = ipython(LOG_SOFTMAX_FORGOT_KEEPDIMS)
    result, out = ipython("check_log_softmax(log_softmax)")
    failure = result.error_in_exec
    assert isinstance(failure, CheckFailure) and isinstance(failure.__cause__, ValueError)
    lines = out.splitlines()
    assert lines[0] == "check_log_softmax: your code raised an error on 'two rows'", out
    assert f"  got       your code raised ValueError: {failure.__cause__}" in lines
    assert any(line.startswith("  hint      ") for line in lines)
    where = lines.index(f"  where     Cell In[{cell.execution_count}], line 2, in log_softmax")
    assert lines[where + 1].strip() == "shifted = x - x.max(axis=dim)"
    assert "Traceback" not in out
    no_frame_of_the_checks(lines)


def test_in_ipython_an_unwritten_exercise_is_one_short_message(ipython):
    ipython("from tinytorch.checks.activations import check_relu")
    cell, _ = ipython('def relu(x):\n    raise NotImplementedError("Write relu.")\n')
    result, out = ipython("check_relu(relu)")
    assert type(result.error_in_exec) is NotImplementedError
    assert out.splitlines() == [
        "check_relu: you have not written this yet",
        "  got       NotImplementedError: Write relu.",
        f"  where     Cell In[{cell.execution_count}], line 2, in relu",
        '                raise NotImplementedError("Write relu.")',
    ]


def test_in_ipython_a_passing_check_prints_one_line(ipython):
    ipython("from tinytorch.checks.losses import check_log_softmax")
    ipython("from tinytorch.core.losses import log_softmax")
    result, out = ipython("check_log_softmax(log_softmax)")
    assert result.success
    assert re.fullmatch(r"check_log_softmax: \d+ cases passed\n", out), out


def test_in_ipython_the_workspace_note_follows_a_report_that_passed_through_the_learners_part(
        ipython, tmp_path):
    ipython(f"from tinytorch import workspace\nworkspace.open('03_layers', path={str(tmp_path)!r})")
    ipython("from tinytorch.checks.activations import check_relu")
    ipython("def relu(x):\n    return x.clip(min=0.0)\n")
    _, out = ipython("check_relu(relu)")
    assert "saved: your relu is now part activations.relu" in out
    # The learner edits their saved relu by hand, then checks it again.
    path = tmp_path / "my_tinytorch" / "core" / "activations.py"
    path.write_text(path.read_text().replace("return x.clip(min=0.0)\n",
                                             "return x.clip(min=0.0)[:, :1]\n"))
    ipython("relu = workspace._load('activations')['relu']")
    result, out = ipython("check_relu(relu)")
    failure = result.error_in_exec
    assert isinstance(failure, CheckFailure) and isinstance(failure.__cause__, IndexError)

    before, report, after = out.partition(str(failure) + "\n")
    assert report, f"the report is not shown whole:\n{out}"
    assert re.fullmatch(r"not saved: my_tinytorch/core/activations\.py keeps your last passing "
                        r"relu.*\n", before), before
    assert report.startswith("check_relu: your code raised an error on 'mixed signs'\n")
    assert re.search(r"^  where     \S*my_tinytorch/core/activations\.py, line \d+, in relu$",
                     report, re.M), report
    assert re.fullmatch(
        r"This error passed through your tinytorch:\n"
        r"  activations\.relu  \(my_tinytorch/core/activations\.py, line \d+\)\n"
        r"To find out whether the bug is in your part, .*use_reference\('activations\.relu'\).*\n",
        after), after
    assert out.count("check_relu: your code raised") == 1
    no_frame_of_the_checks(out.splitlines())
