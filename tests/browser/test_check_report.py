"""A failed check in JupyterLite shows its report, not the checks' own code.

04 Losses, opened from its module page as a learner opens it: the cells run in order from the
setup cell, with log_softmax typed into its exercise cell with a mistake, then its check cell. The
check's error output must start with the report (the check's name and what went wrong, then the
input, ... and the hint), name no file of tinytorch/checks, and print nothing before it but the
one line that says the part was not saved. When the learner's code raised, the report also shows
their line in the exercise cell.

The site carries the tinytorch wheel it was built with: after a change to the checks, `make site`.
"""

import re

import pytest

from course_tools import lite_notebook as lite

pytestmark = pytest.mark.browser

NAME = "04_losses"
CHECKS_FRAME = re.compile(r"tinytorch[/\\]checks")

WRONG = '''\
def log_softmax(x, dim=-1):
    return x - x.max(axis=dim, keepdims=True)
'''
FORGOT_KEEPDIMS = '''\
def log_softmax(x, dim=-1):
    shifted = x - x.max(axis=dim)
    return shifted - shifted.exp().sum(axis=dim).log()
'''


def exercise_and_check(cells):
    """The indices of log_softmax's exercise cell and of the check cell after it."""
    exercise = next(i for i, c in enumerate(cells)
                    if "exercise" in c["tags"] and c["source"].startswith("def log_softmax("))
    check = next(i for i, c in enumerate(cells) if i > exercise and "check" in c["tags"])
    assert "check_log_softmax(log_softmax)" in cells[check]["source"]
    return exercise, check


def check_fails_with_the_report_alone(page, exercise, check, code):
    """Type ``code`` into the exercise cell, run it and the check; return the report's lines."""
    lite.set_source(page, exercise, code)
    typed = lite.run_cell(page, exercise)
    assert typed["ok"] and not lite.errors(typed["outputs"]), typed
    outputs = lite.run_cell(page, check)["outputs"]
    errors = lite.errors(outputs)
    assert [name for name, _ in errors] == ["CheckFailure"], outputs
    report = lite.traceback(outputs)
    printed = lite.stdout(outputs)
    assert report.startswith("check_log_softmax: "), \
        f"the output does not start with the report:\n{report}"
    assert report == errors[0][1], "the error output shows more than the report"
    assert not CHECKS_FRAME.search(report + printed), f"a frame of the checks is shown:\n{report}"
    assert all(line.startswith("not saved: ") for line in printed.splitlines()), printed
    return report.splitlines()


def test_a_failing_check_shows_its_report_first_and_no_frame_of_the_checks(learner, server, site):
    page, _ = lite.open_from_module_page(learner, server, site, NAME)
    cells = lite.cells(page)
    exercise, check = exercise_and_check(cells)
    for index, cell in enumerate(cells[:exercise]):
        if cell["type"] == "code":
            result = lite.run_cell(page, index)
            assert result["ok"], f"cell {index} failed before the exercise: {result['outputs']}"

    lines = check_fails_with_the_report_alone(page, exercise, check, WRONG)
    assert re.fullmatch(r"check_log_softmax: wrong result for '.+'", lines[0]), lines
    assert [line[:12] for line in lines[1:]] == \
        ["  input     ", "  expected  ", "  got       ", "  hint      "], lines

    lines = check_fails_with_the_report_alone(page, exercise, check, FORGOT_KEEPDIMS)
    assert re.fullmatch(r"check_log_softmax: your code raised an error on '.+'", lines[0]), lines
    assert lines[1].startswith("  input     ")
    assert lines[2].startswith("  got       your code raised ValueError: "), lines
    assert lines[3].startswith("  hint      ")
    assert re.fullmatch(r"  where     Cell In\[\d+\], line 2, in log_softmax", lines[4]), lines
    assert lines[5].strip() == "shifted = x - x.max(axis=dim)"
