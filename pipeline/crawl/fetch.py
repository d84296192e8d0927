"""Fetching one URL politely. The steps run in this order, each in one place:

    1. allowed host     the URL's host is a seed host or an --allow-host (else Offsite)
    2. robots.txt       fetched once per host with protego (else Disallowed)
    3. politeness       one request at a time, ≥ delay seconds apart per host (robots Crawl-delay wins if longer)
    4. conditional GET  If-None-Match / If-Modified-Since from the last fetch; 304 means unchanged
    5. retry            timeouts, resets, truncated bodies, 429 and 5xx, with backoff and Retry-After; never other 4xx
    6. caps             --max-bytes per body and --timeout per request, connect to last byte
Redirects are followed by hand so that every hop passes steps 1 and 2 again.
The httpx transport is a parameter: tests pass a MockTransport or a local server.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from xxgk.parsers.errors import Disallowed, HTTPStatus, Offsite, TooLarge, TransportFailed

from .settings import CrawlSettings

log = logging.getLogger("xxgk.fetch")
RETRY_STATUSES = {408, 429, 500, 502, 503, 504, 522, 524}


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

    `reason` is "timeout", "transport" or "status:NNN"; statuses outside RETRY_STATUSES never retry.
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
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.allowed = {h.lower() for h in allowed_hosts} | {h.lower() for h in settings.allow_hosts}
        self.client = httpx.Client(
            transport=transport,
            follow_redirects=False,
            timeout=httpx.Timeout(settings.timeout),
            headers={"User-Agent": settings.user_agent(), "Accept-Language": "zh-CN,zh;q=0.9"},
        )
        self.sleep, self.clock = sleep, clock
        self.stats = FetchStats()
        self._last: dict[str, float] = {}
        self._robots: dict[str, Protego | None] = {}
        self._robots_failed: set[str] = set()

    def close(self) -> None:
        self.client.close()

    # 1. allowed hosts
    def check_allowed(self, url: str) -> None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or host not in self.allowed:
            self.stats.blocked["offsite"] += 1
            raise Offsite(f"{url} is outside the allowed hosts ({', '.join(sorted(self.allowed))}); "
                          "add --allow-host to follow it", source=url)

    # 2. robots.txt
    def check_robots(self, url: str) -> None:
        if not self.settings.obey_robots:
            return
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        rp = self._robots[origin]
        ua = self.settings.user_agent()
        if origin in self._robots_failed or (rp is not None and not rp.can_fetch(url, ua)):
            self.stats.blocked["robots"] += 1
            why = "robots.txt could not be read (server error)" if origin in self._robots_failed else "robots.txt disallows it"
            raise Disallowed(f"{url}: {why}", source=url)

    def _load_robots(self, origin: str) -> Protego | None:
        url = origin + "/robots.txt"
        try:
            r = self._get_with_retries(url, {}, check=False)
        except (HTTPStatus, TransportFailed, TooLarge) as exc:
            status = getattr(exc, "status", 0)
            if 400 <= status < 500:
                return None  # no robots.txt: everything allowed
            log.warning("robots.txt of %s unreadable (%s): not fetching from this host", origin, exc.message)
            self._robots_failed.add(origin)
            return None
        rp = Protego.parse((r.body or b"").decode("utf-8", errors="replace"))
        return rp

    def host_delay(self, url: str) -> float:
        parts = urlsplit(url)
        rp = self._robots.get(f"{parts.scheme}://{parts.netloc}")
        crawl_delay = rp.crawl_delay(self.settings.user_agent()) if rp is not None else None
        return max(self.settings.delay, float(crawl_delay or 0))

    # 3. politeness
    def _wait_turn(self, url: str) -> None:
        host = (urlsplit(url).hostname or "").lower()
        last = self._last.get(host)
        if last is not None:
            wait = self.host_delay(url) - (self.clock() - last)
            if wait > 0:
                self.sleep(wait)

    def _done(self, url: str) -> None:
        self._last[(urlsplit(url).hostname or "").lower()] = self.clock()

    # 4-6. one GET with conditional headers, retries and caps; redirects by hand
    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._get_with_retries(url, headers, check=True)

    def _get_with_retries(self, url: str, headers: dict[str, str], check: bool) -> Fetched:
        current, hops, seen = url, 0, {url}
        while True:
            if check:
                self.check_allowed(current)
                self.check_robots(current)
            r = self._attempts(current, headers)
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

    def _attempts(self, url: str, headers: dict[str, str]) -> Fetched:
        attempt = 0
        while True:
            attempt += 1
            self._wait_turn(url)
            reason, retry_after = "", None
            try:
                r = self._once(url, headers)
                r.attempts = attempt
                if r.status in RETRY_STATUSES:
                    reason = f"status:{r.status}"
                    retry_after = retry_after_seconds(r.headers.get("retry-after"))
                else:
                    return r
            except httpx.TimeoutException:
                reason = "timeout"
            except (httpx.TransportError, httpx.DecodingError) as exc:
                reason = "transport"
                last_exc = exc
            finally:
                self._done(url)
            wait = retry_wait(attempt, reason, self.settings, retry_after)
            if wait is None:
                if reason.startswith("status:"):
                    return r  # the caller turns it into HTTPStatus
                self.stats.errors[reason] += 1
                detail = f" ({type(last_exc).__name__}: {last_exc})" if reason == "transport" else ""
                raise TransportFailed(f"{url}: {reason}{detail} after {attempt} attempts", source=url)
            self.stats.retries[reason.split(":")[0] if reason != "status:429" else "429"] += 1
            log.info("retry %d of %s in %.1fs (%s)", attempt, url, wait, reason)
            self.sleep(wait)

    def _once(self, url: str, headers: dict[str, str]) -> Fetched:
        start = self.clock()
        self.stats.requests += 1
        with self.client.stream("GET", url, headers=headers) as resp:
            chunks: list[bytes] = []
            size = 0
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.settings.max_bytes:
                self.stats.errors["too_large"] += 1
                raise TooLarge(f"{url}: {declared} bytes declared, more than the cap of {self.settings.max_bytes}", source=url)
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > self.settings.max_bytes:
                    self.stats.errors["too_large"] += 1
                    raise TooLarge(f"{url}: more than the cap of {self.settings.max_bytes} bytes", source=url)
                if self.clock() - start > self.settings.timeout:
                    raise httpx.ReadTimeout(f"{url}: slower than {self.settings.timeout}s in all")
                chunks.append(chunk)
            self.stats.bytes += size
            body = b"".join(chunks) if resp.status_code != 304 else None
            if resp.status_code == 304:
                self.stats.not_modified += 1
            return Fetched(url, url, resp.status_code, {k.lower(): v for k, v in resp.headers.items()},
                           body, self.clock() - start, 1)
