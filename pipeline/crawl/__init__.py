"""Crawling: find annual reports on government sites, fetch them politely and incrementally.

Roles, one module each: settings (plain data), discovery (which links lead to reports: parsers/links.py,
pure), fetch (allowed hosts → robots → delay → conditional GET → retry → caps),
state (SQLite and the content-addressed store), run (the crawl itself).
"""

from typing import TYPE_CHECKING, Any

from .settings import CrawlSettings

if TYPE_CHECKING:
    from .run import CrawlResult, crawl

__all__ = ["CrawlResult", "CrawlSettings", "crawl"]


def __getattr__(name: str) -> Any:
    # The crawl itself (httpx, the pool, the datasets) loads on first use: `xxgk --help` and the
    # settings the CLI reads its defaults from stay light.
    if name in ("CrawlResult", "crawl"):
        from . import run

        return getattr(run, name)
    raise AttributeError(f"module 'xxgk.pipeline.crawl' has no attribute {name!r}")
