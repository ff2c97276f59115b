"""Live examples on the module pages (book/_ext/tinytorch_live.py and book/_ext/live/).

Against the built site, in Chromium, as a learner uses it: an example edited and run gives what
CPython with the local tinytorch gives for the same code (computed here, in a subprocess); an
error shows a short traceback of the reader's own lines; a plot shows as an image; edits survive a
reload, and a rebuilt example offers its new version; a late example runs the earlier ones first;
Stop ends an endless loop; a reader who never touches code downloads no Python. The learner
fixture checks, after every test, that no request left 127.0.0.1 and no page logged a console
error.

The DOM these tests read is the runner's contract (tinytorch_live.js), which the start-up
benchmark relies on too.
"""

import json
import re
import subprocess
import sys
from urllib.parse import urljoin

import pytest

from course_tools import chromium
from course_tools.paths import REPO

pytestmark = pytest.mark.browser

MODULES = ["01_tensor", "02_activations", "03_layers", "04_losses", "05_autograd",
           "06_optimizers", "07_training", "08_dataloader", "09_milestone_digits"]
RUN_TIMEOUT = 240_000  # ms: a cold Pyodide boot on a busy 2-core machine, plus the example
PYTHON_DOWNLOADS = re.compile(r"^/lite/(static/pyodide|pypi)/")
OUR_TAGS = re.compile(r'\s*<link [^>]*tinytorch_live\.css[^>]*/>'
                      r'|\s*<script>window\.ttLive = .*?</script>'
                      r'|\s*<script id="tt-live-examples"[^>]*>.*?</script>'
                      r'|\s*<script [^>]*tinytorch_live\.js[^>]*></script>', re.S)

# What a learner might add to an example: a print, and an expression as the last line, whose
# value the runner shows like Jupyter.
EDIT_LINES = ("\nfrom tinytorch import Tensor as _Edited\n"
              "print('edited:', (_Edited([1.0, 2.0, 3.0]) * 7).numpy())\n")
EDIT_LAST = "(_Edited([[1.0, 2.0]]) @ _Edited([[3.0], [4.0]])).numpy() / 4"

# CPython runs the edited example the way a notebook does: every statement, then the repr of the
# last expression, printed after a marker line.
CPYTHON = """\
import sys
source, last = sys.stdin.read().split("\\0")
namespace = {"__name__": "__main__"}
exec(compile(source, "<example>", "exec"), namespace)
print("\\0")
print(repr(eval(last, namespace)))
"""


def cpython(source, last):
    """(stdout, repr of ``last``) of ``source`` run by this CPython with the local tinytorch."""
    done = subprocess.run([sys.executable, "-c", CPYTHON], input=f"{source}\0{last}",
                          capture_output=True, text=True, timeout=300, check=True)
    printed, value = done.stdout.split("\0\n")
    return printed, value.rstrip("\n")


def examples_of(site, module):
    """The build's list of the page's examples (what the runner runs): [{source, tags}]."""
    html = (site / "book" / "modules" / f"{module}.html").read_text(encoding="utf-8")
    data = re.search(r'<script id="tt-live-examples" type="application/json">(.*?)</script>',
                     html, re.S)
    assert data, f"{module}.html has no live examples"
    return json.loads(data.group(1))["examples"]


def open_module(learner, server, module):
    page = learner.new_page()
    page.goto(urljoin(server.url, f"book/modules/{module}.html"))
    page.wait_for_function("document.documentElement.dataset.ttLive === 'idle'")
    return page


def example(page, number):
    return page.locator("div.cell.tt-live").nth(number - 1)


def run(page, number):
    """Click Run on example ``number`` and wait until it has finished; return what it shows."""
    cell = example(page, number)
    cell.locator("button.tt-live-run").click()
    return finished(page, number)


def finished(page, number):
    output = example(page, number).locator("div.tt-live-output")
    page.wait_for_function("e => e.dataset.state === 'done' || e.dataset.state === 'error'",
                           arg=output.element_handle(), timeout=RUN_TIMEOUT, polling=100)
    return shown(page, number)


