"""Clean build of the course site (book + JupyterLite), timed step by step. Goal: <= 3 minutes.

Builds the site twice with ``bash scripts/build_site.sh`` (what ``make site`` runs), each time in a
fresh copy of the working tree: the files a clone has (what git tracks, plus new files .gitignore
does not exclude) and the verified Pyodide download (.cache/pyodide/).

- cold: nothing else, as in a fresh clone: npm installs node_modules and the code of every page
  runs;
- cached: plus what ``make clean`` keeps of the cold build, node_modules and the execution cache
  (.jupyter_cache/): a page whose code has not changed is not run again.

Each build's log is read as it is written and cut into steps at the lines that start them
(``build_site: step: ...`` and Sphinx's own progress lines). For each step it prints the wall
time and the CPU time (user + system) of the whole process tree. The machine is shared, so it
also prints the load average and how busy all CPUs were: when other jobs keep the machine busy,
the wall time grows but the CPU time hardly does. The result is written to a section of
bench/RESULTS.md, each build's log to build.log in its folder. Exits with status 1 when a build
fails or takes longer than the goal.

    python bench/bench_site_build.py [--keep] [--no-write]

Linux only (it reads CPU times from /proc); it needs git, and Pyodide downloaded (make pyodide).
"""

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from course_tools.paths import PYODIDE_CACHE, REPO, VERIFIED_PYODIDE
GOAL_SECONDS = 180
KEPT_BY_MAKE_CLEAN = ["node_modules", ".jupyter_cache"]
RESULTS = REPO / "bench" / "RESULTS.md"
START, END = "<!-- bench_site_build: start -->", "<!-- bench_site_build: end -->"

