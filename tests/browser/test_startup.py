"""Start-up must not regress: the time from navigation to the first output of Python, on a module
page's live example (run in place) and in a notebook (opened from its module page), divided by
the same time for a bare page that loads the same Pyodide, numpy and tinytorch wheel, may exceed
the ratio recorded in bench/startup_ratio.json by at most 25 %.

A ratio, not an absolute time: both are measured here, in the same run, on the same server
(unthrottled, gzip and cache headers as course_tools.serve), so a slow or busy machine slows both.
Launches of each in fresh profiles, interleaved, after an untimed one; the fastest of each
counts (other load on the machine only ever adds time), as in the recorded figure. Two pairs
first; while the ratio is over the limit, more pairs, up to six: a burst of load on a shared
machine (one CI run measured lite 18 s against bare 4.2 s, twice the usual times) passes once it
is over, while a real regression shows in every launch and still fails. The full benchmark
(throttled, warm loads, bytes, medians of 3) is bench/bench_startup.py; its --record option
updates the recorded figures after a deliberate change.
"""

import json
import re

import pytest

from course_tools import startup
from course_tools.paths import REPO
from course_tools.pyodide import read_lock
from course_tools.serving import SiteServer, static_host_cache_control

pytestmark = pytest.mark.browser

RECORD = REPO / "bench" / "startup_ratio.json"
TOLERANCE = 1.25  # a ratio may grow by 25 % before this test fails
RUNS = 2
MAX_RUNS = 6
WHAT = {"live": "the live example of a module page", "lite": "JupyterLite"}


@pytest.mark.parametrize("path", ["live", "lite"])
def test_start_up_ratio_against_bare_pyodide_has_not_regressed(playwright, site, path):
    recorded = json.loads(RECORD.read_text())["unthrottled_best_time_ratio"][path]
    bare_path = startup.bare_path(site)
    times = {"bare": [], path: []}
    with SiteServer(site, compress=True, cache_control=static_host_cache_control,
                    extra_files=startup.BARE_FILES) as server:
        launches = {"bare": lambda who: startup.launch_bare(who, server, bare_path),
                    "live": lambda who: startup.launch_live(who, server, site),
                    "lite": lambda who: startup.launch_lite(who, server, site)}
        launches = {name: launches[name] for name in times}
        # Untimed: fills the server's cache of gzipped files and the system's file cache.
        for launch in launches.values():
            startup.cold_and_warm(playwright, server, launch, warm=False)
        for run in range(MAX_RUNS):
            for name, launch in launches.items():
                cold, _ = startup.cold_and_warm(playwright, server, launch, warm=False)
                times[name].append(cold.seconds)
            ratio = min(times[path]) / min(times["bare"])
            if run + 1 >= RUNS and ratio <= TOLERANCE * recorded:
                break
    print(f"start-up ratio {path} / bare = {ratio:.2f} (recorded {recorded:.2f}); seconds: {times}")
    assert ratio <= TOLERANCE * recorded, (
        f"start-up of {WHAT[path]} regressed: time to first output is {ratio:.2f} x the bare "
        f"Pyodide page's ({path} {times[path]} s, bare {times['bare']} s), more than {TOLERANCE} x "
        f"the {recorded:.2f} recorded in {RECORD.relative_to(REPO)}. Breakdown: make bench-startup")


def test_notebook_page_prefetches_pyodide_and_nothing_is_downloaded_twice(playwright, site):
    """course_tools.prefetch_kernel (run by the build) lists Pyodide's runtime on the notebook page, so that it downloads
    while JupyterLab boots. In a cold launch every file of the self-hosted Pyodide that the kernel
    fetches, other than the packages of its lock, must be on that list (else the kernel waits for
    it after JupyterLab's boot), and no file may be downloaded twice (which would mean that the
    kernel's worker missed the prefetched copy in the HTTP cache)."""
    page = (site / "lite" / "notebooks" / "index.html").read_text(encoding="utf-8")
    prefetched = set(re.findall(r'<link rel="prefetch" href="\.\./static/pyodide/([^"]+)"', page))
    assert prefetched, "lite/notebooks/index.html prefetches nothing (course_tools.prefetch_kernel)"
    lock = read_lock(site / "lite" / "static" / "pyodide")
    packages = {package["file_name"] for package in lock["packages"].values()}
    with SiteServer(site, compress=True, cache_control=static_host_cache_control) as server:
        cold, _ = startup.cold_and_warm(
            playwright, server, lambda learner: startup.launch_lite(learner, server, site),
            warm=False)
        answers = [(r.path.split("?")[0].removeprefix("/lite/static/pyodide/"), r.status)
                   for r in server.requests if r.path.startswith("/lite/static/pyodide/")]
    assert "is ready" in cold.output
    # A file the server asks browsers to revalidate (no-cache: Pyodide's runtime, the lock, the
    # course's own wheel) is prefetched, then revalidated by the kernel: a 304, no body.
    downloaded = [name for name, status in answers if status == 200]
    twice = sorted({name for name in downloaded if downloaded.count(name) > 1})
    assert not twice, f"downloaded more than once in one cold launch: {twice}"
    runtime = {name for name, _ in answers} - packages
    assert runtime <= prefetched, ("the kernel fetched files the notebook page does not "
                                   f"prefetch: {sorted(runtime - prefetched)}")