def shown(page, number):
    return example(page, number).locator("div.tt-live-output").evaluate("""output => ({
        state: output.dataset.state,
        notes: [...output.querySelectorAll('.tt-live-note')].map(p => p.textContent),
        stdout: [...output.querySelectorAll('.tt-live-stream .tt-live-stdout')]
                    .map(s => s.textContent).join(''),
        stderr: [...output.querySelectorAll('.tt-live-stream .tt-live-stderr')]
                    .map(s => s.textContent).join(''),
        result: output.querySelector('.tt-live-result')?.textContent ?? null,
        error: output.querySelector('.tt-live-error')?.textContent ?? null,
        figures: [...output.querySelectorAll('img.tt-live-figure')]
                    .map(img => [img.naturalWidth, img.naturalHeight, img.alt]),
    })""")


def serious_violations(page):
    """axe-core's serious and critical violations of the page as it is now (the book-wide check,
    test_accessibility.py, sees the examples before anything ran)."""
    page.add_script_tag(path=str(REPO / "node_modules" / "axe-core" / "axe.min.js"))
    found = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")["violations"]
    return [f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in found if v["impact"] in {"serious", "critical"}]


def python_downloads(server, first):
    return [r.path for r in server.requests[first:] if PYTHON_DOWNLOADS.match(r.path)]


@pytest.mark.parametrize("module", MODULES)
def test_the_first_example_edited_and_run_gives_what_cpython_gives(learner, server, site, module):
    original = examples_of(site, module)[0]["source"]
    page = open_module(learner, server, module)
    editor = example(page, 1).locator("textarea.tt-live-editor")
    assert editor.input_value() == original
    editor.fill(original + EDIT_LINES + EDIT_LAST)
    got = run(page, 1)

    printed, value = cpython(original + EDIT_LINES, EDIT_LAST)
    assert got["state"] == "done", got
    assert got["error"] is None and got["notes"] == [], got
    assert got["stdout"] == printed
    assert got["result"] == value
    assert page.evaluate("document.documentElement.dataset.ttLive") == "ready"


def test_an_error_shows_the_readers_lines_and_not_the_runners(learner, server):
    page = open_module(learner, server, "01_tensor")
    code = ("import numpy as np\n"
            "from tinytorch import Tensor\n"
            "\n"
            "def flatten(t):\n"
            "    return t.reshape(5)\n"
            "\n"
            "flatten(Tensor([1.0, 2.0, 3.0]))\n")
    example(page, 1).locator("textarea.tt-live-editor").fill(code)
    got = run(page, 1)

    assert got["state"] == "error" and got["result"] is None, got
    error = got["error"]
    assert error.startswith("Traceback (most recent call last):\n"), error
    assert 'File "<example 1>", line 7, in <module>\n    flatten(Tensor([1.0, 2.0, 3.0]))' in error
    assert 'File "<example 1>", line 5, in flatten\n    return t.reshape(5)' in error
    assert "live_runner" not in error and "exec(" not in error and "eval(" not in error, error
    # The last line is the exception CPython raises for the same code.
    raised = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert error.rstrip("\n").splitlines()[-1] == raised.stderr.rstrip("\n").splitlines()[-1]

    # A syntax error names the reader's line too, with no frame at all.
    example(page, 1).locator("textarea.tt-live-editor").fill("x = 1\ny = (x +\n")
    got = run(page, 1)
    assert got["state"] == "error", got
    assert 'File "<example 1>", line 2' in got["error"] and "SyntaxError" in got["error"]
    assert "Traceback" not in got["error"], got["error"]


def test_an_example_tagged_raises_exception_runs_and_shows_its_error_as_the_page_does(
        learner, server, site):
    """The common errors of a page run after its ``%xmode Minimal``: each shows the exception's
    line alone, the same line as the page's build-time output."""
    examples = examples_of(site, "01_tensor")
    number = next(i + 1 for i, e in enumerate(examples) if "raises-exception" in e["tags"])
    assert examples[number - 2]["source"] == "%xmode Minimal"
    page = open_module(learner, server, "01_tensor")
    built = example(page, number).locator("div.cell_output").inner_text()
    got = run(page, number)
    assert got["state"] == "error", got
    assert got["notes"] == [f"Ran examples 1-{number - 1} first."], got
    assert shown(page, number - 1)["stdout"] == "Exception reporting mode: Minimal\n"
    assert got["error"].strip() == built.strip()
    assert built.startswith("ValueError: ")

    # Back to tracebacks: the reader's own line, as in any other example.
    example(page, number - 1).locator("textarea.tt-live-editor").fill("%xmode Context")
    run(page, number - 1)
    got = run(page, number)
    assert got["error"].startswith("Traceback (most recent call last):"), got
    assert f'File "<example {number}>"' in got["error"], got["error"]
    assert "live_runner" not in got["error"]
    assert got["error"].strip().endswith(built.strip())


