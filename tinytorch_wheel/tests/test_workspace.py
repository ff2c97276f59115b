"""The learner's own package (tinytorch.workspace): save, replace, refuse, fall back, switch, and
the bad states a learner can get into.

A notebook cell is simulated the way IPython runs one: its source is compiled under a file name of
its own, registered in ``linecache``, and run in a namespace named ``__main__``. The notebooks
themselves run in IPython in tests/test_learner_notebooks.py and in the browser tests.
"""

import itertools
import linecache
import re
import subprocess
import sys

import numpy as np
import pytest

from tinytorch import Tensor, workspace
from tinytorch.checks.activations import check_relu
from tinytorch.checks.losses import check_mse_loss
from tinytorch.core import losses as reference_losses

_cells = itertools.count()

MSE = '''\
class MSELoss(Module):
    def forward(self, predictions, targets):
        return ((predictions - targets) ** 2).mean()
'''
MSE_WRONG = '''\
class MSELoss(Module):
    def forward(self, predictions, targets):
        return ((predictions - targets) ** 2).sum()
'''
RELU = '''\
def relu(x):
    return x.clip(min=0.0)
'''


def run_cell(source, namespace):
    """Run ``source`` as IPython runs a notebook cell; return the namespace."""
    name = f"<ipython-input-{next(_cells)}>"
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    exec(compile(source, name, "exec"), namespace)
    return namespace


@pytest.fixture
def notebook():
    """A notebook's namespace with what the course's import cells give."""
    from tinytorch.core.layers import Module
    return {"__name__": "__main__", "np": np, "Tensor": Tensor, "Module": Module}


@pytest.fixture
def folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(workspace, "_folder", None)
    workspace.open("04_losses", path=tmp_path)
    capsys.readouterr()
    return tmp_path


def losses_file(folder):
    return folder / "my_tinytorch" / "core" / "losses.py"


def whose(part_id):
    return dict((pid, w) for pid, w, _ in workspace.parts())[part_id]


def test_open_creates_a_package_of_reference_imports_that_loads(folder):
    for concept in workspace.CONCEPTS:
        namespace = workspace._load(concept)
        for part in workspace.PARTS:
            if part.concept == concept:
                module = part.reference or workspace.CONCEPTS[concept].reference
                reference = getattr(sys.modules[module], part.name)
                assert namespace[part.name] is reference
    assert all(w == "reference" for _, w, _ in workspace.parts())
    assert (folder / "my_tinytorch" / "__init__.py").exists()


def test_a_passing_check_saves_the_cell_and_says_where(folder, notebook, capsys):
    run_cell(MSE, notebook)
    check_mse_loss(notebook["MSELoss"])
    out = capsys.readouterr().out
    assert "saved: your MSELoss is now part losses.MSELoss" in out
    assert "my_tinytorch/core/losses.py" in out
    assert MSE in losses_file(folder).read_text()
    assert whose("losses.MSELoss") == "yours"
    mine = workspace._load("losses")["MSELoss"]
    assert mine is not reference_losses.MSELoss
    assert mine()(Tensor([1.0, 2.0]), Tensor([1.0, 4.0])).item() == pytest.approx(2.0)


@pytest.mark.skipif(sys.platform == "emscripten", reason="Pyodide cannot start a process; the "
                    "notebooks import the package in the browser tests")
def test_the_package_imports_as_a_plain_package_from_the_notebook_folder(folder, notebook):
    run_cell(MSE, notebook)
    check_mse_loss(notebook["MSELoss"])
    code = ("from my_tinytorch.core.losses import MSELoss, CrossEntropyLoss\n"
            "import tinytorch.core.losses as ref\n"
            "print(MSELoss.__module__, CrossEntropyLoss is ref.CrossEntropyLoss)")
    # A child Python started in the folder, as a kernel is started in the notebook's folder.
    result = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True,
                            text=True, check=True)
    assert result.stdout.split() == ["my_tinytorch.core.losses", "True"]


def test_a_newer_passing_version_replaces_the_old_one(folder, notebook):
    run_cell(MSE, notebook)
    check_mse_loss(notebook["MSELoss"])
    newer = MSE.replace("return ((predictions - targets) ** 2).mean()",
                        "difference = predictions - targets\n"
                        "        return (difference * difference).mean()")
    run_cell(newer, notebook)
    check_mse_loss(notebook["MSELoss"])
    text = losses_file(folder).read_text()
    assert newer in text and MSE not in text


def test_a_failing_version_is_not_saved_and_the_last_passing_one_stays(folder, notebook, capsys):
    run_cell(MSE, notebook)
    check_mse_loss(notebook["MSELoss"])
    before = losses_file(folder).read_text()
    capsys.readouterr()
    run_cell(MSE_WRONG, notebook)
    with pytest.raises(AssertionError):
        check_mse_loss(notebook["MSELoss"])
    out = capsys.readouterr().out
    assert "not saved: my_tinytorch/core/losses.py keeps your last passing MSELoss" in out
    assert losses_file(folder).read_text() == before


