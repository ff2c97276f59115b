"""Accessibility of the book: axe-core finds no serious or critical violation on any page.

axe-core (npm, pinned in package.json, installed by ``npm ci``) is injected by Playwright into
every page of the built book, in the light and in the dark colour scheme (the theme follows the
reader's system setting), after the page has finished rendering its math and diagrams. All of
axe's rules run, WCAG 2.x A and AA and its best practices; a violation of impact "serious" or
"critical" fails the test. No rule is switched off (see ``EXCLUDED_RULES``).

The JupyterLite app under lite/ is a third-party application with tests of its own
(test_notebooks.py); it is not checked here.
"""

import json
import re
from urllib.parse import urljoin

import pytest

from course_tools import chromium
from course_tools.paths import REPO

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = {"serious", "critical"}

# Rules that are not run, each with the reason. Empty: every rule runs on every page.
EXCLUDED_RULES = {}


def redirects_only(path):
    """A page whose only job is to send the browser elsewhere (the site's root index.html: a
    meta refresh to book/intro.html); it has no content to check, and it navigates under axe."""
    html = path.read_text(encoding="utf-8")
    return re.fullmatch(r'\s*<meta http-equiv="Refresh" content="0; url=[^"]+"\s*/?>\s*', html,
                        re.I) is not None


def book_pages(site):
    """Every HTML page of the book: everything outside the JupyterLite app and static assets,
    except pages that only redirect."""
    return sorted(p for p in site.rglob("*.html")
                  if p.relative_to(site).parts[0] not in {"lite", "_static"}
                  and not redirects_only(p))


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` (axe-core is a devDependency)", pytrace=False)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser(playwright):
    running = chromium.launch(playwright, headless=True)
    yield running
    running.close()


def render(page, url):
    """Open url and wait until MathJax and mermaid have replaced their source text."""
    page.goto(url, wait_until="load")
    diagrams = page.locator("pre.mermaid, div.mermaid")
    for i in range(diagrams.count()):
        # formulas and diagrams are drawn when they come near the screen (tinytorch_lazy.js)
        diagrams.nth(i).scroll_into_view_if_needed()
    if diagrams.count():
        page.wait_for_function(
            "n => document.querySelectorAll('.mermaid svg').length >= n", arg=diagrams.count(),
            timeout=60_000)
    if page.locator(".math").count():
        page.locator(".math:visible").first.scroll_into_view_if_needed()
        page.wait_for_selector("mjx-container", state="attached", timeout=60_000)
        page.wait_for_function("() => window.MathJax && MathJax.startup && "
                               "MathJax.startup.promise", timeout=60_000)
        page.evaluate("() => MathJax.startup.promise")
    page.evaluate("() => document.fonts.ready.then(() => true)")  # contrast depends on the font


def axe_violations(page, axe_source):
    page.add_script_tag(content=axe_source)
    options = {"resultTypes": ["violations"],
               "rules": {rule: {"enabled": False} for rule in EXCLUDED_RULES}}
    results = page.evaluate("options => axe.run(document, options)", options)
    return results["violations"]


def describe(page_name, scheme, violation):
    nodes = violation["nodes"]
    where = "; ".join(f"{' '.join(map(str, n['target']))}: {n.get('failureSummary', '')}"
                      .replace("\n", " ") for n in nodes[:3])
    more = f" (+{len(nodes) - 3} more)" if len(nodes) > 3 else ""
    return (f"{page_name} [{scheme}] {violation['impact']} {violation['id']}: "
            f"{violation['help']} -- {where}{more}")


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_or_critical_violation_on_any_book_page(site, server, browser, axe_source,
                                                           scheme):
    pages = book_pages(site)
    assert len(pages) >= 10, f"expected the whole book, found {len(pages)} pages"
    context = browser.new_context(color_scheme=scheme)
    failures, checked = [], 0
    try:
        for path in pages:
            name = path.relative_to(site).as_posix()
            page = context.new_page()
            render(page, urljoin(server.url, name))
            theme = page.evaluate("() => document.documentElement.dataset.theme")
            assert theme == scheme, f"{name}: the theme shows {theme!r} for a {scheme} system"
            for violation in axe_violations(page, axe_source):
                if violation["impact"] in FAILING_IMPACTS:
                    failures.append(describe(name, scheme, violation))
            checked += 1
            page.close()
    finally:
        context.close()
    assert checked == len(pages)
    assert not failures, (f"{len(failures)} serious or critical accessibility violations:\n"
                          + "\n".join(failures))


@pytest.mark.browser
def test_axe_reports_a_violation_it_should(server, browser, axe_source, tmp_path):
    """The premise: injected this way, axe does find a serious violation (an image without
    alternative text and an unlabelled input on a page of the served site's origin)."""
    broken = ("<!doctype html><html lang='en'><head><title>t</title></head><body><main>"
              "<h1>t</h1><img src='data:image/gif;base64,R0lGODlhAQABAAAAACw='>"
              "<input type='text'></main></body></html>")
    url = server.url + "axe-premise.html"  # answered by the browser itself, never by the server
    context = browser.new_context()
    context.route(url, lambda route: route.fulfill(body=broken, content_type="text/html"))
    page = context.new_page()
    page.goto(url, wait_until="load")
    found = {v["id"]: v["impact"] for v in axe_violations(page, axe_source)}
    context.close()
    assert found.get("image-alt") == "critical" and found.get("label") == "critical", \
        json.dumps(found)
