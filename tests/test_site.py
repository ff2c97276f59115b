"""Tests of the built course site in _build/html (build it first: bash scripts/build_site.sh).

They check what a reader's browser gets: no page loads anything from another host, every local
asset a page asks for exists, JupyterLite is configured for the self-hosted Pyodide and the local
package index, and every module page has working launchers. The last tests load the pages in
Chromium, served by course_tools.serve, with every request off 127.0.0.1 blocked and recorded.
"""

import hashlib
import json
import re
import subprocess
import sys
import zipfile
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urljoin, urlsplit
from urllib.request import urlopen

import pytest
import yaml

from course_tools import chromium
from course_tools.paths import REPO
from course_tools.serve import cache_control
from course_tools.urls import is_off_site

# <link rel=...> values that make the browser fetch the target.
FETCHING_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "icon", "shortcut",
                 "apple-touch-icon", "manifest", "mask-icon", "preconnect", "dns-prefetch"}
CSS_URL = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)|url\(\s*['"]?([^'")]+)['"]?\s*\)""")
LAZY_LIBRARIES = ("data-mathjax", "data-mermaid")  # book/_ext/lazy/tinytorch_lazy.js
HAS_MATH = re.compile(r'<(?:span|div)\s[^>]*class="math(?:\s[^"]*)?"')
HAS_MERMAID = re.compile(r'<(?:pre|div)\s[^>]*class="mermaid(?:\s[^"]*)?"')
JS_IMPORT = re.compile(r"""(?:\bimport\s*(?:[\w*{}\s,]+from\s*)?|\bimport\s*\(\s*)['"]([^'"]+)['"]""")


class AssetParser(HTMLParser):
    """Collects every URL an HTML page makes the browser fetch: (what, url)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.assets = []
        self._inline = None  # "script" or "style" while inside one without src

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "script":
            for key in LAZY_LIBRARIES:  # what the page's tinytorch_lazy.js loads later
                if a.get(key):
                    self.assets.append((f"script {key}", a[key]))
            if a.get("src"):
                self.assets.append(("script src", a["src"]))
            elif a.get("type", "text/javascript") in {"module", "text/javascript", ""}:
                self._inline = "script"
        elif tag == "style":
            self._inline = "style"
        elif tag == "link" and a.get("href"):
            rels = set(a.get("rel", "").lower().split())
            if rels & FETCHING_RELS:
                self.assets.append((f"link rel={a['rel']}", a["href"]))
        elif tag in {"img", "iframe", "source", "audio", "video", "embed", "input", "track"}:
            if a.get("src"):
                self.assets.append((f"{tag} src", a["src"]))
            for candidate in a.get("srcset", "").split(","):
                if candidate.strip():
                    self.assets.append((f"{tag} srcset", candidate.split()[0]))
        elif tag == "object" and a.get("data"):
            self.assets.append(("object data", a["data"]))
        if a.get("style"):
            self.assets += [("style attribute", u) for u in css_urls(a["style"])]

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._inline = None

    def handle_data(self, data):
        if self._inline == "script":
            self.assets += [("inline script import", u) for u in JS_IMPORT.findall(data)]
        elif self._inline == "style":
            self.assets += [("inline style", u) for u in css_urls(data)]


def css_urls(text):
    return [a or b for a, b in CSS_URL.findall(text)]


def page_assets(path):
    parser = AssetParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser.assets


def html_pages(site):
    return sorted(site.rglob("*.html"))


def book_pages(site):
    """The Jupyter Book pages (the JupyterLite app has its own tests)."""
    return [p for p in html_pages(site) if not p.relative_to(site).parts[0] in {"lite", "_static"}]


def local_target(page, url):
    """The file a relative URL on `page` points at, or None for data:, blob:, fragments."""
    parts = urlsplit(url)
    if parts.scheme or not parts.path:
        return None
    return (page.parent / unquote(parts.path)).resolve()


def toc_module_pages():
    """book/modules/NN_name entries of _toc.yml: the module pages that must have launchers."""
    found = re.findall(r"file:\s*(book/modules/\d\d_[a-z0-9_]+)", (REPO / "_toc.yml").read_text())
    assert found, "_toc.yml lists no module pages (book/modules/NN_name)"
    return found


# --- static checks of the built HTML and CSS -----------------------------------------------------


def test_no_page_loads_anything_from_another_host(site):
    pages = html_pages(site)
    assert len(book_pages(site)) >= 5 and any("lite" in p.parts for p in pages)
    offending = [f"{p.relative_to(site)}: {what} {url}"
                 for p in pages for what, url in page_assets(p) if is_off_site(url)]
    assert offending == [], "pages load from other hosts:\n" + "\n".join(offending)


def test_no_stylesheet_imports_from_another_host(site):
    sheets = sorted(site.rglob("*.css"))
    assert sheets
    offending = [f"{css.relative_to(site)}: {url}" for css in sheets
                 for url in css_urls(css.read_text(encoding="utf-8", errors="replace"))
                 if is_off_site(url)]
    assert offending == [], "stylesheets fetch from other hosts:\n" + "\n".join(offending)


def test_every_local_asset_of_a_book_page_exists(site):
    missing = []
    for page in book_pages(site):
        for what, url in page_assets(page):
            target = local_target(page, url)
            if target is not None and not target.exists():
                missing.append(f"{page.relative_to(site)}: {what} {url}")
    assert missing == [], "pages ask for files the site does not have:\n" + "\n".join(missing)


class LinkParser(HTMLParser):
    """Targets a reader can follow: <a href> and jupyterlite-sphinx's window.open('...') buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        self.links += re.findall(r"window\.open\('([^']+)'\)", a.get("onclick", ""))


def test_every_relative_link_of_a_book_page_exists(site):
    broken, followed = [], 0
    for page in book_pages(site):
        parser = LinkParser()
        parser.feed(page.read_text(encoding="utf-8"))
        for url in parser.links:
            if url.startswith(("mailto:", "javascript:")) or is_off_site(url):
                continue
            target = local_target(page, url)
            followed += target is not None
            if target is not None and not target.exists():
                broken.append(f"{page.relative_to(site)}: {url}")
    assert followed > 0
    assert broken == [], "links to files the site does not have:\n" + "\n".join(broken)


def test_math_and_diagrams_are_served_by_the_site_and_loaded_lazily(site):
    """Pages with math or diagrams load the vendored MathJax and mermaid through tinytorch_lazy.js
    (when the first formula or diagram comes near the screen), never at page load."""
    math_pages = [p for p in book_pages(site) if HAS_MATH.search(p.read_text(encoding="utf-8"))]
    mermaid_pages = [p for p in book_pages(site)
                     if HAS_MERMAID.search(p.read_text(encoding="utf-8"))]
    assert math_pages and mermaid_pages, "expected at least one page with math and one with mermaid"
    for pages, key, library in [(math_pages, "data-mathjax", "mathjax/tex-chtml.js"),
                                (mermaid_pages, "data-mermaid", "mermaid/mermaid.esm.min.mjs")]:
        for page in pages:
            assets = page_assets(page)
            lazy = [url for what, url in assets if what == f"script {key}"]
            assert lazy and lazy[0].endswith(library) and local_target(page, lazy[0]).is_file(), \
                f"{page}: tinytorch_lazy.js is not given the site's own {library}"
            loader = [url for what, url in assets if what == "script src"
                      and url.split("?")[0].endswith("_static/tinytorch_lazy.js")]
            assert loader and local_target(page, loader[0].split("?")[0]).is_file(), \
                f"{page}: no tinytorch_lazy.js"
            loaded_at_once = [url for what, url in assets if url.split("?")[0].endswith(library)
                              and what in {"script src", "inline script import"}]
            assert loaded_at_once == [], f"{page} loads {library} with the page"
    chunks = list((site / "_static" / "mermaid" / "chunks" / "mermaid.esm.min").glob("*.mjs"))
    assert chunks, "mermaid's chunks/ were not copied next to mermaid.esm.min.mjs"


def test_search_index_is_built(site):
    index = (site / "searchindex.js").read_text(encoding="utf-8")
    assert "Getting started" in index and (site / "search.html").is_file()


# --- JupyterLite -------------------------------------------------------------------------------


def lite_config(site):
    return json.loads((site / "lite" / "jupyter-lite.json").read_text())["jupyter-config-data"]


def test_lite_uses_the_self_hosted_pyodide_and_never_pypi(site):
    config = lite_config(site)
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.js"
    assert kernel["disablePyPIFallback"] is True
    assert (site / "lite" / "static" / "pyodide" / "pyodide.js").is_file()
    assert (site / "lite" / "static" / "pyodide" / "pyodide.asm.wasm").is_file()
    assert config["exposeAppInBrowser"] is True
    autosave = config["settingsOverrides"]["@jupyterlab/docmanager-extension:plugin"]
    assert 1 <= autosave["autosaveInterval"] <= 10


def test_no_lite_app_overrides_the_pyodide_url(site):
    """Each app folder may carry its own jupyter-lite.json; none may point Pyodide elsewhere."""
    for path in (site / "lite").rglob("jupyter-lite.json"):
        text = path.read_text()
        assert "cdn.jsdelivr" not in text, f"{path} mentions a CDN"
        data = json.loads(text).get("jupyter-config-data", {})
        settings = data.get("litePluginSettings", {}).get(
            "@jupyterlite/pyodide-kernel-extension:kernel", {})
        assert settings.get("pyodideUrl", "./static/pyodide/pyodide.js") == \
            "./static/pyodide/pyodide.js", path


@pytest.mark.parametrize("root", ["lite/pypi", "_build/html/lite/pypi"])
def test_local_package_index_has_tinytorch_and_comm(root):
    pypi = REPO / root
    wheels = sorted(p.name for p in pypi.glob("*.whl"))
    assert any(w.startswith("tinytorch-") and w.endswith("-py3-none-any.whl") for w in wheels), wheels
    assert any(w.startswith("comm-") and w.endswith("-py3-none-any.whl") for w in wheels), wheels
    tinytorch = next(pypi.glob("tinytorch-*.whl"))
    with zipfile.ZipFile(tinytorch) as wheel:
        metadata = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        assert "Requires-Dist: numpy" in wheel.read(metadata).decode()
    if root.startswith("_build"):
        index = json.loads((pypi / "all.json").read_text())
        assert {"tinytorch", "comm"} <= set(index), sorted(index)


# --- launchers ---------------------------------------------------------------------------------


class LaunchParser(HTMLParser):
    """The links inside <nav class="tt-launch">: (text, href, attributes)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self._depth, self._link = [], 0, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "nav" and "tt-launch" in (a.get("class") or "").split():
            self._depth = 1
            self.nav_label = a.get("aria-label")
        elif self._depth and tag == "a":
            self._link = [a.get("href"), a, ""]

    def handle_data(self, data):
        if self._link is not None:
            self._link[2] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            href, attrs, text = self._link
            self.links.append((text.strip(), href, attrs))
            self._link = None
        elif tag == "nav":
            self._depth = 0


def repository():
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    owner, repo = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", config["repository"]["url"]).groups()
    return owner, repo, config["repository"]["branch"]


@pytest.mark.parametrize("docname", toc_module_pages())
def test_module_page_has_working_launchers(site, docname):
    page = site / f"{docname}.html"
    name = Path(docname).name
    notebook = f"content/{name}.ipynb"
    parser = LaunchParser()
    parser.feed(page.read_text(encoding="utf-8"))
    assert getattr(parser, "nav_label", None), f"{page} has no <nav class='tt-launch' aria-label=...>"
    by_target = {text: href for text, href, attrs in parser.links}
    assert set(by_target) == {"Run in your browser", "Open in Binder", "Open in Colab",
                              f"Download {name}.ipynb"}, parser.links

    # Run in your browser: a relative link (the site may live under a sub-path) to a JupyterLite
    # app that exists, opening a notebook that the app serves.
    run = by_target["Run in your browser"]
    assert not is_off_site(run) and not run.startswith("/"), run
    app = local_target(page, run)
    assert app.is_file() and app.is_relative_to(site / "lite"), app
    # course_tools.version_notebooks (run by the build) serves each notebook under a name carrying its content digest.
    served = f"content/{name}-{hashlib.sha256((REPO / notebook).read_bytes()).hexdigest()[:8]}.ipynb"
    opened = parse_qs(urlsplit(run).query)["path"]
    assert opened == [served]
    assert (site / "lite" / "files" / served).is_file()

    owner, repo, branch = repository()
    binder = urlsplit(by_target["Open in Binder"])
    assert binder.path == f"/v2/gh/{owner}/{repo}/{branch}"
    assert parse_qs(binder.query)["labpath"] == [notebook]
    assert by_target["Open in Colab"] == (
        f"https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/{notebook}")

    download = by_target[f"Download {name}.ipynb"]
    target = local_target(page, download)
    assert target.is_file() and target.read_bytes() == (REPO / notebook).read_bytes()
    assert target.name == f"{name}.ipynb"
    assert "download" in next(a for t, h, a in parser.links if h == download)


def test_binder_installs_the_course_package_from_the_repository():
    requirements = (REPO / "binder" / "requirements.txt").read_text().split("\n")
    lines = [line.split("#")[0].strip() for line in requirements]
    assert "./tinytorch_wheel" in lines
    assert "tinytorch" not in lines, "the name tinytorch on PyPI is another project"


# --- in the browser ----------------------------------------------------------------------------


def serve(directory):
    """Start `make serve`'s server on a free port; return (process, base URL)."""
    process = subprocess.Popen([sys.executable, "-m", "course_tools.serve", "--port", "0",
                                "--directory", str(directory)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert match, f"course_tools.serve printed {line!r}"
    return process, f"http://127.0.0.1:{match.group(1)}/"


@pytest.fixture(scope="module")
def server(site):
    process, url = serve(site)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.parametrize("path, expected", [
    ("lite/static/pyodide/pyodide.asm.wasm", "application/wasm"),
    ("_static/mermaid/mermaid.esm.min.mjs", "text/javascript"),
    ("lite/static/pyodide/pyodide.mjs", "text/javascript"),
    ("book/intro.html", "text/html"),
])
def test_server_sends_the_mime_types_browsers_require(server, path, expected):
    with urlopen(server + path) as response:
        assert response.headers.get_content_type() == expected


@pytest.fixture(scope="module")
def browser(playwright):
    browser = chromium.launch(playwright)
    yield browser
    browser.close()


def visit(browser, url, wait_for=None):
    """Open url with every request off 127.0.0.1 blocked; return (off-site requests, errors)."""
    context = browser.new_context()
    page = context.new_page()
    off_site, errors = [], []

    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))

    def route(route):
        if not is_off_site(route.request.url, origin):
            route.continue_()
        else:
            off_site.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="load")
    if wait_for:
        # formulas and diagrams are drawn when they come near the screen (tinytorch_lazy.js)
        page.locator(wait_for[0]).first.scroll_into_view_if_needed()
        wait_for = wait_for[1]
        page.wait_for_selector(wait_for, timeout=30_000)
    page.wait_for_load_state("networkidle")
    context.close()
    return off_site, errors


