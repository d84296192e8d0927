"""`xxgk extract URL…`: fetch named URLs through the crawl's fetcher and store, then extract."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from parsers import Report
from parsers.errors import FetchError

from ..runner import extract_bytes, failed_report
from .fetch import Fetcher
from .settings import CrawlSettings
from .state import State


def fetch_and_extract(urls: list[str], out: Path, settings: CrawlSettings) -> list[Report]:
    state = State(out / "state.sqlite", out / "store")
    fetcher = Fetcher(settings, {(urlsplit(u).hostname or "").lower() for u in urls})
    run_id = state.start_run()
    reports = []
    try:
        for url in urls:
            try:
                r = fetcher.get(url)
            except FetchError as exc:
                reports.append(failed_report(url, f"{exc.kind}: {exc.message}"))
                continue
            body = r.body or b""
            sha = state.put_blob(body)
            state.log_fetch(url, r.final_url, r.status, r.headers, sha, len(body), run_id)
            state.upsert_document(url, kind="report", sha256=sha, status="new", etag=r.headers.get("etag"),
                                  last_modified=r.headers.get("last-modified"), content_type=r.headers.get("content-type"))
            reports.append(extract_bytes(body, url))
        state.finish_run(run_id, {"fetch": fetcher.stats.as_dict()})
    finally:
        fetcher.close()
        state.close()
    return reports