def test_a_failing_first_version_leaves_the_reference_and_says_so(folder, notebook, capsys):
    run_cell(MSE_WRONG, notebook)
    with pytest.raises(AssertionError):
        check_mse_loss(notebook["MSELoss"])
    assert "keeps using the reference MSELoss until it passes" in capsys.readouterr().out
    assert whose("losses.MSELoss") == "reference"


def test_code_not_written_in_the_notebook_is_not_saved(folder, capsys):
    check_mse_loss(reference_losses.MSELoss)
    out = capsys.readouterr().out
    assert "not saved: this MSELoss was not defined in a cell of this notebook" in out
    assert whose("losses.MSELoss") == "reference"


def test_a_cell_that_needs_another_cells_name_is_refused_with_the_name(folder, notebook):
    run_cell("def squared(d):\n    return d * d\n", notebook)
    run_cell(MSE.replace("(predictions - targets) ** 2", "squared(predictions - targets)"),
             notebook)
    before = losses_file(folder).read_text()
    with pytest.raises(workspace.WorkspaceError, match="NameError: name 'squared' is not defined"):
        check_mse_loss(notebook["MSELoss"])
    assert losses_file(folder).read_text() == before


def test_nothing_is_saved_before_the_workspace_is_opened(tmp_path, monkeypatch, notebook, capsys):
    monkeypatch.setattr(workspace, "_folder", None)
    monkeypatch.chdir(tmp_path)
    run_cell(MSE, notebook)
    check_mse_loss(notebook["MSELoss"])
    assert "saved" not in capsys.readouterr().out
    assert not (tmp_path / "my_tinytorch").exists()


def test_switch_to_the_reference_and_back_keeps_your_code(folder, notebook, capsys):
    run_cell(MSE, notebook)
    check_mse_loss(notebook["MSELoss"])
    workspace.use_reference("losses.MSELoss")
    assert "losses.MSELoss now uses tinytorch's reference" in capsys.readouterr().out
    assert workspace._load("losses")["MSELoss"] is reference_losses.MSELoss
    parked = folder / "my_tinytorch" / "parked" / "losses.MSELoss.py"
    assert MSE in parked.read_text()
    assert "use_mine('losses.MSELoss')" in losses_file(folder).read_text()

    workspace.use_mine("losses.MSELoss")
    assert whose("losses.MSELoss") == "yours"
    assert MSE in losses_file(folder).read_text() and not parked.exists()
    assert workspace._load("losses")["MSELoss"] is not reference_losses.MSELoss


def test_use_mine_without_a_version_says_which_check_to_pass(folder):
    with pytest.raises(workspace.WorkspaceError, match="pass check_mse_loss in 04_losses.ipynb"):
        workspace.use_mine("losses.MSELoss")
    with pytest.raises(ValueError, match="there is no part 'losses.MSE'"):
        workspace.use_reference("losses.MSE")


def test_a_new_passing_version_replaces_a_parked_one(folder, notebook):
    run_cell(MSE, notebook)
    check_mse_loss(notebook["MSELoss"])
    workspace.use_reference("losses.MSELoss")
    check_mse_loss(notebook["MSELoss"])
    assert whose("losses.MSELoss") == "yours"
    assert not (folder / "my_tinytorch" / "parked" / "losses.MSELoss.py").exists()


@pytest.mark.parametrize("edit, error", [
    ("return ((predictions - targets) ** 2).mean(", "SyntaxError"),
    ("return ((predictions - targets) ** 2).mean()\nundefined_name", "NameError"),
])
def test_a_file_that_does_not_load_names_the_part_the_line_and_the_way_out(
        folder, notebook, capsys, edit, error):
    run_cell(MSE, notebook)
    check_mse_loss(notebook["MSELoss"])
    path = losses_file(folder)
    # A hand edit of the file: the learner's own change, which tinytorch must not overwrite.
    path.write_text(path.read_text().replace("return ((predictions - targets) ** 2).mean()", edit))
    edited = path.read_text()
    # The line Python reports: the broken line itself, or the stray name on the next one.
    line = [text.strip() for text in edited.splitlines()].index(edit.splitlines()[-1]) + 1
    workspace.open("05_autograd", path=folder)
    out = capsys.readouterr().out
    assert f"losses.MSELoss: my_tinytorch/core/losses.py, line {line} does not load: {error}" in out
    assert "use_reference('losses.MSELoss')" in out
    assert path.read_text() == edited  # nothing overwritten

    workspace.use_reference("losses.MSELoss")
    assert workspace._load("losses")["MSELoss"] is reference_losses.MSELoss
    assert edit in (folder / "my_tinytorch" / "parked" / "losses.MSELoss.py").read_text()