# The steps of a build, in order, each with the log line that starts it. A step ends where the
# next one starts; the last one ends when the build exits.
STEPS = [
    ("npm ci", r"^build_site: step: npm ci$"),
    ("vendor assets", r"^build_site: step: vendor assets$"),
    ("lite inputs", r"^build_site: step: lite inputs$"),
    ("jupyter-book start-up", r"^build_site: step: jupyter-book$"),
    ("read + execute pages", r"^updating environment: "),
    ("write pages", r"^looking for now-outdated files"),
    ("jupyterlite build", r"^\[jupyterlite-sphinx\] Running JupyterLite build"),
    # book/_ext/tinytorch_site.py's build-finished handler: versioned notebooks, kernel prefetch.
    ("finish lite", r"^tinytorch_site: finishing the built JupyterLite$"),
]
EXECUTED = re.compile(r"^\S+/(?P<page>[\w-]+)\.md: Executed notebook in (?P<seconds>[\d.]+) seconds")
FROM_CACHE = re.compile(r"^\S+\.md: Using cached notebook")
COLOUR = re.compile(r"\x1b\[[0-9;]*m")
TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(root):
    """CPU seconds used so far by process ``root`` and its descendants, the finished ones included
    (a process's finished and waited-for children are counted in its cutime and cstime)."""
    parent, used = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # the process has just exited
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # the fields after "pid (name)"
        parent[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = sum(int(f) for f in fields[11:15]) / TICK  # utime stime cutime cstime
    total = 0.0
    for pid in used:
        ancestor = pid
        while ancestor not in (root, 0, 1) and ancestor in parent:
            ancestor = parent[ancestor]
        if ancestor == root:
            total += used[pid]
    return total


def busy_cpu():
    """(seconds all CPUs have been busy, seconds elapsed on all CPUs) since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / TICK, sum(values) / TICK


def fresh_copy(destination):
    """Copy the working tree as a clone would have it, plus the downloaded Pyodide."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is not copied
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    shutil.copytree(PYODIDE_CACHE, destination / PYODIDE_CACHE.relative_to(REPO))


def build(workdir):
    """Run build_site.sh in ``workdir``; return its steps [(name, wall s, CPU s)], log and counts."""
    env = dict(os.environ, PYTHONUNBUFFERED="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began, busy_before = time.monotonic(), busy_cpu()
    process = subprocess.Popen(["bash", "scripts/build_site.sh"], cwd=workdir, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    marks, log, executed, from_cache = [], [], {}, 0
    for raw in process.stdout:
        line = COLOUR.sub("", raw.rstrip("\n"))
        log.append(line)
        if len(marks) < len(STEPS) and re.search(STEPS[len(marks)][1], line):
            marks.append((time.monotonic(), tree_cpu(process.pid)))
        if match := EXECUTED.match(line):
            executed[match["page"]] = float(match["seconds"])
        from_cache += bool(FROM_CACHE.match(line))
    status = process.wait()
    (workdir / "build.log").write_text("\n".join(log) + "\n", encoding="utf-8")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    ended, busy_after = time.monotonic(), busy_cpu()
    if status != 0 or len(marks) < len(STEPS):
        missing = STEPS[len(marks)][0] if len(marks) < len(STEPS) else None
        sys.stdout.write("\n".join(log[-60:]) + "\n")
        sys.exit(f"bench_site_build: the build in {workdir} exited with status {status}"
                 + (f"; its log never started the step {missing!r}" if missing else ""))
    ends = marks[1:] + [(ended, cpu)]
    steps = [(name, end[0] - start[0], end[1] - start[1])
             for (name, _), start, end in zip(STEPS, marks, ends)]
    steps.insert(0, ("checks before the first step", marks[0][0] - began, marks[0][1]))
    machine = (busy_after[0] - busy_before[0], busy_after[1] - busy_before[1])
    return steps, executed, from_cache, machine


def report(title, steps, executed, from_cache, machine, load):
    wall, cpu = sum(s[1] for s in steps), sum(s[2] for s in steps)
    lines = [f"{title}: {len(executed)} pages executed, {from_cache} taken from the cache",
             f"  {'step':<30} {'wall s':>8} {'CPU s':>8}"]
    lines += [f"  {name:<30} {w:8.1f} {c:8.1f}" for name, w, c in steps]
    verdict = "met" if wall <= GOAL_SECONDS else "MISSED"
    lines.append(f"  {'total':<30} {wall:8.1f} {cpu:8.1f}   goal: wall <= {GOAL_SECONDS} s, {verdict}")
    if executed:
        slowest = sorted(executed.items(), key=lambda item: -item[1])
        lines.append("  page execution (s): " + ", ".join(f"{p} {s:.1f}" for p, s in slowest))
    busy, available = machine
    lines.append(f"  machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} before, "
                 f"{load[1]:.1f} after; CPUs busy {busy:.0f} of {available:.0f} CPU s, "
                 f"{cpu:.0f} of them this build")
    return lines, wall


def write_results(text):
    """Replace this benchmark's section of bench/RESULTS.md (or add it at the end)."""
    section = f"{START}\n{text}{END}\n"
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if START in old and END in old:
        new = old[:old.index(START)] + section + old[old.index(END) + len(END):].lstrip("\n")
    else:
        new = old.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(new, encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the build folders (in /tmp)")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args()
    if not (VERIFIED_PYODIDE / "pyodide.js").is_file():
        sys.exit(f"bench_site_build: {VERIFIED_PYODIDE} has no Pyodide; run `make pyodide` first")

    output, walls, previous = [], [], None
    for run, title in [("cold", "cold clean build (fresh clone: no node_modules, no execution cache)"),
                       ("cached", "cached clean build (after make clean: node_modules and "
                                  "execution cache kept)")]:
        workdir = Path(tempfile.mkdtemp(prefix=f"bench-site-{run}-"))
        fresh_copy(workdir)
        if previous is not None:  # what `make clean` keeps of the cold build
            for kept in KEPT_BY_MAKE_CLEAN:
                shutil.move(previous / kept, workdir / kept)
            if not args.keep:
                shutil.rmtree(previous)
        load_before = os.getloadavg()[0]
        steps, executed, from_cache, machine = build(workdir)
        lines, wall = report(title, steps, executed, from_cache, machine,
                             (load_before, os.getloadavg()[0]))
        print("\n".join(lines) + "\n", flush=True)
        output += lines + [""]
        walls.append(wall)
        previous = workdir
    if args.keep:
        print(f"build folders kept: {previous.parent}/bench-site-*")
    else:
        shutil.rmtree(previous)

    missed = [w for w in walls if w > GOAL_SECONDS]
    if not args.no_write:
        when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        write_results(f"## Clean site build\n\nMeasured {when}: `.venv/bin/python bench/"
                      f"bench_site_build.py` (exit {1 if missed else 0})\n\n```text\n"
                      + "\n".join(output).rstrip("\n") + "\n```\n")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
