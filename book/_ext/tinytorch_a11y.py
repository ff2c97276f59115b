"""Sphinx extension for the TinyTorch course site: accessibility fixes to the theme.

tests/browser/test_accessibility.py runs axe-core on every page of the book. What it found in
sphinx-book-theme 1.3 / pydata-sphinx-theme 0.17.1, and how each is fixed here:

- The navigation sidebar's expand/collapse toggles are ``<summary>`` elements holding only a
  chevron icon: a screen reader announces an unnamed control (axe: summary-name). Each gets an
  ``aria-label`` naming the section it opens ("Sections of Modules").
- The search button's name, "Search", leaves out its visible shortcut "Ctrl+K", and the colour
  mode button's icons carry titles ("Light", "Dark", "System Settings") that differ from its name
  "Color mode" (axe: label-content-name-mismatch, WCAG 2.5.3). Two one-element templates in
  ``a11y/templates`` replace the theme's; each says what it changes.
- Mermaid's dark theme draws edge labels at a contrast of 4.43:1 (axe: color-contrast);
  ``a11y/static/tinytorch_a11y.css`` raises it.
"""

from pathlib import Path

from bs4 import BeautifulSoup, Tag  # a dependency of pydata-sphinx-theme

HERE = Path(__file__).resolve().parent / "a11y"


def add_paths(app, config):
    config.templates_path.insert(0, str(HERE / "templates"))
    config.html_static_path.append(str(HERE / "static"))


def name_toggles(tree):
    """Give every text-less <summary> of a navigation tree (parsed HTML) an aria-label naming
    the section it opens."""
    for summary in tree.find_all("summary"):
        if summary.get_text(strip=True) or summary.get("aria-label"):
            continue
        item = summary.find_parent("li")
        link = item.find("a", recursive=False) if item else None
        if link is None:
            raise ValueError("tinytorch_a11y: a navigation toggle without a section link: "
                             f"{str(summary.parent)[:200]}")
        summary["aria-label"] = f"Sections of {link.get_text(' ', strip=True)}"


def wrap_toctree(app, pagename, templatename, context, doctree):
    """Post-process the theme's sidebar navigation (after the theme put the function there)."""
    generate = context.get("generate_toctree_html")
    if generate is None:
        return

    def generate_named(*args, **kwargs):
        # pydata-sphinx-theme returns a BeautifulSoup tree (or "" when there is no tree)
        tree = generate(*args, **kwargs)
        if isinstance(tree, Tag):
            name_toggles(tree)
        elif tree:
            parsed = BeautifulSoup(tree, "html.parser")
            name_toggles(parsed)
            tree = type(tree)(str(parsed))
        return tree

    context["generate_toctree_html"] = generate_named


def setup(app):
    app.connect("config-inited", add_paths)
    app.add_css_file("tinytorch_a11y.css")
    app.connect("html-page-context", wrap_toctree, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
