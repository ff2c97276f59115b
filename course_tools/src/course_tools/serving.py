"""A test server for the built site: serves a folder on 127.0.0.1, logs and counts every request,
and can throttle.

Standard library only, threaded (a browser opens several connections at once). The browser tests
use it to serve ``_build/html``; the start-up benchmark uses the same server to slow the network
down and to count the bytes a learner downloads. Throttling and counting happen here, at the
server, because JupyterLite's service worker re-fetches resources outside the page's DevTools
throttling.

    with SiteServer("_build/html", bandwidth=20e6 / 8, latency=0.020) as server:
        page.goto(server.url + "index.html")
        print(server.bytes_sent, len(server.requests))

``root`` may be changed while the server runs (the same origin then serves another build of the
site, as after a redeploy), and ``reset()`` clears the log and the byte count between runs.
"""

import threading
import time
from dataclasses import dataclass
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

# The handler of `make serve` (course_tools.serve): its MIME types, gzip and cache policy are what
# the tests and the benchmark serve with.
from course_tools.serve import SiteHandler
from course_tools.serve import cache_control as static_host_cache_control  # noqa: F401 (re-exported)

CHUNK = 16 * 1024  # bytes written at a time; small enough for smooth throttling


@dataclass
class Request:
    """One request the server answered."""

    method: str
    path: str
    status: int
    bytes: int  # body bytes sent
    started: float  # time.monotonic() when the request line arrived
    finished: float


class Link:
    """A shared link of fixed bandwidth: all responses queue for it, like one real connection.

    ``send(n)`` returns once ``n`` bytes would have passed through the link, after the bytes
    already queued by every thread.
    """

    def __init__(self, bandwidth):
        if bandwidth is not None and bandwidth <= 0:
            raise ValueError(f"bandwidth must be a positive number of bytes per second or None, "
                             f"got {bandwidth!r}")
        self.bandwidth = bandwidth
        self._free_at = 0.0
        self._lock = threading.Lock()

    def send(self, n):
        if self.bandwidth is None:
            return
        with self._lock:
            start = max(time.monotonic(), self._free_at)
            self._free_at = start + n / self.bandwidth
            done = self._free_at
        delay = done - time.monotonic()
        if delay > 0:
            time.sleep(delay)


class _Handler(SiteHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real static host

    def __init__(self, *args, site, **kwargs):
        self.site = site
        super().__init__(*args, directory=str(site.root), **kwargs)

    @property
    def compress(self):
        return self.site.compress

    def cache_control_for(self, path):
        control = self.site.cache_control
        return control(path) if callable(control) else control

    def log_message(self, format, *args):  # noqa: A002 (the base class's signature)
        pass  # every request is recorded in SiteServer.requests instead of printed

    def send_response(self, code, message=None):
        self._status = code
        super().send_response(code, message)

    def translate_path(self, path):
        extra = self.site.extra_files.get(urlsplit(path).path)
        return str(extra) if extra is not None else super().translate_path(path)

    def copyfile(self, source, outputfile):
        while chunk := source.read(CHUNK):
            self.site.link.send(len(chunk))
            try:
                outputfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                return  # the browser closed the page (or itself) before the end: count what went
            self._sent += len(chunk)

    def _answer(self, method):
        self._status, self._sent = 0, 0
        started = time.monotonic()
        if self.site.latency:
            time.sleep(self.site.latency)
        method()
        self.site._record(Request(self.command, self.path, self._status, self._sent,
                                  started, time.monotonic()))

    def do_GET(self):
        self._answer(super().do_GET)

    def do_HEAD(self):
        self._answer(super().do_HEAD)


class SiteServer:
    """Serve ``root`` on ``http://127.0.0.1:<free port>/``.

    bandwidth: bytes per second shared by all responses, or None for unthrottled.
    latency: seconds added before answering each request.
    cache_control: a Cache-Control header for every response, a function of the URL path that
        returns one (static_host_cache_control), or None to send none (the browser then caches
        by the Last-Modified heuristic, like many static hosts).
    compress: gzip what course_tools.serve gzips, for browsers that accept it (each file is
        compressed once and kept in memory); bytes_sent then counts the compressed bytes.
    extra_files: {URL path: file} served as if they were in root (the start-up benchmark's bare
        page, served next to the site without writing into it).
    """

    def __init__(self, root, *, host="127.0.0.1", port=0, bandwidth=None, latency=0.0,
                 cache_control=None, compress=False, extra_files=None):
        if latency < 0:
            raise ValueError(f"latency must be >= 0 seconds, got {latency!r}")
        self.root = root
        self.link = Link(bandwidth)
        self.latency = latency
        self.cache_control = cache_control
        self.compress = compress
        self.extra_files = dict(extra_files or {})
        self.requests = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), partial(_Handler, site=self))
        self._httpd.daemon_threads = True
        self._thread = None

    @property
    def root(self):
        return self._root

    @root.setter
    def root(self, folder):
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"cannot serve {folder}: not a folder")
        self._root = folder

    @property
    def url(self):
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/"

    @property
    def bytes_sent(self):
        with self._lock:
            return sum(r.bytes for r in self.requests)

    def _record(self, request):
        with self._lock:
            self.requests.append(request)

    def reset(self):
        """Forget the requests logged so far (and so the bytes counted)."""
        with self._lock:
            self.requests = []

    def start(self):
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name=f"SiteServer {self.url}")
        self._thread.start()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