def test_a_part_saved_by_an_older_different_exercise_is_parked_until_it_passes_again(
        folder, notebook, capsys, monkeypatch):
    run_cell(MSE, notebook)
    check_mse_loss(notebook["MSELoss"])
    monkeypatch.setattr(workspace, "SAME_EXERCISES_SINCE", "9.0.0")
    workspace.open("05_autograd", path=folder)
    out = capsys.readouterr().out
    assert "losses.MSELoss: yours was saved by tinytorch 0.1.0, whose exercise was different" in out
    assert "run check_mse_loss in 04_losses.ipynb again" in out
    assert whose("losses.MSELoss") == "reference"
    assert MSE in (folder / "my_tinytorch" / "parked" / "losses.MSELoss.py").read_text()


def test_a_deleted_part_comes_back_as_the_reference_and_unknown_parts_stay(folder, notebook):
    path = losses_file(folder)
    text = path.read_text()
    start = text.index("# ---- part losses.HuberLoss")
    end = text.index("# ---- part losses.CrossEntropyLoss")
    extra = "\n\n# ---- part losses.FocalLoss: yours (from an older course)\nFOCAL = 1\n"
    path.write_text(text[:start] + text[end:] + extra)
    workspace.open("05_autograd", path=folder)
    text = path.read_text()
    assert "# ---- part losses.HuberLoss: reference" in text
    assert "FOCAL = 1" in text
    assert workspace._load("losses")["HuberLoss"] is reference_losses.HuberLoss


def test_an_error_in_your_code_names_your_part(folder, notebook):
    broken = RELU.replace("return x.clip(min=0.0)", "return x.clip(min=0.0)[:, :1]")
    run_cell(RELU, notebook)
    check_relu(notebook["relu"])
    path = folder / "my_tinytorch" / "core" / "activations.py"
    path.write_text(path.read_text().replace(RELU, broken))
    relu = workspace._load("activations")["relu"]
    with pytest.raises(IndexError) as caught:
        relu(Tensor([1.0, -2.0]))
    note = workspace.explain(caught.value)
    assert "activations.relu  (my_tinytorch/core/activations.py, line" in note
    assert "use_reference('activations.relu')" in note
    assert workspace.explain(ValueError("not from your code")) == ""


def test_the_table_shows_whose_each_part_is(folder, notebook):
    run_cell(MSE, notebook)
    check_mse_loss(notebook["MSELoss"])
    table = workspace.table("05_autograd")
    assert table.startswith("your tinytorch: my_tinytorch/ beside this notebook\n")
    assert re.search(r"core/losses.py\s+yours\s+MSELoss\n\s+reference\s+log_softmax HuberLoss ",
                     table)
    assert "optimizers" not in table  # module 06 comes after 05


def test_a_decorated_function_saves_its_own_cell(folder, capsys):
    from tinytorch.checks.autograd import check_no_grad
    notebook = {"__name__": "__main__", "contextlib": __import__("contextlib"),
                "tinytorch_autograd": __import__("tinytorch.core.autograd").core.autograd}
    source = ('@contextlib.contextmanager\ndef no_grad():\n'
              '    before = tinytorch_autograd.grad_enabled\n'
              '    tinytorch_autograd.grad_enabled = False\n'
              '    try:\n        yield\n    finally:\n'
              '        tinytorch_autograd.grad_enabled = before\n')
    run_cell(source, notebook)
    check_no_grad(notebook["no_grad"])
    assert "saved: your no_grad is now part autograd.no_grad" in capsys.readouterr().out
    assert source in (folder / "my_tinytorch" / "core" / "autograd.py").read_text()


@pytest.mark.skipif(sys.platform == "emscripten", reason="Pyodide cannot start a process; the "
                    "notebooks import the package in the browser tests")
def test_importing_the_package_makes_tensor_operations_run_your_functions(folder):
    from tinytorch.checks.autograd import check_mul_backward
    from tinytorch.core.autograd import Function
    notebook = {"__name__": "__main__", "Function": Function}
    run_cell("class Mul(Function):\n"
             "    def forward(self, a, b):\n"
             "        self.a, self.b = a, b\n"
             "        return a * b\n\n"
             "    def backward(self, grad):\n"
             "        return grad * self.b, grad * self.a\n", notebook)
    check_mul_backward(notebook["Mul"])
    code = ("import my_tinytorch\n"
            "from tinytorch import Tensor\n"
            "x = Tensor([2.0], requires_grad=True)\n"
            "y = (x * 3).exp()\n"
            "print(type((x * 3).grad_fn).__module__, type(y.grad_fn).__module__)")
    result = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True,
                            text=True, check=True)
    # yours for *, the reference for exp (its exercise is not saved)
    assert result.stdout.split() == ["my_tinytorch.core.autograd", "tinytorch.core.tensor"]
