"""The bundled demo site, served on 127.0.0.1, with optional faults for tests.

`fixtures/site/site.json` maps URL paths to files under `fixtures/` (or, for routes a
test adds, to an inline "body"; the real reports
are served from `fixtures/reports/`, not copied). `SiteServer` serves it on an
ephemeral loopback port in a background thread and records every request, so
tests can assert what was (and was not) asked for. Faults are per path:

    {"slow": 5}                     sleep 5 s before answering ({"slow_times": 1}: only the first time)
    {"fail": 2, "status": 503, "retry_after": "0"}   the first 2 requests get 503
    {"truncate": 1}                 the first request's body is cut (Content-Length lies)
    {"redirect": "/loop"}           answer 302 to that path (loops, off-host redirects)
    {"no_validators": true}         never send ETag / Last-Modified

A route may also `replace` a string of its file (a copy under another name), and carry an `edit`
that `publish_edits()` applies (a report changed after publication). `xxgk demo` serves two such
sites (site.json on 127.0.0.1, site2.json on 127.0.0.2) as a small registry (sites.csv).
"""

from __future__ import annotations

import hashlib
from importlib import resources
import json
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

# The demo site ships as package data (xxgk.fixtures), so `xxgk demo` works from a wheel too.
DEFAULT_FIXTURES = Path(str(resources.files("xxgk.fixtures")))
EDITED_LAST_MODIFIED = "Tue, 03 Feb 2026 08:00:00 GMT"  # an edited route's new Last-Modified


@dataclass
class Request:
    path: str
    status: int
    headers: dict[str, str]
    bytes: int


@dataclass
class SiteServer:
    fixtures: Path = DEFAULT_FIXTURES
    faults: dict[str, dict] = field(default_factory=dict)
    extra_routes: dict[str, dict] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    spec: str = "site.json"
    host: str = "127.0.0.1"  # another loopback address is another host to a crawler (127.0.0.2 …)
    edited: bool = False  # publish_edits() was called: routes with an `edit` serve the edited body

    def __post_init__(self) -> None:
        spec = json.loads((self.fixtures / "site" / self.spec).read_text(encoding="utf-8"))
        self.routes: dict[str, dict] = {**spec["routes"], **self.extra_routes}
        self.last_modified: str = spec["last_modified"]
        self._lock = threading.Lock()
        self._hits: dict[str, int] = {}
        self.httpd: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.httpd is not None
        return f"http://{self.host}:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def publish_edits(self) -> None:
        """The site edits its reports after publication: routes with an `edit` serve the edited body from now on."""
        self.edited = True

    def paths_requested(self) -> list[str]:
        return [r.path for r in self.requests]

    def start(self) -> SiteServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802
                server._serve(self)

        self.httpd = ThreadingHTTPServer((self.host, 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- answering ----------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        path = urlsplit(h.path).path
        req = Request(path, 0, dict(h.headers.items()), 0)  # logged on arrival: a slow answer keeps its place
        with self._lock:
            n = self._hits[path] = self._hits.get(path, 0) + 1
            self.requests.append(req)
        fault = self.faults.get(path, {})
        route = self.routes.get(path)
        if fault.get("slow") and fault.get("slow_times", n) >= n:
            time.sleep(float(fault["slow"]))
        if fault.get("fail", 0) >= n:
            extra = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else {}
            return self._send(h, req, int(fault.get("status", 503)), b"busy", "text/plain", extra)
        target = fault.get("redirect") or (route or {}).get("redirect")
        if target:
            return self._send(h, req, 302, b"", "text/plain", {"Location": target})
        if route is None:
            return self._send(h, req, 404, "未找到".encode("utf-8"), "text/plain; charset=utf-8")
        body = route["body"].encode("utf-8") if "body" in route else (self.fixtures / route["file"]).read_bytes()
        for key, applies in (("replace", True), ("edit", self.edited)):
            if route.get(key) and applies:
                old, new = route[key]
                body = body.decode("utf-8").replace(old, new).encode("utf-8")
        if route.get("encode"):
            body = body.decode("utf-8").encode(route["encode"])
        ctype = route.get("type", "text/html; charset=utf-8")
        headers: dict[str, str] = {}
        if route.get("validators") and not fault.get("no_validators"):
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            modified = EDITED_LAST_MODIFIED if route.get("edit") and self.edited else self.last_modified
            headers = {"ETag": etag, "Last-Modified": modified}
            if h.headers.get("If-None-Match") == etag or h.headers.get("If-Modified-Since") == modified:
                return self._send(h, req, 304, b"", ctype, headers)
        if fault.get("truncate", 0) >= n:
            return self._send(h, req, 200, body[: len(body) // 2], ctype, headers, declared=len(body))
        self._send(h, req, 200, body, ctype, headers)

    def _send(self, h: BaseHTTPRequestHandler, req: Request, status: int, body: bytes, ctype: str,
              headers: dict[str, str] | None = None, declared: int | None = None) -> None:
        req.status, req.bytes = status, len(body)
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Date", formatdate(usegmt=True))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            if status != 304:
                h.send_header("Content-Length", str(declared if declared is not None else len(body)))
            if declared is not None:
                h.send_header("Connection", "close")
                h.close_connection = True
            h.end_headers()
            if status != 304:
                h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass
