"""Open a learner notebook from its module page and drive it in JupyterLite's notebook app
through the app's own API (``window.jupyterapp``, exposed by ``exposeAppInBrowser`` in
lite/jupyter-lite.json).

Cells are run one at a time with the app's ``notebook:run-cell`` command, as a learner's
Shift+Enter would (run-all would stop at the first error), and outputs are read from the cell
models, not from the page text.
"""

import base64
import hashlib
import json
import re

from course_tools.paths import CONTENT

LAUNCHER = re.compile(r"run in (your|the) browser", re.IGNORECASE)

NOTEBOOKS = sorted(p.stem for p in CONTENT.glob("*.ipynb"))


# --- the notebooks as files ------------------------------------------------------------------------

def read_notebook(name):
    return json.loads((CONTENT / f"{name}.ipynb").read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def versioned_path(name, data):
    """Where the built site serves a notebook whose bytes are ``data``: its name carries the
    digest of its content (course_tools.version_notebooks)."""
    return f"content/{name}-{hashlib.sha256(data).hexdigest()[:8]}.ipynb"


def lite_path(name):
    """Where the built site serves content/<name>.ipynb as it is in the repository now."""
    return versioned_path(name, (CONTENT / f"{name}.ipynb").read_bytes())


# --- the site --------------------------------------------------------------------------------------

def module_page(site, name):
    pages = [p for p in site.glob(f"**/modules/{name}.html") if "lite" not in p.parts]
    assert len(pages) == 1, f"expected one module page modules/{name}.html in {site}, got {pages}"
    return pages[0].relative_to(site).as_posix()


def open_from_module_page(learner, server, site, name, *, kernel=True):
    """Open the module page, follow its "Run in your browser" launcher (into a new tab if it
    opens one), wait for JupyterLite; return (page, path of the notebook it opened)."""
    page = learner.new_page()
    page.goto(server.url + module_page(site, name))
    # As a reader does: let the page finish loading (mermaid fetches its diagram code after the
    # load event) before following the launcher; requests still in flight when the test ends can
    # be answered by the server yet missing from Playwright's log, which the learner fixture checks.
    page.wait_for_load_state("networkidle")
    page = follow_launcher(learner, page)
    return page, wait_for_notebook(page, kernel=kernel)


def follow_launcher(learner, page, timeout_ms=None):
    """Click a module page's "Run in your browser" launcher once it shows; return the page it
    opened (a new tab if the link targets one, else the same page)."""
    link = page.get_by_role("link", name=LAUNCHER).first
    link.wait_for(state="visible", timeout=timeout_ms)
    if link.get_attribute("target") != "_blank":
        link.click()
        return page
    with learner.context.expect_page() as opened:
        link.click()
    return opened.value


# --- JupyterLite -----------------------------------------------------------------------------------

# Every call below races the work against a timer, so a hung kernel fails the test with a message
# instead of blocking forever (page.evaluate has no timeout of its own).
_RACE = """
const race = (work, ms, what) => Promise.race([work, new Promise((_, reject) => setTimeout(
    () => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms))]);
const notebook = () => {
    const widget = window.jupyterapp.shell.currentWidget;
    if (!widget || !widget.content || !widget.sessionContext) {
        throw new Error('the current JupyterLite widget is not a notebook');
    }
    return widget;
};
const dialog = () => {
    const d = document.querySelector('.jp-Dialog');
    return d ? ` (a dialog is open: ${d.innerText.replace(/\\s+/g, ' ')})` : '';
};
"""

_APP_UP = """() => { const app = window.jupyterapp; const w = app && app.shell.currentWidget;
                    return !!(w && w.context && w.sessionContext); }"""

_READY = _RACE + """
async ({kernel, ms}) => {
    const nb = notebook();
    await race(nb.context.ready, ms, 'opening the notebook' + dialog());
    if (kernel) {
        await race(nb.sessionContext.ready, ms, 'starting the kernel' + dialog());
        const k = nb.sessionContext.session && nb.sessionContext.session.kernel;
        if (!k) {
            throw new Error(`no kernel started: ${nb.sessionContext.kernelDisplayName}` + dialog());
        }
        await race(k.info, ms, 'the kernel info' + dialog());
    }
    return nb.context.path;
}
"""

_CELLS = _RACE + """
() => notebook().content.widgets.map(cell => ({
    type: cell.model.type,
    source: cell.model.sharedModel.getSource(),
    tags: cell.model.getMetadata('tags') || [],
    tinytorch: cell.model.getMetadata('tinytorch') || null,
}))
"""

_RUN = _RACE + """
async ({index, ms}) => {
    const app = window.jupyterapp;
    const nb = notebook();
    nb.content.deselectAll();
    nb.content.activeCellIndex = index;
    const cell = nb.content.widgets[index];
    const ok = await race(app.commands.execute('notebook:run-cell'), ms, `cell ${index}` + dialog());
    return {ok, outputs: cell.model.type === 'code' ? cell.model.outputs.toJSON() : []};
}
"""

_SET_SOURCE = _RACE + """
({index, source}) => { notebook().content.widgets[index].model.sharedModel.setSource(source); }
"""

_SAVED = _RACE + """
async ({text, ms}) => {
    // Resolves once the notebook has no unsaved change and the stored copy contains `text`.
    const nb = notebook();
    const contents = window.jupyterapp.serviceManager.contents;
    const start = Date.now();
    while (Date.now() - start < ms) {
        if (!nb.context.model.dirty) {
            const stored = await contents.get(nb.context.path, {content: true});
            if (JSON.stringify(stored.content).includes(text)) {
                return (Date.now() - start) / 1000;
            }
        }
        await new Promise(resolve => setTimeout(resolve, 250));
    }
    const model = nb.context.model;
    const stored = await contents.get(nb.context.path, {content: true});
    throw new Error(`the edit was not saved within ${ms / 1000} s: dirty=${model.dirty}, ` +
        `in the model: ${JSON.stringify(model.toJSON()).includes(text)}, stored copy of ` +
        `${stored.last_modified} has it: ${JSON.stringify(stored.content).includes(text)}, ` +
        `kernel ${nb.sessionContext.kernelDisplayStatus}` + dialog());
}
"""

_ACTIVATE = _RACE + """
async ({index, ms}) => {
    // Make a cell the active one and scroll it into view: the notebook renders only the cells
    // near the viewport, so an editor out of view is not in the page.
    const nb = notebook();
    nb.content.deselectAll();
    nb.content.activeCellIndex = index;
    await race(nb.content.scrollToItem(index, 'center'), ms, `scrolling to cell ${index}`);
    await race(nb.content.widgets[index].ready, ms, `rendering cell ${index}`);
}
"""

_CONTENTS = """
async ({path, content}) => {
    const model = await window.jupyterapp.serviceManager.contents.get(path, {content});
    return model;
}
"""


def wait_for_notebook(page, *, kernel=True, timeout=240):
    """Wait for the app, the document and (optionally) the kernel; return the notebook's path."""
    page.wait_for_function(_APP_UP, timeout=timeout * 1000)
    return page.evaluate(_READY, {"kernel": kernel, "ms": timeout * 1000})


def cells(page):
    """Each cell as {type, source, tags, tinytorch} (tinytorch: its metadata, or None)."""
    return page.evaluate(_CELLS)


def run_cell(page, index, *, timeout=240):
    """Run one cell; return {ok, outputs} with the outputs in nbformat form."""
    return page.evaluate(_RUN, {"index": index, "ms": timeout * 1000})


def set_source(page, index, source):
    page.evaluate(_SET_SOURCE, {"index": index, "source": source})


def wait_until_saved(page, text, *, timeout=120):
    """Wait for autosave to store an edit containing ``text``; return the seconds it took."""
    return page.evaluate(_SAVED, {"text": text, "ms": timeout * 1000})


def contents(page, path, *, content=True):
    """The contents model JupyterLite serves for ``path`` (browser storage over site files)."""
    return page.evaluate(_CONTENTS, {"path": path, "content": content})


def text_file(page, path):
    """The text of a file in the learner's JupyterLite storage. A file the kernel wrote comes back
    base64-encoded (Pyodide's file system stores bytes)."""
    model = contents(page, path)
    data = model["content"]
    return base64.b64decode(data).decode() if model.get("format") == "base64" else data


def type_into_cell(page, index, text):
    """Type ``text`` at the end of a cell's editor with the keyboard, as a learner would."""
    page.evaluate(_ACTIVATE, {"index": index, "ms": 30_000})
    page.locator(".jp-Notebook .jp-Cell.jp-mod-active .cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


# --- outputs ---------------------------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def stdout(outputs):
    return "".join(o["text"] for o in outputs
                   if o["output_type"] == "stream" and o.get("name") == "stdout")


def errors(outputs):
    """The error outputs as (exception name, message). Pyodide's kernel reports the name as
    "<class 'NotImplementedError'>", IPython's as "NotImplementedError": both give the name."""
    found = []
    for o in outputs:
        if o["output_type"] == "error":
            name = re.fullmatch(r"(?:<class ')?(?:[\w.]*\.)?(\w+)(?:'>)?", o["ename"])
            found.append((name.group(1) if name else o["ename"], o["evalue"]))
    return found


def traceback(outputs):
    return "\n".join(ANSI.sub("", line) for o in outputs if o["output_type"] == "error"
                     for line in o["traceback"])


def has_image(outputs, mimetype="image/png"):
    return any(mimetype in o.get("data", {}) for o in outputs
               if o["output_type"] in {"display_data", "execute_result"})
