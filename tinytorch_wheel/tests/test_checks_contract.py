"""The contract every learner check keeps, tested once for every check of every course module.

The checks of a module live in ``tinytorch.checks.<module>``, its public checks in ``__all__``.
``tests/check_versions/<module>.py`` holds, for each of them:

    RIGHT   {check: [right versions]}: each passes, printing one line "check: N cases passed"
    WRONG   {check: {what is wrong: version}} (or a list): each fails with the standard report,
            at least five of them
    STUBS   {check: an unwritten exercise}: its NotImplementedError passes through unchanged

``tests/test_checks_<module>.py`` tests what only its checks say (a hint, a diagnosis).
"""

import importlib
import pkgutil
import re
import traceback
from pathlib import Path

import pytest

import tinytorch.checks
from tinytorch.checks._report import CheckFailure

MODULES = [m.name for m in pkgutil.iter_modules(tinytorch.checks.__path__)
           if not m.name.startswith("_")]


def _versions_of(module):
    """The module ``check_versions.<module>`` of this package: its RIGHT, WRONG and STUBS."""
    return importlib.import_module(f".check_versions.{module}", __package__)


def _versions(versions):
    """(label, version) pairs of a list or a {label: version} dict."""
    if isinstance(versions, dict):
        return list(versions.items())
    return [(getattr(v, "__name__", str(i)), v) for i, v in enumerate(versions)]


def _table(kind):
    """(module, check, label, version) for every entry of RIGHT, WRONG or STUBS."""
    rows = []
    for module in MODULES:
        table = getattr(_versions_of(module), kind)
        for check, versions in table.items():
            versions = [("stub", versions)] if kind == "STUBS" else _versions(versions)
            rows += [pytest.param(module, check, version, id=f"{check}-{label}")
                     for label, version in versions]
    return rows


def _check(module, name):
    return getattr(importlib.import_module(f"tinytorch.checks.{module}"), name)


@pytest.mark.parametrize("module", MODULES)
def test_every_check_has_right_versions_five_wrong_ones_and_a_stub(module):
    checks = set(importlib.import_module(f"tinytorch.checks.{module}").__all__)
    data = _versions_of(module)
    assert set(data.RIGHT) == set(data.WRONG) == set(data.STUBS) == checks
    assert all(data.RIGHT[check] for check in checks)
    assert all(len(data.WRONG[check]) >= 5 for check in checks)


@pytest.mark.filterwarnings("error")  # a right version makes numpy give no warning at all
@pytest.mark.parametrize("module, name, right", _table("RIGHT"))
def test_a_right_version_passes_with_one_line(module, name, right, capsys):
    _check(module, name)(right)
    assert re.fullmatch(rf"{name}: [1-9]\d* cases passed\n", capsys.readouterr().out)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflowing versions warn, of course
@pytest.mark.parametrize("module, name, wrong", _table("WRONG"))
def test_a_wrong_version_gets_the_report(module, name, wrong):
    with pytest.raises(CheckFailure) as info:
        _check(module, name)(wrong)
    first, *rest = str(info.value).splitlines()
    assert first.startswith(f"{name}: ")
    # a field's label is indented by two spaces, the lines that continue its value by twelve
    labels = [line.split()[0] for line in rest if re.match(r"  \S", line)]
    if first.startswith(f"{name}: your code raised an error on "):
        assert labels == ["input", "got", "hint", "where"]
    else:
        assert labels == ["input", "expected", "got", "hint"]


@pytest.mark.parametrize("module, name, stub", _table("STUBS"))
def test_a_stub_raises_its_own_not_implemented_error(module, name, stub):
    with pytest.raises(NotImplementedError) as info:
        _check(module, name)(stub)
    raised_in = traceback.extract_tb(info.value.__traceback__)[-1].filename
    assert Path(raised_in) == Path(_versions_of(module).__file__)
