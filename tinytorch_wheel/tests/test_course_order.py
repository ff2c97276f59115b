"""tinytorch and the learner's package read in the course's order: a file of module N imports no
file of a later module, so that a learner who opens the file of the module they are in meets only
what they have already built. ``Module`` has a file of its own for this (module 03), so the
activations (02) import neither the layers (03) nor the losses (04).

One file is underneath everything: ``tinytorch.core.autograd``, whose ``Function`` every operation
of module 01's ``Tensor`` already is. Module 05 opens it up; earlier modules use it unseen. And
one use comes early on purpose: module 02 ends by showing its functions as modules (``ReLU()``
for ``Sequential``, given code, as PyTorch keeps ``nn.ReLU`` beside ``relu``), so the
activations' file imports ``Module``, which module 03 explains.
"""

import ast
from pathlib import Path

import pytest

import tinytorch
from tinytorch import workspace

MODULE_OF = {
    "tinytorch.core.tensor": 1,
    "tinytorch.core._validation": 1,  # checks of arguments, for every module from the tensor on
    "tinytorch.core.activations": 2,
    "tinytorch.core.module": 3,
    "tinytorch.core.layers": 3,
    "tinytorch.core.losses": 4,
    "tinytorch.core.autograd": 5,
    "tinytorch.core.optimizers": 6,
    "tinytorch.core.metrics": 7,
    "tinytorch.core.loop": 7,
    "tinytorch.core.trainer": 7,
    "tinytorch.core.checkpoint": 7,
    "tinytorch.core.training": 7,  # gathers the four files above
    "tinytorch.utils.data": 8,
}
UNDERNEATH = {"tinytorch.core.autograd"}
EARLY = {2: {"tinytorch.core.module"}}  # the activations as modules, given in module 02
ROOT = Path(tinytorch.__file__).parent


def course_imports(source):
    """The files of MODULE_OF that ``source`` imports (``from tinytorch.core import losses``
    counts as tinytorch.core.losses)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name in MODULE_OF}


def later_imports(module_number, source):
    allowed = UNDERNEATH | EARLY.get(module_number, set())
    return sorted(name for name in course_imports(source) - allowed
                  if MODULE_OF[name] > module_number)


def test_every_file_of_core_and_utils_belongs_to_a_module():
    files = {f"tinytorch.{path.parent.name}.{path.stem}" for folder in ("core", "utils")
             for path in (ROOT / folder).glob("*.py") if path.stem != "__init__"}
    assert files == set(MODULE_OF)


@pytest.mark.parametrize("name", sorted(MODULE_OF))
def test_each_file_of_tinytorch_imports_no_later_module(name):
    path = ROOT.joinpath(*name.split(".")[1:]).with_suffix(".py")
    assert later_imports(MODULE_OF[name], path.read_text()) == []


def test_the_activations_import_neither_the_layers_nor_the_losses():
    source = (ROOT / "core" / "activations.py").read_text()
    assert course_imports(source) == {"tinytorch.core._validation", "tinytorch.core.autograd",
                                      "tinytorch.core.module", "tinytorch.core.tensor"}


def test_the_rule_sees_a_later_import():
    source = ("from tinytorch.core.layers import Module\nfrom tinytorch.core import losses\n"
              "from tinytorch.core.module import Module\n")
    assert later_imports(2, source) == ["tinytorch.core.layers", "tinytorch.core.losses"]


@pytest.mark.parametrize("concept", sorted(workspace.CONCEPTS))
def test_each_file_of_the_learners_package_imports_no_later_module(concept):
    spec = workspace.CONCEPTS[concept]
    module_number = int(spec.notebook[:2])
    header = "\n".join(spec.imports)
    references = "\n".join(workspace._reference_line(part) for part in workspace.PARTS
                           if part.concept == concept)
    assert later_imports(module_number, header + "\n" + spec.given) == []
    # the reference lines name tinytorch's file of the same concept, or the Tensor's operations
    assert later_imports(max(module_number, 5) if concept == "autograd" else module_number,
                         references) == []
