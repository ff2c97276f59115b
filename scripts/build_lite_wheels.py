#!/usr/bin/env python3
"""Fill lite/pypi/, the package index that JupyterLite's piplite installs from.

``jupyter lite build`` turns the wheels in lite/pypi/ into a local index served by the site, and
lite/jupyter-lite.json sets disablePyPIFallback, so these are the only packages a notebook can
``%pip install`` beyond those bundled with Pyodide:

- tinytorch, built from ./tinytorch_wheel (pure Python, py3-none-any);
- comm, which the Pyodide kernel installs when it starts and which our Pyodide does not bundle.
  It is downloaded from PyPI pinned by hash.

It also adds these wheels, and the kernel's own (piplite, ipykernel, pyodide_kernel), to the
self-hosted Pyodide's lock, lite/static/pyodide/pyodide-lock.json, with the files next to it.
Pyodide can then load everything the kernel installs at start-up, plus numpy and tinytorch, in one
parallel batch when it boots (``loadPyodideOptions.packages`` in lite/jupyter-lite.json): the
kernel skips its own serial, one-by-one installs of the packages listed there. This is the
pre-solved lock of jupyterlite-pyodide-lock, written directly: every wheel is pure Python and its
dependencies are known, so no solver (and no browser at build time) is needed.

Last, the modules the kernel imports at start-up are replaced by their bytecode in those wheels, so
that no browser compiles them at every launch (scripts/precompile_kernel.py).

Usage: python scripts/build_lite_wheels.py   (with the build environment active)
"""

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

try:
    import tomllib  # Python 3.11 and later
except ModuleNotFoundError:  # Python 3.10: the wheel is built in an isolated environment
    tomllib = None

REPO = Path(__file__).resolve().parent.parent
PYPI = REPO / "lite" / "pypi"
PACKAGE = REPO / "tinytorch_wheel"
PYODIDE = REPO / "lite" / "static" / "pyodide"
# The wheels jupyterlite-pyodide-kernel ships for its kernel (installed with it in this environment).
KERNEL_WHEELS = (Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyterlite"
                 / "pyodide-kernel-extension" / "static" / "pypi")

# Wheels added to the Pyodide lock: name -> (where the wheel is, what it depends on in the lock).
PRELOADED = {
    "tinytorch": (PYPI, ["numpy"]),
    "comm": (PYPI, []),
    "piplite": (KERNEL_WHEELS, ["micropip"]),
    "ipykernel": (KERNEL_WHEELS, ["comm"]),
    "pyodide-kernel": (KERNEL_WHEELS, ["ipykernel", "comm", "ipython", "jedi", "ssl", "sqlite3",
                                       "piplite"]),
}

# What the learners' code imports: these keep their source, so that tracebacks show its lines.
LEARNER_PACKAGES = ("numpy", "tinytorch")

# The kernel only needs comm's pure-Python wheel; the hash pins the exact file on PyPI.
COMM = "comm==0.2.3 --hash=sha256:c615d91d75f7f04f095b30d1c1711babd43bdc6419c1be9886a85f2f4e489417"


def pip(*args):
    subprocess.run([sys.executable, "-m", "pip", *args], check=True)


def isolation_options():
    """Build in this environment when it has exactly the build backend pyproject.toml pins
    (requirements-lock.txt pins it too): that saves pip a fresh isolated environment, two seconds
    of CPU. Otherwise pip builds in an isolated environment as usual."""
    if tomllib is None:
        return []
    pyproject = tomllib.loads((PACKAGE / "pyproject.toml").read_text(encoding="utf-8"))
    for requirement in pyproject["build-system"]["requires"]:
        name, _, pinned = requirement.partition("==")
        try:
            if version(name) != pinned:
                return []
        except PackageNotFoundError:
            return []
    return ["--no-build-isolation", "--check-build-dependencies"]


def main():
    if not (PACKAGE / "pyproject.toml").is_file():
        sys.exit(f"build_lite_wheels: {PACKAGE / 'pyproject.toml'} not found")
    if PYPI.exists():
        shutil.rmtree(PYPI)
    PYPI.mkdir(parents=True)

    pip("wheel", "--no-deps", "--quiet", *isolation_options(), str(PACKAGE), "-w", str(PYPI))

    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text(COMM + "\n", encoding="utf-8")
        pip("download", "--quiet", "--no-deps", "--only-binary=:all:", "--require-hashes",
            "-r", str(requirements), "-d", str(PYPI))

    wheels = sorted(p.name for p in PYPI.glob("*.whl"))
    impure = [name for name in wheels if not name.endswith("-py3-none-any.whl")]
    if impure:
        sys.exit(f"build_lite_wheels: Pyodide needs pure-Python wheels, got {impure}")
    for prefix in ("tinytorch-", "comm-"):
        if not any(name.startswith(prefix) for name in wheels):
            sys.exit(f"build_lite_wheels: no {prefix}*.whl in {PYPI} (found {wheels})")
    print("build_lite_wheels:", ", ".join(wheels), "->", PYPI.relative_to(REPO))
    add_to_pyodide_lock()
    precompile_kernel()


def add_to_pyodide_lock():
    """Copy the PRELOADED wheels next to the Pyodide lock and list them in it (replacing older
    entries of the same names)."""
    lock_path = PYODIDE / "pyodide-lock.json"
    if not lock_path.is_file():
        sys.exit(f"build_lite_wheels: {lock_path} is missing; run python3 scripts/fetch_pyodide.py")
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    for name, (folder, depends) in PRELOADED.items():
        found = sorted(folder.glob(f"{name.replace('-', '_')}-*-py3-none-any.whl"))
        if len(found) != 1:
            sys.exit(f"build_lite_wheels: expected one {name} wheel in {folder}, found {found}")
        wheel = found[0]
        missing = [d for d in depends if d not in lock["packages"] and d not in PRELOADED]
        if missing:
            sys.exit(f"build_lite_wheels: {name} depends on {missing}, not in {lock_path}")
        old = lock["packages"].get(name)
        if old and old["file_name"] != wheel.name:
            (PYODIDE / old["file_name"]).unlink(missing_ok=True)
        shutil.copyfile(wheel, PYODIDE / wheel.name)
        lock["packages"][name] = {
            "name": name,
            "version": wheel.name.split("-")[1],
            "file_name": wheel.name,
            "install_dir": "site",
            "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
            "package_type": "package",
            "imports": [name.replace("-", "_")],
            "depends": depends,
            "unvendored_tests": False,
            "shared_library": False,
        }
    lock_path.write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print("build_lite_wheels:", ", ".join(PRELOADED), "->", lock_path.relative_to(REPO))


def precompile_kernel():
    """Ship the modules the kernel imports at start-up as bytecode (scripts/precompile_kernel.py),
    compiled by the self-hosted Pyodide itself, in Node.js, with the batch the kernel boots with."""
    config = json.loads((REPO / "lite" / "jupyter-lite.json").read_text(encoding="utf-8"))
    settings = config["jupyter-config-data"]["litePluginSettings"]
    kernel = settings["@jupyterlite/pyodide-kernel-extension:kernel"]
    batch = kernel["loadPyodideOptions"]["packages"]
    subprocess.run(["node", str(REPO / "scripts" / "run_in_pyodide.mjs"),
                    "--packages", ",".join(batch), str(REPO / "scripts" / "precompile_kernel.py"),
                    str(PYODIDE / "pyodide-lock.json"), ",".join(LEARNER_PACKAGES)], check=True)


if __name__ == "__main__":
    main()
