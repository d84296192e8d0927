"""Crawling: find annual reports on government sites, fetch them politely and incrementally.

Roles, one module each: settings (plain data), discovery (which links lead to reports: parsers/links.py,
pure), fetch (allowed hosts → robots → delay → conditional GET → retry → caps),
state (SQLite and the content-addressed store), run (the crawl itself).
"""

from .run import CrawlResult, crawl
from .settings import CrawlSettings

__all__ = ["CrawlResult", "CrawlSettings", "crawl"]
