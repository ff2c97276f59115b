"""Let the notebook page download Pyodide while JupyterLab boots, not after.

JupyterLite's kernel worker asks for Pyodide only once JupyterLab has booted and opened the
notebook, seconds after the page starts loading, and only then downloads Pyodide's runtime, boots
it and fetches the start-up batch of packages (``loadPyodideOptions.packages`` in
lite/jupyter-lite.json). This module adds ``<link rel="prefetch">`` tags for the runtime to the
built notebook page (``lite/notebooks/index.html``, the page every launcher opens), so that the
browser downloads it at low priority while the app boots, into its HTTP cache, where the worker
then finds it (a 304 for the files the server asks browsers to revalidate). The bytes are the
same; a warm load finds everything cached either way.

Only the runtime, not the packages: prefetching the packages as well made the launch slower on a
throttled network (measured in bench/STARTUP.md), because they take the browser's six connections
to the server and its bandwidth away from JupyterLab's own scripts, which then boots later; the
kernel fetches the packages in one parallel batch anyway.

Run by a ``build-finished`` handler of book/_ext/tinytorch_site.py, once JupyterLite is built;
by hand: python -m course_tools.prefetch_kernel [SITE] (default _build/html). Running it twice
changes nothing.
"""

import argparse
import re
import sys
from pathlib import Path

from course_tools.paths import SITE

PAGE = Path("lite") / "notebooks" / "index.html"
PYODIDE = Path("lite") / "static" / "pyodide"
# What loadPyodide fetches before any package (pyodideUrl in lite/jupyter-lite.json is pyodide.js).
RUNTIME = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
           "pyodide-lock.json")
BEGIN = "<!-- kernel prefetch: course_tools.prefetch_kernel -->"
END = "<!-- end of kernel prefetch -->"


class PrefetchError(Exception):
    """The built site lacks what the prefetch tags point at; the message says what."""


def add_prefetch(site):
    """Add (or renew) the prefetch tags in ``site``'s notebook page. Raises PrefetchError."""
    page = site / PAGE
    if not page.is_file():
        raise PrefetchError(f"no {page}: build the site first")
    missing = [name for name in RUNTIME if not (site / PYODIDE / name).is_file()]
    if missing:
        raise PrefetchError(f"missing from {site / PYODIDE}: {missing}")

    html = page.read_text(encoding="utf-8")
    html = re.sub(rf"\n *{re.escape(BEGIN)}.*?{re.escape(END)}", "", html, flags=re.S)
    if html.count("</head>") != 1:
        raise PrefetchError(f"{page} should have exactly one </head>")
    links = "".join(f'\n    <link rel="prefetch" href="../static/pyodide/{name}" />'
                    for name in RUNTIME)
    html = html.replace("</head>", f"  {BEGIN}{links}\n    {END}\n  </head>")
    page.write_text(html, encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", type=Path, default=SITE)
    try:
        add_prefetch(parser.parse_args(argv).site)
    except PrefetchError as error:
        sys.exit(f"prefetch_kernel: {error}")
    print(f"prefetch_kernel: {PAGE} prefetches Pyodide's runtime ({', '.join(RUNTIME)})")


if __name__ == "__main__":
    main()
