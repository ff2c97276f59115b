"""Where things are in the course's checkout.

The checkout is the nearest folder at or above the current directory that holds
``course_tools/pyproject.toml`` (so a copy of the tree, as bench/bench_site_build.py builds in,
is its own checkout), else the checkout this package was installed from (editable).
"""

import os
from pathlib import Path

MARKER = Path("course_tools") / "pyproject.toml"


def _checkout():
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return folder
    installed = Path(__file__).resolve().parents[3]
    if (installed / MARKER).is_file():
        return installed
    raise RuntimeError(f"course_tools: no course checkout at or above {here}, and this package "
                       "was not installed editable from one (pip install -e ./course_tools)")


REPO = _checkout()
CONTENT = REPO / "content"  # the learner notebooks
LITE = REPO / "lite"  # JupyterLite's configuration: jupyterlite_dir of _config.yml
LITE_PYPI = LITE / "pypi"  # generated: the wheels of the site's package index
SITE_PYODIDE = LITE / "static" / "pyodide"  # generated: the site's Pyodide, assembled each build
PYODIDE_CACHE = REPO / ".cache" / "pyodide"  # the downloaded Pyodide wheel, pinned by hash
VERIFIED_PYODIDE = PYODIDE_CACHE / "verified"  # its files as downloaded; no build step edits them
# The built site; TINYTORCH_SITE points the tests and benchmarks at another build of it.
SITE = Path(os.environ.get("TINYTORCH_SITE", REPO / "_build" / "html"))
