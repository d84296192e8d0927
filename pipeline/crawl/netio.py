"""The bytes of one response, within its budgets: one deadline for the whole request, a byte cap as it inflates.

    backend = DeadlineBackend()                 httpcore's socket layer with a per-request deadline
    transport = deadline_transport(backend)     an httpx transport that uses it
    with backend.until(deadline): ...           every connect, write and read of the request ends by then
    inflate(raw_chunks, "gzip, gzip", cap)      the decoded body, stopped as soon as it passes the cap

httpx's own timeouts apply to each socket operation, so a server that sends its headers one
byte a second never trips them; here every operation waits only for what is left of the
request's deadline. httpx inflates a whole chunk at once, so 2.6 KB of double gzip grows to
gigabytes before any cap is checked; here each stage inflates at most STEP bytes at a time.
"""

from __future__ import annotations

import ssl
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache

import httpcore
import httpx

STEP = 64 * 1024  # most bytes one decompression step may produce
ACCEPT_ENCODING = "gzip, deflate"  # what inflate() can decode; never br or zstd


class BodyTooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class UnsupportedEncoding(Exception):
    pass


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, with every operation bounded by the current request's deadline."""

    def __init__(self) -> None:
        self.inner = httpcore.SyncBackend()
        self._local = threading.local()

    @contextmanager
    def until(self, deadline: float) -> Iterator[None]:
        self._local.deadline = deadline
        try:
            yield
        finally:
            self._local.deadline = None

    def left(self, timeout: float | None, error: type[Exception] = httpcore.ReadTimeout) -> float | None:
        deadline = getattr(self._local, "deadline", None)
        if deadline is None:
            return timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise error("the request took longer than its deadline")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):  # type: ignore[no-untyped-def]
        stream = self.inner.connect_tcp(host, port, self.left(timeout, httpcore.ConnectTimeout), local_address, socket_options)
        return _DeadlineStream(stream, self)

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # type: ignore[no-untyped-def]
        return _DeadlineStream(self.inner.connect_unix_socket(path, self.left(timeout, httpcore.ConnectTimeout), socket_options), self)

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, backend: DeadlineBackend) -> None:
        self.inner, self.backend = inner, backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, self.backend.left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self.backend.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):  # type: ignore[no-untyped-def]
        return _DeadlineStream(self.inner.start_tls(ssl_context, server_hostname, self.backend.left(timeout)), self.backend)

    def get_extra_info(self, info: str):  # type: ignore[no-untyped-def]
        return self.inner.get_extra_info(info)


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """One TLS context for the process: loading the CA bundle costs 50 ms, and every fetcher made its own two."""
    return httpx.create_ssl_context()


def deadline_transport(backend: DeadlineBackend) -> httpx.HTTPTransport:
    """httpx's own transport (TLS, HTTP/1.1, keep-alive), over the deadline backend."""
    transport = httpx.HTTPTransport(verify=_tls())
    # httpx takes no network backend, httpcore's pool does: the one private name xxgk relies on,
    # covered by the dripped-headers test (tests/test_hostile.py).
    transport._pool = httpcore.ConnectionPool(ssl_context=_tls(), network_backend=backend)
    return transport


def _decoder(name: str):  # type: ignore[no-untyped-def]
    if name in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if name == "deflate":
        return _Deflate()
    raise UnsupportedEncoding(name)


class _Deflate:
    """HTTP 'deflate' is zlib-wrapped by the standard and raw deflate on some servers: try one, then the other."""

    def __init__(self) -> None:
        self.d = zlib.decompressobj()
        self.started = False

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if not self.started:
            self.started = True
            try:
                return self.d.decompress(data, max_length)
            except zlib.error:
                self.d = zlib.decompressobj(-zlib.MAX_WBITS)
        return self.d.decompress(data, max_length)

    @property
    def unconsumed_tail(self) -> bytes:
        return self.d.unconsumed_tail


def _stage(chunks: Iterable[bytes], d) -> Iterator[bytes]:  # type: ignore[no-untyped-def]
    for data in chunks:
        while True:
            out = d.decompress(data, STEP)
            data = d.unconsumed_tail
            if out:
                yield out
            if not data and len(out) < STEP:
                break


def inflate(chunks: Iterable[bytes], content_encoding: str, cap: int) -> Iterator[bytes]:
    """The decoded body of a response, chunk by chunk; BodyTooLarge as soon as it passes `cap` bytes."""
    names = [e.strip().lower() for e in content_encoding.split(",") if e.strip() and e.strip().lower() != "identity"]
    stream: Iterable[bytes] = chunks
    for name in reversed(names):  # the last encoding applied is the first undone
        stream = _stage(stream, _decoder(name))
    size = 0
    try:
        for out in stream:
            size += len(out)
            if size > cap:
                raise BodyTooLarge(size)
            yield out
    except zlib.error as exc:
        raise httpx.DecodingError(f"the body does not decode as {content_encoding} ({exc})") from None

