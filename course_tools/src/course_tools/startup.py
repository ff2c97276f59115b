"""Measure how long a learner waits for the first output of Python, on a module page (its live
examples) and in a notebook, against the floor: a bare page that loads the same self-hosted
Pyodide, numpy and tinytorch wheel from the same server.

Used by bench/bench_startup.py (the full benchmark: throttled and unthrottled, cold and warm,
medians of 3) and by tests/browser/test_startup.py (a cheap regression check of the ratio).

- lite: open a module page, follow its "Run in your browser" launcher, wait for the kernel, run the
  notebook's first cell (the setup cell: it imports tinytorch, which imports numpy, and prints
  "tinytorch ... is ready") and stop the clock when its output is there.
- live: open a module page, click the Run button of its first example as soon as it shows (the
  page's runner, book/_ext/tinytorch_live.py, starts Pyodide in a worker) and stop the clock when
  the example has run. Variants: a reader who pauses to read first (the pointer rests on the
  example, then Run is clicked ten seconds later: the time from the click counts), and a reader
  who never touches an example (nothing of Pyodide may be downloaded).
- bare: open bench/bare.html, which the server shows at /bench/bare.html beside the site (nothing
  is written into the site), and which loads the site's Pyodide, numpy and tinytorch wheel, runs
  ``import numpy, tinytorch`` and prints a line.

Each run is timed from navigation to that first output, in a fresh Chromium profile (cold) and,
for a warm load, again after restarting the browser on the same profile (a returning learner).
Bytes are counted by the server: what crossed the wire, compressed or not.
"""

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from course_tools import lite_notebook as lite
from course_tools.chromium import Learner
from course_tools.paths import REPO

BARE_PAGE = REPO / "bench" / "bare.html"
NOTEBOOK = "04_losses"  # any module works: all setup cells are the same
THROTTLED = {"bandwidth": 20e6 / 8, "latency": 0.020}  # 20 Mbit/s, 20 ms per request
TIMEOUT = 240  # seconds; a hung kernel fails the run instead of blocking forever


@dataclass
class Launch:
    """One timed launch: seconds and bytes to the first output, and where they went."""

    seconds: float
    bytes: int
    requests: int
    phases: dict = field(default_factory=dict)  # event -> seconds after navigation
    bytes_by_kind: dict = field(default_factory=dict)  # kind of file -> bytes
    output: str = ""


BARE_URL = "/bench/bare.html"  # where the server shows bench/bare.html, beside the site's lite/


def bare_path(site):
    """The bare page's URL path, naming the site's tinytorch wheel. Serve it with
    ``SiteServer(site, extra_files=BARE_FILES)``."""
    wheels = sorted((Path(site) / "lite" / "pypi").glob("tinytorch-*-py3-none-any.whl"))
    assert len(wheels) == 1, f"expected one tinytorch wheel in {site}/lite/pypi, got {wheels}"
    return f"{BARE_URL.lstrip('/')}?wheel={wheels[0].name}"


BARE_FILES = {BARE_URL: BARE_PAGE}


def kind(path):
    """What a requested path is, for the byte breakdown."""
    path = path.split("?")[0]
    if "/static/pyodide/" in path:
        name = path.rsplit("/", 1)[-1]
        return "Pyodide runtime" if name.startswith(("pyodide.", "python_stdlib")) else \
            "Pyodide packages"
    if path.endswith(".whl") or "/pypi/" in path:
        return "other wheels (lite/pypi, kernel)"
    if path.startswith("/lite/"):
        return "JupyterLab app"
    return "book page"


def _timeline(server, first, t0):
    """Phases seen by the server: when the kernel asked for Pyodide, when its runtime and the
    last package arrived. Times are seconds after navigation."""
    requests = server.requests[first:]
    phases = {}

    def at(test, attr):
        times = [getattr(r, attr) - t0 for r in requests if test(r.path)]
        return times

    app = at(lambda p: kind(p) == "JupyterLab app", "started")
    if app:
        phases["JupyterLab app requested"] = min(app)
    start = at(lambda p: p.split("?")[0].endswith("/static/pyodide/pyodide.js"), "started")
    if start:
        phases["Pyodide requested"] = min(start)
    if len(start) > 1:  # prefetched by the notebook page, then asked for by the kernel's worker
        phases["kernel worker asked for Pyodide"] = max(start)
    runtime = at(lambda p: p.split("?")[0].rsplit("/", 1)[-1] in
                 {"pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"}, "finished")
    if runtime:
        phases["Pyodide runtime fetched"] = max(runtime)
    packages = at(lambda p: p.split("?")[0].endswith((".whl", ".zip"))
                  and not p.split("?")[0].endswith("python_stdlib.zip"), "finished")
    if packages:
        phases["packages fetched"] = max(packages)
    return phases


def _bytes_by_kind(server, first):
    totals = {}
    for r in server.requests[first:]:
        totals[kind(r.path)] = totals.get(kind(r.path), 0) + r.bytes
    return totals


def _launch(server, first, seconds, phases=None, output=""):
    """A Launch of ``seconds`` from what the server answered since request number ``first``."""
    requests = server.requests[first:]
    return Launch(seconds, sum(r.bytes for r in requests), len(requests), phases or {},
                  _bytes_by_kind(server, first), output)


