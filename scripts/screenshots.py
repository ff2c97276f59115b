"""Take the README's two screenshots from a built site: a module page, and its notebook running.

    python scripts/screenshots.py [_build/html]     (serves the site itself on a free port)
"""

import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "html"
OUT = ROOT / "docs" / "screenshots"
PORT = 8765
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]

server = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "serve.py"), "--port", str(PORT),
                           "--directory", str(SITE)])
time.sleep(2)
try:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"http://127.0.0.1:{PORT}/book/modules/04_losses.html")
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
finally:
    server.terminate()
print(f"screenshots in {OUT}")
