"""Fixtures shared by every test of the site.

Playwright's sync API runs one event loop per process, so the whole session shares one
Playwright: the book tests (test_site.py) and the browser tests (browser/) both use this one.
"""

import pytest
from playwright.sync_api import sync_playwright


@pytest.fixture(scope="session")
def playwright():
    with sync_playwright() as running:
        yield running
