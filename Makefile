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
	$(PY) scripts/serve.py --port $(PORT)

# ----- environments ---------------------------------------------------------------------------
$(VENV)/.installed: requirements-lock.txt requirements-test.txt tinytorch_wheel/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-lock.txt -r requirements-test.txt
	$(PY) -m pip install --quiet --no-deps -e ./tinytorch_wheel
	touch $@

venv: $(VENV)/.installed

lite/static/pyodide/pyodide-lock.json: scripts/fetch_pyodide.py scripts/pyodide-requirements.txt
	$(PYTHON) scripts/fetch_pyodide.py

pyodide: lite/static/pyodide/pyodide-lock.json

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
# shares the browser tests' server and Chromium helpers in tests/browser/.
bench-startup: venv chromium site
	PYTHONPATH=tests/browser:scripts $(PY) bench/bench_startup.py

# clean keeps node_modules and the execution cache (.jupyter_cache: the outputs of each page, reused
# while the page's code, the tinytorch package and the environment are unchanged; see
# scripts/build_site.sh). clean-cache also drops the cache, so the next build runs every page.
clean:
	rm -rf _build _contents book/_contents book/_vendor lite/.cache lite/pypi .jupyterlite.doit.db dist

clean-cache: clean
	rm -rf .jupyter_cache
