#!/usr/bin/env python3
"""Fill lite/pypi/, the package index that JupyterLite's piplite installs from.

``jupyter lite build`` turns the wheels in lite/pypi/ into a local index served by the site, and
lite/jupyter-lite.json sets disablePyPIFallback, so these are the only packages a notebook can
``%pip install`` beyond those bundled with Pyodide:

- tinytorch, built from ./tinytorch_wheel (pure Python, py3-none-any);
- comm, which the Pyodide kernel installs when it starts and which our Pyodide does not bundle.
  It is downloaded from PyPI pinned by hash.

Usage: python scripts/build_lite_wheels.py   (with the build environment active)
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYPI = REPO / "lite" / "pypi"
PACKAGE = REPO / "tinytorch_wheel"

# The kernel only needs comm's pure-Python wheel; the hash pins the exact file on PyPI.
COMM = "comm==0.2.3 --hash=sha256:c615d91d75f7f04f095b30d1c1711babd43bdc6419c1be9886a85f2f4e489417"


def pip(*args):
    subprocess.run([sys.executable, "-m", "pip", *args], check=True)


def main():
    if not (PACKAGE / "pyproject.toml").is_file():
        sys.exit(f"build_lite_wheels: {PACKAGE / 'pyproject.toml'} not found")
    if PYPI.exists():
        shutil.rmtree(PYPI)
    PYPI.mkdir(parents=True)

    pip("wheel", "--no-deps", "--quiet", str(PACKAGE), "-w", str(PYPI))

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


if __name__ == "__main__":
    main()
