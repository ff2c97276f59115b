"""Start-up of Python on the course's pages against a bare Pyodide page: time and bytes to first
output.

(a) live: a module page's first example, run in place (book/_ext/tinytorch_live.py's worker);
    the clock stops when it has run. Also: a first-time reader who pauses ten seconds with the
    pointer on the example before clicking Run (the time from the click), and a reader who never
    touches an example (what the page downloads: no Pyodide).
(b) lite: a module page's "Run in your browser" launcher opens the notebook in JupyterLite; the
    clock stops at the output of its first cell, which imports tinytorch (and so numpy).
(c) bare: bench/bare.html loads the same self-hosted Pyodide, numpy and tinytorch wheel from the
    same server, imports both and prints a line.

All are served from the built site by the test server of course_tools.serving on 127.0.0.1,
with course_tools.serve's gzip and cache headers (--no-compress: without gzip), throttled at the
server (20 Mbit/s shared, 20 ms per request; JupyterLite's service worker escapes DevTools
throttling) and unthrottled; it counts the bytes itself. Debian's Chromium, a fresh
profile per run (cold), then a warm load after restarting the browser on the same profile (for
live, a returning learner: the page starts Pyodide at load). Medians of --runs runs, the paths
interleaved. Prints the ratios to bare and writes them, with the breakdown of the median runs,
to bench/STARTUP.md (or --write).

    make bench-startup       # or: .venv/bin/python bench/bench_startup.py

Goals: lite (issue #6): time to first output <= 1.3 x bare (throttled and unthrottled), bytes
<= 1.2 x bare, warm load <= 1.5 x bare's warm load. live (issue #13): time <= 1.3 x bare, bytes
<= 1.15 x bare, warm <= 1.15 x bare's warm, Run answers within 0.5 s after a reader's pause, and
a reader who never touches an example downloads no Pyodide. Exits with status 1 when a goal is
missed.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from course_tools import startup
from course_tools.paths import REPO, SITE
from course_tools.serving import Link, SiteServer, static_host_cache_control

# Ratios to the bare page, per path; "pause" is seconds from the click, "reader" bytes of Pyodide.
GOALS = {"lite": {"time": 1.3, "bytes": 1.2, "warm": 1.5},
         "live": {"time": 1.3, "bytes": 1.15, "warm": 1.15, "pause": 0.5, "reader": 0}}
PATHS = ("live", "lite")
RECORD = REPO / "bench" / "startup_ratio.json"
NOTES = "<!-- notes: kept when the benchmark rewrites this file -->"


def median_launch(launches):
    """The launch with the median time (its breakdown is shown)."""
    ordered = sorted(launches, key=lambda launch: launch.seconds)
    return ordered[len(ordered) // 2]


def launches(server, site, bare_path):
    return (("bare", lambda who: startup.launch_bare(who, server, bare_path)),
            ("live", lambda who: startup.launch_live(who, server, site)),
            ("lite", lambda who: startup.launch_lite(who, server, site)))


def pyodide_bytes(launch):
    return sum(b for k, b in launch.bytes_by_kind.items() if k != "book page")


def measure(playwright, server, site, bare_path, *, throttled, runs):
    """Medians of ``runs`` interleaved launches of each path, cold and warm, and of the live
    page's reader who pauses and reader who only reads."""
    server.link = Link(startup.THROTTLED["bandwidth"] if throttled else None)
    server.latency = startup.THROTTLED["latency"] if throttled else 0.0
    network = "throttled" if throttled else "unthrottled"
    results = {"bare": [], "live": [], "lite": []}
    pauses, readers = [], []
    for run in range(runs):
        for name, launch in launches(server, site, bare_path):
            cold, warm = startup.cold_and_warm(playwright, server, launch)
            results[name].append((cold, warm))
            print(f"  {network} run {run + 1} {name}: "
                  f"cold {cold.seconds:5.1f} s {cold.bytes / 1e6:5.1f} MB, "
                  f"warm {warm.seconds:5.1f} s {warm.bytes / 1e6:5.1f} MB", flush=True)
        pause, _ = startup.cold_and_warm(
            playwright, server, lambda who: startup.launch_live(
                who, server, site, pause=startup.READING_PAUSE), warm=False)
        reader, _ = startup.cold_and_warm(
            playwright, server, lambda who: startup.read_only(who, server, site), warm=False)
        pauses.append(pause)
        readers.append(reader)
        print(f"  {network} run {run + 1} live, after a {startup.READING_PAUSE:.0f} s pause: "
              f"{pause.seconds:.2f} s; reader only: {reader.bytes / 1e6:.2f} MB, of them "
              f"Pyodide {pyodide_bytes(reader) / 1e6:.2f} MB", flush=True)
    summary = {}
    for name, pairs in results.items():
        colds = [cold for cold, _ in pairs]
        summary[name] = {
            "seconds": statistics.median(c.seconds for c in colds),
            "bytes": statistics.median(c.bytes for c in colds),
            "warm_seconds": statistics.median(w.seconds for _, w in pairs),
            "warm_bytes": statistics.median(w.bytes for _, w in pairs),
            "median_run": median_launch(colds),
            "best_seconds": min(c.seconds for c in colds),
        }
    summary["live"]["pause_seconds"] = statistics.median(p.seconds for p in pauses)
    summary["live"]["reader_bytes"] = statistics.median(r.bytes for r in readers)
    summary["live"]["reader_pyodide_bytes"] = max(pyodide_bytes(r) for r in readers)
    return summary


