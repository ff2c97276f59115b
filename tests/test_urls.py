"""The off-site rule (course_tools.urls.is_off_site) that the Sphinx extension, the site tests and
the browser tests share: a URL is off-site when following it would contact another host."""

import pytest

from course_tools.urls import is_off_site

ORIGIN = "http://127.0.0.1:8000"


@pytest.mark.parametrize("url", [
    "https://fonts.googleapis.com/css2?family=Inter",
    "http://example.org/a.js",
    "//cdn.jsdelivr.net/npm/mermaid.js",  # scheme-relative: another host all the same
    "ws://example.org/socket",
    "file:///etc/passwd",
    " https://example.org/padded.css ",
])
def test_urls_that_contact_another_host_are_off_site(url):
    assert is_off_site(url)
    assert is_off_site(url, ORIGIN)


@pytest.mark.parametrize("url", [
    "",
    None,
    "_static/mathjax/tex-chtml.js",
    "../lite/notebooks/index.html?path=content%2F04_losses.ipynb",
    "/lite/static/pyodide/pyodide.js",
    "#core-concepts",
    # Inline content and in-page objects cost no request to any host.
    "data:font/woff2;base64,d09GMgABAAAAA",
    "data:image/svg+xml,%3Csvg%3E%3C/svg%3E",
    "blob:http://127.0.0.1:8000/6f1c",
    "about:blank",
    "javascript:void(0)",
    "mailto:course@example.org",
])
def test_relative_and_inline_urls_are_on_site(url):
    assert not is_off_site(url)
    assert not is_off_site(url, ORIGIN)


@pytest.mark.parametrize("url, off", [
    ("http://127.0.0.1:8000/book/intro.html", False),
    ("ws://127.0.0.1:8000/api/kernels/1/channels", False),  # JupyterLite's in-page kernel socket
    ("http://127.0.0.1:8001/book/intro.html", True),  # another port is another origin
    ("https://127.0.0.1:8000/book/intro.html", True),
    ("http://localhost:8000/book/intro.html", True),
])
def test_absolute_urls_are_on_site_only_on_its_origin(url, off):
    assert is_off_site(url, ORIGIN) is off
    assert is_off_site(url, ORIGIN + "/") is off
