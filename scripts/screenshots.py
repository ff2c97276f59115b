"""Take the README's two screenshots from a built site: a module page, and its notebook running.

    python scripts/screenshots.py [_build/html]     (serves the site itself on a free port)
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from course_tools import chromium
from course_tools.paths import REPO, SITE as BUILT_SITE
from course_tools.serve import cache_control
from course_tools.serving import SiteServer

SITE = Path(sys.argv[1]) if len(sys.argv) > 1 else BUILT_SITE
OUT = REPO / "docs" / "screenshots"

with SiteServer(SITE, cache_control=cache_control, compress=True) as server:
    with sync_playwright() as p:
        browser = chromium.launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"{server.url}book/modules/04_losses.html")
        page.locator("#core-concepts").scroll_into_view_if_needed()
        page.wait_for_timeout(1500)
        page.screenshot(path=OUT / "module-page.png")
        with page.expect_navigation():
            page.get_by_role("link", name="Run in your browser").first.click()
        page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=120_000)
        page.evaluate("""async () => {
            const nb = window.jupyterapp.shell.currentWidget;
            await nb.sessionContext.ready;
            await nb.sessionContext.session.kernel.info;
            for (let i = 0; i < 6; i++) {
                nb.content.activeCellIndex = i;
                await window.jupyterapp.commands.execute('notebook:run-cell');
            }
        }""")
        page.wait_for_timeout(3000)
        page.screenshot(path=OUT / "notebook.png")
        browser.close()
print(f"screenshots in {OUT}")