def test_a_plotting_example_shows_its_figure(learner, server, site):
    examples = examples_of(site, "02_activations")
    number = next(i + 1 for i, e in enumerate(examples) if "plt.show()" in e["source"])
    page = open_module(learner, server, "02_activations")
    got = run(page, number)
    assert got["state"] == "done", got
    assert got["error"] is None, got
    assert len(got["figures"]) == 1, got
    width, height, alt = got["figures"][0]
    assert width > 300 and height > 100, got["figures"]
    assert alt == f"Figure 1 drawn by example {number}"
    assert serious_violations(page) == []


def test_running_a_late_example_runs_the_earlier_ones_first(learner, server):
    page = open_module(learner, server, "01_tensor")
    built = example(page, 4).locator("div.cell_output").inner_text()
    got = run(page, 4)
    assert got["state"] == "done", got
    assert got["notes"] == ["Ran examples 1-3 first."], got
    for number in (1, 2, 3):
        assert shown(page, number)["state"] == "done", shown(page, number)
    # The same code gives the same output as at build time (the examples of 01 are deterministic).
    assert (got["stdout"] + (got["result"] or "")).strip() == built.strip()
    assert example(page, 4).locator("div.cell_output").is_hidden()

    again = run(page, 4)
    assert again["notes"] == [] and again["state"] == "done", again


def test_stop_ends_an_endless_loop_and_a_later_run_works(learner, server):
    page = open_module(learner, server, "01_tensor")
    editor = example(page, 2).locator("textarea.tt-live-editor")
    original = editor.input_value()
    editor.fill("while True:\n    pass\n")
    editor.press("Shift+Enter")
    page.wait_for_function("document.documentElement.dataset.ttLive === 'ready'",
                           timeout=RUN_TIMEOUT)
    output = example(page, 2).locator("div.tt-live-output")
    page.wait_for_function("e => e.dataset.state === 'running'", arg=output.element_handle())
    page.wait_for_timeout(500)
    assert output.get_attribute("data-state") == "running"
    example(page, 2).locator("button.tt-live-stop").click()
    got = shown(page, 2)
    assert got["state"] == "error", got
    assert any("Stopped" in note and "earlier examples will run again" in note
               for note in got["notes"]), got

    example(page, 2).locator("button.tt-live-reset").click()
    assert editor.input_value() == original
    assert example(page, 2).locator("div.tt-live-output").get_attribute("data-state") == "idle"
    got = run(page, 2)
    assert got["state"] == "done", got
    assert got["notes"] == ["Ran example 1 first."], got


