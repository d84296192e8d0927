"""A hostile government site on 127.0.0.1 for tests: each route is a function that writes raw bytes.

    with HostileSite({"/robots.txt": text("Crawl-delay: 1e308"), "/": html(...)}) as site:
        site.url("/")          http://127.0.0.1:PORT/
        site.hits("/a.pdf")    how often a path was asked for

Routes answer the way an attacker (or a broken CMS) would: headers dripped one byte at a
time, bodies gzipped twice, redirects anywhere. The server runs in a thread, and stop()
ends every connection it still holds, so a tarpit never outlives its test.
"""

from __future__ import annotations

import socket
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

Route = Callable[[BaseHTTPRequestHandler], None]


def send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
         headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


def html(text: str, status: int = 200) -> Route:
    return lambda h: send(h, status, text.encode("utf-8"))


def text(body: str, status: int = 200) -> Route:
    return lambda h: send(h, status, body.encode("utf-8"), "text/plain; charset=utf-8")


def file(path: Path, ctype: str) -> Route:
    return lambda h: send(h, 200, path.read_bytes(), ctype)


def redirect(location: str) -> Route:
    return lambda h: send(h, 302, b"", headers={"Location": location})


def gzipped_twice(zeros: int) -> Route:
    """A small response that inflates to `zeros` NUL bytes: Content-Encoding: gzip, gzip.

    Compressed as a stream, so a gigabyte bomb costs the test's process no gigabyte."""
    inner = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip member
    outer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    wire = bytearray()
    for start in range(0, zeros, len(chunk)):
        wire += outer.compress(inner.compress(chunk[:zeros - start]))
    wire += outer.compress(inner.flush()) + outer.flush()
    body = bytes(wire)
    return lambda h: send(h, 200, body, "text/html; charset=utf-8", {"Content-Encoding": "gzip, gzip"})


def dripped(seconds_per_byte: float) -> Route:
    """A tarpit: the status line and headers one byte at a time, with a body that never comes."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + b"".join(
        f"X-Pad-{i}: {'x' * 40}\r\n".encode() for i in range(500))

    def route(h: BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        for i in range(len(head)):
            h.wfile.write(head[i:i + 1])
            h.wfile.flush()
            time.sleep(seconds_per_byte)

    return route


class HostileSite:
    def __init__(self, routes: dict[str, Route], host: str = "127.0.0.1") -> None:
        self.routes = dict(routes)
        self.counter: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                path = urlsplit(self.path).path
                with site._lock:
                    site.counter[path] += 1
                route = site.routes.get(path)
                try:
                    if route is None:
                        send(self, 404, "未找到".encode("utf-8"), "text/plain; charset=utf-8")
                    else:
                        route(self)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass  # the client hung up: what a tarpit waits for

            def setup(self) -> None:
                super().setup()
                with site._lock:
                    site._conns.add(self.connection)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)  # another loopback address is another host
        self.httpd.daemon_threads = True
        self.base = f"http://{host}:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> int:
        return self.counter[path]

    def hits_total(self) -> int:
        return sum(self.counter.values())

    def __enter__(self) -> HostileSite:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        with self._lock:
            for conn in self._conns:  # end the tarpits' connections too
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
