#!/usr/bin/env python3
"""Write JupyterLite's generated inputs: the package index lite/pypi/ and the site's Pyodide
lite/static/pyodide/, which ``jupyter lite build`` copies into the site.

The package index. ``jupyter lite build`` turns the wheels in lite/pypi/ into a local index served
by the site, and lite/jupyter-lite.json sets disablePyPIFallback, so these are the only packages a
notebook can ``%pip install`` beyond those bundled with Pyodide:

- tinytorch, built from ./tinytorch_wheel (pure Python, py3-none-any);
- comm, which the Pyodide kernel installs when it starts and which our Pyodide does not bundle.
  It is downloaded from PyPI pinned by hash.

The site's Pyodide, assembled from the verified download in .cache/pyodide/verified/ (which it
checks against the download's hashes and never changes; course_tools.pyodide):

1. the runtime and the packages the course needs (ROOTS below and everything they depend on),
   copied as they are; the download's other packages (pandas, scipy, scikit-learn, pyarrow, ...)
   stay out of the site;
2. these wheels and the kernel's own (piplite, ipykernel, pyodide_kernel), added to the lock, so
   that Pyodide loads everything the kernel installs at start-up, plus numpy and tinytorch, in one
   parallel batch when it boots (``loadPyodideOptions.packages`` in lite/jupyter-lite.json): the
   kernel then skips its own serial, one-by-one installs of those packages. This is the
   pre-solved lock of jupyterlite-pyodide-lock, written directly: every wheel is pure Python and
   its dependencies are known, so no solver (and no browser at build time) is needed;
3. in place of Pyodide's ssl (and the OpenSSL library it needs), a tiny wheel built from
   scripts/pyodide_stubs/ssl.py (STUBS below): the kernel installs ssl at every start although
   nothing in a browser's notebook can use it, and 0.6.1 skips a package only when it is in the
   start-up batch, so the batch keeps the name and the lock points it at the stub;
4. the modules the kernel imports at start-up, replaced by their bytecode in those wheels, so that
   no browser compiles them at every launch (scripts/precompile_kernel.py, run in this Pyodide).

Usage: python scripts/build_lite_inputs.py   (with the build environment active)
"""

import base64
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from course_tools.paths import LITE, LITE_PYPI, PYODIDE_CACHE, REPO, SITE_PYODIDE, VERIFIED_PYODIDE
from course_tools.pyodide import (LOCK, RUNTIME_FILES, PyodideError, closure, read_lock, sha256,
                                  verify, wheel_entry, write_lock)

try:
    import tomllib  # Python 3.11 and later
except ModuleNotFoundError:  # Python 3.10: the wheel is built in an isolated environment
    tomllib = None

PACKAGE = REPO / "tinytorch_wheel"
# The wheels jupyterlite-pyodide-kernel ships for its kernel (installed with it in this environment).
KERNEL_WHEELS = (Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyterlite"
                 / "pyodide-kernel-extension" / "static" / "pypi")

# The Pyodide packages the site keeps. Everything they depend on (the lock's "depends") is kept
# as well.
ROOTS = [
    # What the course imports: tinytorch needs numpy, the notebooks plot with matplotlib.
    "numpy",
    "matplotlib",
    # micropip installs tinytorch and comm from lite/pypi/ in the browser.
    "micropip",
    "packaging",
    # What jupyterlite-pyodide-kernel 0.6.1 installs at kernel start-up: its worker's initKernel
    # runs piplite.install() for ssl, sqlite3, ipykernel, comm, pyodide_kernel, jedi and ipython.
    # (ipykernel, pyodide_kernel and piplite are wheels of the kernel itself; comm comes from
    # lite/pypi/; ssl is a stub, STUBS below.) IPython's history imports sqlite3 unconditionally.
    # pyodide_kernel makes matplotlib_inline the default matplotlib backend.
    "sqlite3",
    "jedi",
    "ipython",
    "matplotlib-inline",
]

