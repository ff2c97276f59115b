# TinyTorch in the browser. Two commands are all a newcomer needs:
#   make serve   build the book, JupyterLite and the tinytorch wheel, then serve on 127.0.0.1:8000
#   make test    install what the tests need (Chromium included) and run every test
# Everything else here is a step of those two.

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
PORT    ?= 8000

.PHONY: serve site test test-package test-pyodide test-site bench bench-startup venv pyodide chromium clean \
        clean-cache

serve: site
	$(PY) -m course_tools.serve --port $(PORT)

# ----- environments ---------------------------------------------------------------------------
# course_tools/ is what the build, the tests and the benchmarks share (paths, server, Chromium,
# the Pyodide lock, the off-site rule); installed editable, like the tinytorch package.
$(VENV)/.installed: requirements-lock.txt requirements-test.txt tinytorch_wheel/pyproject.toml \
                    course_tools/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-lock.txt -r requirements-test.txt
	$(PY) -m pip install --quiet --no-deps -e ./tinytorch_wheel -e ./course_tools
	touch $@

venv: $(VENV)/.installed

# The verified Pyodide download: a cache that the site build copies from and never edits, and
# that the Node.js tests and benchmark run on.
VERIFIED_PYODIDE := .cache/pyodide/verified/pyodide-lock.json

$(VERIFIED_PYODIDE): scripts/fetch_pyodide.py scripts/pyodide-requirements.txt \
                     course_tools/src/course_tools/pyodide.py | $(VENV)/.installed
	$(PY) scripts/fetch_pyodide.py

pyodide: $(VERIFIED_PYODIDE)

# Debian's Chromium drives the browser tests (Playwright never downloads a browser here).
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

# ----- the site --------------------------------------------------------------------------------
site: venv pyodide
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash scripts/build_site.sh

# ----- tests ---------------------------------------------------------------------------------------
# Benchmarks report ratios against baselines (make bench); they are not pass/fail tests.
test: venv chromium site test-package test-pyodide test-site

test-package: venv
	cd tinytorch_wheel && ../$(PY) -m pytest -q -p no:cacheprovider tests

test-pyodide: venv pyodide
	bash scripts/download_test_wheels.sh
	rm -rf dist/pyodide && $(PY) -m pip wheel --quiet --no-deps ./tinytorch_wheel -w dist/pyodide
	node tests/pyodide/run_tests.mjs dist/pyodide/tinytorch-*-py3-none-any.whl

test-site: venv chromium
	$(PY) -m pytest -q -p no:cacheprovider tests

# Every benchmark runs even when an earlier one misses its goal (exit 1); make bench then fails,
# naming the ones that missed.
BENCHMARKS := "$(PY) bench/bench_mlp.py" \
              "$(PY) bench/bench_cross_entropy.py" \
              "$(PY) bench/bench_site_build.py" \
              "node bench/bench_pyodide.mjs dist/bench-pyodide/tinytorch-*-py3-none-any.whl" \
              "$(MAKE) --no-print-directory bench-startup"

bench: venv pyodide chromium
	rm -rf dist/bench-pyodide && $(PY) -m pip wheel --quiet --no-deps ./tinytorch_wheel -w dist/bench-pyodide
	@missed=""; for command in $(BENCHMARKS); do \
	    echo "== $$command"; sh -c "$$command" || missed="$$missed\n  $$command"; \
	done; \
	if [ -n "$$missed" ]; then printf "make bench: goals missed or failed:$$missed\n"; exit 1; fi

# JupyterLite start-up against a bare Pyodide page, on the built site; writes bench/STARTUP.md. It
# shares the browser tests' server and Chromium helpers (course_tools).
bench-startup: venv chromium site
	$(PY) bench/bench_startup.py

# clean keeps node_modules and the execution cache (.jupyter_cache: the outputs of each page, reused
# while the page's code, the tinytorch package and the environment are unchanged; see
# scripts/build_site.sh). clean-cache also drops the cache, so the next build runs every page.
clean:
	rm -rf _build _contents book/_contents book/_vendor lite/.cache lite/pypi lite/static/pyodide \
	       .jupyterlite.doit.db dist

clean-cache: clean
	rm -rf .jupyter_cache