def test_book_pages_render_offline_in_chromium(site, server, browser):
    for page in book_pages(site):
        html = page.read_text(encoding="utf-8")
        wait_for = None
        if HAS_MERMAID.search(html):
            wait_for = (".mermaid", ".mermaid svg")
        elif HAS_MATH.search(html):
            wait_for = (".math:visible", "mjx-container")
        url = urljoin(server, page.relative_to(site).as_posix())
        off_site, errors = visit(browser, url, wait_for)
        assert off_site == [], f"{url} requested {off_site}"
        assert errors == [], f"{url} logged errors {errors}"


def test_search_works_offline(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "search.html?q=Binder")
    results = page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=30_000)
    assert any("getting_started" in (a.get_attribute("href") or "")
               for a in page.locator("#search-results ul.search li a").all())
    context.close()


def test_launcher_works_when_the_site_lives_under_a_sub_path(site, browser, tmp_path):
    """Hosted as https://host/<repo>/, the run link must still open the module's notebook."""
    (tmp_path / "index.html").write_text("<p>a different site at the root</p>")
    (tmp_path / "course").symlink_to(site, target_is_directory=True)
    process, root = serve(tmp_path)
    try:
        docname = toc_module_pages()[0]
        context = browser.new_context()
        page = context.new_page()
        failed = []
        page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
        page.goto(root + f"course/{docname}.html")
        page.get_by_role("link", name="Run in your browser").first.click()
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        assert urlsplit(page.url).path == "/course/lite/notebooks/index.html"
        assert page.title().startswith(Path(docname).name)
        assert failed == [], failed
        context.close()
    finally:
        process.terminate()
        process.wait(timeout=10)