# Wheels added to the site's Pyodide lock: name -> (where the wheel is, what it depends on).
PRELOADED = {
    "tinytorch": (LITE_PYPI, ["numpy"]),
    "comm": (LITE_PYPI, []),
    "piplite": (KERNEL_WHEELS, ["micropip"]),
    "ipykernel": (KERNEL_WHEELS, ["comm"]),
    "pyodide-kernel": (KERNEL_WHEELS, ["ipykernel", "comm", "ipython", "jedi", "ssl", "sqlite3",
                                       "piplite"]),
}

# Lock entries whose wheel the build makes from one module of scripts/pyodide_stubs/, instead of
# Pyodide's package of that name: ssl, which the kernel installs at start-up and nothing uses.
STUBS = {"ssl": "1.0.0"}
STUB_SOURCES = REPO / "scripts" / "pyodide_stubs"

# What the learners' code imports: these keep their source, so that tracebacks show its lines.
LEARNER_PACKAGES = ("numpy", "tinytorch")

# The kernel only needs comm's pure-Python wheel; the hash pins the exact file on PyPI.
COMM = "comm==0.2.3 --hash=sha256:c615d91d75f7f04f095b30d1c1711babd43bdc6419c1be9886a85f2f4e489417"


def fail(message):
    sys.exit(f"build_lite_inputs: {message}")


def pip(*args):
    subprocess.run([sys.executable, "-m", "pip", *args], check=True)


def isolation_options():
    """Build in this environment when it has exactly the build backend pyproject.toml pins
    (requirements-lock.txt pins it too): that saves pip creating a fresh isolated environment
    at every build. Otherwise pip builds in an isolated environment as usual."""
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


def build_wheels():
    """lite/pypi/: the tinytorch wheel, built, and comm's, downloaded."""
    if not (PACKAGE / "pyproject.toml").is_file():
        fail(f"{PACKAGE / 'pyproject.toml'} not found")
    if LITE_PYPI.exists():
        shutil.rmtree(LITE_PYPI)
    LITE_PYPI.mkdir(parents=True)

    pip("wheel", "--no-deps", "--quiet", *isolation_options(), str(PACKAGE), "-w", str(LITE_PYPI))
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text(COMM + "\n", encoding="utf-8")
        pip("download", "--quiet", "--no-deps", "--only-binary=:all:", "--require-hashes",
            "-r", str(requirements), "-d", str(LITE_PYPI))

    wheels = sorted(p.name for p in LITE_PYPI.glob("*.whl"))
    impure = [name for name in wheels if not name.endswith("-py3-none-any.whl")]
    if impure:
        fail(f"Pyodide needs pure-Python wheels, got {impure}")
    for prefix in ("tinytorch-", "comm-"):
        if not any(name.startswith(prefix) for name in wheels):
            fail(f"no {prefix}*.whl in {LITE_PYPI} (found {wheels})")
    print("build_lite_inputs:", ", ".join(wheels), "->", LITE_PYPI.relative_to(REPO))


