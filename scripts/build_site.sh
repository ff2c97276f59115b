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
python -c "import jupyter_book, jupyterlite_sphinx, tinytorch" || {
    echo "build_site: activate an environment with requirements-lock.txt and ./tinytorch_wheel" >&2
    exit 1
}

start=$(date +%s)
npm ci --no-audit --no-fund --silent
python scripts/vendor_assets.py
python scripts/build_lite_wheels.py
# A stale JupyterLite state has been seen to drop pyodideUrl from the built config (the kernel then
# fetches Pyodide from a CDN), so every build starts from nothing.
rm -rf .jupyterlite.doit.db lite/.cache _build _contents book/_contents
jupyter-book build . --all -W --keep-going
# Content-addressed notebook names, so that a returning learner gets an updated notebook and keeps
# their own edited copy (see the script's docstring).
python scripts/version_notebooks.py _build/html
echo "build_site: _build/html built in $(( $(date +%s) - start )) s"
