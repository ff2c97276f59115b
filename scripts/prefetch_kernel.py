#!/usr/bin/env python3
"""Let the notebook page fetch the kernel's files while JupyterLab boots, not after.

JupyterLite's kernel worker asks for Pyodide only once JupyterLab has booted and opened the
notebook, about two seconds after the page starts loading, and then fetches the runtime and the
start-up batch of packages (``loadPyodideOptions.packages`` in lite/jupyter-lite.json). This script
adds ``<link rel="prefetch">`` tags for exactly those files to the built notebook page
(``lite/notebooks/index.html``, the page every launcher opens), so that the browser downloads them
at low priority while the app boots, into its HTTP cache, where the worker then finds them. The
bytes are the same; a warm load finds everything cached either way.

The files: Pyodide's runtime (what ``loadPyodide`` fetches) and, from the built site's
pyodide-lock.json, the batch's packages with everything they depend on, as Pyodide resolves them.

Usage: python3 scripts/prefetch_kernel.py [SITE]   (default _build/html; run after the build)
Running it twice changes nothing.
"""

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGE = Path("lite") / "notebooks" / "index.html"
PYODIDE = Path("lite") / "static" / "pyodide"
RUNTIME = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
           "pyodide-lock.json")
BEGIN, END = "<!-- kernel prefetch: scripts/prefetch_kernel.py -->", "<!-- end of kernel prefetch -->"
KERNEL = "@jupyterlite/pyodide-kernel-extension:kernel"


def fail(message):
    sys.exit(f"prefetch_kernel: {message}")


def canonical(name):
    """The lock spells names both ways ("prompt_toolkit" in a depends list, "prompt-toolkit" as a key)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def batch_files(site):
    """The file names of the start-up batch and of everything it depends on, in lock order."""
    config = json.loads((site / "lite" / "jupyter-lite.json").read_text(encoding="utf-8"))
    kernel = config["jupyter-config-data"]["litePluginSettings"][KERNEL]
    batch = kernel.get("loadPyodideOptions", {}).get("packages", [])
    if not batch:
        fail(f"{site / 'lite' / 'jupyter-lite.json'} names no loadPyodideOptions.packages")
    lock = json.loads((site / PYODIDE / "pyodide-lock.json").read_text(encoding="utf-8"))
    packages = {canonical(key): package for key, package in lock["packages"].items()}
    needed, todo = set(), [canonical(name) for name in batch]
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        if name not in packages:
            fail(f"{name!r} is not in the built site's pyodide-lock.json")
        needed.add(name)
        todo.extend(canonical(dep) for dep in packages[name]["depends"])
    return sorted(packages[name]["file_name"] for name in needed)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", type=Path, default=REPO / "_build" / "html")
    site = parser.parse_args(argv).site
    page = site / PAGE
    if not page.is_file():
        fail(f"no {page}: build the site first")
    files = [*RUNTIME, *batch_files(site)]
    missing = [name for name in files if not (site / PYODIDE / name).is_file()]
    if missing:
        fail(f"missing from {site / PYODIDE}: {missing}")

    html = page.read_text(encoding="utf-8")
    html = re.sub(rf"\n *{re.escape(BEGIN)}.*?{re.escape(END)}", "", html, flags=re.S)
    if html.count("</head>") != 1:
        fail(f"{page} should have exactly one </head>")
    links = "".join(f'\n    <link rel="prefetch" href="../static/pyodide/{name}" />' for name in files)
    html = html.replace("</head>", f"  {BEGIN}{links}\n    {END}\n  </head>")
    page.write_text(html, encoding="utf-8")
    print(f"prefetch_kernel: {len(files)} files of the kernel's start-up prefetched by {PAGE}")


if __name__ == "__main__":
    main()
