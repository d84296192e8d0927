"""`xxgk extract URL…`: fetch named URLs the way a crawl fetches a report; the batch then reads them.

The bodies go into OUT/store/ and OUT/state.sqlite as in a crawl; nothing is parsed here:
each fetched body becomes a Job that the supervised pool reads, like any file.
"""

from __future__ import annotations

from pathlib import Path

from xxgk.parsers import Report

from ..runner import failed_report
from ..tasks import Job
from .fetch import Fetcher, host_of
from .run import Crawl
from .settings import CrawlSettings
from .state import State


def fetch_urls(urls: list[str], out: Path, settings: CrawlSettings | None = None) -> tuple[list[Job], list[Report]]:
    """Jobs for the URLs fetched (in order), `failed` rows for those that could not be."""
    settings = CrawlSettings.resolve(settings)
    state = State(out / "state.sqlite", out / "store")
    fetcher = Fetcher(settings, {host_of(u) for u in urls})
    jobs: list[Job] = []
    failed: list[Report] = []
    try:
        job = Crawl(urls, out, settings, state, fetcher)
        for url in urls:
            sha = job.fetch(url, "report", None, "")  # stored, logged and recorded as in a crawl
            if sha is None:
                doc = state.document(url)
                failed.append(failed_report(url, (doc["error"] if doc is not None else None) or "fetch: not fetched"))
            else:
                jobs.append(Job(str(state.blob_path(sha)), url, sha256=sha))
        state.finish_run(job.run_id, {"fetch": fetcher.stats.as_dict()})
    finally:
        fetcher.close()
        state.close()
    return jobs, failed
