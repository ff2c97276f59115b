#!/usr/bin/env bash
# Clean build of the course site into _build/html: the book, its executed pages and JupyterLite.
#
# Needs an active Python environment with requirements-lock.txt, ./tinytorch_wheel and
# ./course_tools installed, Node.js with npm, and the verified Pyodide download in
# .cache/pyodide/verified/ (make pyodide), which the build copies from and never changes.
# Usage: bash scripts/build_site.sh   (make site)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f .cache/pyodide/verified/pyodide.js ]; then
    echo "build_site: .cache/pyodide/verified/pyodide.js is missing; run make pyodide" >&2
    exit 1
fi
# Found, not imported: importing them would cost the build seconds.
python -c "import importlib.util as u, sys; sys.exit(None in map(u.find_spec, sys.argv[1:]))" \
    jupyter_book jupyterlite_sphinx tinytorch course_tools || {
    echo "build_site: activate an environment with requirements-lock.txt, ./tinytorch_wheel and" \
         "./course_tools (make venv)" >&2
    exit 1
}

start=$(date +%s)
step() {  # name each step in the log; bench/bench_site_build.py times the steps by these lines
    echo "build_site: step: $*"
}
step npm ci
# npm ci deletes and reinstalls node_modules: skip it when node_modules was
# installed from this very package-lock.json.
if cmp -s package-lock.json node_modules/.installed-package-lock.json; then
    echo "build_site: node_modules is up to date with package-lock.json"
else
    npm ci --no-audit --no-fund --silent
    cp package-lock.json node_modules/.installed-package-lock.json
fi
step vendor assets
python scripts/vendor_assets.py
step lite inputs
# lite/pypi/ and the site's Pyodide, lite/static/pyodide/, assembled from the verified download.
python scripts/build_lite_inputs.py
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
# The book's pages, then JupyterLite (jupyterlite-sphinx), then what book/_ext/tinytorch_site.py
# does to the finished site: versioned notebook names and the kernel prefetch. Nothing edits
# _build/html after this.
jupyter-book build . --all -W --keep-going
echo "build_site: _build/html built in $(( $(date +%s) - start )) s"
