"""The "from tinytorch to PyTorch" page (book/appendix/to_pytorch.md) covers the whole package.

Every public name of every tinytorch module must have a row in that module's section of the page,
and every row must name a PyTorch counterpart. Public means the module's ``__all__`` when it has
one, otherwise the classes and functions defined in the module whose names do not start with an
underscore. The learner checks (``tinytorch.checks.*``) have no PyTorch counterpart: the page must
name each checks module, not each check.
"""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import tinytorch

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "book" / "appendix" / "to_pytorch.md"

CODE_SPAN = re.compile(r"`([^`]+)`")
LEADING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def all_modules():
    """tinytorch and every module below it, as imported module objects."""
    names = ["tinytorch"] + [info.name for info in
                             pkgutil.walk_packages(tinytorch.__path__, prefix="tinytorch.")]
    return [importlib.import_module(name) for name in sorted(names)]


def public_names(module):
    if hasattr(module, "__all__"):
        return set(module.__all__)
    return {name for name, obj in vars(module).items()
            if not name.startswith("_") and (inspect.isclass(obj) or inspect.isfunction(obj))
            and obj.__module__ == module.__name__}


def sections(text):
    """{heading: body} for the page's level-2 sections."""
    parts = re.split(r"^## +(.+?) *$", text, flags=re.MULTILINE)
    return {heading: body for heading, body in zip(parts[1::2], parts[2::2])}


def table_rows(body):
    """The body rows of the Markdown tables in a section: lists of cell texts."""
    rows = []
    for line in body.splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if all(re.fullmatch(r":?-{3,}:?", cell) for cell in cells):
            continue  # the separator row
        rows.append(cells)
    return rows[1:] if rows and rows[0][0] == "tinytorch" else rows  # drop the header row


def documented_names(body):
    """The names a section's tables give rows to: the leading identifier of the first code span
    of each row (`Tensor.sum(axis=None)` is a row of `Tensor`)."""
    names = set()
    for cells in table_rows(body):
        spans = CODE_SPAN.findall(cells[0])
        match = LEADING_NAME.match(spans[0]) if spans else None
        assert match, f"{PAGE.name}: row {cells} does not start with a code span naming a name"
        names.add(match.group())
    return names


API_MODULES = [m for m in all_modules()
               if not m.__name__.startswith("tinytorch.checks") and public_names(m)]
CHECK_MODULES = [m for m in all_modules() if m.__name__.startswith("tinytorch.checks.")
                 and not m.__name__.split(".")[-1].startswith("_")]


@pytest.fixture(scope="module")
def page_sections():
    return sections(PAGE.read_text(encoding="utf-8"))


def test_the_package_has_the_modules_of_the_design():
    found = {m.__name__ for m in API_MODULES}
    expected = {f"tinytorch.core.{name}" for name in
                ("tensor", "autograd", "activations", "layers", "losses", "optimizers", "training")}
    assert expected | {"tinytorch", "tinytorch.utils.data"} <= found, sorted(found)
    assert len(CHECK_MODULES) >= 8, [m.__name__ for m in CHECK_MODULES]


@pytest.mark.parametrize("module", API_MODULES, ids=lambda m: m.__name__)
def test_every_public_name_has_a_row(page_sections, module):
    assert module.__name__ in page_sections, (
        f"{PAGE.name} has no section '## {module.__name__}' for its public names "
        f"{sorted(public_names(module))}")
    missing = public_names(module) - documented_names(page_sections[module.__name__])
    assert not missing, (f"{PAGE.name}, section {module.__name__}: no row for {sorted(missing)} "
                         "(add a row: `name(signature)` | PyTorch counterpart | differences)")


@pytest.mark.parametrize("module", API_MODULES, ids=lambda m: m.__name__)
def test_every_row_is_a_public_name_with_a_counterpart(page_sections, module):
    body = page_sections.get(module.__name__, "")
    stale = documented_names(body) - public_names(module)
    assert not stale, (f"{PAGE.name}, section {module.__name__}: rows for {sorted(stale)}, which "
                       f"the module does not export (public: {sorted(public_names(module))})")
    for cells in table_rows(body):
        assert len(cells) == 3 and cells[1] and cells[2], (
            f"{PAGE.name}, section {module.__name__}: row {cells} needs three filled columns "
            "(tinytorch, PyTorch, differences)")


def test_every_checks_module_is_named(page_sections):
    body = page_sections.get("tinytorch.checks", "")
    missing = [m.__name__ for m in CHECK_MODULES if f"`{m.__name__}`" not in body]
    assert not missing, f"{PAGE.name}, section tinytorch.checks, does not name {missing}"


def test_the_page_has_no_section_for_a_module_that_does_not_exist(page_sections):
    known = {m.__name__ for m in API_MODULES} | {"tinytorch.checks"}
    assert set(page_sections) <= known, sorted(set(page_sections) - known)
