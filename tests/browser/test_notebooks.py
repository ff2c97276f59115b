"""Every learner notebook, opened the way a learner opens it: from its module page's "Run in your
browser" launcher, in JupyterLite served on 127.0.0.1, in Chromium.

For each notebook in content/:
- as shipped, the setup cell installs tinytorch from the site's own index and each check cell fails
  with its exercise's NotImplementedError message (never a setup error);
- with the reference solutions filled into the exercise cells, every cell runs and every check
  prints its success line; plots show;
- a learner's edit survives a page reload (autosave);
and for all of them, no request leaves 127.0.0.1 and no page logs a console error (the `learner`
fixture checks both when a test ends).

test_rebuild.py covers a returning learner after the site is rebuilt with a changed notebook.
"""

import ast
import re
import tomllib
import uuid

import pytest

import lite_notebook as lite
from course_paths import CONTENT, REPO
from lite_notebook import NOTEBOOKS, lite_path, read_notebook, source, tags

pytestmark = pytest.mark.browser

# Notebooks whose solved run must show plots: the least number of image/png outputs.
PLOTS = {"07_training": 1,  # loss and accuracy curves
         "09_milestone_digits": 4}  # samples, learning curves, confusion matrix, predictions grid

# The milestone must reach this test accuracy in the browser; its last cell prints
# "test accuracy: 98.1 %".
MILESTONE, MILESTONE_ACCURACY = "09_milestone_digits", 97.0


def stub_messages(code):
    """The messages of the `raise NotImplementedError("...")` statements in an exercise cell."""
    messages = []
    for node in ast.walk(ast.parse(code)):
        if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                and isinstance(node.exc.func, ast.Name) and node.exc.func.id == "NotImplementedError"
                and node.exc.args and isinstance(node.exc.args[0], ast.Constant)):
            messages.append(node.exc.args[0].value)
    return messages


def solution_import(cell):
    """`from <module> import <names>` for an exercise cell, from its tinytorch.solution metadata."""
    spec = cell.get("metadata", {}).get("tinytorch", {}).get("solution", "")
    match = re.fullmatch(r"\s*([\w.]+)\s*:\s*(\w+(?:\s*,\s*\w+)*)\s*", spec)
    assert match, (f"exercise cell {source(cell)[:60]!r}: metadata tinytorch.solution must look like "
                   f"'tinytorch.core.losses:MSELoss,HuberLoss', got {spec!r}")
    names = [n.strip() for n in match.group(2).split(",")]
    return f"from {match.group(1)} import {', '.join(names)}"


def tinytorch_version():
    pyproject = tomllib.loads((REPO / "tinytorch_wheel" / "pyproject.toml").read_text())
    return pyproject["project"]["version"]


def open_notebook(learner, server, site, name, *, kernel=True):
    page, path = lite.open_from_module_page(learner, server, site, name, kernel=kernel)
    assert path == lite_path(name), (
        f"the launcher opened {path}, expected {lite_path(name)} (content/{name}.ipynb as it is "
        "now; if content/ changed since the last build, run `make site`)")
    return page


def check_same_cells(page, notebook):
    shown = lite.cells(page)
    expected = [(c["cell_type"], source(c)) for c in notebook["cells"]]
    assert [(c["type"], c["source"]) for c in shown] == expected, \
        "the notebook opened in JupyterLite differs from the one in content/"