MACROS = "static/webpack-macros.html"  # the theme's, replaced by book/_ext/templates' copy


def test_the_pages_skip_fontawesome_js_and_otherwise_use_the_theme_s_own_macros():
    import pydata_sphinx_theme

    theme = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / MACROS
    ours = (REPO / "book" / "_ext" / "templates" / MACROS).read_text(encoding="utf-8")
    without_comment = re.sub(r"\A\{#-.*?-#\}\n", "", ours, flags=re.DOTALL)
    kept = [line for line in theme.read_text(encoding="utf-8").splitlines(keepends=True)
            if "fontawesome.js" not in line and "So that users can add custom icons" not in line]
    assert without_comment == "".join(kept), (
        f"book/_ext/templates/{MACROS} is no longer the theme's {theme.name} less fontawesome.js: "
        "copy the theme's file again and remove that script")


def test_icons_are_drawn_from_the_theme_s_web_fonts(site, server, browser):
    """Without fontawesome.js the theme's stylesheet draws each <i class="fa-..."> icon: a glyph
    of a Font Awesome web font, loaded from the site."""
    page = next(p for p in book_pages(site) if p.name == "04_losses.html")
    assert "fontawesome.js" not in page.read_text(encoding="utf-8")
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(urljoin(server, page.relative_to(site).as_posix()), wait_until="load")
    tab.evaluate("document.fonts.ready")
    icons = tab.evaluate("""[...document.querySelectorAll('i.fa-solid, i.fas, i.fab')]
        .filter((i) => i.offsetParent !== null)
        .map((i) => [i.className, getComputedStyle(i, '::before').fontFamily,
                     getComputedStyle(i, '::before').content, i.getBoundingClientRect().width])""")
    faces = tab.evaluate("""[...document.fonts].filter((f) => f.status === 'loaded')
                            .map((f) => f.family)""")
    context.close()
    assert icons, "no visible Font Awesome icon on the page"
    for name, family, content, width in icons:
        assert "Font Awesome 6" in family and content not in ("none", "normal", '""') and width > 0, (
            f"the icon {name} is not drawn by the theme's web font: {family}, {content}, {width}px")
    assert any("Font Awesome 6" in face for face in faces), f"no Font Awesome font loaded: {faces}"


