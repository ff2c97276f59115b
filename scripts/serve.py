#!/usr/bin/env python3
"""Serve the built course site (_build/html) on http://127.0.0.1:8000.

Standard library only. It sets the MIME types the site needs and that Python's table may lack:
browsers refuse to compile WebAssembly streamed with the wrong type (application/wasm) and refuse
JavaScript modules (.mjs: mermaid, Pyodide) not served as text/javascript.

Usage: python3 scripts/serve.py [--port 8000] [--host 127.0.0.1] [--directory _build/html]
"""

import argparse
import functools
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

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


class SiteHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--directory", type=Path, default=REPO / "_build" / "html")
    args = parser.parse_args(argv)

    if not (args.directory / "index.html").is_file():
        sys.exit(f"serve: {args.directory}/index.html not found; build the site first "
                 "(bash scripts/build_site.sh)")
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
