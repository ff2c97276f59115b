"""A learner's course in local Jupyter: the notebooks run in order, in one folder, each in a fresh
IPython kernel (nbclient), with the solutions typed into the exercise cells as source code.

What it shows, in the learner's own workspace:
- every check that passes saves the learner's cell into my_tinytorch/, beside the notebooks;
- the milestone imports every part from my_tinytorch, reports each as the learner's, reaches at
  least 97 % test accuracy, and really runs the learner's code: a marker planted in the SGD typed
  into notebook 06 prints during the milestone's training;
- with module 06's SGD left as its stub, the milestone still runs, on the reference SGD, and says
  so; a learner's Linear broken by hand stops the milestone with a note naming the part.

Two exercises are not parts of the learner's package (see tinytorch.workspace): 01's Tensor, whose
solution is imported as a learner who is stuck would, and 05's LinearFunction, typed and checked
only; nothing later depends on them. 05's Mul, Exp, Sum and MatMul are parts: the milestone
reports that its operations run them.
"""

import json
import re
import shutil
import sys

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from course_tools.paths import CONTENT
from tinytorch import workspace
from tinytorch.solutions import solved_cell

NOTEBOOKS = sorted(path.stem for path in CONTENT.glob("*.ipynb"))

MILESTONE = "09_milestone_digits"
MARKER = "MARKER: the SGD.step typed into 06_optimizers ran"


def tags(cell):
    return cell.metadata.get("tags", [])


def solution_source(cell, plant_marker=False):
    """The exercise cell as a learner who solved it has it; with ``plant_marker``, SGD.step also
    prints MARKER the first time it runs."""
    source = solved_cell(cell.metadata["tinytorch"]["solution"], cell.source)
    if plant_marker:
        assert "    def step(self):\n" in source, "the SGD solution has no step method"
        source = source.replace("    def step(self):\n", (
            "    def step(self):\n"
            "        if not getattr(self, '_marked', False):\n"
            f"            print({MARKER!r})\n"
            "            self._marked = True\n"), 1)
    return source


