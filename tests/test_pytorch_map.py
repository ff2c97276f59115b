"""The "from tinytorch to PyTorch" page (book/appendix/to_pytorch.md) covers the whole package.

Every public name of every tinytorch module must have a row in that module's section of the page,
and every row must name a PyTorch counterpart. Public means the module's ``__all__`` when it has
one, otherwise the classes and functions defined in the module whose names do not start with an
underscore. The course's own machinery has no PyTorch counterpart: the learner checks
(``tinytorch.checks.*``), the exercises' solutions (``tinytorch.solutions.*``) and the learner's
package (``tinytorch.workspace``). The page names each of those modules in a section of its own
(``## tinytorch.checks`` and so on), not each of their names.
"""

import importlib
import inspect
import pkgutil
import re

import pytest

import tinytorch
from course_tools.paths import REPO

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


# The course's machinery, by the section that names its modules.
COURSE = ("tinytorch.checks", "tinytorch.solutions", "tinytorch.workspace")


def course_section(module):
    """The section that names ``module`` when it is course machinery, else None."""
    return next((name for name in COURSE
                 if module.__name__ == name or module.__name__.startswith(name + ".")), None)


API_MODULES = [m for m in all_modules() if not course_section(m) and public_names(m)]
CHECK_MODULES = [m for m in all_modules() if m.__name__.startswith("tinytorch.checks.")
                 and not m.__name__.split(".")[-1].startswith("_")]
COURSE_MODULES = [m for m in all_modules() if course_section(m)
                  and not m.__name__.split(".")[-1].startswith("_")
                  and m.__name__ != "tinytorch.checks"]


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


@pytest.mark.parametrize("module", COURSE_MODULES, ids=lambda m: m.__name__)
def test_every_module_of_the_course_machinery_is_named(page_sections, module):
    section = course_section(module)
    body = page_sections.get(section, "")
    assert f"`{module.__name__}`" in body, f"{PAGE.name}, section {section}, does not name it"


def test_the_page_has_no_section_for_a_module_that_does_not_exist(page_sections):
    known = {m.__name__ for m in API_MODULES} | set(COURSE)
    assert set(page_sections) <= known, sorted(set(page_sections) - known)
