"""Fixtures shared by every test of the site; the helpers they use come from course_tools.

Playwright's sync API runs one event loop per process, so the whole session shares one
Playwright: the book tests (test_site.py) and the browser tests (browser/) both use this one.
"""

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from course_tools.chromium import CHROMIUM
from course_tools.paths import SITE


@pytest.fixture(scope="session")
def site():
    """The built site (course_tools.paths.SITE); fails (never skips) when it has not been built."""
    needed = [SITE / "index.html", SITE / "lite" / "jupyter-lite.json",
              SITE / "lite" / "notebooks" / "index.html"]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        pytest.fail(f"the built site is missing ({', '.join(missing)}): run `make site` first",
                    pytrace=False)
    return SITE


@pytest.fixture(scope="session")
def playwright():
    """The session's Playwright, once Debian's Chromium is known to be there."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)",
                    pytrace=False)
    with sync_playwright() as running:
        yield running