def run(name, folder, *, stubs=(), allow_errors=False):
    """Run content/<name>.ipynb in ``folder`` with its exercises solved, except those whose
    solution names one of ``stubs``; return the executed notebook."""
    notebook = nbformat.read(CONTENT / f"{name}.ipynb", as_version=4)
    for cell in notebook.cells:
        if "exercise" in tags(cell):
            spec = cell.metadata["tinytorch"]["solution"]
            if not any(spec.endswith(f":{stub}") for stub in stubs):
                cell.source = solution_source(cell, plant_marker=spec.endswith("optimizers:SGD"))
    kernels = folder.parent / "kernels"
    (kernels / "course").mkdir(parents=True, exist_ok=True)
    (kernels / "course" / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "course", "language": "python"}))
    manager = KernelManager(kernel_name="course",
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    # Cells tagged raises-exception may fail; so may the checks of exercises left as stubs.
    NotebookClient(notebook, km=manager, timeout=600, allow_errors=allow_errors or bool(stubs),
                   resources={"metadata": {"path": str(folder)}}).execute()
    return notebook


def errors(notebook):
    return [(index, output.ename) for index, cell in enumerate(notebook.cells)
            for output in cell.get("outputs", []) if output.output_type == "error"
            and "raises-exception" not in tags(cell)]


def stdout(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout")


def text(notebook):
    return "".join(stdout(cell) for cell in notebook.cells if cell.cell_type == "code")


def whose_lines(milestone):
    """The milestone's own report of where each name comes from: {name: 'yours'|'reference'}."""
    found = dict(re.findall(r"^(\w+)\s+(yours|reference)\s+\S+$", text(milestone), re.M))
    assert found, "the milestone printed no table of whose code each name is"
    return found


def accuracy_of(milestone):
    scores = re.findall(r"^test accuracy: ([\d.]+) %$", text(milestone), re.M)
    assert scores, "the milestone printed no 'test accuracy: <percent> %'"
    return float(scores[-1])


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Notebooks 01-09 solved, in one folder; also a copy of that folder as it was after 05."""
    root = tmp_path_factory.mktemp("learner")
    folder = root / "notebooks"
    folder.mkdir()
    executed = {}
    for name in NOTEBOOKS:
        if name.startswith("06"):
            shutil.copytree(folder, root / "after_05")
        executed[name] = run(name, folder)
    return folder, root / "after_05", executed


def test_every_check_passes_and_saves_the_learners_part(course):
    folder, _, executed = course
    saved = set()
    for name, notebook in executed.items():
        assert not errors(notebook), f"{name}: cells failed: {errors(notebook)}"
        saved |= set(re.findall(r"^saved: your \w+ is now part ([\w.]+) of your tinytorch",
                                text(notebook), re.M))
    assert saved == {part.id for part in workspace.PARTS}
    for part in workspace.PARTS:
        path = folder / "my_tinytorch" / workspace.CONCEPTS[part.concept].path
        assert f"# ---- part {part.id}: yours ({part.check} passed" in path.read_text()


def test_the_milestone_trains_on_the_learners_parts(course):
    _, _, executed = course
    milestone = executed[MILESTONE]
    table = stdout(milestone.cells[0])
    rows = re.findall(r"^  (\S*)\s+(yours|reference)\s+(.*)$", table, re.M)
    assert rows and {whose for label, whose, _ in rows if label != "Tensor"} == {"yours"}, table
    owners = whose_lines(milestone)
    assert owners.pop("Tensor") == "reference"
    assert set(owners.values()) == {"yours"}, owners
    assert "loss.backward() runs my_tinytorch.core.autograd.backward" in text(milestone)
    assert ("operations run *: my_tinytorch.core.autograd.Mul, exp: my_tinytorch.core.autograd.Exp, "
            "sum: my_tinytorch.core.autograd.Sum, @: my_tinytorch.core.autograd.MatMul") \
        in text(milestone)
    assert MARKER in text(milestone), "the learner's SGD.step did not run in the milestone"
    assert accuracy_of(milestone) >= 97.0


def test_with_the_optimizer_left_as_a_stub_the_milestone_runs_on_the_reference_sgd(course):
    _, after_05, _ = course
    stubbed = run("06_optimizers", after_05, stubs=["SGD"])
    checks = [index for index, cell in enumerate(stubbed.cells)
              if re.search(r"\bcheck_sgd_(step|momentum)\(", cell.source)]
    failed = dict(errors(stubbed))
    assert all(failed.get(index) == "NotImplementedError" for index in checks), failed
    out = text(stubbed)
    assert "your tinytorch keeps using the reference SGD until it passes" in out
    assert "saved: your Adam is now" in out and "saved: your AdamW is now" in out
    for name in NOTEBOOKS:
        if name > "06_optimizers" and name != MILESTONE:
            assert not errors(run(name, after_05)), name
    milestone = run(MILESTONE, after_05)
    assert not errors(milestone)
    assert re.search(r"^\s+reference\s+SGD$", stdout(milestone.cells[0]), re.M), \
        stdout(milestone.cells[0])
    owners = whose_lines(milestone)
    assert owners["SGD"] == "reference" and owners["Linear"] == "yours", owners
    assert MARKER not in text(milestone)
    assert accuracy_of(milestone) >= 97.0


def test_a_learner_part_that_breaks_the_milestone_is_named_with_the_way_out(course, tmp_path):
    folder, _, _ = course
    broken = tmp_path / "notebooks"
    shutil.copytree(folder, broken)
    layers = broken / "my_tinytorch" / "core" / "layers.py"
    # The learner's Linear, edited by hand: it drops the bias and the last output column.
    source = layers.read_text()
    assert "        return y if self.bias is None else y + self.bias\n" in source
    layers.write_text(source.replace("        return y if self.bias is None else y + self.bias\n",
                                   "        return y[:, :-1]\n"))
    milestone = run(MILESTONE, broken, allow_errors=True)
    out = text(milestone)
    assert errors(milestone), "the broken Linear did not stop the milestone"
    assert "This error passed through your tinytorch:" in out
    assert re.search(r"^  layers\.Linear  \(my_tinytorch/core/layers\.py, line \d+\)$", out,
                     re.M), out
    assert "tinytorch.workspace.use_reference('layers.Linear')" in out
