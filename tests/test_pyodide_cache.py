"""The verified Pyodide download is a cache that nothing edits, and the site's Pyodide is
assembled from it (course_tools.pyodide, scripts/build_lite_inputs.py)."""

from course_tools.paths import VERIFIED_PYODIDE
from course_tools.pyodide import LOCK, RUNTIME_FILES, read_lock, sha256, verify


def test_the_cache_is_the_download_unchanged():
    verify()  # every file against the RECORD of the wheel pinned by hash; raises if one differs
    assert (VERIFIED_PYODIDE / LOCK).is_file() and (VERIFIED_PYODIDE / "pyodide.js").is_file()


def test_the_site_pyodide_is_assembled_from_the_cache(site):
    folder = site / "lite" / "static" / "pyodide"
    downloaded, built = read_lock(VERIFIED_PYODIDE)["packages"], read_lock(folder)["packages"]
    assert read_lock(folder)["info"] == read_lock(VERIFIED_PYODIDE)["info"]
    for name in RUNTIME_FILES:
        assert (folder / name).read_bytes() == (VERIFIED_PYODIDE / name).read_bytes(), name
    assert {"numpy", "matplotlib", "micropip", "tinytorch"} <= set(built)
    assert len(built) < len(downloaded) + 6, "the site keeps only what the course uses"
    for name, entry in built.items():
        data = (folder / entry["file_name"]).read_bytes()
        assert sha256(data) == entry["sha256"], f"{name}: the lock's sha256 is not its file's"
        if name not in downloaded or entry["file_name"].startswith("stub-"):
            continue  # a wheel of the course, of the kernel or a stub, added by the build
        original = downloaded[name]
        if entry == original:
            assert data == (VERIFIED_PYODIDE / original["file_name"]).read_bytes(), name
        else:  # the kernel's start-up modules as bytecode: the same wheel, in a folder of its own
            assert entry["file_name"].startswith("bytecode-"), (name, entry["file_name"])
            assert entry["file_name"].split("/")[-1] == original["file_name"], name
            assert {k: v for k, v in entry.items() if k not in {"file_name", "sha256"}} == \
                {k: v for k, v in original.items() if k not in {"file_name", "sha256"}}, name
