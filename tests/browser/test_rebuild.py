"""A returning learner after the course site is rebuilt with a changed notebook.

JupyterLite (0.6) keeps every notebook a learner saves in the browser's IndexedDB, and a saved copy
shadows the site's file of the same path for good. The build therefore serves each notebook under a
name carrying its content's digest (course_tools.version_notebooks) and the launchers point at it.
The learner's own package (my_tinytorch/, written by the kernel into the same storage) stays too.
These tests rebuild the JupyterLite part of the site with a changed notebook into a temporary copy,
serve it on the same origin, and come back with the same browser profile:

- with the versioned names (the real build), the learner gets the new version and their edited
  copy of the old one is still there, beside it;
- the premise: without them, JupyterLite keeps showing the learner's stale copy. If this one ever
  fails, JupyterLite has changed how it shadows files and the mechanism can be revisited.
"""

import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from course_tools import lite_notebook as lite
from course_tools.chromium import Learner
from course_tools.lite_notebook import NOTEBOOKS, lite_path, read_notebook, tags, versioned_path
from course_tools.paths import CONTENT, REPO
from course_tools.serving import SiteServer
from tinytorch.solutions import solved_cell

pytestmark = pytest.mark.browser

# The JupyterLite apps jupyterlite-sphinx builds; only those in the built site are rebuilt.
LITE_APPS = ("notebooks", "edit", "lab", "repl", "tree", "consoles")
# A returning learner comes back after browser caches have expired; no-cache makes the browser
# revalidate every file at once instead of waiting out the Last-Modified heuristic.
REVALIDATE = "no-cache"


def updated(name, token):
    """The notebook as a course author might change it: a new paragraph after the title."""
    notebook = read_notebook(name)
    notebook["cells"].insert(2, {"cell_type": "markdown", "id": f"update-{token}", "metadata": {},
                                 "source": [f"**New in this version ({token}):** a clearer example."]})
    return (json.dumps(notebook, indent=1, ensure_ascii=False) + "\n").encode()


def build_lite(site, work, output, notebooks):
    """Build the JupyterLite part of the site into ``output`` as the site build does (lite/ config,
    the site's own package index) with ``notebooks`` ({name: bytes}) as its content/ folder.

    Every build starts from nothing, in a folder of its own: a second build in the same lite
    folder and doit state silently drops settings (exposeAppInBrowser, as DESIGN.md warns of
    pyodideUrl)."""
    build = work / f"lite-build-{uuid.uuid4().hex[:8]}"
    lite_dir = build / "lite"
    shutil.copytree(REPO / "lite", lite_dir,
                    ignore=shutil.ignore_patterns(".cache", "pypi", "static"))
    (lite_dir / "static").symlink_to(REPO / "lite" / "static", target_is_directory=True)
    (lite_dir / "pypi").mkdir()
    for wheel in (site / "lite" / "pypi").glob("*.whl"):
        shutil.copy2(wheel, lite_dir / "pypi")
    (build / "contents" / "content").mkdir(parents=True)
    for name, data in notebooks.items():
        (build / "contents" / "content" / f"{name}.ipynb").write_bytes(data)
    apps = [arg for app in LITE_APPS if (site / "lite" / app).is_dir() for arg in ("--apps", app)]
    run = subprocess.run(
        [sys.executable, "-m", "jupyter", "lite", "build", "--lite-dir", str(lite_dir),
         "--contents", str(build / "contents"), "--output-dir", str(output), *apps],
        cwd=build, capture_output=True, text=True)
    assert run.returncode == 0, f"jupyter lite build failed:\n{run.stdout}\n{run.stderr}"
    rebuilt, built = (json.loads(config.read_text()) for config in
                      (output / "jupyter-lite.json", site / "lite" / "jupyter-lite.json"))
    assert rebuilt == built, "the test's JupyterLite build is configured unlike the site's"


def rebuilt_site(site, work, notebooks):
    """A copy of the built site whose JupyterLite is rebuilt with ``notebooks``, then versioned by
    course_tools.version_notebooks exactly as the site build does."""
    copy = work / f"site-{uuid.uuid4().hex[:8]}"
    shutil.copytree(site, copy, ignore=lambda folder, names: ["lite"] if Path(folder) == site else [])
    build_lite(site, work, copy / "lite", notebooks)
    script = subprocess.run([sys.executable, "-m", "course_tools.version_notebooks", str(copy)],
                            capture_output=True, text=True)
    assert script.returncode == 0, f"version_notebooks.py failed:\n{script.stdout}{script.stderr}"
    return copy


def leave_an_edit(page, name):
    """Type an edit into the first exercise cell and wait until autosave has stored it."""
    index = next(i for i, c in enumerate(read_notebook(name)["cells"]) if "exercise" in tags(c))
    edit = f"# my answer, draft {uuid.uuid4().hex[:8]}"
    lite.type_into_cell(page, index, "\n" + edit)
    lite.wait_until_saved(page, edit)
    return edit


