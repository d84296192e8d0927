"""A crawl run: discover → fetch (incrementally) → store → extract (cached) → write datasets.

The queue starts at the seeds (list pages). List pages are fetched every run (new
reports appear there), conditionally when the server sent validators. Report pages
and attachments already in the store are revalidated with a conditional GET when
they carry an ETag or Last-Modified, and otherwise kept as stored (`--recheck`
fetches them again and compares the sha256). Extraction runs only for a
(sha256, extractor version) not done before. The datasets are rewritten at the end
from the state, so every known report is in them exactly once, whatever an earlier
run did or where it was killed.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from xxgk.parsers import EXTRACTOR_VERSION, Report
from xxgk.parsers.encoding import decode
from xxgk.parsers.errors import Disallowed, FetchError, Offsite, UnsupportedFormat
from xxgk.parsers.model import report_from_dict, report_to_dict

from ..runner import extract_bytes, failed_report
from . import discovery
from .fetch import Fetcher
from .settings import CrawlSettings
from .state import State

log = logging.getLogger("xxgk.crawl")


@dataclass
class CrawlResult:
    reports: list[Report]
    counts: Counter[str] = field(default_factory=Counter)  # new, changed, unchanged, failed, blocked
    fetch: dict[str, object] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 all fetched; 1 a seed or a document could not be fetched (see the log and reports.csv)."""
        return 1 if self.counts["failed"] or self.counts["seed_failed"] else 0

    def summary(self) -> str:
        c, f = self.counts, self.fetch
        retries = sum(f.get("retries", {}).values())  # type: ignore[union-attr]
        blocked = f.get("blocked", {})
        return (
            f"found {c['found']} documents: {c['new']} new, {c['changed']} changed, {c['unchanged']} unchanged, "
            f"{c['failed']} failed, {c['blocked']} blocked; {f.get('requests', 0)} requests "
            f"({f.get('not_modified', 0)} not modified, {c['hash_same']} same hash, {c['kept']} kept without refetch, "
            f"{retries} retries), {f.get('bytes', 0)} bytes; blocked requests: {dict(blocked) or 'none'}"  # type: ignore[arg-type]
        )


