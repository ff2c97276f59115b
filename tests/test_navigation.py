"""Module numbers, names and the links between modules agree everywhere.

A module is a page book/modules/NN_name.md with its learner notebook content/NN_name.ipynb. The
checks, on the sources (no build needed):

- every module page has its notebook and every notebook its page;
- the page title starts with "NN " and the notebook's title starts with the page title;
- the page's launch buttons open its own notebook;
- the table of contents lists every module page, in the order of the numbers, and the module
  index (book/modules/index.md) links every module, in the same order, under its title;
- a link labelled with a module's title ("04 Losses") goes to that module's page, on every page;
- the prerequisites ("## Module info") and "## What's next" of every module link each module
  they name, and "What's next" links the next module (every module but the last, the
  milestone).
"""

import json
import posixpath
import re
from pathlib import Path

import pytest
import yaml

from course_tools.paths import CONTENT, REPO

MODULES = REPO / "book" / "modules"
MODULE_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+$")
DOC_ROLE = re.compile(r"\{doc\}`([^`]*?)`")
MD_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)")
LAUNCH = re.compile(r"^[`:]{3,}\{launch-buttons\}\s+(\S+)", re.MULTILINE)


def module_pages():
    return {p.stem: p for p in sorted(MODULES.glob("*.md")) if MODULE_NAME.match(p.stem)}


def notebooks():
    return {p.stem: p for p in sorted(CONTENT.glob("*.ipynb")) if MODULE_NAME.match(p.stem)}


def number(name):
    return MODULE_NAME.match(name).group(1)


def body(path):
    """The Markdown of a page without its front matter."""
    text = path.read_text(encoding="utf-8")
    if text.startswith("---\n"):
        text = text[text.index("\n---", 4) + 4:]
    return text


def page_title(path):
    match = re.search(r"^# +(.+?)\s*$", body(path), re.MULTILINE)
    assert match, f"{path.relative_to(REPO)} has no '# ' title"
    return match.group(1)


def short_title(path):
    """"04 Losses" of "# 04 Losses": the number and the first word, how pages name a module."""
    return " ".join(page_title(path).split()[:2]).rstrip(":,")


def notebook_title(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"])
            match = re.search(r"^# +(.+?)\s*$", source, re.MULTILINE)
            if match:
                return match.group(1)
    raise AssertionError(f"{path.relative_to(REPO)} has no markdown '# ' title")


def toc_files():
    """Every file of _toc.yml, in reading order."""
    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                yield node["file"]
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []):
                    yield from walk(child)
    return list(walk(yaml.safe_load((REPO / "_toc.yml").read_text())))


def toc_modules():
    """The module pages of the toc, in toc order: {stem: path}."""
    return {Path(f).stem: MODULES / f"{Path(f).stem}.md" for f in toc_files()
            if f.startswith("book/modules/") and MODULE_NAME.match(Path(f).stem)}


def docname(path):
    return path.relative_to(REPO).with_suffix("").as_posix()


def resolve(page, target):
    """The docname a {doc} target or a relative .md link on page points at."""
    target = target.split("#")[0]
    target = re.sub(r"\.(md|ipynb)$", "", target)
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(docname(page)), target))


def links(page, text):
    """(label, docname, span) of every {doc} role and relative Markdown link in text."""
    found = []
    for match in DOC_ROLE.finditer(text):
        inner = match.group(1)
        labelled = re.fullmatch(r"(.*?)\s*<([^<>]+)>", inner, re.DOTALL)
        label, target = (labelled.groups() if labelled else ("", inner))
        found.append((label, resolve(page, target.strip()), match.span()))
    for match in MD_LINK.finditer(text):
        label, target = match.groups()
        if not re.match(r"[a-z]+:", target) and not target.startswith("#"):
            found.append((label, resolve(page, target), match.span()))
    return found


def section(path, heading):
    match = re.search(rf"^## +{heading}\s*$(.*?)(?=^## |\Z)", body(path), re.MULTILINE | re.DOTALL)
    return match.group(1) if match else None


def unlinked_mentions(page, text, modules):
    """Titles of modules ("01 Tensor") that text names outside a link to that module's page."""
    targets = {docname(p): short_title(p) for p in modules.values()}
    spans = [(start, end) for label, doc, (start, end) in links(page, text)
             if doc in targets and (not label or label.startswith(targets[doc]))]
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " * (end - start) + text[end:]
    own = short_title(page)
    return [title for title in targets.values()
            if title != own and re.search(rf"(?<![\w.]){re.escape(title)}\b", text)]


# --- pages, notebooks and launchers ----------------------------------------------------------


def test_every_module_page_has_its_notebook_and_every_notebook_its_page():
    pages, books = set(module_pages()), set(notebooks())
    assert pages, "no module pages in book/modules/"
    assert not pages - books, f"pages without content/NN_name.ipynb: {sorted(pages - books)}"
    assert not books - pages, f"notebooks without book/modules/NN_name.md: {sorted(books - pages)}"


