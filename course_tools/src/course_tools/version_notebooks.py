"""Serve each learner notebook in the built JupyterLite under a name that changes with its content.

Why: JupyterLite keeps the notebooks a learner saves in the browser (IndexedDB), and a saved copy
shadows the site's file of the same path for good (JupyterLite 0.6: ``BrowserStorageDrive.get``
returns the stored item whenever one exists; the site's file is only read when there is none).
Autosave stores a notebook as soon as a cell has run. So if ``content/04_losses.ipynb`` kept its
name, a learner coming back after the course updated it would silently keep the old version.

So, once JupyterLite is built (a ``build-finished`` handler of book/_ext/tinytorch_site.py, after
jupyterlite-sphinx's own), this module renames ``content/04_losses.ipynb`` in JupyterLite to
``content/04_losses-<first 8 hex digits of its sha256>.ipynb`` (the file and its entry in the
contents listing ``api/contents/content/all.json``) and points the launchers of the book's pages
(links ``...lite/<app>/index.html?path=content%2F04_losses.ipynb``) at the new name. An unchanged
notebook keeps its name, so the learner's saved copy opens as before; a changed one opens fresh
under a new name, and the learner's edited copy of the old version stays in their browser under
the old name, listed beside the new one in ``content/``. Nothing is lost and nothing is stale.

By hand, on a built site:  python -m course_tools.version_notebooks [_build/html]
Running it again on the same site changes nothing.
"""

import argparse
import hashlib
import json
import os
import re
import sys
from pathlib import Path

from course_tools.paths import SITE

FOLDER = "content"  # where the learner notebooks live, in the repository and in JupyterLite

NOTEBOOK = re.compile(r"(?P<stem>\d\d_[a-z0-9_]+?)(?:-(?P<digest>[0-9a-f]{8}))?\.ipynb")
# A launcher's notebook, as the query parameter of a link into JupyterLite (the folder's slash is
# URL-encoded by urlencode, or not); the name may already carry a digest (a second run).
LAUNCHER = re.compile(r"(?<=[?&;]path=)" + FOLDER + r"(?:%2F|/)(?P<name>[^\"'&#\s]+?\.ipynb)")


class VersioningError(Exception):
    """The built site is not what versioning expects; the message says what is wrong."""


def digest(path):
    """The version label of a notebook: the first 8 hex digits of the sha256 of its bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:8]


def write_atomically(path, text):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def version_files(lite):
    """Rename the notebooks in lite/files/content and its listing; return {stem: versioned name}."""
    files = lite / "files" / FOLDER
    listing_path = lite / "api" / "contents" / FOLDER / "all.json"
    if not files.is_dir() or not listing_path.is_file():
        raise VersioningError(f"{files} or {listing_path} is missing; expected a site "
                              "built by jupyter-book with JupyterLite contents in content/")
    listing = json.loads(listing_path.read_text(encoding="utf-8"))
    entries = {entry["name"]: entry for entry in listing["content"]}

    versions = {}
    for path in sorted(files.glob("*.ipynb")):
        match = NOTEBOOK.fullmatch(path.name)
        if match is None:
            raise VersioningError(f"unexpected notebook name {path.name!r} in {files}; "
                                  "expected NN_name.ipynb (lower case, digits, underscores)")
        stem, label = match["stem"], digest(path)
        if match["digest"] is not None and match["digest"] != label:
            raise VersioningError(f"{path} is named for content {match['digest']} but "
                                  f"its content is {label}; rebuild the site from scratch")
        if stem in versions:
            raise VersioningError(f"two versions of {stem} in {files}; rebuild the "
                                  "site from scratch")
        name = f"{stem}-{label}.ipynb"
        versions[stem] = name
        if path.name == name:
            continue  # versioned by an earlier run
        entry = entries.pop(path.name, None)
        if entry is None:
            raise VersioningError(f"{path.name} is not listed in {listing_path}")
        entry["name"], entry["path"] = name, f"{FOLDER}/{name}"
        entries[name] = entry
        os.replace(path, path.with_name(name))
    if not versions:
        raise VersioningError(f"no notebooks in {files}")

    listing["content"] = [entries[name] for name in sorted(entries)]
    write_atomically(listing_path, json.dumps(listing, indent=2, sort_keys=True) + "\n")
    return versions


def point_launchers(site, versions):
    """Rewrite the launcher links of every page; return {stem: number of links}."""
    links = dict.fromkeys(versions, 0)
    lite = site / "lite"
    for page in sorted(site.rglob("*.html")):
        if lite in page.parents:
            continue
        html = page.read_text(encoding="utf-8")

        def versioned(match):
            found = NOTEBOOK.fullmatch(match["name"])
            stem = found["stem"] if found else None
            if stem not in versions:
                raise VersioningError(f"{page.relative_to(site)} links to {FOLDER}/{match['name']}, "
                                      "which the site's JupyterLite does not have (it has "
                                      f"{sorted(versions.values())})")
            links[stem] += 1
            return match[0][: -len(match["name"])] + versions[stem]

        new = LAUNCHER.sub(versioned, html)
        if new != html:
            write_atomically(page, new)
    return links


def version_site(site):
    """Version the notebooks of the built ``site`` and point its launchers at them; return
    {stem: (versioned name, number of launcher links)}. Raises VersioningError."""
    versions = version_files(site / "lite")
    links = point_launchers(site, versions)
    unlinked = sorted(stem for stem, count in links.items() if count == 0)
    if unlinked:
        raise VersioningError(f"no page launches {', '.join(unlinked)}; expected a launch-buttons "
                              "row on each module page")
    return {stem: (name, links[stem]) for stem, name in versions.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", type=Path, default=SITE,
                        help="the built site (default: _build/html)")
    args = parser.parse_args(argv)
    try:
        versions = version_site(args.site)
    except VersioningError as error:
        sys.exit(f"version_notebooks: {error}")
    for stem, (name, links) in versions.items():
        print(f"version_notebooks: {FOLDER}/{stem}.ipynb -> {FOLDER}/{name} "
              f"({links} launcher link{'s' if links != 1 else ''})")


if __name__ == "__main__":
    main()