def assemble_pyodide():
    """lite/static/pyodide/: the kept part of the verified download, plus the PRELOADED wheels,
    with a lock that lists exactly those."""
    downloaded = read_lock(VERIFIED_PYODIDE)
    keep = sorted(closure(downloaded, ROOTS))
    files = [*RUNTIME_FILES, *(downloaded["packages"][key]["file_name"] for key in keep)]
    verify([*files, LOCK])

    if SITE_PYODIDE.exists():
        shutil.rmtree(SITE_PYODIDE)
    SITE_PYODIDE.mkdir(parents=True)
    for name in files:
        (SITE_PYODIDE / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(VERIFIED_PYODIDE / name, SITE_PYODIDE / name)
    lock = {"info": downloaded["info"],
            "packages": {key: dict(downloaded["packages"][key]) for key in keep}}

    for name, (folder, depends) in PRELOADED.items():
        found = sorted(folder.glob(f"{name.replace('-', '_')}-*-py3-none-any.whl"))
        if len(found) != 1:
            fail(f"expected one {name} wheel in {folder}, found {found}")
        missing = [d for d in depends
                   if d not in lock["packages"] and d not in PRELOADED and d not in STUBS]
        if missing:
            fail(f"{name} depends on {missing}, which the site's Pyodide does not have")
        shutil.copyfile(found[0], SITE_PYODIDE / found[0].name)
        lock["packages"][name] = wheel_entry(name, found[0].name, found[0].read_bytes(), depends)
    for name, stub_version in STUBS.items():
        file_name = stub_wheel(name, stub_version)
        data = (SITE_PYODIDE / file_name).read_bytes()
        lock["packages"][name] = wheel_entry(name, file_name, data, [])
    write_lock(SITE_PYODIDE, lock)
    size = sum(p.stat().st_size for p in SITE_PYODIDE.rglob("*") if p.is_file())
    print(f"build_lite_inputs: {len(keep)} of {len(downloaded['packages'])} Pyodide packages and "
          f"{', '.join(PRELOADED)}, stubs of {', '.join(STUBS)} ({size / 1e6:.1f} MB) -> {SITE_PYODIDE.relative_to(REPO)}")
    return lock


def stub_wheel(name, stub_version):
    """Write the wheel of module ``name`` from scripts/pyodide_stubs/ into SITE_PYODIDE, in a
    folder named after its content (as scripts/precompile_kernel.py does: a browser may cache it
    for a year); the same source always gives the same bytes. Returns its path in the folder."""
    dist_info = f"{name}-{stub_version}.dist-info"
    members = {
        f"{name}.py": (STUB_SOURCES / f"{name}.py").read_bytes(),
        f"{dist_info}/METADATA": (f"Metadata-Version: 2.1\nName: {name}\nVersion: {stub_version}\n"
                                  f"Summary: stand-in for {name} in the course's Pyodide\n").encode(),
        f"{dist_info}/WHEEL": (b"Wheel-Version: 1.0\nGenerator: build_lite_inputs\n"
                               b"Root-Is-Purelib: true\nTag: py3-none-any\n"),
    }
    record = [f"{member},sha256={digest},{len(data)}" for member, data in members.items()
              for digest in [base64.urlsafe_b64encode(hashlib.sha256(data).digest())
                             .rstrip(b"=").decode()]]
    members[f"{dist_info}/RECORD"] = ("\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        for member, data in members.items():
            info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            wheel.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    data = buffer.getvalue()
    file_name = f"stub-{sha256(data)[:16]}/{name}-{stub_version}-py3-none-any.whl"
    (SITE_PYODIDE / file_name).parent.mkdir()
    (SITE_PYODIDE / file_name).write_bytes(data)
    return file_name


def precompile_kernel(lock):
    """Ship the modules the kernel imports at start-up as bytecode (scripts/precompile_kernel.py),
    compiled by the site's Pyodide itself, in Node.js, with the batch the kernel boots with."""
    config = json.loads((LITE / "jupyter-lite.json").read_text(encoding="utf-8"))
    settings = config["jupyter-config-data"]["litePluginSettings"]
    batch = settings["@jupyterlite/pyodide-kernel-extension:kernel"]["loadPyodideOptions"]["packages"]
    wheels = {package["file_name"]: key for key, package in lock["packages"].items()
              if key not in LEARNER_PACKAGES and package["file_name"].endswith("-none-any.whl")}
    # The report lies inside the checkout, which run_in_pyodide.mjs mounts into Pyodide.
    PYODIDE_CACHE.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=PYODIDE_CACHE.parent) as tmp:
        report = Path(tmp) / "precompiled.json"
        report.write_text("{}", encoding="utf-8")
        subprocess.run(["node", str(REPO / "scripts" / "run_in_pyodide.mjs"),
                        "--pyodide", str(SITE_PYODIDE), "--packages", ",".join(batch),
                        str(REPO / "scripts" / "precompile_kernel.py"), str(report),
                        *(str(SITE_PYODIDE / name) for name in sorted(wheels))], check=True)
        moved = json.loads(report.read_text(encoding="utf-8"))
    for old, new in moved.items():
        package = lock["packages"][wheels[old]]
        package["file_name"], package["sha256"] = new, sha256((SITE_PYODIDE / new).read_bytes())
    write_lock(SITE_PYODIDE, lock)


def main():
    build_wheels()
    try:
        lock = assemble_pyodide()
    except PyodideError as error:
        fail(error)
    precompile_kernel(lock)


if __name__ == "__main__":
    main()
