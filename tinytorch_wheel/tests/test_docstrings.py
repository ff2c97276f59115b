"""Every example in every docstring of the package runs and prints what it says (doctest).

The modules are discovered with pkgutil, so a new module is covered without touching this file.
Runs in Pyodide as well: it reads the installed package, not the source tree.
"""

import doctest
import importlib
import inspect
import pkgutil

import pytest

import tinytorch
from tinytorch.core.autograd import Function

MODULES = sorted(name for _, name, _ in pkgutil.walk_packages(tinytorch.__path__, "tinytorch."))
# The modules of the course's first modules: their public names all carry an example.
WITH_EXAMPLES = ["tinytorch.core.tensor", "tinytorch.core.autograd", "tinytorch.core.activations",
                 "tinytorch.core.layers"]


def public_names(module):
    """Classes and functions defined in ``module`` (not imported into it), without a leading _."""
    for name, obj in sorted(vars(module).items()):
        if name.startswith("_") or not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if obj.__module__ == module.__name__:
            yield name, obj


def test_discovery_finds_the_package():
    assert {"tinytorch", "tinytorch.core.tensor", "tinytorch.core.autograd",
            "tinytorch.core.layers", "tinytorch.core.activations"} <= set(MODULES) | {"tinytorch"}
    assert "tinytorch.checks._report" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name, capsys):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = capsys.readouterr().out
    assert result.failed == 0, f"{result.failed} failing doctest(s) in {name}:\n{report}"


@pytest.mark.parametrize("name", MODULES)
def test_public_names_have_docstrings(name):
    module = importlib.import_module(name)
    assert inspect.getdoc(module), f"{name} has no module docstring"
    missing = [n for n, obj in public_names(module) if not inspect.getdoc(obj)]
    assert not missing, f"{name}: no docstring for {missing}"


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_public_names_have_examples(name):
    module = importlib.import_module(name)
    missing = [n for n, obj in public_names(module)
               if not (inspect.isclass(obj) and issubclass(obj, Function))  # one-line formulas
               and ">>>" not in inspect.getdoc(obj)]
    assert not missing, f"{name}: no example in the docstring of {missing}"
