#!/usr/bin/env python3
"""Serve the built course site (_build/html) on http://127.0.0.1:8000.

Standard library only. It sets the MIME types the site needs and that Python's table may lack:
browsers refuse to compile WebAssembly streamed with the wrong type (application/wasm) and refuse
JavaScript modules (.mjs: mermaid, Pyodide) not served as text/javascript.

It serves like a well-configured static host, because that is what makes JupyterLite start fast
(bench/STARTUP.md): text, JavaScript and WebAssembly gzipped (Pyodide's 10 MB pyodide.asm.wasm
becomes 3 MB), and cache headers that let a returning learner's browser reuse every file whose name
carries a content hash or a version without asking, and revalidate the rest (see cache_control).

Usage: python -m course_tools.serve [--port 8000] [--host 127.0.0.1] [--directory _build/html]
"""

import argparse
import email.utils
import functools
import gzip
import io
import re
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from course_tools.paths import SITE

MIME_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".ipynb": "application/x-ipynb+json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
}


# Gzipped when the browser accepts it: text, WebAssembly, and Pyodide's .zip archives, which store
# some members uncompressed (python_stdlib.zip). Wheels and images are compressed already.
COMPRESSIBLE = {".html", ".js", ".mjs", ".css", ".json", ".ipynb", ".map", ".svg", ".txt", ".md",
                ".wasm", ".webmanifest", ".zip"}

# Names that change whenever their content does: JupyterLab's and its extensions' bundles
# (100.fc995bd.js, remoteEntry.3745c44cbbd62cec9a73.js) and Pyodide's packages, whose file names
# carry their pinned version (numpy-2.0.2-cp312-...whl), or which lie in a folder named after their
# content (bytecode-<sha256 prefix>/ipython-8.23.0-...whl, see scripts/precompile_kernel.py;
# stub-<sha256 prefix>/ssl-1.0.0-py3-none-any.whl, see scripts/build_lite_inputs.py). The
# course's own tinytorch wheel keeps its version between builds, so it is not among them.
IMMUTABLE = re.compile(r"\.[0-9a-f]{7,}\.(js|css)$"
                       r"|/static/pyodide/((bytecode|stub)-[0-9a-f]{16}/)?"
                       r"(?!tinytorch-)[^/]+-\d[^/]*\.(whl|zip)$")
# URLs whose query names their content: the book's pages ask for their stylesheets and scripts as
# name?v=<checksum of the file> (Sphinx) or name?digest=<hash of the theme's bundle>
# (pydata-sphinx-theme), and a new build with a changed file asks for a new URL. Except
# pygments.css, which pydata-sphinx-theme rewrites (adding its dark style) after Sphinx has
# taken the checksum (tests/test_site.py checks every other one).
VERSIONED_QUERY = re.compile(r"[?&](v|digest)=[0-9a-f]{8,}(&|$)")
REWRITTEN_AFTER_CHECKSUM = re.compile(r"/_static/pygments\.css$")


def cache_control(path):
    """The Cache-Control header for a URL path: a year for names that change with their content,
    otherwise revalidate on every visit (a 304 costs one round trip, and an updated course is
    seen at once). The start-up benchmark serves with the same policy."""
    name = path.split("?")[0]
    if IMMUTABLE.search(name) or (VERSIONED_QUERY.search(path)
                                  and not REWRITTEN_AFTER_CHECKSUM.search(name)):
        return "public, max-age=31536000, immutable"
    return "no-cache"


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves a folder with the site's MIME types, gzip and cache headers.

    course_tools.serving extends it (throttling, a request log, files from elsewhere) and may
    switch ``compress`` off or send other headers through ``cache_control_for``.
    """

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    compress = True
    _gzipped = {}  # (path, mtime) -> gzipped bytes, shared by all requests
    _lock = threading.Lock()

    def cache_control_for(self, path):
        """The Cache-Control header for a URL path, or None to send none."""
        return cache_control(path)

    def end_headers(self):
        control = self.cache_control_for(self.path)
        if control is not None:
            self.send_header("Cache-Control", control)
        super().end_headers()

    def send_head(self):
        """As the base class, but gzipped for browsers that accept it."""
        path = Path(self.translate_path(self.path))
        if not (self.compress and path.suffix in COMPRESSIBLE and path.is_file()
                and "gzip" in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        modified = int(path.stat().st_mtime)
        since = self.headers.get("If-Modified-Since")
        if since and "If-None-Match" not in self.headers:
            try:
                if modified <= email.utils.parsedate_to_datetime(since).timestamp():
                    self.send_response(304)
                    self.end_headers()
                    return None
            except (TypeError, ValueError, IndexError, OverflowError):
                pass
        body = self.gzipped(path)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(modified))
        self.end_headers()
        return io.BytesIO(body)

    @classmethod
    def gzipped(cls, path):
        key = (path, path.stat().st_mtime_ns)
        with cls._lock:
            body = cls._gzipped.get(key)
        if body is None:
            body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
            with cls._lock:
                cls._gzipped[key] = body
        return body


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--directory", type=Path, default=SITE)
    args = parser.parse_args(argv)

    if not (args.directory / "index.html").is_file():
        sys.exit(f"serve: {args.directory}/index.html not found; build the site first "
                 "(make site)")
    handler = functools.partial(SiteHandler, directory=str(args.directory))
    with ThreadingHTTPServer((args.host, args.port), handler) as server:
        host, port = server.server_address[:2]  # --port 0 picks a free port: report the real one
        print(f"Serving {args.directory} on http://{host}:{port}/ (Ctrl+C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("\nserve: stopped")


if __name__ == "__main__":
    main()
