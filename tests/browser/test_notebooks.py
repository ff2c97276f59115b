"""Every learner notebook, opened the way a learner opens it: from its module page's "Run in your
browser" launcher, in JupyterLite served on 127.0.0.1, in Chromium.

For each notebook in content/:
- as shipped, the setup cell installs tinytorch from the site's own index and each check cell fails
  with its exercise's NotImplementedError message (never a setup error);
- in one learner's browser profile, the notebooks in order with the solutions typed into the
  exercise cells as source code: every cell runs, every check prints its success line and saves
  the learner's part into my_tinytorch/ in the browser's storage (which survives a reload), and
  the milestone trains on those parts (a marker planted in the learner's SGD fires) to >= 97 %;
- with module 06's SGD left as its stub, the milestone runs on the reference SGD and says so;
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

from course_tools import lite_notebook as lite
from course_tools.lite_notebook import NOTEBOOKS, lite_path, read_notebook, source, tags
from course_tools.paths import CONTENT, REPO
from tinytorch import workspace
from tinytorch.solutions import solved_cell

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
        elif name == MILESTONE and "raises-exception" not in tags(cell):
            # The milestone has no exercise: as shipped, it runs on the reference's parts.
            assert result["ok"] and not errors, f"a milestone cell failed:\n{what}"
    assert checks or name == MILESTONE, f"{name} has no check cell"


MARKER = "MARKER: the SGD.step typed into 06_optimizers ran in this browser"


def solved(cell, plant_marker):
    """The exercise cell as a learner who solved it types it: the solution's source code."""
    source = solved_cell(cell["metadata"]["tinytorch"]["solution"], lite.source(cell))
    if plant_marker:
        source = source.replace("    def step(self):\n", (
            "    def step(self):\n"
            "        if not getattr(self, '_marked', False):\n"
            f"            print({MARKER!r})\n"
            "            self._marked = True\n"), 1)
        assert MARKER in source, "the SGD solution has no step method to plant the marker in"
    return source


def work_through(learner, server, site, name, *, stubs=()):
    """Open a notebook from its module page, type the solutions into its exercise cells (except
    those whose solution names one of ``stubs``) and run every cell in order, as a learner does.
    Returns the printed text; fails on any error but those expected."""
    notebook = read_notebook(name)
    page = open_notebook(learner, server, site, name)
    check_same_cells(page, notebook)
    stubbed = set()
    for index, cell in enumerate(notebook["cells"]):
        if "exercise" in tags(cell):
            spec = cell["metadata"]["tinytorch"]["solution"]
            if any(spec.endswith(f":{stub}") for stub in stubs):
                stubbed.add(index)
            else:
                lite.set_source(page, index, solved(cell, spec.endswith("optimizers:SGD")))
    images, printed, passed = 0, [], []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        result = lite.run_cell(page, index)
        what = describe(index, cell, result)
        errors = lite.errors(result["outputs"])
        out = lite.stdout(result["outputs"])
        checks = re.findall(r"\b(check_\w+)\s*\(", source(cell)) if "check" in tags(cell) else []
        if "raises-exception" in tags(cell):
            assert errors, f"a cell tagged raises-exception raised nothing:\n{what}"
        elif stubs and errors and "check" in tags(cell):
            # With an exercise left as its stub, its checks fail with the stub's message...
            assert [e[0] for e in errors] == ["NotImplementedError"], what
        elif stubs and errors:
            # ...and so may the notebook's own cells that use it (here the optimizer race, which
            # has no SGD to run); the milestone, run next, must not.
            pass
        else:
            assert result["ok"] and not errors, f"a cell failed with the solutions in:\n{what}"
            for check in checks:
                line = re.search(rf"^{check}: .*\bpassed$", out, re.M)
                assert line, f"{check} did not print its success line:\n{what}"
                passed.append(check)
        images += lite.has_image(result["outputs"])
        printed.append(out)
    if name in PLOTS:
        assert images >= PLOTS[name], \
            f"{name} showed {images} cells with a plot (image/png), expected {PLOTS[name]}"
    return page, "".join(printed)