def ratios(summary, path):
    bare, it = summary["bare"], summary[path]
    figures = {"time": it["seconds"] / bare["seconds"], "bytes": it["bytes"] / bare["bytes"],
               "warm": it["warm_seconds"] / bare["warm_seconds"]}
    if path == "live":
        figures |= {"pause": it["pause_seconds"], "reader": it["reader_pyodide_bytes"]}
    return figures


def report(results, runs, compress):
    """The results as Markdown: the table of ratios, then the breakdown of the median runs."""
    lines = []
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines += [f"Measured {stamp} on {platform.machine()} ({os.cpu_count()} cores, shared with "
              f"other jobs), Debian's Chromium, medians of "
              f"{runs} runs, server {'with' if compress else 'without'} gzip, with course_tools.serve's "
              "cache headers.", ""]
    titles = {"live": "Live examples on a module page (first example, Run clicked as soon as it "
                      "shows; warm: a returning learner, Pyodide started at page load)",
              "lite": "JupyterLite (the notebook opened from its module page, first cell run)"}
    for path in PATHS:
        goals = GOALS[path]
        lines += [f"{titles[path]}:", "",
                  f"| network | bare: time, bytes | {path}: time, bytes | time ratio | bytes ratio "
                  f"| warm: bare, {path} | warm ratio |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for network, summary in results.items():
            bare, it, r = summary["bare"], summary[path], ratios(summary, path)
            lines.append(
                f"| {network} | {bare['seconds']:.1f} s, {bare['bytes'] / 1e6:.1f} MB "
                f"| {it['seconds']:.1f} s, {it['bytes'] / 1e6:.1f} MB "
                f"| **{r['time']:.2f}** (goal <= {goals['time']}) "
                f"| **{r['bytes']:.2f}** (goal <= {goals['bytes']}) "
                f"| {bare['warm_seconds']:.1f} s, {it['warm_seconds']:.1f} s "
                f"| **{r['warm']:.2f}** (goal <= {goals['warm']}) |")
        if path == "live":
            lines.append("")
            for network, summary in results.items():
                live = summary["live"]
                lines.append(
                    f"- {network}: after a {startup.READING_PAUSE:.0f} s pause with the pointer on "
                    f"the example, Run answers in **{live['pause_seconds']:.2f} s** (goal <= "
                    f"{goals['pause']} s); a reader who never touches an example downloads "
                    f"{live['reader_bytes'] / 1e6:.2f} MB, of them **"
                    f"{live['reader_pyodide_bytes'] / 1e6:.2f} MB** of Pyodide (goal: none).")
        lines.append("")
    for network, summary in results.items():
        lines += ["", f"Where the time and bytes of the median cold run went ({network}):", ""]
        for name in ("bare", *PATHS):
            run = summary[name]["median_run"]
            phases = ", ".join(f"{event} {t:.1f} s" for event, t in
                               sorted(run.phases.items(), key=lambda item: item[1]))
            kinds = ", ".join(f"{k} {b / 1e6:.2f} MB" for k, b in
                              sorted(run.bytes_by_kind.items(), key=lambda item: -item[1]))
            lines += [f"- {name}: {phases}; {run.requests} requests: {kinds}"]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--site", type=Path, default=SITE)
    parser.add_argument("--no-compress", dest="compress", action="store_false",
                        help="serve files as they are (default: gzip, as course_tools.serve does)")
    parser.add_argument("--only", choices=["throttled", "unthrottled"])
    parser.add_argument("--write", type=Path, default=REPO / "bench" / "STARTUP.md",
                        help="the Markdown report (default: bench/STARTUP.md)")
    parser.add_argument("--record", action="store_true",
                        help=f"store the unthrottled best-of-runs time ratio in "
                             f"{RECORD.relative_to(REPO)}, the figure tests/browser/test_startup.py "
                             "guards")
    args = parser.parse_args(argv)

    if not (args.site / "lite" / "jupyter-lite.json").is_file():
        sys.exit(f"bench_startup: no built site in {args.site}; run `make site` first")
    bare_path = startup.bare_path(args.site)
    networks = [n for n in ("throttled", "unthrottled") if args.only in (None, n)]
    results = {}
    with sync_playwright() as playwright, SiteServer(
            args.site, compress=args.compress, cache_control=static_host_cache_control,
            extra_files=startup.BARE_FILES) as server:
        # One untimed launch of each first, so that no timed run pays for filling the operating
        # system's file cache or the server's cache of gzipped files.
        for name, launch in launches(server, args.site, bare_path):
            startup.cold_and_warm(playwright, server, launch, warm=False)
        for network in networks:
            print(f"{network}: {args.runs} runs each of bare, live and lite, cold and warm", flush=True)
            results[network] = measure(playwright, server, args.site, bare_path,
                                       throttled=network == "throttled", runs=args.runs)

    text = report(results, args.runs, args.compress)
    print("\n" + text)
    missed = []
    for network, summary in results.items():
        for path in PATHS:
            for goal, value in ratios(summary, path).items():
                if value > GOALS[path][goal]:
                    missed.append(f"{network} {path} {goal} {value:.2f} > {GOALS[path][goal]}")
    # Hand-written notes below NOTES in the report survive a new measurement.
    notes = ""
    if args.write.is_file() and NOTES in args.write.read_text():
        notes = args.write.read_text().split(NOTES, 1)[1]
    args.write.write_text("# Start-up: live examples and JupyterLite against a bare Pyodide page\n\n"
                          "`make bench-startup` (bench/bench_startup.py) wrote this part.\n\n" + text
                          + ("\nGoals missed: " + "; ".join(missed) + ".\n" if missed else
                             "\nAll goals met.\n") + "\n" + NOTES + notes)
    print(f"wrote {args.write}")
    if "unthrottled" in results:
        # The figures tests/browser/test_startup.py guards: fastest launch of a path over fastest
        # bare launch (unthrottled, cold). The fastest of a few runs is the steadiest figure on a
        # busy machine, since other load only ever adds time.
        unthrottled = results["unthrottled"]
        best = {path: round(unthrottled[path]["best_seconds"] / unthrottled["bare"]["best_seconds"],
                            3) for path in PATHS}
        print(f"unthrottled best-of-{args.runs} time ratios: {best}")
        if args.record:
            RECORD.write_text(json.dumps({"unthrottled_best_time_ratio": best,
                                          "runs": args.runs}, indent=1) + "\n")
            print(f"recorded them in {RECORD}")
    if missed:
        print("GOALS MISSED: " + "; ".join(missed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
