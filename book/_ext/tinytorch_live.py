"""Sphinx extension for the TinyTorch course site: live code on the module pages.

Every executed example of a module page (a myst-nb ``{code-cell}``) can be edited and run in place,
in the reader's browser, by the site's own Pyodide with numpy and tinytorch. The runner is three
small files in ``live/``, copied into the built ``_static/``:

- ``tinytorch_live.js``: the page side. It turns each example into an editor with Run, Stop and
  Reset buttons and an output region, keeps the reader's edits in localStorage, decides when
  Python starts (see below) and talks to the worker.
- ``tinytorch_live_worker.js``: a Web Worker that loads Pyodide, numpy and tinytorch, so that
  Python never blocks the page.
- ``live_runner.py``: the Python side, run inside the worker: runs one example in the page's
  namespace, shows the value of its last expression, a traceback of the reader's own lines, and
  its matplotlib figures.

When Python starts is a policy, because Pyodide and numpy are about 9 MB: a reader who only reads
downloads none of it. The worker starts on the first sign of intent (the pointer moving over an
example, focus in its editor, a touch or click) and, for a returning learner who has run an
example before, as soon as the page loads.

What this extension adds to a module page (docname ``.../modules/NN_name``), and nothing else:

- a ``<script type="application/json" id="tt-live-examples">`` with each example's exact source
  and tags, taken from the doctree: the highlighted HTML is for reading, the runner needs the
  code as the author wrote it;
- first in the head, before the stylesheets, a small inline script (``tinytorch_live_early.js``)
  with the URLs of the worker, the runner and the site's Pyodide relative to the page (the site
  may be served under a sub-path), the packages to load, as named in the site's Pyodide lock,
  and their files (the worker fetches them while Pyodide starts, not after it); for a returning
  learner it starts the worker at once;
- at the end of the article, the examples' sources and the page script, a plain script that the
  parser runs as soon as it reaches it, before the theme's deferred scripts, MathJax and mermaid;
- its stylesheet.

With JavaScript off the page is exactly as before: everything the runner shows is made at run time.
"""

import hashlib
import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util.osutil import relative_uri

HERE = Path(__file__).resolve().parent / "live"
MODULE_PAGE = re.compile(r"(^|/)modules/\d\d_[a-z0-9_]+$")
# What a worker imports before it reports ready; the names are those of the Pyodide lock.
PACKAGES = ("numpy", "tinytorch")
PYODIDE_DIR = "lite/static/pyodide/"  # where jupyterlite-sphinx puts <jupyterlite_dir>/static/pyodide


def add_static_path(app, config):
    # Not a folder named _static: Jupyter Book injects every .js/.css under _static into every page.
    config.html_static_path.append(str(HERE))


def package_files(app):
    """The files of the packages the worker loads and of their dependencies, as the site's Pyodide
    lock (assembled before the book is built) names them. A package missing from the lock fails
    the build: otherwise the runner would fail only in the reader's browser."""
    lock = Path(app.confdir) / app.config.jupyterlite_dir / "static" / "pyodide" / "pyodide-lock.json"
    if not lock.is_file():
        raise ExtensionError(f"tinytorch_live: {lock} is missing; the live examples load the "
                             "site's own Pyodide (scripts/build_lite_inputs.py assembles it)")
    packages = json.loads(lock.read_text(encoding="utf-8"))["packages"]
    files, todo = {}, list(PACKAGES)
    while todo:
        name = todo.pop()
        if name not in packages:
            raise ExtensionError(f"tinytorch_live: {lock} lacks {name}; the live examples load "
                                 f"{', '.join(PACKAGES)} and their dependencies from the site's "
                                 "Pyodide")
        files.setdefault(name, packages[name]["file_name"])
        todo += [dependency for dependency in packages[name]["depends"] if dependency not in files]
    return sorted(files.values())


def read_pyodide_lock(app):
    app.builder.tinytorch_live_files = package_files(app)


def examples(pagename, doctree):
    """The page's executed code cells, in page order: exact source and tags."""
    found = []
    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        sources = [child for child in cell.children if child.get("nb_element") == "cell_code_source"]
        if not sources:
            # Its code ran at build time in the page's namespace, so a reader's run of a later
            # example would need it too, and the reader could not see what ran.
            raise ExtensionError(f"tinytorch_live: {pagename} has a code cell whose input is "
                                 "removed (remove-input); the live examples need every cell's "
                                 "code on the page")
        (code,) = sources[0].findall(nodes.literal_block)
        found.append({"source": code.astext(), "tags": list(cell["cell_metadata"].get("tags", []))})
    return found


def versioned(pathto, name):
    """The URL of ``live/<name>`` in the built _static/, relative to the page, with a query that
    changes with its content (as Sphinx's ``?v=`` does for the assets it adds): a browser may
    keep the file as long as the URL stays the same."""
    version = hashlib.sha256((HERE / name).read_bytes()).hexdigest()[:8]
    return f'{pathto("_static/" + name, 1)}?v={version}'


def add_runner(app, pagename, templatename, context, doctree):
    """Give a module page its examples' sources, the runner's scripts and its stylesheet."""
    if doctree is None or not MODULE_PAGE.search(pagename):
        return
    found = examples(pagename, doctree)
    if not found:
        return
    pathto = context["pathto"]
    config = {"worker": versioned(pathto, "tinytorch_live_worker.js"),
              "runner": versioned(pathto, "live_runner.py"),
              "pyodide": relative_uri(app.builder.get_target_uri(pagename), PYODIDE_DIR),
              "packages": list(PACKAGES), "files": app.builder.tinytorch_live_files}
    # First in the head, with the meta tags, before the stylesheets (a script after a stylesheet
    # waits for it to load): the configuration, and Python started at once for a returning learner.
    early = (f"window.ttLive = {{config: {json.dumps(config)}}};\n"
             + (HERE / "tinytorch_live_early.js").read_text(encoding="utf-8"))
    context["metatags"] += f"\n<script>{early}</script>\n"
    # Last in the article, where the parser reaches it once every example is in the document: a
    # plain script runs there at once, while a deferred one in the head would wait for the
    # theme's deferred scripts to run before it.
    data = json.dumps({"page": pagename, "examples": found}, ensure_ascii=False)
    data = data.replace("<", "\\u003c")  # so that no source text ("</script>") ends the element
    context["body"] += (
        f'\n<script id="tt-live-examples" type="application/json">{data}</script>\n'
        f'<script src="{versioned(pathto, "tinytorch_live.js")}"></script>\n')
    app.add_css_file("tinytorch_live.css")


def setup(app):
    app.connect("config-inited", add_static_path)
    app.connect("builder-inited", read_pyodide_lock)
    app.connect("html-page-context", add_runner)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