def open_notebook(learner, server, site, notebook):
    """As lite.open_from_module_page, but clicks the launcher as soon as it shows, as a learner
    does, without waiting for the module page's load event (MathJax, diagrams)."""
    page = learner.new_page()
    page.goto(server.url + lite.module_page(site, notebook), wait_until="commit")
    page = lite.follow_launcher(learner, page, timeout_ms=TIMEOUT * 1000)
    lite.wait_for_notebook(page, kernel=True, timeout=TIMEOUT)
    return page


def launch_lite(learner, server, site, notebook=NOTEBOOK):
    """Open ``notebook`` from its module page and run its setup cell; return a Launch."""
    first = len(server.requests)
    t0 = time.monotonic()
    page = open_notebook(learner, server, site, notebook)
    kernel_ready = time.monotonic() - t0
    result = lite.run_cell(page, 0, timeout=TIMEOUT)
    seconds = time.monotonic() - t0
    out = lite.stdout(result["outputs"])
    assert "is ready" in out, f"the setup cell did not print its line: {result['outputs']}"
    phases = _timeline(server, first, t0)
    phases["kernel ready"] = kernel_ready
    phases["first output"] = seconds
    return _launch(server, first, seconds, phases, out.strip())


LIVE_RUN = "button.tt-live-run"  # the DOM contract of book/_ext/live (see tinytorch_live.py)
LIVE_DONE = ("(() => { const out = document.querySelector('div.tt-live-output');"
             " return out !== null && ['done', 'error'].includes(out.dataset.state); })()")
READING_PAUSE = 10.0  # seconds a reader spends on the page before clicking Run


def launch_live(learner, server, site, module=NOTEBOOK, *, pause=0.0):
    """Open ``module``'s page and run its first example: click Run as soon as it shows (or, with
    ``pause``, rest the pointer on the example, wait ``pause`` seconds, then click) and wait
    until it has run; return a Launch. Its seconds count from navigation, or from the click when
    the reader paused."""
    first = len(server.requests)
    t0 = time.monotonic()
    page = learner.new_page()
    page.goto(server.url + lite.module_page(site, module), wait_until="commit")
    run = page.locator(LIVE_RUN).first
    run.wait_for(state="visible", timeout=TIMEOUT * 1000)
    phases = {"Run shown": time.monotonic() - t0}
    if pause:
        page.locator("div.tt-live").first.hover()
        page.wait_for_timeout(pause * 1000)
    clicked = time.monotonic()
    run.click()
    phases["Run clicked"] = time.monotonic() - t0
    page.wait_for_function(LIVE_DONE, timeout=TIMEOUT * 1000, polling=50)
    done = time.monotonic()
    output = page.locator("div.tt-live-output").first
    state = output.get_attribute("data-state")
    assert state == "done", f"the first example failed: {output.inner_text()}"
    phases |= _timeline(server, first, t0)
    phases["first output"] = done - t0
    seconds = done - (clicked if pause else t0)
    return _launch(server, first, seconds, phases, output.inner_text().strip())


def read_only(learner, server, site, module=NOTEBOOK, *, pause=READING_PAUSE):
    """Open ``module``'s page and read it without touching an example: wait for its load event,
    scroll to the end, wait ``pause`` seconds. Returns a Launch whose seconds are the pause's
    end and whose bytes are everything the page downloaded."""
    first = len(server.requests)
    t0 = time.monotonic()
    page = learner.new_page()
    page.goto(server.url + lite.module_page(site, module), wait_until="load")
    page.mouse.wheel(0, 100_000)  # a wheel event moves no pointer over an example
    page.wait_for_timeout(pause * 1000)
    return _launch(server, first, time.monotonic() - t0)


def launch_bare(learner, server, path):
    """Open the bare page (``path``: bare_path(site)) and wait for its line; return a Launch."""
    first = len(server.requests)
    t0 = time.monotonic()
    page = learner.new_page()
    page.goto(server.url + path)
    page.wait_for_function("document.getElementById('output').textContent.includes('\\n')",
                           timeout=TIMEOUT * 1000, polling=50)
    seconds = time.monotonic() - t0
    out = page.inner_text("#output")
    assert out.startswith("numpy "), f"the bare page failed: {out}"
    phases = _timeline(server, first, t0)
    phases["first output"] = seconds
    return _launch(server, first, seconds, phases, out.strip())


def cold_and_warm(playwright, server, launch, *, warm=True):
    """One launch in a fresh profile and, if ``warm``, one more after restarting the browser on
    that profile. Checks that nothing left 127.0.0.1 and no console error was logged (not that
    the browser's request log is complete, as the browser tests do: the browser is closed at the
    first output, while the module page may still be fetching its diagrams, and a request the
    server answered in that last moment can miss the log). Returns (cold, warm or None)."""
    with tempfile.TemporaryDirectory(prefix="startup-profile-") as profile:
        learner = Learner(playwright, profile, server.url).start()
        try:
            cold = launch(learner)
            second = None
            if warm:
                learner.stop()
                learner.start()
                second = launch(learner)
        finally:
            learner.stop()
        problems = learner.problems()
        assert not problems, "\n".join(problems)
    return cold, second
