"""Fixtures of the browser tests: the built site on 127.0.0.1 and a learner's Chromium.

Debian's Chromium (/usr/bin/chromium) is driven by Playwright for Python; Playwright never
downloads a browser here. Each test gets a fresh browser profile (a persistent one in a temporary
folder, so a test can close the browser and come back with the same profile, as a returning
learner does). Service workers are allowed: JupyterLite needs one.

Every browser test also checks, when it ends, that no request left 127.0.0.1 and that the pages
logged no console error (see ``Learner.problems``). ``site`` and ``playwright`` come from
tests/conftest.py.
"""

import pytest

from course_tools.chromium import Learner
from course_tools.serving import SiteServer


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: runs the built site in Chromium (slow; needs "
                                       "`make site`)")


@pytest.fixture(scope="session")
def server(site):
    with SiteServer(site) as running:
        yield running


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
