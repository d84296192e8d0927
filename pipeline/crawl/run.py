"""A crawl run: discover → fetch (incrementally) → store → extract (cached) → publish datasets.

The queue starts at the seeds (list pages). List pages are fetched every run (new
reports appear there), conditionally when the server sent validators. Report pages
and attachments already in the store are revalidated with a conditional GET when
they carry an ETag or Last-Modified, and otherwise kept as stored (`--recheck`
fetches them again and compares the sha256). Nothing fetched is parsed here: the links
of a page and the tables of a document are read by the supervised pool (tasks.py),
under its time and memory limits. Extraction runs only for a (sha256, extractor
version) not done before, and each result is saved as it arrives.

Documents are read in small batches while the crawl goes on (READ_EVERY), so a run cut
short has already read and saved most of what it fetched.

Bounds: --max-pages list pages per run, --max-documents report pages and attachments
per seed, --time-budget for fetching in the whole run (what was fetched is still read).
Reaching one stops that part cleanly and says so in the summary; a signal (SIGINT,
SIGTERM) stops the run at once, without reading more. The datasets are then published
from the state, so every known report is in them exactly
once, whatever an earlier run did or where it was cut; a report URL that now serves
something that is no report (a maintenance page, a truncated file) keeps its last good
version, with a warning.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from xxgk.parsers import EXTRACTOR_VERSION, Report
from xxgk.parsers.errors import Disallowed, FetchError, Offsite
from xxgk.parsers.model import report_from_dict, report_to_dict

from .. import interrupt
from ..pool import Limits, Pool
from ..publish import OutputLock, describe_os_error
from ..runner import failed_report
from ..tasks import Job
from xxgk.parsers import links as discovery
from .fetch import Fetcher, host_of
from .settings import CrawlSettings
from .state import State

log = logging.getLogger("xxgk.crawl")
READ_EVERY = 20  # fetched documents read (and saved) at a time while the crawl goes on


@dataclass
class CrawlResult:
    reports: list[Report]
    counts: Counter[str] = field(default_factory=Counter)  # new, changed, unchanged, failed, blocked, …
    fetch: dict[str, object] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)  # bounds reached and signals met, in words
    stopped_by: interrupt.Interrupted | None = None
    peak_worker_mb: float = 0.0  # the largest worker seen while reading (the crawl's own process reads nothing)

    @property
    def exit_code(self) -> int:
        """0 all fetched and read; 1 a seed or a document could not be fetched or read; 128+N on signal N."""
        if self.stopped_by is not None:
            return self.stopped_by.exit_code
        failed = self.counts["failed"] or self.counts["seed_failed"] or any(r.status == "failed" for r in self.reports)
        return 1 if failed else 0

    def summary(self) -> str:
        c, f = self.counts, self.fetch
        retries = sum(f.get("retries", {}).values())  # type: ignore[union-attr]
        blocked = f.get("blocked", {})
        line = (
            f"found {c['found']} documents: {c['new']} new, {c['changed']} changed, {c['unchanged']} unchanged, "
            f"{c['failed']} failed, {c['blocked']} blocked; {f.get('requests', 0)} requests "
            f"({f.get('not_modified', 0)} not modified, {c['hash_same']} same hash, {c['kept']} kept without refetch, "
            f"{retries} retries), {f.get('bytes', 0)} bytes; blocked requests: {dict(blocked) or 'none'}"  # type: ignore[arg-type]
        )
        if c["kept_last_good"]:
            line += f"\nwarning: {c['kept_last_good']} report URLs now serve no report; their last good version is kept (see the log)"
        if self.stopped:
            line += "\nstopped early: " + "; ".join(self.stopped)
        return line


class Crawl:
    def __init__(self, seeds: list[str], out: Path, settings: CrawlSettings, state: State, fetcher: Fetcher,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seeds, self.out, self.settings = seeds, out, settings
        self.state, self.fetcher, self.clock = state, fetcher, clock
        self.counts: Counter[str] = Counter()
        self.stopped: list[str] = []
        self.run_id = state.start_run()
        self.unread: list[Job] = []  # fetched, not yet read
        self.deadline = clock() + settings.time_budget if settings.time_budget else None

    def in_budget(self, *_: object) -> bool:
        if self.deadline is None or self.clock() < self.deadline:
            return True
        note = f"--time-budget of {self.settings.time_budget:g} s reached, fetching stopped"
        if note not in self.stopped:
            self.stopped.append(note)
            log.warning("%s: stopping, publishing what is finished", note)
        return False

    # ---- fetching one document -----------------------------------------------------------
    def fetch(self, url: str, kind: str, parent: str | None, title: str) -> str | None:
        """Fetch or revalidate one URL; the sha256 of its current body in the store (None if there is none)."""
        known = self.state.document(url)
        stored = known["sha256"] if known is not None and self.state.has_blob(known["sha256"]) else None
        etag = known["etag"] if known is not None and stored else None
        modified = known["last_modified"] if known is not None and stored else None
        if kind != "list" and stored and not (etag or modified) and not self.settings.recheck:
            self._record(url, kind, parent, title, status="unchanged")
            self.counts["kept"] += 1
            return stored
        try:
            r = self.fetcher.get(url, etag=etag, last_modified=modified)
        except (Offsite, Disallowed) as exc:
            if kind != "list":
                self._record(url, kind, parent, title, status="blocked", error=f"{exc.kind}: {exc.message}")
            if url in self.seeds:  # a seed the crawl may not read: nothing of that site is collected
                self.counts["seed_failed"] += 1
                log.warning("seed blocked: %s", exc.message)
            else:
                log.info("blocked %s (%s)", url, exc.kind)
            return None
        except FetchError as exc:
            self._record(url, kind, parent, title, status="failed", error=f"{exc.kind}: {exc.message}")
            if url in self.seeds:
                self.counts["seed_failed"] += 1
            log.warning("failed: %s", exc.message)
            return stored
        if r.not_modified and stored:
            self.state.log_fetch(url, r.final_url, r.status, r.headers, stored, 0, self.run_id)
            self._record(url, kind, parent, title, status="unchanged")
            return stored
        body = r.body or b""
        with interrupt.deferred():  # stored and recorded together, or neither
            sha = self.state.put_blob(body)
            self.state.log_fetch(url, r.final_url, r.status, r.headers, sha, len(body), self.run_id)
            status = "new" if not stored else ("unchanged" if sha == stored else "changed")
            if status == "unchanged":
                self.counts["hash_same"] += 1
            self._record(url, kind, parent, title, status=status, sha256=sha, etag=r.headers.get("etag"),
                         last_modified=r.headers.get("last-modified"), content_type=r.headers.get("content-type"), error=None)
        if kind != "list":
            log.info("%s %s %s", status, kind, url)
        return sha

    def _record(self, url: str, kind: str, parent: str | None, title: str, **fields: object) -> None:
        self.state.upsert_document(url, kind=kind, parent=parent, title=title, **fields)
        if kind != "list":
            self.counts[str(fields.get("status"))] += 1

    def links(self, pool: Pool, sha: str, url: str) -> list[discovery.Link]:
        """The links of a fetched page, read by a worker (a hostile page costs a worker, not the crawl)."""
        out = pool.run_one(Job(str(self.state.blob_path(sha)), url, task="links", sha256=sha))
        if isinstance(out, str):
            log.warning("links of %s not read: %s", url, out)
            return []
        return [discovery.Link(u, t) for u, t in out["links"]]

    # ---- discovery ----------------------------------------------------------------------
    def discover(self, pool: Pool) -> None:
        # (url, kind, parent, depth, title, seed)
        queue: deque[tuple[str, str, str | None, int, str, str]] = deque((s, "list", None, 0, "", s) for s in self.seeds)
        queued = set(self.seeds)
        pages = 0
        documents: Counter[str] = Counter()  # report pages and attachments fetched, per seed
        capped: set[str] = set()
        while queue and self.in_budget():
            interrupt.check()
            url, kind, parent, depth, title, seed = queue.popleft()
            if kind == "list":
                if pages >= self.settings.max_pages:
                    self.stopped.append(f"--max-pages {self.settings.max_pages} reached, {len(queue) + 1} URLs left unvisited")
                    log.warning("stopped at --max-pages %d; %d URLs left unvisited", self.settings.max_pages, len(queue) + 1)
                    break
                pages += 1
            else:
                if documents[seed] >= self.settings.max_documents:
                    if seed not in capped:
                        capped.add(seed)
                        left = sum(1 for q in queue if q[5] == seed and q[1] != "list") + 1
                        self.stopped.append(f"--max-documents {self.settings.max_documents} reached for {seed}, "
                                            f"{left} report links left unfetched")
                        log.warning("seed %s: --max-documents %d reached; %d report links left unfetched",
                                    seed, self.settings.max_documents, left)
                    continue
                documents[seed] += 1
            sha = self.fetch(url, kind, parent, title)
            if sha is not None and kind != "list" and self.state.extraction(sha, EXTRACTOR_VERSION) is None:
                self.unread.append(Job(str(self.state.blob_path(sha)), url, sha256=sha))
                if len(self.unread) >= READ_EVERY:
                    self.read(pool, self.unread)
                    self.unread = []
            if sha is None or kind == "attachment":
                continue
            for link in self.links(pool, sha, url):
                if link.url in queued:
                    continue
                what = discovery.classify(link)
                if what == "report" or (what == "attachment" and kind == "report"):
                    queued.add(link.url)
                    queue.append((link.url, what, url, depth, link.text, seed))
                elif what == "list" and kind == "list" and depth < self.settings.max_depth:
                    queued.add(link.url)
                    queue.append((link.url, "list", url, depth + 1, link.text, seed))

    # ---- extraction ---------------------------------------------------------------------
    def read(self, pool: Pool, jobs: list[Job]) -> dict[str, Report]:
        """Read documents in the pool, saving each result as it arrives."""
        jobs = list({j.sha256: j for j in jobs}.values())  # the same bytes at two URLs are read once
        fresh: dict[str, Report] = {}
        for job, report in zip(jobs, pool.map_ordered(jobs)):
            with interrupt.deferred():
                self.state.save_extraction(job.sha256, EXTRACTOR_VERSION, report_to_dict(report))
            fresh[job.sha256] = report
        return fresh

    def extract_all(self, pool: Pool | None) -> list[Report]:
        """Every known document's report. With a pool, documents not read yet are read now; without
        one (after a signal) only saved results count, and the next run reads the rest."""
        docs = [d for d in self.state.documents() if d["status"] != "blocked"]
        cached = {d["sha256"]: c for d in docs if d["sha256"] and (c := self.state.extraction(d["sha256"], EXTRACTOR_VERSION)) is not None}
        todo = [Job(str(self.state.blob_path(d["sha256"])), d["url"], sha256=d["sha256"]) for d in docs
                if d["sha256"] and d["sha256"] not in cached and self.state.has_blob(d["sha256"])]
        fresh = self.read(pool, todo) if pool is not None and todo else {}
        return list(self._assemble(docs, cached, fresh))

    def _assemble(self, docs: list, cached: dict[str, dict], fresh: dict[str, Report]) -> Iterator[Report]:
        # Pages that link attachments: the attachment rows carry the report (or its failure).
        with_attachments = {d["parent"] for d in docs if d["kind"] == "attachment"}
        seen_ids: set[str] = set()
        for d in docs:
            sha = d["sha256"]
            if not sha or not self.state.has_blob(sha):
                yield failed_report(d["url"], d["error"] or "fetch: never fetched")
                continue
            if sha in fresh:
                report = replace(fresh[sha])
            elif sha in cached:
                report = report_from_dict(cached[sha])
            else:
                report = None  # not read yet (the run was stopped): its last good version, if any
            report = self._keep_last_good(d, report)
            if report is None:
                continue
            report.source, report.found_on = d["url"], d["parent"] if d["kind"] == "attachment" else ""
            if d["status"] == "failed" and d["error"]:
                report.notes = "; ".join(filter(None, [report.notes, f"last fetch failed, stored copy used ({d['error']})"]))
            # A report page that only links its attachment is not a report of its own.
            if d["kind"] == "report" and not report.values and d["url"] in with_attachments:
                continue
            if report.report_id in seen_ids:
                continue
            seen_ids.add(report.report_id)
            yield report

    def _keep_last_good(self, d, report: Report | None) -> Report | None:  # type: ignore[no-untyped-def]
        """A URL that once gave a report and now gives none keeps the report, with a note and a warning."""
        if report is not None and report.status in ("ok", "partial"):
            return report
        good = self.state.last_good(d["url"], d["sha256"], EXTRACTOR_VERSION)
        if good is None:
            return report
        sha, data, when = good
        kept = report_from_dict(data)
        now = f"now {report.status}: {report.error}" if report is not None else "the current copy is not read yet"
        kept.notes = "; ".join(filter(None, [kept.notes, f"last good version kept (fetched "
                                             f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(when))}); {now}"]))
        if report is not None:
            self.counts["kept_last_good"] += 1
            log.warning("%s no longer serves a report (%s: %s); keeping the last good version %s",
                        d["url"], report.status, report.error, sha[:16])
        return kept


def default_write(reports: list[Report], out: Path) -> list[Path]:
    from ..datasets import write_reports

    return write_reports(reports, out)


def crawl(
    seeds: list[str],
    out: Path,
    settings: CrawlSettings | dict | None = None,
    state_path: Path | None = None,
    transport=None,  # type: ignore[no-untyped-def]
    sleep=None,  # type: ignore[no-untyped-def]
    write=None,  # type: ignore[no-untyped-def]
    workers: int | None = None,
    limits: Limits | None = None,
    clock=time.monotonic,  # type: ignore[no-untyped-def]  # for --time-budget; tests pass a fake one
) -> CrawlResult:
    """Crawl the seeds' sites for annual reports, extract them and publish the datasets into `out`.

    A first signal stops the crawl cleanly: what is finished is published and `stopped_by` says
    which signal it was; a second one raises interrupt.Interrupted at once."""
    s = CrawlSettings.resolve(settings)
    with OutputLock(out):
        state = State(state_path or out / "state.sqlite", out / "store")
        hosts = {host_of(u) for u in seeds}
        fetcher = Fetcher(s, hosts, transport=transport, **({"sleep": sleep} if sleep else {}))
        stopped_by = None
        try:
            with Pool(workers, limits) as pool:
                job = Crawl(seeds, out, s, state, fetcher, clock)
                try:
                    job.discover(pool)
                    reports = job.extract_all(pool)
                except interrupt.Interrupted as stop:
                    if stop.hard:
                        raise
                    stopped_by = stop
                    job.stopped.append(f"{stop.name} received")
                    log.warning("%s received: stopping, publishing what is finished", stop.name)
            if stopped_by is not None:
                with interrupt.deferred():
                    reports = job.extract_all(None)
            job.counts["found"] = len(state.documents())
            with interrupt.deferred():
                written = write(reports) if write else default_write(reports, out)
            if stopped_by is None and interrupt.requested():  # it came while publishing: all is done, still say so
                stopped_by = interrupt.Interrupted(interrupt.requested())  # type: ignore[arg-type]
            result = CrawlResult(reports, job.counts, fetcher.stats.as_dict(), written, job.stopped, stopped_by,
                                 pool.peak_worker_mb)
            state.finish_run(job.run_id, {"counts": dict(job.counts), "fetch": result.fetch, "stopped": job.stopped})
            return result
        except OSError as exc:
            raise describe_os_error(exc, out) from None
        finally:
            fetcher.close()
            state.close()