def test_module_numbers_are_unique():
    numbers = [number(name) for name in module_pages()]
    assert len(numbers) == len(set(numbers)), sorted(module_pages())


@pytest.mark.parametrize("name", sorted(module_pages()))
def test_page_title_starts_with_its_number(name):
    title = page_title(module_pages()[name])
    assert title.startswith(f"{number(name)} "), f"{name}.md: title {title!r}"


@pytest.mark.parametrize("name", sorted(set(module_pages()) & set(notebooks())))
def test_notebook_title_starts_with_the_page_title(name):
    page, notebook = page_title(module_pages()[name]), notebook_title(notebooks()[name])
    assert notebook.startswith(page), f"content/{name}.ipynb is titled {notebook!r}, the page {page!r}"


@pytest.mark.parametrize("name", sorted(module_pages()))
def test_launch_buttons_open_the_page_s_own_notebook(name):
    opened = LAUNCH.findall(module_pages()[name].read_text(encoding="utf-8"))
    assert opened, f"{name}.md has no launch-buttons directive"
    assert set(opened) == {name}, f"{name}.md launches {opened}"


# --- table of contents and module index --------------------------------------------------------


def test_toc_lists_every_module_page_in_number_order():
    listed = list(toc_modules())
    assert sorted(listed) == sorted(module_pages()), (
        f"module pages missing from _toc.yml: {sorted(set(module_pages()) - set(listed))}; "
        f"listed without a page: {sorted(set(listed) - set(module_pages()))}")
    assert listed == sorted(listed, key=number), f"_toc.yml lists the modules as {listed}"


def test_module_index_links_every_module_in_order_under_its_title():
    index = MODULES / "index.md"
    modules = toc_modules()
    order = []
    for label, doc, _ in links(index, body(index)):
        name = Path(doc).stem
        if doc.startswith("book/modules/") and name in modules:
            title = short_title(modules[name])
            assert not label or label.startswith(title), (
                f"index.md links {name} as {label!r}; expected a label starting {title!r}")
            order.append(name)
    assert set(order) == set(modules), f"index.md does not link {sorted(set(modules) - set(order))}"
    assert order == sorted(order, key=number), f"index.md lists the modules as {order}"


# --- links between modules -----------------------------------------------------------------


def book_sources():
    return sorted(p for p in (REPO / "book").rglob("*.md")
                  if not {"_build", "_contents", "_vendor"} & set(p.parts))


def test_a_link_labelled_with_a_module_title_goes_to_that_module():
    titles = {short_title(p): docname(p) for p in toc_modules().values()}
    wrong = []
    for page in book_sources():
        for label, doc, _ in links(page, body(page)):
            for title, expected in titles.items():
                if re.match(rf"{re.escape(title)}\b", label) and doc != expected:
                    wrong.append(f"{page.relative_to(REPO)}: link {label!r} goes to {doc}, "
                                 f"expected {expected}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", sorted(toc_modules()))
def test_prerequisites_link_the_modules_they_name(name):
    page = toc_modules()[name]
    info = section(page, "Module info")
    assert info is not None, f"{name}.md has no '## Module info' section"
    unlinked = unlinked_mentions(page, info, toc_modules())
    assert not unlinked, f"{name}.md, Module info, names {unlinked} without linking their pages"


@pytest.mark.parametrize("name", sorted(toc_modules()))
def test_whats_next_links_the_next_module_and_the_modules_it_names(name):
    page = toc_modules()[name]
    nexts = section(page, "What's next")
    assert nexts is not None, f"{name}.md has no \"## What's next\" section"
    unlinked = unlinked_mentions(page, nexts, toc_modules())
    assert not unlinked, f"{name}.md, What's next, names {unlinked} without linking their pages"

    later = sorted((n for n in toc_modules() if number(n) > number(name)), key=number)
    if later:  # the last module (the milestone) has no next module to link
        expected = f"book/modules/{later[0]}"
        targets = {doc for _, doc, _ in links(page, nexts)}
        assert expected in targets, f"{name}.md, What's next, does not link {expected}: {targets}"


def test_link_resolution_and_mention_finding_work():
    """The premise of the link checks, on made-up text."""
    page = MODULES / "07_training.md"
    modules = {"04_losses": MODULES / "04_losses.md"}
    assert resolve(page, "index") == "book/modules/index"
    assert resolve(page, "../getting_started") == "book/getting_started"
    assert resolve(page, "/book/intro") == "book/intro"
    assert resolve(page, "04_losses.md#anchor") == "book/modules/04_losses"
    title = short_title(modules["04_losses"])
    assert title == "04 Losses"
    assert unlinked_mentions(page, "see {doc}`04 Losses <04_losses>`.", modules) == []
    assert unlinked_mentions(page, "see {doc}`04_losses`.", modules) == []
    assert unlinked_mentions(page, "see [04 Losses](04_losses.md).", modules) == []
    assert unlinked_mentions(page, "see 04 Losses.", modules) == [title]
    assert unlinked_mentions(page, "see {doc}`04 Losses <index>`.", modules) == [title]