def test_formulas_are_typeset_as_they_scroll_into_view(site, server, browser):
    """MathJax typesets lazily (ui/lazy in _config.yml): a formula at the end of a long page is
    drawn once it is scrolled to, and none is left as TeX source."""
    page = next(p for p in book_pages(site) if p.name == "04_losses.html")
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(urljoin(server, page.relative_to(site).as_posix()), wait_until="load")
    last = tab.locator("div.math, span.math").last
    last.scroll_into_view_if_needed()
    last.locator("mjx-container mjx-math").first.wait_for(state="visible", timeout=30_000)
    tex_left = last.evaluate("(el) => el.textContent.includes('\\\\')")
    context.close()
    assert not tex_left, "the last formula of 04_losses still shows its TeX source"


def test_math_and_diagrams_load_only_when_they_come_near_the_screen(site, server, browser):
    """A reader at the top of a module page downloads neither MathJax nor mermaid (the first
    formula and diagram are more than a screen below); scrolled to, a diagram is drawn, and it is
    drawn again in the other colours when the reader switches to the dark theme."""
    page = next(p for p in book_pages(site) if p.name == "04_losses.html")
    context = browser.new_context()
    tab = context.new_page()
    requested = []
    tab.on("request", lambda request: requested.append(request.url))
    tab.goto(urljoin(server, page.relative_to(site).as_posix()), wait_until="load")
    tab.wait_for_timeout(1000)
    loaded = [url for url in requested if "/mathjax/" in url or "/mermaid/" in url]
    assert loaded == [], f"loaded at the top of the page: {loaded}"

    diagram = tab.locator("pre.mermaid").first
    diagram.scroll_into_view_if_needed()
    drawn = diagram.locator("svg")
    drawn.wait_for(state="visible", timeout=30_000)
    assert any("/mermaid/" in url for url in requested)
    light = drawn.evaluate("svg => svg.outerHTML")
    tab.evaluate("document.documentElement.dataset.theme = 'dark'")  # as the theme's switch does
    tab.wait_for_function("([pre, before]) => { const svg = pre.querySelector('svg');"
                          " return svg !== null && svg.outerHTML !== before; }",
                          arg=[diagram.element_handle(), light], timeout=30_000)
    context.close()