def test_an_edit_survives_a_reload_and_a_changed_example_offers_its_new_version(learner, server,
                                                                                site):
    page = open_module(learner, server, "04_losses")
    editor = example(page, 2).locator("textarea.tt-live-editor")
    original = editor.input_value()
    edited = original + "\nprint('my edit')\n"
    editor.fill(edited)
    page.reload()
    page.wait_for_function("document.documentElement.dataset.ttLive === 'idle'")
    assert example(page, 2).locator("textarea.tt-live-editor").input_value() == edited
    assert example(page, 1).locator("textarea.tt-live-editor").input_value() == \
        examples_of(site, "04_losses")[0]["source"]
    notice = example(page, 2).locator(".tt-live-notice")
    assert notice.is_hidden()

    # The site is rebuilt with a different example 2: the edit stays, the new version is offered.
    changed = original.replace("\n", "\n# a sentence the author added\n", 1)
    url = urljoin(server.url, "book/modules/04_losses.html")

    def rebuilt(route):
        html = route.fetch().text()
        data = re.search(r'(<script id="tt-live-examples" type="application/json">)(.*?)(</script>)',
                         html, re.S)
        examples = json.loads(data.group(2))
        examples["examples"][1]["source"] = changed
        body = json.dumps(examples).replace("<", "\\u003c")
        route.fulfill(body=html[:data.start(2)] + body + html[data.end(2):],
                      content_type="text/html")

    page.route(url, rebuilt)
    page.reload()
    page.wait_for_function("document.documentElement.dataset.ttLive === 'idle'")
    editor = example(page, 2).locator("textarea.tt-live-editor")
    assert editor.input_value() == edited
    assert notice.is_visible()
    assert "This example changed since you edited it." in notice.inner_text()
    assert serious_violations(page) == []
    notice.get_by_role("button", name="Keep my edit").click()
    assert notice.is_hidden() and editor.input_value() == edited
    page.reload()
    page.wait_for_function("document.documentElement.dataset.ttLive === 'idle'")
    assert notice.is_hidden() and editor.input_value() == edited

    # The author changes it once more; this time the reader takes the new version.
    changed = original.replace("\n", "\n# and another one\n", 1)
    page.reload()
    page.wait_for_function("document.documentElement.dataset.ttLive === 'idle'")
    assert notice.is_visible()
    notice.get_by_role("button", name="Use the new version").click()
    assert notice.is_hidden() and editor.input_value() == changed
    keys = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('tinytorch-live:'))")
    assert keys == [], keys


def test_an_edit_follows_its_example_when_the_author_adds_one_above_it(learner, server, site):
    """A reader edited example 1; the rebuilt page has a new example above it, so that example is
    now number 2. The edit is shown on number 2, the new example 1 is untouched and offers
    nothing, and the edit is kept under its new number."""
    sources = [e["source"] for e in examples_of(site, "04_losses")]
    page = open_module(learner, server, "04_losses")
    edited = sources[1] + "\nprint('my edit')\n"
    page.evaluate("([key, edit]) => localStorage.setItem(key, JSON.stringify(edit))",
                  ["tinytorch-live:edit:book/modules/04_losses#1",
                   {"original": sources[1], "code": edited}])
    page.reload()
    page.wait_for_function("document.documentElement.dataset.ttLive === 'idle'")
    assert example(page, 2).locator("textarea.tt-live-editor").input_value() == edited
    assert example(page, 1).locator("textarea.tt-live-editor").input_value() == sources[0]
    assert example(page, 1).locator(".tt-live-notice").is_hidden()
    assert example(page, 2).locator(".tt-live-notice").is_hidden()
    keys = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('tinytorch-live:edit:'))")
    assert keys == ["tinytorch-live:edit:book/modules/04_losses#2"], keys


def colours(page, number):
    """How example ``number``'s code shows: is the highlighted copy shown, and the colours of the
    editor's text and caret, and of the page's text."""
    return example(page, number).evaluate("""cell => {
        const pre = cell.querySelector('.cell_input pre');
        const editor = cell.querySelector('textarea.tt-live-editor');
        const style = getComputedStyle(editor);
        const probe = document.body.appendChild(document.createElement('span'));
        probe.style.color = 'var(--pst-color-text-base)';
        const text = getComputedStyle(probe).color;
        probe.remove();
        return {highlighted: pre.checkVisibility(), pygments: pre.querySelectorAll('span.k, span.kn').length,
                text: style.color, caret: style.caretColor, page: text};
    }""")


TRANSPARENT = "rgba(0, 0, 0, 0)"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_an_unedited_example_shows_its_colours_and_an_edited_one_its_plain_text(
        learner, server, site, theme):
    page = open_module(learner, server, "01_tensor")
    page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
    editor = example(page, 1).locator("textarea.tt-live-editor")
    assert editor.input_value() == examples_of(site, "01_tensor")[0]["source"]
    assert editor.get_attribute("aria-label") == "Code of example 1"
    # Unedited: the reader sees Pygments' colours through the editor, and its caret.
    got = colours(page, 1)
    assert got["highlighted"] and got["pygments"] > 0, got
    assert got["text"] == TRANSPARENT and got["caret"] == got["page"] != TRANSPARENT, got

    # Typing in the middle of a line: the highlighted copy would be wrong, the editor's text shows.
    editor.click()
    page.keyboard.press("Control+Home")
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    page.keyboard.type("_")
    assert editor.input_value().startswith("import numpy as n_p\n")
    got = colours(page, 1)
    assert not got["highlighted"] and got["text"] == got["page"] != TRANSPARENT, got

    # An edit restored from localStorage shows as edited; Reset brings the colours back.
    page.reload()
    page.wait_for_function("document.documentElement.dataset.ttLive === 'idle'")
    assert not colours(page, 1)["highlighted"]
    example(page, 1).locator("button.tt-live-reset").click()
    got = colours(page, 1)
    assert got["highlighted"] and got["text"] == TRANSPARENT, got
    assert serious_violations(page) == []


