"""Ship the Pyodide kernel's start-up modules as bytecode, so that no browser compiles them.

Run inside the site's Pyodide by scripts/build_lite_inputs.py:

    node scripts/run_in_pyodide.mjs --pyodide lite/static/pyodide --packages <kernel batch> \
        scripts/precompile_kernel.py REPORT WHEEL...

where each WHEEL is a pure-Python wheel of lite/static/pyodide/ that may be rewritten, and REPORT
a JSON file that receives {wheel's file name: its new path relative to its folder} for each
wheel rewritten. The build then updates the lock (this script cannot: it runs in Pyodide, where
course_tools, which writes every lock, is not installed).

Every time a kernel starts, Pyodide compiles the Python source of each module it imports: IPython,
jedi, pygments, traitlets, ipykernel, piplite and friends, before the learner sees anything (the
kernel start's breakdown is in bench/STARTUP.md). This script imports what the kernel imports at
start-up (``import piplite.piplite`` and ``import pyodide_kernel``, as jupyterlite-pyodide-kernel's
worker does), and, in the wheels those modules come from, replaces each imported ``module.py`` by a
sourceless ``module.pyc``, compiled by this same Pyodide (same CPython, same bytecode magic).
Python imports such a file directly. This is what Pyodide's own release does to its packages
(``pyodide py-compile``), limited here to the modules the kernel loads at start-up, because
bytecode is larger than source and every byte is downloaded: the rest of each wheel stays as it is.
The RECORD of each wheel is rewritten to match; the bytecode is hash-based and unchecked, so a
rebuild gives the same bytes.

The build leaves out the packages the learners' own code imports (numpy, tinytorch): they keep
their source, so that their tracebacks show the lines. Only pure-Python wheels are rewritten (ssl
and sqlite3, which carry shared libraries, have one or two small modules each and are left alone).

A rewritten wheel keeps its name but moves to a folder named after its content,
``bytecode-<first 16 hex digits of its sha256>/``: a static host may then let browsers cache it
for a year, as it does Pyodide's own versioned wheels, and a learner's browser can never hold an
older copy under the same URL.
"""

import base64
import hashlib
import json
import py_compile
import site
import sys
import tempfile
import zipfile
from pathlib import Path

(SITE_PACKAGES,) = map(Path, site.getsitepackages())  # where Pyodide installs every wheel


def started_kernel_modules():
    """The .py files under site-packages that the kernel imports at start-up, relative to it."""
    before = set(sys.modules)
    streams = sys.stdout, sys.stderr
    import piplite.piplite  # noqa: F401  (the worker's initPackageManager)
    import pyodide_kernel  # noqa: F401  (the worker's initKernel)

    sys.stdout, sys.stderr = streams  # the kernel sends its own to the browser; keep ours

    files = set()
    for name in set(sys.modules) - before:
        origin = getattr(getattr(sys.modules[name], "__spec__", None), "origin", None)
        if origin and origin.endswith(".py") and Path(origin).is_relative_to(SITE_PACKAGES):
            files.add(Path(origin).relative_to(SITE_PACKAGES).as_posix())
    return files


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def bytecode(relative):
    """Sourceless bytecode of an installed module, as Python would import it."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "module.pyc"
        py_compile.compile(str(SITE_PACKAGES / relative), cfile=str(target),
                           dfile=str(SITE_PACKAGES / relative), doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        return target.read_bytes()


def rewrite_wheel(path, compiled):
    """Replace the members of wheel ``path`` named in ``compiled`` (a set of .py paths) by their
    bytecode, keep every other member byte for byte, and rewrite the RECORD. The new wheel goes to
    a folder named after its content, next to ``path``, which is deleted; returns its path."""
    with zipfile.ZipFile(path) as wheel:
        members = [(info, wheel.read(info)) for info in wheel.infolist()]
    record = [info for info, _ in members if info.filename.endswith(".dist-info/RECORD")]
    if len(record) != 1:
        sys.exit(f"precompile_kernel: {path.name} has {len(record)} RECORD files, expected one")
    lines = []
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as out:
        with zipfile.ZipFile(out, "w", compresslevel=9) as wheel:
            for info, data in members:
                if info is record[0]:
                    continue
                if info.filename in compiled:
                    data = bytecode(info.filename)
                    info.filename += "c"
                wheel.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                if not info.is_dir():
                    lines.append(record_line(info.filename, data))
            lines.append(f"{record[0].filename},,")
            wheel.writestr(record[0], "\n".join(lines) + "\n", compress_type=zipfile.ZIP_DEFLATED)
    digest = hashlib.sha256(Path(out.name).read_bytes()).hexdigest()
    target = path.parent / f"bytecode-{digest[:16]}" / path.name
    target.parent.mkdir(exist_ok=True)
    Path(out.name).replace(target)
    path.unlink()
    return target


def main():
    report, wheels = Path(sys.argv[1]), [Path(arg) for arg in sys.argv[2:]]
    imported = started_kernel_modules()
    moved, done = {}, []
    for path in wheels:
        with zipfile.ZipFile(path) as wheel:
            compiled = imported & set(wheel.namelist())
        if not compiled:
            continue
        before = path.stat().st_size
        new = rewrite_wheel(path, compiled)
        moved[path.name] = new.relative_to(path.parent).as_posix()
        done.append(f"{path.name.split('-')[0]} ({len(compiled)} modules, {before / 1e3:.0f} -> "
                    f"{new.stat().st_size / 1e3:.0f} kB)")
    report.write_text(json.dumps(moved, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print("precompile_kernel:", "; ".join(done) if done else "nothing to compile")


if __name__ == "__main__":
    main()
