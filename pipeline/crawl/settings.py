"""Crawl settings: one frozen dataclass, polite defaults, validated on creation."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from xxgk.parsers.errors import ConfigError

DEFAULT_DELAY = 1.0  # seconds between two requests to one host
DEFAULT_TIMEOUT = 30.0  # seconds for one request, connect to last byte
DEFAULT_MAX_BYTES = 50 * 1024 * 1024  # a larger response is cut off and recorded as too large
DEFAULT_RETRIES = 3  # retries after the first attempt (timeouts, resets, 429, 5xx)
DEFAULT_MAX_PAGES = 2000  # list pages visited per run
DEFAULT_MAX_DOCUMENTS = 2000  # report pages and attachments fetched per seed and run (a real 年报 column lists a few hundred)
DEFAULT_MAX_DEPTH = 6  # list-page hops from a seed
DEFAULT_MAX_REDIRECTS = 5
DEFAULT_MAX_HOSTS = 8  # hosts fetched from at once (each still one request at a time, --delay apart)
DEFAULT_CONTACT = "set one with --contact"
USER_AGENT = "xxgk/{version} (research crawler for government information disclosure annual reports; contact: {contact})"


@dataclass(frozen=True)
class CrawlSettings:
    delay: float = DEFAULT_DELAY
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    retries: int = DEFAULT_RETRIES
    max_pages: int = DEFAULT_MAX_PAGES
    max_documents: int = DEFAULT_MAX_DOCUMENTS
    time_budget: float | None = None  # seconds for the whole run; then it stops cleanly and publishes what it has
    max_depth: int = DEFAULT_MAX_DEPTH
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    max_hosts: int = DEFAULT_MAX_HOSTS
    contact: str = DEFAULT_CONTACT
    allow_hosts: frozenset[str] = field(default_factory=frozenset)  # besides the seeds' hosts
    obey_robots: bool = True
    recheck: bool = False  # refetch known documents that sent no ETag/Last-Modified
    backoff_base: float = 1.0  # first retry waits this long, then doubles
    backoff_max: float = 60.0

    def __post_init__(self) -> None:
        for name in ("delay", "timeout", "backoff_base", "backoff_max"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be ≥ 0, got {getattr(self, name)}")
        if self.time_budget is not None and not self.time_budget > 0:
            raise ConfigError(f"time_budget must be > 0 seconds, got {self.time_budget}")
        for name in ("max_bytes", "max_pages", "max_documents", "max_depth", "max_redirects", "max_hosts"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be ≥ 1, got {getattr(self, name)}")
        if not self.contact.isascii() or any(c in self.contact for c in "\r\n()"):
            raise ConfigError(f"contact must be plain ASCII (an e-mail address or URL), got {self.contact!r}")
        if self.retries < 0:
            raise ConfigError(f"retries must be ≥ 0, got {self.retries}")

    @classmethod
    def resolve(cls, value: CrawlSettings | dict[str, Any] | None = None) -> CrawlSettings:
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        return cls(**value)

    def with_(self, **changes: Any) -> CrawlSettings:
        return replace(self, **changes)

    def user_agent(self) -> str:
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("xxgk")
        except PackageNotFoundError:  # running from a checkout
            v = "dev"
        return USER_AGENT.format(version=v, contact=self.contact)
