"""course_tools.version_notebooks: the built site serves each notebook under a name carrying its
content's digest, and the launchers point at that name (see the module for why). The site build
runs it from a build-finished handler of book/_ext/tinytorch_site.py.

The first tests run it, as a command, on a small site made here; the last checks the real build.
"""

import hashlib
import json
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest

from course_tools.paths import REPO, SITE

LAUNCH = '<a class="tt-launch-link" href="../../lite/notebooks/index.html?path=content%2F{}">Run</a>'


def digest(data):
    return hashlib.sha256(data).hexdigest()[:8]


def notebook(text):
    return (json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": [text]}],
                        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}) + "\n").encode()


def make_site(root, notebooks, pages):
    """A built site in miniature: JupyterLite's files and listing of content/, and book pages."""
    files = root / "lite" / "files" / "content"
    files.mkdir(parents=True)
    listing = root / "lite" / "api" / "contents" / "content"
    listing.mkdir(parents=True)
    entries = []
    for name, data in notebooks.items():
        (files / name).write_bytes(data)
        entries.append({"name": name, "path": f"content/{name}", "type": "notebook",
                        "content": None, "size": len(data), "writable": True})
    (listing / "all.json").write_text(json.dumps({"name": "content", "path": "content",
                                                  "type": "directory", "content": entries}))
    for page, html in pages.items():
        (root / page).parent.mkdir(parents=True, exist_ok=True)
        (root / page).write_text(html)
    return root


def run(site):
    return subprocess.run([sys.executable, "-m", "course_tools.version_notebooks", str(site)],
                          capture_output=True, text=True)


def launched(html):
    """The notebook paths of the JupyterLite links in a page."""
    paths = []
    for part in html.split('href="')[1:]:
        url = part.split('"', 1)[0]
        if "/lite/" in url:
            paths += parse_qs(urlsplit(url.replace("&amp;", "&")).query).get("path", [])
    return paths


@pytest.fixture
def small_site(tmp_path):
    losses, training = notebook("losses"), notebook("training")
    site = make_site(tmp_path / "html", {"04_losses.ipynb": losses, "07_training.ipynb": training},
                     {"book/modules/04_losses.html": LAUNCH.format("04_losses.ipynb"),
                      "book/modules/07_training.html": LAUNCH.format("07_training.ipynb") +
                      '<a href="https://mybinder.org/v2/gh/o/r/main?labpath=content%2F07_training.ipynb">'})
    return site, {"04_losses": losses, "07_training": training}


def test_renames_notebooks_their_listing_and_launchers(small_site):
    site, data = small_site
    result = run(site)
    assert result.returncode == 0, result.stderr
    names = {stem: f"{stem}-{digest(data[stem])}.ipynb" for stem in data}
    files = site / "lite" / "files" / "content"
    assert sorted(p.name for p in files.iterdir()) == sorted(names.values())
    for stem, name in names.items():
        assert (files / name).read_bytes() == data[stem]
    listing = json.loads((site / "lite" / "api" / "contents" / "content" / "all.json").read_text())
    assert sorted((e["name"], e["path"]) for e in listing["content"]) == \
        sorted((n, f"content/{n}") for n in names.values())
    for stem, name in names.items():
        html = (site / "book" / "modules" / f"{stem}.html").read_text()
        assert launched(html) == [f"content/{name}"]
    # Links to other hosts keep the repository's path.
    assert "labpath=content%2F07_training.ipynb" in (site / "book/modules/07_training.html").read_text()


def test_running_twice_changes_nothing(small_site):
    site, _ = small_site
    assert run(site).returncode == 0
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    again = run(site)
    assert again.returncode == 0, again.stderr
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before


def test_a_changed_notebook_gets_a_new_name_and_an_unchanged_one_keeps_its_name(tmp_path):
    pages = {"m/04_losses.html": LAUNCH.format("04_losses.ipynb"),
             "m/07_training.html": LAUNCH.format("07_training.ipynb")}
    old = make_site(tmp_path / "old", {"04_losses.ipynb": notebook("v1"),
                                       "07_training.ipynb": notebook("t")}, pages)
    new = make_site(tmp_path / "new", {"04_losses.ipynb": notebook("v2"),
                                       "07_training.ipynb": notebook("t")}, pages)
    assert run(old).returncode == 0 and run(new).returncode == 0
    names = [{p.name for p in (site / "lite/files/content").iterdir()} for site in (old, new)]
    assert len(names[0] & names[1]) == 1 and next(iter(names[0] & names[1])).startswith("07_")


def test_a_link_to_a_notebook_the_site_lacks_is_an_error(small_site):
    site, _ = small_site
    (site / "book" / "stray.html").write_text(LAUNCH.format("05_autograd.ipynb"))
    result = run(site)
    assert result.returncode != 0
    assert "stray.html links to content/05_autograd.ipynb" in result.stderr


def test_a_notebook_without_a_launcher_is_an_error(small_site):
    site, _ = small_site
    (site / "book" / "modules" / "07_training.html").write_text("<p>no launcher</p>")
    result = run(site)
    assert result.returncode != 0 and "no page launches 07_training" in result.stderr


def test_a_file_renamed_by_hand_is_an_error(small_site):
    site, _ = small_site
    files = site / "lite" / "files" / "content"
    (files / "04_losses.ipynb").rename(files / "04_losses-00000000.ipynb")
    result = run(site)
    assert result.returncode != 0 and "is named for content 00000000" in result.stderr


def test_the_built_site_serves_every_notebook_under_its_versioned_name():
    files = SITE / "lite" / "files" / "content"
    if not files.is_dir():
        pytest.fail(f"{files} is missing: run `make site` first", pytrace=False)
    served = sorted(p.name for p in files.glob("*.ipynb"))
    expected = []
    for source in sorted((REPO / "content").glob("*.ipynb")):
        data = source.read_bytes()
        name = f"{source.stem}-{digest(data)}.ipynb"
        expected.append(name)
        assert name in served, (f"the site does not serve {source.name} as {name} (it serves "
                                f"{served}): run `make site` (which runs course_tools.version_notebooks)")
        assert (files / name).read_bytes() == data
    assert served == expected, "the site serves notebooks that are not in content/"
