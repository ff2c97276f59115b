#!/usr/bin/env bash
# Download the wheels pinned in tests/pyodide/requirements.txt (pytest, hypothesis and their
# dependencies) into .cache/pyodide-test-wheels/, checked against their hashes, for
# tests/pyodide/run_tests.mjs to install into Pyodide without any network.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
    -r tests/pyodide/requirements.txt -d .cache/pyodide-test-wheels
echo "test wheels in .cache/pyodide-test-wheels/:" && ls .cache/pyodide-test-wheels
