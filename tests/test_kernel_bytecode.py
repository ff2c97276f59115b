"""The built site's Pyodide ships the kernel's start-up modules as bytecode.

scripts/precompile_kernel.py does it at build time.

What these tests check is what a learner's browser gets from _build/html/lite/static/pyodide: the
wheels still match the lock and their own RECORD (Pyodide refuses a wheel whose sha256 differs from
the lock's), and when the kernel's start-up imports run in that Pyodide, in Node.js, every module
they load from the kernel's packages comes from bytecode, while numpy and tinytorch, which the
learners' code calls, are imported from their source.
"""

import base64
import csv
import hashlib
import io
import json
import subprocess
import zipfile

import pytest

from course_tools.paths import REPO, SITE
from course_tools.pyodide import LOCK, read_lock

PYODIDE = SITE / "lite" / "static" / "pyodide"
LEARNER_PACKAGES = ("numpy", "tinytorch")


@pytest.fixture(scope="module")
def lock():
    if not (PYODIDE / LOCK).is_file():
        pytest.fail(f"{PYODIDE} has no Pyodide: build the site first (make site)")
    return read_lock(PYODIDE)


def record_digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def test_every_served_wheel_matches_the_lock_and_its_record(lock):
    for name, package in lock["packages"].items():
        data = (PYODIDE / package["file_name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == package["sha256"], (
            f"{package['file_name']} does not match the sha256 of {name} in pyodide-lock.json")
        if not package["file_name"].endswith(".whl"):
            continue
        with zipfile.ZipFile(io.BytesIO(data)) as wheel:
            files = {info.filename for info in wheel.infolist() if not info.is_dir()}
            (record,) = [f for f in files if f.endswith(".dist-info/RECORD")]
            rows = {row[0]: row for row in csv.reader(io.StringIO(wheel.read(record).decode()))}
            assert set(rows) == files, (
                f"{package['file_name']}: RECORD lists other files than the wheel has")
            for member in files - {record}:
                _, digest, size = rows[member]
                content = wheel.read(member)
                assert (digest, int(size)) == (record_digest(content), len(content)), (
                    f"{package['file_name']}: RECORD is wrong for {member}")


def test_kernel_starts_from_bytecode_and_learner_packages_from_source(lock, tmp_path):
    config = json.loads((REPO / "lite" / "jupyter-lite.json").read_text(encoding="utf-8"))
    batch = (config["jupyter-config-data"]["litePluginSettings"]
             ["@jupyterlite/pyodide-kernel-extension:kernel"]["loadPyodideOptions"]["packages"])
    script = tmp_path / "kernel_imports.py"
    script.write_text(
        "import json, site, sys\n"
        "streams = sys.stdout, sys.stderr\n"
        "import piplite.piplite, pyodide_kernel\n"  # the worker's start-up imports
        "sys.stdout, sys.stderr = streams\n"  # the kernel redirects them to the browser
        "import numpy, tinytorch.core.losses\n"
        "site_packages = site.getsitepackages()[0]\n"
        "print(json.dumps({name: [m.__spec__.loader.__class__.__name__, m.__spec__.origin]\n"
        "                  for name, m in list(sys.modules.items())\n"
        "                  if getattr(getattr(m, '__spec__', None), 'origin', None)\n"
        "                  and m.__spec__.origin.startswith(site_packages)}))\n",
        encoding="utf-8")
    result = subprocess.run(
        ["node", str(REPO / "scripts" / "run_in_pyodide.mjs"), "--pyodide", str(PYODIDE),
         "--packages", ",".join(batch), str(script)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout.strip().splitlines()[-1])

    def loaders(package):
        return {loader for name, (loader, origin) in modules.items()
                if name.split(".")[0] == package and origin.endswith((".py", ".pyc"))}

    for package in LEARNER_PACKAGES:
        assert loaders(package) == {"SourceFileLoader"}, f"{package} should be imported from source"
    for package in ("IPython", "jedi", "traitlets", "pyodide_kernel", "piplite", "micropip"):
        assert loaders(package) == {"SourcelessFileLoader"}, (
            f"the kernel imports {package} from {loaders(package)}, not only from bytecode")
    compiled = [name for name, (loader, _) in modules.items() if loader == "SourcelessFileLoader"]
    assert len(compiled) > 300, f"only {len(compiled)} modules came from bytecode"
