"""Fetching one URL politely. The steps run in this order, each in one place:

    1. allowed host     the URL's host is a seed host or an --allow-host (else Offsite)
    2. robots.txt       fetched once per host with protego (else Disallowed)
    3. politeness       one request at a time, ≥ delay seconds apart per host (robots Crawl-delay wins if longer)
    4. conditional GET  If-None-Match / If-Modified-Since from the last fetch; 304 means unchanged
    5. retry            timeouts, resets, truncated bodies, 429 and 5xx, with backoff and Retry-After; never other 4xx
    6. caps             --max-bytes per body (as it inflates) and --timeout per request, connect to last byte
Redirects are followed by hand so that every hop passes steps 1 and 2 again; robots.txt
itself is fetched through step 1 on every hop too, with a size cap of its own.
A network failure is named for what it was (dns, connect, tls, timeout), never as robots.
The httpx transport is a parameter: tests pass a MockTransport or a local server.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import math
import socket
import ssl
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from xxgk.parsers.errors import Disallowed, HTTPStatus, Offsite, TooLarge, TransportFailed

from .. import interrupt
from .netio import ACCEPT_ENCODING, BodyTooLarge, DeadlineBackend, UnsupportedEncoding, deadline_transport, inflate
from .settings import CrawlSettings

log = logging.getLogger("xxgk.fetch")
RETRY_STATUSES = {408, 429, 500, 502, 503, 504, 522, 524}
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks crawlers to read at least 500 KiB; more is no robots.txt
MAX_CRAWL_DELAY = 60.0  # a robots.txt Crawl-delay above this is capped (logged): a night has 28,800 seconds


def normal_host(name: str) -> str:
    """A host name as the politeness rules key it: lower case, no trailing dot (example.org. is example.org)."""
    return name.lower().rstrip(".")


def host_of(url: str) -> str:
    """The host of a URL, normalised (no port, no user info); '' when it has none."""
    return normal_host(urlsplit(url).hostname or "")


def network_failure(exc: Exception) -> str:
    """What kind of network failure an httpx exception is: dns, connect, tls, timeout or transport."""
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return "dns"
        if isinstance(cause, ssl.SSLError):
            return "tls"
        cause = cause.__cause__ or cause.__context__
    text = str(exc).lower()
    if "name or service not known" in text or "temporary failure in name resolution" in text or "nodename nor servname" in text:
        return "dns"
    if "ssl" in text or "certificate" in text:
        return "tls"
    if isinstance(exc, httpx.ConnectError):
        return "connect"
    return "transport"


def sane_crawl_delay(value: object, host: str) -> float:
    """A robots.txt Crawl-delay as seconds to wait: absurd values ignored, long ones capped (and logged)."""
    try:
        delay = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return 0.0
    if not math.isfinite(delay) or delay < 0:
        log.warning("robots.txt of %s has Crawl-delay %r: ignored", host, value)
        return 0.0
    if delay > MAX_CRAWL_DELAY:
        log.warning("robots.txt of %s asks for Crawl-delay %g s: capped at %g s", host, delay, MAX_CRAWL_DELAY)
        return MAX_CRAWL_DELAY
    return delay


@dataclass
class Fetched:
    url: str  # as requested
    final_url: str  # after redirects
    status: int
    headers: dict[str, str]
    body: bytes | None  # None for 304 Not Modified
    elapsed: float
    attempts: int

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class FetchStats:
    requests: int = 0
    bytes: int = 0
    not_modified: int = 0
    retries: Counter[str] = field(default_factory=Counter)  # by reason
    blocked: Counter[str] = field(default_factory=Counter)  # robots / offsite
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, other: FetchStats) -> None:
        """Count another fetcher's requests in with these (one fetcher per host in a crawl)."""
        self.requests += other.requests
        self.bytes += other.bytes
        self.not_modified += other.not_modified
        for mine, theirs in ((self.retries, other.retries), (self.blocked, other.blocked), (self.errors, other.errors)):
            mine.update(theirs)

    def as_dict(self) -> dict[str, object]:
        return {"requests": self.requests, "bytes": self.bytes, "not_modified": self.not_modified,
                "retries": dict(self.retries), "blocked": dict(self.blocked), "errors": dict(self.errors)}


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: an integer, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (now if now is not None else time.time()))


