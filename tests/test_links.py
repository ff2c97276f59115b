"""No broken internal link or anchor in the built site (_build/html; build it first).

Every HTML page outside the JupyterLite app (lite/) and the theme's assets (_static/) is parsed. Every relative URL in it (href,
src, srcset, object data, and the window.open('...') targets of jupyterlite-sphinx's buttons)
must name a file of the site, and every #fragment must name an element id (or <a name>) of
the page it points into. test_site.py checks the assets pages load; this test covers every
link a reader can follow, anchors included.
"""

import re
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from course_tools.urls import is_off_site

URL_ATTRIBUTES = {"href", "src", "data", "action", "poster"}
WINDOW_OPEN = re.compile(r"window\.open\('([^']+)'")
NOT_LINKS = ("mailto:", "javascript:", "data:", "blob:", "tel:")


class PageParser(HTMLParser):
    """The ids of a page and the URLs it links to, with the line of each."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.urls = []  # (line, tag, url)

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        line = self.getpos()[0]
        for name in URL_ATTRIBUTES & set(a):
            if a[name].strip():
                self.urls.append((line, f"{tag} {name}", a[name].strip()))
        for candidate in a.get("srcset", "").split(","):
            if candidate.strip():
                self.urls.append((line, f"{tag} srcset", candidate.split()[0]))
        for url in WINDOW_OPEN.findall(a.get("onclick", "")):
            self.urls.append((line, f"{tag} onclick", url))



@lru_cache(maxsize=None)
def parse(path):
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def site_pages(site):
    """The pages of the site: not the JupyterLite app (lite/), and not _static/, whose .html files
    are the theme's Jinja macro templates, copied as assets and never shown."""
    return sorted(p for p in site.rglob("*.html")
                  if p.relative_to(site).parts[0] not in {"lite", "_static"})


def check_url(site, page, url):
    """None when url (on page) works, else what is wrong with it."""
    if url.startswith(NOT_LINKS) or is_off_site(url):
        return None
    parts = urlsplit(url)
    if parts.path:
        target = (page.parent / unquote(parts.path)).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            return f"no file {target}"
        if not target.is_relative_to(site.resolve()):
            return f"{target} is outside the site"
    else:
        target = page.resolve()
    fragment = unquote(parts.fragment)
    if not fragment or target.suffix != ".html" or "lite" in target.relative_to(site.resolve()).parts[:1]:
        return None  # no anchor, or one a script resolves (the JupyterLite app)
    if fragment not in parse(target).ids:
        return f"no id {fragment!r} in {target.relative_to(site.resolve())}"
    return None


def test_no_broken_internal_link_or_anchor(site):
    pages = site_pages(site)
    assert len(pages) >= 10, f"expected the whole book in {site}, found {len(pages)} pages"
    broken, followed, anchors = [], 0, 0
    for page in pages:
        for line, what, url in parse(page).urls:
            problem = check_url(site, page, url)
            followed += not (url.startswith(NOT_LINKS) or is_off_site(url))
            anchors += "#" in url and not is_off_site(url)
            if problem:
                broken.append(f"{page.relative_to(site)}:{line}: {what}={url!r}: {problem}")
    assert followed > 100 and anchors > 10, (followed, anchors)
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken)


def test_the_checker_finds_broken_links_and_anchors(tmp_path):
    """The premise: a missing file, a missing anchor and a missing in-page anchor are reported,
    working ones are not."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.html").write_text('<h1 id="top">A</h1><a name="old">x</a>')
    page = tmp_path / "sub" / "b.html"
    page.write_text('<p id="here">B</p>')
    assert check_url(tmp_path, page, "../a.html#top") is None
    assert check_url(tmp_path, page, "../a.html#old") is None
    assert check_url(tmp_path, page, "#here") is None
    assert check_url(tmp_path, page, "../a.html?x=1") is None
    assert check_url(tmp_path, page, "https://example.org/x.html#nowhere") is None
    assert "no file" in check_url(tmp_path, page, "../missing.html")
    assert "no id 'nowhere'" in check_url(tmp_path, page, "../a.html#nowhere")
    assert "no id 'gone'" in check_url(tmp_path, page, "#gone")
    assert "outside the site" in check_url(tmp_path / "sub", page, "../a.html")