# The editor's text must fall letter for letter on the highlighted copy's.
TYPE = ["font-family", "font-size", "font-weight", "font-style", "line-height", "letter-spacing",
        "word-spacing", "tab-size", "white-space", "padding-top", "padding-left", "border-top-width",
        "border-left-width", "text-indent", "font-variant-ligatures", "font-feature-settings"]


def alignment(page):
    """For each example: how far the editor's box lies from its highlighted copy's (px, the
    largest of the four edges), whether the editor scrolled inside, and the type properties in
    which the two differ."""
    return page.evaluate("""type => [...document.querySelectorAll('div.cell.tt-live')].map(cell => {
        const pre = cell.querySelector('.cell_input pre');
        const editor = cell.querySelector('textarea.tt-live-editor');
        const a = pre.getBoundingClientRect(), b = editor.getBoundingClientRect();
        const [p, e] = [getComputedStyle(pre), getComputedStyle(editor)];
        return {off: Math.max(...['left', 'top', 'right', 'bottom'].map(k => Math.abs(a[k] - b[k]))),
                scrolled: editor.scrollLeft + editor.scrollTop,
                differ: type.filter(k => p.getPropertyValue(k) !== e.getPropertyValue(k))};
    })""", TYPE)


@pytest.mark.parametrize("module", MODULES)
def test_each_editor_lies_exactly_over_its_highlighted_code(learner, server, site, module):
    page = open_module(learner, server, module)
    page.wait_for_load_state("networkidle")  # the page's diagrams and math are drawn
    for number, got in enumerate(alignment(page), start=1):
        assert got["off"] <= 1 and got["scrolled"] == 0 and got["differ"] == [], (number, got)
    assert len(alignment(page)) == len(examples_of(site, module))


def test_long_lines_scroll_with_their_colours_and_the_caret_stays_on_its_letter(learner, server,
                                                                               site):
    # The page's longest line, on a phone-sized screen.
    lines = [(len(line), number, row) for number, e in enumerate(examples_of(site, "01_tensor"), 1)
             for row, line in enumerate(e["source"].split("\n"))]
    _, number, row = max(lines)
    page = open_module(learner, server, "01_tensor")
    page.set_viewport_size({"width": 420, "height": 800})
    frame = example(page, number).locator(".cell_input .highlight")
    assert frame.evaluate("f => f.scrollWidth > f.clientWidth"), "expected a line wider than 420px"
    # The caret at the end of that line: the frame scrolls the editor and the copy together.
    example(page, number).locator("textarea.tt-live-editor").click()
    page.keyboard.press("Control+Home")
    for _ in range(row):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("End")
    page.wait_for_timeout(100)
    assert frame.evaluate("f => f.scrollLeft") > 0
    got = alignment(page)[number - 1]
    assert got["off"] <= 1 and got["scrolled"] == 0, got