class Crawl:
    def __init__(self, seeds: list[str], out: Path, settings: CrawlSettings, state: State, fetcher: Fetcher) -> None:
        self.seeds, self.out, self.settings = seeds, out, settings
        self.state, self.fetcher = state, fetcher
        self.counts: Counter[str] = Counter()
        self.run_id = state.start_run()

    # ---- fetching one document -----------------------------------------------------------
    def fetch(self, url: str, kind: str, parent: str | None, title: str) -> bytes | None:
        """Fetch or revalidate one URL; returns its current body (from the store if unchanged)."""
        known = self.state.document(url)
        stored = known["sha256"] if known is not None and self.state.has_blob(known["sha256"]) else None
        etag = known["etag"] if known is not None and stored else None
        modified = known["last_modified"] if known is not None and stored else None
        if kind != "list" and stored and not (etag or modified) and not self.settings.recheck:
            self._record(url, kind, parent, title, status="unchanged")
            self.counts["kept"] += 1
            return self.state.read_blob(stored)
        try:
            r = self.fetcher.get(url, etag=etag, last_modified=modified)
        except (Offsite, Disallowed) as exc:
            if kind != "list":
                self._record(url, kind, parent, title, status="blocked", error=f"{exc.kind}: {exc.message}")
            log.info("blocked %s (%s)", url, exc.kind)
            return None
        except FetchError as exc:
            self._record(url, kind, parent, title, status="failed", error=f"{exc.kind}: {exc.message}")
            if url in self.seeds:
                self.counts["seed_failed"] += 1
            log.warning("failed: %s", exc.message)
            return self.state.read_blob(stored) if stored else None
        if r.not_modified and stored:
            self.state.log_fetch(url, r.final_url, r.status, r.headers, stored, 0, self.run_id)
            self._record(url, kind, parent, title, status="unchanged")
            return self.state.read_blob(stored)
        body = r.body or b""
        sha = self.state.put_blob(body)
        self.state.log_fetch(url, r.final_url, r.status, r.headers, sha, len(body), self.run_id)
        status = "new" if not stored else ("unchanged" if sha == stored else "changed")
        if status == "unchanged":
            self.counts["hash_same"] += 1
        self._record(url, kind, parent, title, status=status, sha256=sha, etag=r.headers.get("etag"),
                     last_modified=r.headers.get("last-modified"), content_type=r.headers.get("content-type"), error=None)
        if kind != "list":
            log.info("%s %s %s", status, kind, url)
        return body

    def _record(self, url: str, kind: str, parent: str | None, title: str, **fields: object) -> None:
        self.state.upsert_document(url, kind=kind, parent=parent, title=title, **fields)
        if kind != "list":
            self.counts[str(fields.get("status"))] += 1

    # ---- discovery ----------------------------------------------------------------------
    def discover(self) -> None:
        queue: deque[tuple[str, str, str | None, int, str]] = deque((s, "list", None, 0, "") for s in self.seeds)
        queued = set(self.seeds)
        requests = 0
        while queue:
            url, kind, parent, depth, title = queue.popleft()
            if kind == "list" and requests >= self.settings.max_pages:
                log.warning("stopped at --max-pages %d; %d URLs left unvisited", self.settings.max_pages, len(queue))
                break
            requests += 1
            body = self.fetch(url, kind, parent, title)
            if body is None or kind == "attachment":
                continue
            try:
                html, _ = decode(body, url)
            except UnsupportedFormat:
                continue
            for link in discovery.links(html, url):
                if link.url in queued:
                    continue
                what = discovery.classify(link)
                if what == "report" or (what == "attachment" and kind == "report"):
                    queued.add(link.url)
                    queue.append((link.url, what, url, depth, link.text))
                elif what == "list" and kind == "list" and depth < self.settings.max_depth:
                    queued.add(link.url)
                    queue.append((link.url, "list", url, depth + 1, link.text))

    # ---- extraction ---------------------------------------------------------------------
    def extract_all(self) -> list[Report]:
        docs = self.state.documents()
        # Pages that link attachments: the attachment rows carry the report (or its failure).
        with_attachments = {d["parent"] for d in docs if d["kind"] == "attachment"}
        reports: list[Report] = []
        seen_ids: set[str] = set()
        for d in docs:
            if d["status"] == "blocked":
                continue
            if not d["sha256"] or not self.state.has_blob(d["sha256"]):
                reports.append(failed_report(d["url"], d["error"] or "fetch: never fetched"))
                continue
            cached = self.state.extraction(d["sha256"], EXTRACTOR_VERSION)
            if cached is not None:
                report = report_from_dict(cached)
            else:
                report = extract_bytes(self.state.read_blob(d["sha256"]), d["url"])
                self.state.save_extraction(d["sha256"], EXTRACTOR_VERSION, report_to_dict(report))
            report.source, report.found_on = d["url"], d["parent"] if d["kind"] == "attachment" else ""
            if d["status"] == "failed" and d["error"]:
                report.notes = "; ".join(filter(None, [report.notes, f"last fetch failed, stored copy used ({d['error']})"]))
            # A report page that only links its attachment is not a report of its own.
            if d["kind"] == "report" and not report.values and d["url"] in with_attachments:
                continue
            if report.report_id in seen_ids:
                continue
            seen_ids.add(report.report_id)
            reports.append(report)
        return reports


def default_write(reports: list[Report], out: Path) -> list[Path]:
    from ..datasets import write_reports

    return write_reports(reports, out)


def crawl(
    seeds: list[str],
    out: Path,
    settings: CrawlSettings | dict | None = None,
    state_path: Path | None = None,
    transport=None,  # type: ignore[no-untyped-def]
    sleep=time.sleep,  # type: ignore[no-untyped-def]
    write=None,  # type: ignore[no-untyped-def]
) -> CrawlResult:
    """Crawl the seeds' sites for annual reports, extract them and write the datasets into `out`."""
    s = CrawlSettings.resolve(settings)
    out.mkdir(parents=True, exist_ok=True)
    state = State(state_path or out / "state.sqlite", out / "store")
    hosts = {(urlsplit(u).hostname or "").lower() for u in seeds}
    fetcher = Fetcher(s, hosts, transport=transport, sleep=sleep)
    try:
        job = Crawl(seeds, out, s, state, fetcher)
        job.discover()
        reports = job.extract_all()
        job.counts["found"] = len(state.documents())
        written = write(reports) if write else default_write(reports, out)
        result = CrawlResult(reports, job.counts, fetcher.stats.as_dict(), written)
        state.finish_run(job.run_id, {"counts": dict(job.counts), "fetch": result.fetch})
        return result
    finally:
        fetcher.close()
        state.close()