def all_sources(page):
    return "\n".join(cell["source"] for cell in lite.cells(page))


def test_returning_learner_gets_the_new_version_and_keeps_their_edits(playwright, site, tmp_path):
    name = NOTEBOOKS[0]
    token = uuid.uuid4().hex[:8]
    new_version = updated(name, token)
    originals = {n: (CONTENT / f"{n}.ipynb").read_bytes() for n in NOTEBOOKS}

    with SiteServer(site, cache_control=REVALIDATE) as server:
        learner = Learner(playwright, tmp_path / "profile", server.url)
        learner.start()
        page, old_path = lite.open_from_module_page(learner, server, site, name, kernel=False)
        assert old_path == lite_path(name)
        edit = leave_an_edit(page, name)
        learner.stop()

        server.root = rebuilt_site(site, tmp_path, {**originals, name: new_version})

        learner.start()
        page, new_path = lite.open_from_module_page(learner, server, site, name, kernel=False)
        assert new_path == versioned_path(name, new_version), \
            f"the launcher opened {new_path}, not the rebuilt notebook"
        shown = all_sources(page)
        assert token in shown, "the returning learner does not see the new version"
        assert edit not in shown
        listed = {item["path"] for item in lite.contents(page, "content")["content"]}
        assert {old_path, new_path} <= listed, f"content/ lists {sorted(listed)}"
        kept = lite.contents(page, old_path)["content"]
        assert edit in json.dumps(kept), "the learner's edited copy of the old version was lost"
        learner.stop()
        problems = learner.problems(answered=[r.path for r in server.requests])
    assert not problems, "\n".join(problems)


def test_premise_without_versioned_names_jupyterlite_serves_the_stale_copy(playwright, site,
                                                                             tmp_path):
    name = NOTEBOOKS[0]
    token = uuid.uuid4().hex[:8]
    originals = {n: (CONTENT / f"{n}.ipynb").read_bytes() for n in NOTEBOOKS}
    before, after = tmp_path / "before", tmp_path / "after"
    build_lite(site, tmp_path, before / "lite", originals)
    build_lite(site, tmp_path, after / "lite", {**originals, name: updated(name, token)})
    url = f"lite/notebooks/index.html?path=content/{name}.ipynb"

    with SiteServer(before, cache_control=REVALIDATE) as server:
        learner = Learner(playwright, tmp_path / "profile", server.url)
        learner.start()
        page = learner.new_page()
        page.goto(server.url + url)
        assert lite.wait_for_notebook(page, kernel=False) == f"content/{name}.ipynb"
        edit = leave_an_edit(page, name)
        learner.stop()

        server.root = after
        learner.start()
        page = learner.new_page()
        page.goto(server.url + url)
        lite.wait_for_notebook(page, kernel=False)
        served = (after / "lite" / "files" / "content" / f"{name}.ipynb").read_text()
        assert token in served, "the rebuilt site does not serve the new version"
        shown = all_sources(page)
        assert edit in shown and token not in shown, (
            "JupyterLite no longer lets a stored copy shadow the site's file: the returning learner "
            "saw the new version under the same name; course_tools.version_notebooks may be unneeded")
        learner.stop()
        problems = learner.problems(answered=[r.path for r in server.requests])
    assert not problems, "\n".join(problems)


def test_the_learners_package_survives_a_rebuild(playwright, site, tmp_path):
    name = "02_activations"
    notebook = read_notebook(name)
    exercise = next(i for i, c in enumerate(notebook["cells"]) if "exercise" in tags(c))
    check = next(i for i, c in enumerate(notebook["cells"]) if "check" in tags(c))
    originals = {n: (CONTENT / f"{n}.ipynb").read_bytes() for n in NOTEBOOKS}

    with SiteServer(site, cache_control=REVALIDATE) as server:
        learner = Learner(playwright, tmp_path / "profile", server.url)
        learner.start()
        page, _ = lite.open_from_module_page(learner, server, site, name)
        cell = notebook["cells"][exercise]
        lite.set_source(page, exercise, solved_cell(cell["metadata"]["tinytorch"]["solution"],
                                                    lite.source(cell)))
        printed = "".join(lite.stdout(lite.run_cell(page, index)["outputs"])
                          for index in (0, exercise, check))
        assert "saved: your relu is now part activations.relu" in printed, printed
        learner.stop()

        server.root = rebuilt_site(site, tmp_path, {**originals,
                                                     name: updated(name, uuid.uuid4().hex[:8])})
        learner.start()
        page, path = lite.open_from_module_page(learner, server, site, name, kernel=False)
        assert path != lite_path(name), "the launcher did not open the rebuilt notebook"
        stored = lite.text_file(page, "content/my_tinytorch/core/activations.py")
        assert "# ---- part activations.relu: yours" in stored, "the learner's relu was lost"
        learner.stop()
        problems = learner.problems(answered=[r.path for r in server.requests])
    assert not problems, "\n".join(problems)
