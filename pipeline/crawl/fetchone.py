"""`xxgk extract URL…`: fetch named URLs the way a crawl fetches a report, then extract them."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from xxgk.parsers import Report

from ..runner import extract_bytes, failed_report
from .fetch import Fetcher
from .run import Crawl
from .settings import CrawlSettings
from .state import State


def fetch_and_extract(urls: list[str], out: Path, settings: CrawlSettings) -> list[Report]:
    state = State(out / "state.sqlite", out / "store")
    fetcher = Fetcher(settings, {(urlsplit(u).hostname or "").lower() for u in urls})
    reports = []
    try:
        job = Crawl(urls, out, settings, state, fetcher)
        for url in urls:
            body = job.fetch(url, "report", None, "")  # stored, logged and recorded as in a crawl
            if body is None:
                doc = state.document(url)
                reports.append(failed_report(url, (doc["error"] if doc is not None else None) or "fetch: not fetched"))
            else:
                reports.append(extract_bytes(body, url))
        state.finish_run(job.run_id, {"fetch": fetcher.stats.as_dict()})
    finally:
        fetcher.close()
        state.close()
    return reports
