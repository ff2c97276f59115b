"""Every module page has every element of the module-page template, and its API tables match the code.

The template (DESIGN.md, "Module page") is checked on the MyST source of each page listed under
``book/modules/`` in the table of contents: the sections in order, a mermaid diagram, ASCII
diagrams, executed examples, errors produced by ``raises-exception`` cells, at least five
check-your-understanding dropdowns and the launch buttons. API signatures are compared with
``inspect.signature`` of the real objects, so a table cannot drift from the code.
"""

import importlib
import inspect
import re

import pytest
import yaml

from course_tools.paths import REPO as ROOT

SECTIONS = [
    "Module info",
    "Overview",
    "Learning objectives",
    "What you'll build",
    "Implementation roadmap",
    "What you're not building yet",
    "API reference",
    "Input and output shapes",
    "Core concepts",
    "Common errors",
    "Production context",
    "Check your understanding",
    "Further reading",
    "What's next",
    "Run it yourself",
]

PUBLIC_MODULES = [
    "tinytorch.core.tensor",
    "tinytorch.core.autograd",
    "tinytorch.core.activations",
    "tinytorch.core.layers",
    "tinytorch.core.losses",
    "tinytorch.core.optimizers",
    "tinytorch.core.training",
    "tinytorch.utils.data",
]


def toc_files(node):
    if isinstance(node, dict):
        if "file" in node:
            yield node["file"]
        for value in node.values():
            yield from toc_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from toc_files(item)


def module_pages():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return sorted(
        ROOT / f"{name}.md"
        for name in toc_files(toc)
        if re.fullmatch(r"book/modules/\d\d_\w+", name)
    )


PAGES = module_pages()


def sections(text):
    """The page's ``##`` sections as (title, body) pairs, ignoring headings inside code fences."""
    found, title, body, fence = [], None, [], None
    for line in text.splitlines():
        marker = re.match(r"^(`{3,}|~{3,})", line)
        if marker:
            if fence is None:
                fence = marker.group(1)
            elif line.startswith(fence) and line.strip() == fence:
                fence = None
        if fence is None and line.startswith("## "):
            if title is not None:
                found.append((title, "\n".join(body)))
            title, body = line[3:].strip(), []
        elif title is not None:
            body.append(line)
    if title is not None:
        found.append((title, "\n".join(body)))
    return found


def test_there_are_module_pages():
    assert PAGES, "no book/modules/NN_name pages in _toc.yml"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_sections_in_template_order(page):
    titles = [title for title, _ in sections(page.read_text())]
    present = [t for t in titles if t in SECTIONS]
    missing = [s for s in SECTIONS if s not in titles]
    assert not missing, f"{page.name}: missing sections {missing}"
    assert present == SECTIONS, f"{page.name}: sections out of order: {present}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_template_elements(page):
    text = page.read_text()
    body = dict(sections(text))
    assert "kernelspec" in text.split("---")[1], f"{page.name}: needs a kernelspec to execute"
    assert "```{mermaid}" in body["What you'll build"], f"{page.name}: no mermaid diagram"
    assert "|" in body["Implementation roadmap"], f"{page.name}: the roadmap must be a table"
    assert "|" in body["Input and output shapes"], f"{page.name}: the shapes must be a table"
    concepts = body["Core concepts"]
    assert concepts.count("```{code-cell}") >= 3, f"{page.name}: core concepts need executed examples"
    assert "```text" in concepts, f"{page.name}: core concepts need ASCII diagrams (```text blocks)"
    errors = body["Common errors"]
    assert errors.count("raises-exception") >= 2, (
        f"{page.name}: common errors must be produced by code cells tagged raises-exception"
    )
    assert "allow_errors" not in text, f"{page.name}: no allow_errors; tag cells raises-exception"
    production = body["Production context"]
    assert "tab-set" in production or "grid" in production, (
        f"{page.name}: production context shows tinytorch and PyTorch side by side"
    )
    assert body["Check your understanding"].count("```{dropdown}") >= 5, (
        f"{page.name}: at least five questions with answers in dropdowns"
    )
    assert re.search(r"https?://", body["Further reading"]), f"{page.name}: further reading needs links"
    launch = body["Run it yourself"]
    assert "launch-buttons" in launch, f"{page.name}: the launch buttons belong in 'Run it yourself'"


def public_object(name):
    owner, _, method = name.partition(".")
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        if hasattr(module, owner):
            obj = getattr(module, owner)
            return getattr(obj, method) if method else obj
    raise AssertionError(f"{name} is not a public name of {PUBLIC_MODULES}")


def real_signature(name):
    obj = public_object(name)
    signature = inspect.signature(obj)
    if "." in name or inspect.isclass(obj):
        params = [p for p in signature.parameters.values() if p.name != "self"]
        signature = signature.replace(parameters=params)
    return f"{name}{signature}"


def api_rows(page):
    """First-column code spans of the API reference tables: ``Name(args)``."""
    api = dict(sections(page.read_text()))["API reference"]
    rows = []
    for line in api.splitlines():
        match = re.match(r"^\|\s*`([A-Za-z_][\w.]*\(.*?\))`\s*\|", line)
        if match:
            rows.append(match.group(1))
    return rows


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_api_tables_match_the_code(page):
    rows = api_rows(page)
    assert len(rows) >= 3, f"{page.name}: the API reference needs tables of signatures"
    for row in rows:
        name = row[: row.index("(")]
        assert row == real_signature(name), f"{page.name}: API table says {row}, code says {real_signature(name)}"
