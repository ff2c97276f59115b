"""The off-site rule, used by the Sphinx extension (which drops or rejects off-site assets), by
the site tests (which read the built pages) and by the browser tests (which read what Chromium
requested).

A URL is off-site when following it would make the browser contact a host other than the site's
own. Relative URLs are on the site. So are ``data:`` and ``blob:`` URLs, which carry or name
content the page already has, and ``about:``, ``javascript:``, ``mailto:`` and ``tel:``, which
fetch nothing; refusing ``data:`` would reject inline fonts and images that cost no request.
Everything else with a scheme or a host (``https://``, ``//cdn``, ``ws://``, ``file:``) is
off-site, unless it is on ``origin``, the site's own (``http://127.0.0.1:8000``; a ``ws://`` URL
on it is JupyterLite's in-page kernel socket).
"""

from urllib.parse import urlsplit

NO_REQUEST_SCHEMES = frozenset({"data", "blob", "about", "javascript", "mailto", "tel"})


def is_off_site(url, origin=None):
    """True when following ``url`` would contact another host than ``origin`` (or than the
    page's own, for relative URLs)."""
    parts = urlsplit((url or "").strip())
    if parts.scheme.lower() in NO_REQUEST_SCHEMES:
        return False
    if not parts.scheme and not parts.netloc:
        return False
    if origin is None:
        return True
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme.lower(), parts.scheme.lower())
    return f"{scheme}://{parts.netloc}" != origin.rstrip("/")