@pytest.mark.parametrize("module", ["01_tensor", "07_training"])
def test_a_reader_who_never_touches_code_downloads_no_python(learner, server, module):
    first = len(server.requests)
    page = open_module(learner, server, module)
    page.wait_for_load_state("load")
    # Reading: the mouse rests over the text while the wheel scrolls the whole page under it, so
    # every example passes under the pointer.
    page.get_by_role("heading", level=1).hover()
    height = page.evaluate("document.body.scrollHeight")
    for _ in range(height // 400 + 1):
        page.mouse.wheel(0, 400)
        page.wait_for_timeout(100)
    page.keyboard.press("End")
    page.wait_for_timeout(2000)
    assert page.evaluate("document.documentElement.dataset.ttLive") == "idle"
    assert python_downloads(server, first) == []
    assert not [r.path for r in server.requests[first:] if "tinytorch_live_worker" in r.path]

    # The first sign of intent starts Python: the pointer over an example.
    example(page, 3).hover()
    page.wait_for_function("document.documentElement.dataset.ttLive === 'ready'",
                           timeout=RUN_TIMEOUT)
    assert python_downloads(server, first)


def test_the_worker_fetches_the_packages_alongside_pyodide_and_each_file_once(learner, server,
                                                                             site):
    """The worker asks for numpy's and tinytorch's wheels as it starts, not after Pyodide has
    booted (which needs its runtime, pyodide.asm.wasm, in full), and nothing is downloaded twice:
    loadPackage finds the files in the browser's cache."""
    lock = json.loads((site / "lite" / "static" / "pyodide" / "pyodide-lock.json").read_text())
    wheels = {lock["packages"][name]["file_name"] for name in ("numpy", "tinytorch")}
    first = len(server.requests)
    page = open_module(learner, server, "02_activations")
    got = run(page, 1)
    assert got["state"] == "done", got
    requests = [r for r in server.requests[first:] if PYTHON_DOWNLOADS.match(r.path)]
    names = [r.path.split("?")[0].rsplit("/", 1)[-1] for r in requests]
    # A file without a content hash in its name (the course's wheel) is revalidated when
    # loadPackage asks for it again: a 304, no body.
    downloaded = [name for r, name in zip(requests, names) if r.bytes > 0]
    assert sorted(name for name in downloaded if name in wheels) == sorted(wheels), \
        f"each wheel downloaded once, got {list(zip(names, [r.status for r in requests]))}"
    runtime_done = max(r.finished for r, name in zip(requests, names)
                       if name == "pyodide.asm.wasm")
    first_asked = {name: min(r.started for r, n in zip(requests, names) if n == name)
                   for name in wheels}
    late = [name for name, started in first_asked.items() if started >= runtime_done]
    assert late == [], f"asked for only after Pyodide's runtime had arrived: {late}"


def test_a_returning_learner_starts_python_at_page_load(learner, server):
    page = open_module(learner, server, "03_layers")
    got = run(page, 1)
    assert got["state"] == "done", got
    assert page.evaluate("localStorage.getItem('tinytorch-live:returning')") == "1"
    page.close()

    # No pointer, no focus, no click on the next page: Python starts because this learner has
    # run code before.
    page = learner.new_page()
    page.goto(urljoin(server.url, "book/modules/05_autograd.html"))
    page.wait_for_function("document.documentElement.dataset.ttLive === 'ready'",
                           timeout=RUN_TIMEOUT)


def serve(html):
    """A route handler that answers with ``html``."""
    return lambda route: route.fulfill(body=html, content_type="text/html")


@pytest.fixture(scope="module")
def browser_without_javascript(playwright):
    browser = chromium.launch(playwright, headless=True)
    context = browser.new_context(java_script_enabled=False)
    yield context
    context.close()
    browser.close()


@pytest.mark.parametrize("module", MODULES)
def test_without_javascript_a_module_page_reads_as_built_without_the_runner(
        browser_without_javascript, server, site, module):
    html = (site / "book" / "modules" / f"{module}.html").read_text(encoding="utf-8")
    without = OUR_TAGS.sub("", html)
    assert len(OUR_TAGS.findall(html)) == 4, ("expected the runner's stylesheet, its head script, "
                                              "the examples and the page script")
    assert "tt-live" not in without and "tinytorch_live" not in without, \
        "the runner adds something to the page besides its four tags"

    url = urljoin(server.url, f"book/modules/{module}.html")
    readings = []
    for body in (html, without):
        page = browser_without_javascript.new_page()
        page.route(url, serve(body))
        page.goto(url)
        readings.append(page.evaluate("""() => ({
            text: document.body.innerText,
            code: [...document.querySelectorAll('pre')].map(p => p.innerText),
            live: document.querySelectorAll('.tt-live, .tt-live-editor').length,
        })"""))
        page.close()
    with_runner, as_built = readings
    assert with_runner["live"] == 0
    assert with_runner["code"] == as_built["code"]
    assert with_runner["text"] == as_built["text"]
    assert len(as_built["code"]) >= len(examples_of(site, module))
