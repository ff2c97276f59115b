"""Fixtures of the browser tests: the built site on 127.0.0.1 and a learner's Chromium.

Debian's Chromium (/usr/bin/chromium) is driven by Playwright for Python; Playwright never
downloads a browser here. Each test gets a fresh browser profile (a persistent one in a temporary
folder, so a test can close the browser and come back with the same profile, as a returning
learner does). Service workers are allowed: JupyterLite needs one.

Every browser test also checks, when it ends, that no request left 127.0.0.1 and that the pages
logged no console error (see ``Learner.problems``).
"""

from pathlib import Path

import pytest

from chromium import CHROMIUM, Learner
from course_paths import SITE
from serving import SiteServer


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: runs the built site in Chromium (slow; needs "
                                       "`make site`)")


@pytest.fixture(scope="session")
def site():
    """The built site; fails (never skips) when it has not been built."""
    needed = [SITE / "index.html", SITE / "lite" / "jupyter-lite.json",
              SITE / "lite" / "notebooks" / "index.html"]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        pytest.fail(f"the built site is missing ({', '.join(missing)}): run `make site` first",
                    pytrace=False)
    return SITE


@pytest.fixture(scope="session")
def server(site):
    with SiteServer(site) as running:
        yield running


@pytest.fixture(scope="session")
def playwright(playwright):
    """The session's Playwright (tests/conftest.py), once Debian's Chromium is known to be there."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)",
                    pytrace=False)
    return playwright


@pytest.fixture
def learner(playwright, server, tmp_path):
    """A learner with a fresh profile, on the session's server. When the test ends, checks that no
    request left 127.0.0.1 and no page logged a console error, and that the browser's request log
    holds every request the server answered (pages, workers, service worker)."""
    first = len(server.requests)
    someone = Learner(playwright, tmp_path / "profile", server.url).start()
    yield someone
    someone.stop()
    problems = someone.problems(answered=[r.path for r in server.requests[first:]])
    assert not problems, "\n".join(problems)