def milestone_accuracy(printed):
    scores = re.findall(r"^test accuracy: ([\d.]+) %$", printed, re.M)
    assert scores, "the milestone printed no line 'test accuracy: <percent> %'"
    return float(scores[-1])


def owners(printed):
    """The milestone's report of whose each name is: {name: 'yours' | 'reference'}."""
    found = dict(re.findall(r"^(\w+)\s+(yours|reference)\s+\S+$", printed, re.M))
    assert found, "the milestone printed no table of whose code each name is"
    return found


def test_a_learner_builds_their_tinytorch_and_the_milestone_trains_on_it(learner, server, site):
    saved = set()
    for name in NOTEBOOKS:
        page, printed = work_through(learner, server, site, name)
        saved |= set(re.findall(r"^saved: your \w+ is now part ([\w.]+) of", printed, re.M))
        if name != MILESTONE:
            page.close()
    assert saved == {part.id for part in workspace.PARTS}, "not every part was saved"

    table = printed.split("\n\n")[0]
    assert re.search(r"core/losses.py\s+yours\s+log_softmax MSELoss", printed), table
    assert not re.search(r"^\s+(\S+\.py)?\s+reference\s+(?!\(the class;)", printed, re.M), \
        f"the milestone's table lists parts that are not the learner's:\n{table}"
    names = owners(printed)
    assert names.pop("Tensor") == "reference"
    assert set(names.values()) == {"yours"}, names
    assert "loss.backward() runs my_tinytorch.core.autograd.backward" in printed
    assert ("operations run *: my_tinytorch.core.autograd.Mul, exp: my_tinytorch.core.autograd.Exp, "
            "sum: my_tinytorch.core.autograd.Sum, @: my_tinytorch.core.autograd.MatMul") in printed
    assert MARKER in printed, "the learner's SGD.step did not run in the milestone's training"
    assert milestone_accuracy(printed) >= MILESTONE_ACCURACY

    # The learner's package is in the browser's storage, and stays there over a reload.
    for part in workspace.PARTS:
        path = f"content/{workspace.PACKAGE}/{workspace.CONCEPTS[part.concept].path}"
        stored = lite.text_file(page, path)
        assert f"# ---- part {part.id}: yours" in stored, f"{path}: no {part.id} of the learner's"
    page.reload()
    lite.wait_for_notebook(page, kernel=False)
    stored = lite.text_file(page, f"content/{workspace.PACKAGE}/core/optimizers.py")
    assert MARKER in stored, "the learner's package did not survive a reload"


def test_with_the_optimizer_a_stub_the_milestone_runs_on_the_reference_and_says_so(learner,
                                                                                  server, site):
    _, printed = work_through(learner, server, site, "06_optimizers", stubs=["SGD"])
    assert "your tinytorch keeps using the reference SGD until it passes" in printed
    assert "saved: your Adam is now part optimizers.Adam" in printed
    _, printed = work_through(learner, server, site, MILESTONE)
    assert re.search(r"core/optimizers.py\s+yours\s+Adam AdamW\n\s+reference\s+SGD$", printed,
                     re.M), printed
    assert owners(printed)["SGD"] == "reference"
    assert milestone_accuracy(printed) >= MILESTONE_ACCURACY


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_an_edit_survives_a_reload(learner, server, site, name):
    notebook = read_notebook(name)
    # The first exercise cell; the milestone, which has none, its first cell after the setup.
    index = next(i for i, c in enumerate(notebook["cells"]) if "exercise" in tags(c)
                 or (name == MILESTONE and i > 0 and c["cell_type"] == "code"))
    page = open_notebook(learner, server, site, name, kernel=False)

    edit = f"# my answer, draft {uuid.uuid4().hex[:8]}"
    lite.type_into_cell(page, index, "\n" + edit)
    seconds = lite.wait_until_saved(page, edit)
    print(f"{name}: autosaved {seconds:.1f} s after the edit")

    page.reload()
    assert lite.wait_for_notebook(page, kernel=False) == lite_path(name)
    assert edit in lite.cells(page)[index]["source"], "the edit was lost on reload"