def retry_wait(attempt: int, reason: str, settings: CrawlSettings, retry_after: float | None = None) -> float | None:
    """Seconds to wait before retry number `attempt` (1, 2, …), or None to give up.

    `reason` is a network_failure kind (dns, connect, tls, timeout, transport) or "status:NNN";
    statuses outside RETRY_STATUSES never retry.
    """
    if attempt > settings.retries:
        return None
    if reason.startswith("status:") and int(reason[7:]) not in RETRY_STATUSES:
        return None
    backoff = min(settings.backoff_max, settings.backoff_base * 2 ** (attempt - 1))
    if retry_after is not None:
        return min(settings.backoff_max, max(backoff, retry_after))
    return backoff


class Fetcher:
    """Polite GETs within the allowed hosts; see the module docstring for the order of steps."""

    def __init__(
        self,
        settings: CrawlSettings,
        allowed_hosts: set[str],
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = interrupt.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.allowed = {normal_host(h) for h in allowed_hosts} | {normal_host(h) for h in settings.allow_hosts}
        self.backend = DeadlineBackend() if transport is None else None
        self.client = httpx.Client(
            transport=transport if transport is not None else deadline_transport(self.backend),  # type: ignore[arg-type]
            follow_redirects=False,
            timeout=httpx.Timeout(settings.timeout),
            headers={"User-Agent": settings.user_agent(), "Accept-Language": "zh-CN,zh;q=0.9",
                     "Accept-Encoding": ACCEPT_ENCODING},
        )
        self.sleep, self.clock = sleep, clock
        self.stats = FetchStats()
        self._last: dict[str, float] = {}
        self._robots: dict[str, Protego | None] = {}
        self._robots_failed: dict[str, str] = {}  # origin → why its robots.txt could not be used
        self._delays: dict[str, float] = {}  # origin → its robots.txt Crawl-delay, made sane
        self._unreachable: dict[str, TransportFailed] = {}  # origin → the network failure met there this run

    def close(self) -> None:
        self.client.close()

    # 1. allowed hosts
    def check_allowed(self, url: str) -> None:
        parts = urlsplit(url)
        host = host_of(url)
        if parts.scheme not in ("http", "https") or host not in self.allowed:
            self.stats.blocked["offsite"] += 1
            raise Offsite(f"{url} is outside the allowed hosts ({', '.join(sorted(self.allowed))}); "
                          "add --allow-host to follow it", source=url)

    # 2. robots.txt
    def check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin in self._unreachable:  # the host did not answer for robots.txt: it will not for this either
            failure = self._unreachable[origin]
            raise TransportFailed(f"{origin} could not be reached this run ({failure.message})", source=url, kind=failure.kind)
        if not self.settings.obey_robots:
            return
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        rp = self._robots[origin]
        ua = self.settings.user_agent()
        if origin in self._robots_failed or (rp is not None and not rp.can_fetch(url, ua)):
            self.stats.blocked["robots"] += 1
            why = self._robots_failed.get(origin) or "robots.txt disallows it"
            raise Disallowed(f"{url}: {why}", source=url)

    def _load_robots(self, origin: str) -> Protego | None:
        url = origin + "/robots.txt"
        try:
            r = self._get_with_retries(url, {}, robots=False, max_bytes=ROBOTS_MAX_BYTES)
        except TransportFailed as exc:  # DNS, connect, TLS, timeout: the host is down, not forbidding
            self._unreachable[origin] = exc
            log.warning("%s could not be reached (%s): %s", origin, exc.kind, exc.message)
            raise TransportFailed(f"{origin} could not be reached ({exc.message})", source=url, kind=exc.kind) from None
        except HTTPStatus as exc:
            if 400 <= exc.status < 500:
                return None  # no robots.txt: everything allowed
            self._robots_failed[origin] = f"robots.txt could not be read (HTTP {exc.status}, a server error)"
        except Offsite as exc:
            self._robots_failed[origin] = (f"robots.txt redirects outside the allowed hosts ({exc.message}); "
                                           "add --allow-host for its host to read it")
        except TooLarge:
            self._robots_failed[origin] = f"robots.txt is larger than {ROBOTS_MAX_BYTES} bytes"
        else:
            rp = Protego.parse((r.body or b"").decode("utf-8", errors="replace"))
            self._delays[origin] = sane_crawl_delay(rp.crawl_delay(self.settings.user_agent()), origin)
            return rp
        log.warning("%s: not fetching from this host (%s)", origin, self._robots_failed[origin])
        return None

    def host_delay(self, url: str) -> float:
        parts = urlsplit(url)
        return max(self.settings.delay, self._delays.get(f"{parts.scheme}://{parts.netloc}", 0.0))

    # 3. politeness
    def _wait_turn(self, url: str) -> None:
        host = host_of(url)
        last = self._last.get(host)
        if last is not None:
            wait = self.host_delay(url) - (self.clock() - last)
            if wait > 0:
                self.sleep(wait)

    def _done(self, url: str) -> None:
        self._last[host_of(url)] = self.clock()

    # 4-6. one GET with conditional headers, retries and caps; redirects by hand
    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._get_with_retries(url, headers, robots=True, max_bytes=self.settings.max_bytes)

    def _get_with_retries(self, url: str, headers: dict[str, str], robots: bool, max_bytes: int) -> Fetched:
        current, hops, seen = url, 0, {url}
        while True:
            self.check_allowed(current)  # every hop, robots.txt's own included
            if robots:
                self.check_robots(current)
            r = self._attempts(current, headers, max_bytes)
            if r.status in (301, 302, 303, 307, 308) and "location" in r.headers:
                nxt = urljoin(current, r.headers["location"])
                hops += 1
                if nxt in seen or hops > self.settings.max_redirects:
                    self.stats.errors["redirect_loop"] += 1
                    raise TransportFailed(f"{url}: redirect loop or more than {self.settings.max_redirects} redirects (last {nxt})", source=url)
                seen.add(nxt)
                current = nxt
                continue
            r.url = url
            r.final_url = current
            if r.status >= 400:
                self.stats.errors[f"status_{r.status}"] += 1
                raise HTTPStatus(f"{url}: HTTP {r.status}", status=r.status, source=url)
            return r

    def _attempts(self, url: str, headers: dict[str, str], max_bytes: int) -> Fetched:
        attempt = 0
        while True:
            attempt += 1
            self._wait_turn(url)
            reason, retry_after = "", None
            try:
                r = self._once(url, headers, max_bytes)
                r.attempts = attempt
                if r.status in RETRY_STATUSES:
                    reason = f"status:{r.status}"
                    retry_after = retry_after_seconds(r.headers.get("retry-after"))
                else:
                    return r
            except (httpx.TransportError, httpx.DecodingError) as exc:
                reason = network_failure(exc)
                last_exc = exc
            finally:
                self._done(url)
            wait = retry_wait(attempt, reason, self.settings, retry_after)
            if wait is None:
                if reason.startswith("status:"):
                    return r  # the caller turns it into HTTPStatus
                self.stats.errors[reason] += 1
                detail = f" ({type(last_exc).__name__}: {last_exc})" if reason != "timeout" else ""
                raise TransportFailed(f"{url}: {reason}{detail} after {attempt} attempts", source=url, kind=reason)
            self.stats.retries[reason.split(":")[0] if reason != "status:429" else "429"] += 1
            log.info("retry %d of %s in %.1fs (%s)", attempt, url, wait, reason)
            self.sleep(wait)

    def _once(self, url: str, headers: dict[str, str], max_bytes: int) -> Fetched:
        start = self.clock()
        self.stats.requests += 1
        with interrupt.interruptible(), self._deadline():
            with self.client.stream("GET", url, headers=headers) as resp:
                declared = resp.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes and resp.status_code < 300:
                    self.stats.errors["too_large"] += 1
                    raise TooLarge(f"{url}: {declared} bytes declared, more than the cap of {max_bytes}", source=url)
                chunks: list[bytes] = []
                size = 0
                try:
                    for chunk in inflate(resp.iter_raw(), resp.headers.get("content-encoding", ""), max_bytes):
                        if self.clock() - start > self.settings.timeout:
                            raise httpx.ReadTimeout(f"{url}: slower than {self.settings.timeout}s in all")
                        size += len(chunk)
                        chunks.append(chunk)
                except BodyTooLarge:
                    self.stats.errors["too_large"] += 1
                    raise TooLarge(f"{url}: more than the cap of {max_bytes} bytes (decoded)", source=url) from None
                except UnsupportedEncoding as exc:
                    raise httpx.DecodingError(f"Content-Encoding {exc} is not one xxgk asked for ({ACCEPT_ENCODING})") from None
        self.stats.bytes += size
        body = b"".join(chunks) if resp.status_code != 304 else None
        if resp.status_code == 304:
            self.stats.not_modified += 1
        return Fetched(url, url, resp.status_code, {k.lower(): v for k, v in resp.headers.items()},
                       body, self.clock() - start, 1)

    def _deadline(self):  # type: ignore[no-untyped-def]
        """Connect, headers and body of one request all end by --timeout (a real network only)."""
        if self.backend is None:
            return contextlib.nullcontext()
        return self.backend.until(time.monotonic() + self.settings.timeout)
