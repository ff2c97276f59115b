"""The site's Pyodide has a stub under the name ssl (scripts/pyodide_stubs/ssl.py, built into a
wheel by scripts/build_lite_inputs.py) instead of Pyodide's ssl and the OpenSSL library it needs.

jupyterlite-pyodide-kernel 0.6.1 installs ssl at every kernel start unless ssl is in the start-up
batch (loadPyodideOptions.packages), so the batch keeps the name and the lock points it at the
stub: a learner's browser downloads a tiny wheel instead of 0.8 MB, and importing ssl fails as in
a Python built without OpenSSL, which the standard library's users of ssl allow for.
"""

import json
import subprocess
import zipfile

import pytest

from course_tools.paths import REPO, SITE
from course_tools.pyodide import LOCK, read_lock
from course_tools.serve import cache_control

PYODIDE = SITE / "lite" / "static" / "pyodide"


@pytest.fixture(scope="module")
def lock():
    if not (PYODIDE / LOCK).is_file():
        pytest.fail(f"{PYODIDE} has no Pyodide: build the site first (make site)")
    return read_lock(PYODIDE)


def kernel_batch():
    config = json.loads((REPO / "lite" / "jupyter-lite.json").read_text(encoding="utf-8"))
    return (config["jupyter-config-data"]["litePluginSettings"]
            ["@jupyterlite/pyodide-kernel-extension:kernel"]["loadPyodideOptions"]["packages"])


def test_ssl_is_a_tiny_stub_in_the_kernel_batch_and_openssl_is_gone(lock):
    assert "ssl" in kernel_batch(), (
        "without ssl in loadPyodideOptions.packages the kernel installs ssl itself at start-up")
    entry = lock["packages"]["ssl"]
    path = PYODIDE / entry["file_name"]
    assert entry["file_name"].startswith("stub-") and entry["depends"] == [], entry
    assert path.stat().st_size < 4096, f"{entry['file_name']} is {path.stat().st_size} bytes"
    # Named after its content, so browsers may keep it for a year like Pyodide's own wheels.
    assert "immutable" in cache_control(f"/lite/static/pyodide/{entry['file_name']}")
    with zipfile.ZipFile(path) as wheel:
        assert {n for n in wheel.namelist() if not n.startswith("ssl-1.0.0.dist-info/")} == \
            {"ssl.py"}
    assert "openssl" not in lock["packages"]
    assert not list(PYODIDE.rglob("openssl-*")) and not list(PYODIDE.glob("ssl-*")), (
        "Pyodide's ssl or OpenSSL is still in the site")


def test_the_kernel_starts_and_ssl_fails_clearly_where_it_is_needed(tmp_path):
    script = tmp_path / "ssl_users.py"
    script.write_text(
        "import sys\n"
        "streams = sys.stdout, sys.stderr\n"
        "import piplite.piplite, pyodide_kernel\n"  # the worker's start-up imports
        "sys.stdout, sys.stderr = streams\n"
        "import asyncio, http.client, urllib.request, micropip\n"  # ssl is optional to them
        "assert not hasattr(http.client, 'HTTPSConnection')\n"
        "try:\n"
        "    import ssl\n"
        "except ModuleNotFoundError as error:\n"
        "    print('ssl:', error)\n",
        encoding="utf-8")
    result = subprocess.run(
        ["node", str(REPO / "scripts" / "run_in_pyodide.mjs"), "--pyodide", str(PYODIDE),
         "--packages", ",".join(kernel_batch()), str(script)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("ssl: ssl is not available in the course's in-browser Python"), last
