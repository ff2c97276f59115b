#!/usr/bin/env python3
"""Let the notebook page download Pyodide while JupyterLab boots, not after.

JupyterLite's kernel worker asks for Pyodide only once JupyterLab has booted and opened the
notebook, about two seconds after the page starts loading (more on a slow network), and only then
downloads Pyodide's runtime (6 MB compressed), boots it and fetches the start-up batch of packages
(``loadPyodideOptions.packages`` in lite/jupyter-lite.json). This script adds
``<link rel="prefetch">`` tags for the runtime to the built notebook page
(``lite/notebooks/index.html``, the page every launcher opens), so that the browser downloads it at low priority while the app
boots, into its HTTP cache, where the worker then finds it (a 304 for the files the server asks
browsers to revalidate). The bytes are the same; a warm load finds everything cached either way.

Only the runtime, not the packages: at 20 Mbit/s, prefetching the 24 packages as well made the
launch slower (11.3 s against 10.4 s, medians of 3, bench/STARTUP.md), because they take the
browser's six connections to the server and its bandwidth away from JupyterLab's own scripts,
which then boots later; the kernel fetches the packages in one parallel batch anyway.

Usage: python3 scripts/prefetch_kernel.py [SITE]   (default _build/html; run after the build)
Running it twice changes nothing.
"""

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGE = Path("lite") / "notebooks" / "index.html"
PYODIDE = Path("lite") / "static" / "pyodide"
# What loadPyodide fetches before any package (pyodideUrl in lite/jupyter-lite.json is pyodide.js).
RUNTIME = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
           "pyodide-lock.json")
BEGIN = "<!-- kernel prefetch: scripts/prefetch_kernel.py -->"
END = "<!-- end of kernel prefetch -->"


def fail(message):
    sys.exit(f"prefetch_kernel: {message}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", type=Path, default=REPO / "_build" / "html")
    site = parser.parse_args(argv).site
    page = site / PAGE
    if not page.is_file():
        fail(f"no {page}: build the site first")
    missing = [name for name in RUNTIME if not (site / PYODIDE / name).is_file()]
    if missing:
        fail(f"missing from {site / PYODIDE}: {missing}")

    html = page.read_text(encoding="utf-8")
    html = re.sub(rf"\n *{re.escape(BEGIN)}.*?{re.escape(END)}", "", html, flags=re.S)
    if html.count("</head>") != 1:
        fail(f"{page} should have exactly one </head>")
    links = "".join(f'\n    <link rel="prefetch" href="../static/pyodide/{name}" />'
                    for name in RUNTIME)
    html = html.replace("</head>", f"  {BEGIN}{links}\n    {END}\n  </head>")
    page.write_text(html, encoding="utf-8")
    print(f"prefetch_kernel: {PAGE} prefetches Pyodide's runtime ({', '.join(RUNTIME)})")


if __name__ == "__main__":
    main()