def describe(index, cell, result):
    return (f"cell {index} ({', '.join(tags(cell)) or 'untagged'}): {source(cell)[:80]!r}\n"
            f"stdout: {lite.stdout(result['outputs'])[-500:]}\n{lite.traceback(result['outputs'])}")


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no learner notebooks in {CONTENT}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_as_shipped_checks_fail_with_the_stub_message(learner, server, site, name):
    notebook = read_notebook(name)
    assert "setup" in tags(notebook["cells"][0]), "the first cell must be the setup cell"
    page = open_notebook(learner, server, site, name)
    check_same_cells(page, notebook)

    pending = []  # stub messages of the exercises since the last check
    checks = 0
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        result = lite.run_cell(page, index)
        errors = lite.errors(result["outputs"])
        what = describe(index, cell, result)
        setup_errors = [e for e in errors if e[0] in {"ModuleNotFoundError", "ImportError"}]
        assert not setup_errors, f"a setup error, the learner cannot start:\n{what}"
        if "setup" in tags(cell):
            assert result["ok"] and not errors, f"the setup cell failed:\n{what}"
            assert f"tinytorch {tinytorch_version()} is ready" in lite.stdout(result["outputs"]), what
        elif "exercise" in tags(cell):
            assert result["ok"] and not errors, f"an exercise cell (a stub) failed to run:\n{what}"
            messages = stub_messages(source(cell))
            assert messages, f"exercise cell {index} has no raise NotImplementedError(\"...\")"
            pending += messages
        elif "check" in tags(cell):
            assert pending, f"check cell {index} follows no exercise"
            assert len(errors) == 1 and errors[0][0] == "NotImplementedError", \
                f"the check should fail with the stub's NotImplementedError:\n{what}"
            assert errors[0][1] in pending, (f"the check failed with {errors[0][1]!r}, expected the "
                                             f"message of its exercise's stub, one of {pending}")
            pending, checks = [], checks + 1
    assert checks, f"{name} has no check cell"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_with_solutions_every_cell_runs_and_every_check_passes(learner, server, site, name):
    notebook = read_notebook(name)
    page = open_notebook(learner, server, site, name)
    check_same_cells(page, notebook)
    for index, cell in enumerate(notebook["cells"]):
        if "exercise" in tags(cell):
            lite.set_source(page, index, solution_import(cell))

    images = 0
    passed = []
    printed = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        result = lite.run_cell(page, index)
        what = describe(index, cell, result)
        errors = lite.errors(result["outputs"])
        if "raises-exception" in tags(cell):
            assert errors, f"a cell tagged raises-exception raised nothing:\n{what}"
        else:
            assert result["ok"] and not errors, f"a cell failed with the solutions in:\n{what}"
        images += lite.has_image(result["outputs"])
        printed.append(lite.stdout(result["outputs"]))
        if "check" in tags(cell):
            # Each check prints one line "check_x: N cases passed" (tinytorch.checks._report).
            for check in re.findall(r"\b(check_\w+)\s*\(", source(cell)):
                line = re.search(rf"^{check}: .*\bpassed$", lite.stdout(result["outputs"]), re.M)
                assert line, f"{check} did not print its success line:\n{what}"
                passed.append(check)
    assert passed, f"{name} ran no check"
    if name in PLOTS:
        assert images >= PLOTS[name], \
            f"{name} showed {images} cells with a plot (image/png), expected {PLOTS[name]}"
    if name == MILESTONE:
        scores = re.findall(r"^test accuracy: ([\d.]+) %$", "".join(printed), re.M)
        assert scores, "the milestone printed no line 'test accuracy: <percent> %'"
        assert float(scores[-1]) >= MILESTONE_ACCURACY, (
            f"the milestone reached {scores[-1]} % test accuracy in the browser, expected >= "
            f"{MILESTONE_ACCURACY} %")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_an_edit_survives_a_reload(learner, server, site, name):
    notebook = read_notebook(name)
    index = next(i for i, c in enumerate(notebook["cells"]) if "exercise" in tags(c))
    page = open_notebook(learner, server, site, name, kernel=False)

    edit = f"# my answer, draft {uuid.uuid4().hex[:8]}"
    lite.type_into_cell(page, index, "\n" + edit)
    seconds = lite.wait_until_saved(page, edit)
    print(f"{name}: autosaved {seconds:.1f} s after the edit")

    page.reload()
    assert lite.wait_for_notebook(page, kernel=False) == lite_path(name)
    assert edit in lite.cells(page)[index]["source"], "the edit was lost on reload"
