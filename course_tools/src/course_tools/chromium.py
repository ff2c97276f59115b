"""Debian's Chromium (/usr/bin/chromium) driven by Playwright for Python (Playwright never
downloads a browser here): the flags every launch uses (the browser tests, the site tests, the
start-up benchmark, the README's screenshots), and a learner's browser with a profile folder of its
own, recording every request and every console error of its pages.
"""

import re
from urllib.parse import urlsplit

from course_tools.urls import is_off_site

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # Chromium's own background traffic must not reach the network: no host but 127.0.0.1 resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

# Console errors a page may log that are not the site's fault. Each entry: (regex on the message,
# regex on the URL of its source, why it is harmless). Nothing else is ignored.
ALLOWED_CONSOLE_ERRORS = [
    (r"Failed to load resource: the server responded with a status of 404\b", r"/favicon\.ico$",
     "Chromium asks the origin's /favicon.ico before JupyterLite's pages add their own icon link "
     "from JavaScript; a site hosted under a sub-path does not own the origin's root"),
    (r"Failed to load resource: the server responded with a status of 404\b",
     r"/lite/api/contents/content/(my_tinytorch(/\w+)*|(my_tinytorch/)?Untitled%20Folder\d*)"
     r"/all\.json$",
     "JupyterLite asks the site for the listing of each folder the kernel reads, and the "
     "learner's package folders exist only in the browser's storage; JupyterLite merges the "
     "missing listing with the stored files (jupyterlite#770: 'not a critical error'). A folder "
     "the kernel creates is first made as 'Untitled Folder' and then renamed, and is listed "
     "under both names"),
]


# Requests the server may answer that Playwright does not report: (regex on the path, why).
# Nothing else.
UNREPORTED_REQUESTS = [
    (r"/favicon\.ico$", "Chromium fetches page icons itself, not on behalf of a page (the "
                        "origin's /favicon.ico, and JupyterLite's own icon link)"),
]


def launch(playwright, **options):
    """A headless Chromium with the course's flags (Playwright's ``chromium.launch``)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, **options)


class Learner:
    """A learner's Chromium with one profile folder, recording what its pages do.

    ``start()`` opens the browser on the profile, ``stop()`` closes it (the profile stays on
    disk: starting again is a returning learner). ``requests`` lists every URL the browser
    asked for, from pages, workers and service workers; ``console_errors`` every console error
    and uncaught exception.
    """

    def __init__(self, playwright, profile, origin):
        self.playwright = playwright
        self.profile = profile
        self.origin = origin.rstrip("/")
        self.context = None
        self.requests = []
        self.console_errors = []

    def start(self):
        self.context = self.playwright.chromium.launch_persistent_context(
            self.profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            service_workers="allow")
        # The context sees requests of every page and of service workers; pages are recorded
        # too, so that a request is missed only if both miss it.
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.on("page", self._watch)
        for page in self.context.pages:
            self._watch(page)
        return self

    def _watch(self, page):
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("websocket", lambda socket: self.requests.append(socket.url))
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.console_errors.append(
            f"uncaught exception on {page.url}: {error}"))

    def _console(self, page, message):
        if message.type not in {"error", "assert"}:  # "assert": a failed console.assert
            return
        source = message.location.get("url", "")
        for text, url, _why in ALLOWED_CONSOLE_ERRORS:
            if re.search(text, message.text) and re.search(url, source):
                return
        self.console_errors.append(f"console error on {page.url} (from {source}): {message.text}")

    def new_page(self):
        return self.context.new_page()

    def stop(self):
        if self.context is not None:
            self.context.close()
            self.context = None

    def off_site_requests(self):
        return [url for url in self.requests if is_off_site(url, self.origin)]

    def problems(self, answered=()):
        """What a clean run must not have: requests off 127.0.0.1 and console errors; and, given
        the paths the server ``answered``, any the browser's log lacks (the log must be complete
        for "no request left 127.0.0.1" to mean anything)."""
        found = [f"request left {self.origin}: {url}"
                 for url in dict.fromkeys(self.off_site_requests())]  # once each, in order
        seen = set()
        for url in self.requests:
            parts = urlsplit(url)
            seen.add(parts.path + (f"?{parts.query}" if parts.query else ""))
        found += [f"the browser's request log lacks {path}, which the server answered"
                  for path in sorted(set(answered) - seen)
                  if not any(re.search(pattern, path) for pattern, _why in UNREPORTED_REQUESTS)]
        return found + self.console_errors