VERSIONED_URL = re.compile(r'(?:src|href)="([^"]+\?(?:v|digest)=[0-9a-f]+)"'
                           r'|"(?:worker|runner)": "([^"]+)"')


def test_every_url_a_browser_may_keep_names_its_file_s_content(site):
    """course_tools.serve lets a browser keep a URL with ?v= or ?digest= for a year, so the query
    must change whenever the file does: ?v= is the file's CRC32 (Sphinx's checksum) or the first 8
    hex digits of its sha256 (book/_ext/tinytorch_live.py), ?digest= the theme's bundle hash,
    which its own webpack-macros.html names. (pygments.css's ?v= does not name the file the
    theme rewrites after the checksum, which is why the server has it revalidated.)"""
    import pydata_sphinx_theme

    macros = (Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" /
              "static" / "webpack-macros.html").read_text(encoding="utf-8")
    (theme_digest,) = set(re.findall(r"\?digest=([0-9a-f]+)", macros))
    checked, wrong = 0, []
    for page in book_pages(site):
        html = page.read_text(encoding="utf-8")
        for url in {a or b for a, b in VERSIONED_URL.findall(html)}:
            served_as = "/" + local_target(page, url).relative_to(site).as_posix()
            if "immutable" not in cache_control(f"{served_as}?{urlsplit(url).query}"):
                continue
            query = parse_qs(urlsplit(url).query)
            target = local_target(page, url)
            content = target.read_bytes()
            if "digest" in query:
                ok = query["digest"] == [theme_digest]
            else:
                crc32 = zlib.crc32(content.replace(b"\r", b""))  # as Sphinx, without CRs
                ok = query["v"][0] in {f"{crc32:08x}", hashlib.sha256(content).hexdigest()[:8]}
            checked += 1
            if not ok:
                wrong.append(f"{page.relative_to(site)}: {url}")
    assert checked > 100 and wrong == [], "URLs whose query does not name their content:\n" + \
        "\n".join(wrong)


@pytest.mark.parametrize("path, immutable", [
    ("/_static/tinytorch_live.css?v=ea03422b", True),
    ("/_static/scripts/bootstrap.js?digest=55c26ed414f5f8a31ebb", True),
    ("/_static/tinytorch_live_worker.js?v=5df90631", True),
    ("/_static/pygments.css?v=03e43079", False),  # rewritten by the theme after the checksum
    ("/_static/tinytorch_live.css", False),  # without its checksum
    ("/_static/tinytorch_live.css?v=1.2", False),  # a version number, not a checksum
    ("/book/modules/04_losses.html", False),
    ("/lite/static/pyodide/pyodide.js", False),
    ("/lite/static/pyodide/tinytorch-0.1.0-py3-none-any.whl", False),
    ("/lite/static/pyodide/numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl", True),
])
def test_the_server_lets_browsers_keep_only_what_changes_its_name_with_its_content(path, immutable):
    assert ("immutable" in cache_control(path)) == immutable, cache_control(path)
