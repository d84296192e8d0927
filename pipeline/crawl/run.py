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

Hosts: each host has its own queue and its own Fetcher (delay, robots.txt, counts); up to
--max-hosts hosts have a request in flight at once, in threads that only fetch. Storing,
recording and following links happen in the crawl's own thread, the state's one writer.

A registry (registry.py) gives every seed of a region in one run; coverage.py turns the state
and the reports into coverage.csv (body × year) and history.csv (every version of a report URL).
Earlier versions of a changed report stay in the datasets under their own report_id.

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

import hashlib
import logging
import time
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from xxgk.parsers import EXTRACTOR_VERSION, Report
from xxgk.parsers.errors import Disallowed, FetchError, Offsite
from xxgk.parsers.metadata import is_report_title
from xxgk.parsers.model import READ, report_from_dict, report_to_dict

from .. import interrupt
from ..pool import Limits, Pool
from ..publish import OutputLock, describe_os_error
from ..runner import failed_report
from ..tasks import Job
from xxgk.parsers import links as discovery
from . import coverage
from .fetch import Fetched, Fetcher, FetchStats, host_of
from .registry import Registry
from ..corrections import Corrections
from .settings import CrawlSettings
from .state import State

log = logging.getLogger("xxgk.crawl")
READ_EVERY = 20  # fetched documents read (and saved) at a time while the crawl goes on


@dataclass
class Visit:
    """One URL to fetch, where it was found, and what the state knew of it before."""

    url: str
    kind: str  # list | report | attachment | image (a report page's picture, read with it)
    parent: str | None
    title: str  # the link's text
    seed: str | None  # the seed whose crawl found it
    stored: str | None = None  # sha256 of the body already in the store
    etag: str | None = None
    modified: str | None = None
    kept: bool = False  # a stored report without validators, kept without a request
    depth: int = 0  # list-page hops from the seed


def _read_key(sha: str, pictures: list[str] | None) -> str:
    """What an extraction is saved under: the bytes' sha256, or, for a page read with the images the
    crawl fetched for it, a sha256 of the page's and the images' (new images are read again)."""
    if not pictures:
        return sha
    return hashlib.sha256(":".join([sha, *pictures]).encode("ascii")).hexdigest()


@dataclass
class CrawlResult:
    reports: list[Report]
    counts: Counter[str] = field(default_factory=Counter)  # new, changed, unchanged, failed, blocked, …
    fetch: dict[str, object] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)  # bounds reached and signals met, in words
    stopped_by: interrupt.Interrupted | None = None
    peak_worker_mb: float = 0.0  # the largest worker seen while reading (the crawl's own process reads nothing)
    registry: bool = False  # a registry crawl: the summary gives its coverage

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
        if c["versioned"]:
            line += f"\n{c['versioned']} report URLs have served more than one version (history.csv)"
        if self.registry:
            line += (f"\ncoverage: {c['coverage_published']} published, {c['coverage_unreadable']} unreadable, "
                     f"{c['coverage_missing']} missing (coverage.csv)")
        if c["kept_last_good"]:
            line += f"\nwarning: {c['kept_last_good']} report URLs now serve no report; their last good version is kept (see the log)"
        if self.stopped:
            line += "\nstopped early: " + "; ".join(self.stopped)
        return line


class Crawl:
    def __init__(self, seeds: list[str], out: Path, settings: CrawlSettings, state: State, fetcher: Fetcher | None,
                 clock: Callable[[], float] = time.monotonic, new_fetcher: Callable[[], Fetcher] | None = None) -> None:
        """`fetcher` serves every host; or `new_fetcher` makes one per host (several hosts at once)."""
        self.seeds, self.out, self.settings = seeds, out, settings
        self.state, self.fetcher, self.clock = state, fetcher, clock
        self.new_fetcher = new_fetcher  # one Fetcher per host when several are crawled at once
        self._fetchers: dict[str, Fetcher] = {}
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
    def fetch(self, url: str, kind: str, parent: str | None, title: str, seed: str | None = None) -> str | None:
        """Fetch or revalidate one URL; the sha256 of its current body in the store (None if there is none)."""
        visit = self._prepare(url, kind, parent, title, seed)
        if visit.kept:
            return visit.stored
        try:
            r = self.fetcher_for(host_of(url)).get(url, etag=visit.etag, last_modified=visit.modified)
        except FetchError as exc:
            return self._fetch_failed(visit, exc)
        return self._settle(visit, r)

    def _prepare(self, url: str, kind: str, parent: str | None, title: str, seed: str | None) -> Visit:
        """What the state knows of a URL: its stored body and validators; a stored report without
        validators is kept as it is (no request) unless --recheck."""
        known = self.state.document(url)
        stored = known["sha256"] if known is not None and self.state.has_blob(known["sha256"]) else None
        visit = Visit(url, kind, parent, title, seed, stored,
                      known["etag"] if known is not None and stored else None,
                      known["last_modified"] if known is not None and stored else None)
        if kind != "list" and stored and not (visit.etag or visit.modified) and not self.settings.recheck:
            self._record(visit, status="unchanged")
            self.counts["kept"] += 1
            visit.kept = True
        return visit

    def _fetch_failed(self, v: Visit, exc: FetchError) -> str | None:
        if isinstance(exc, (Offsite, Disallowed)):
            if v.kind != "list":
                self._record(v, status="blocked", error=f"{exc.kind}: {exc.message}")
            if v.url in self.seeds:  # a seed the crawl may not read: nothing of that site is collected
                self.counts["seed_failed"] += 1
                log.warning("seed blocked: %s", exc.message)
            else:
                log.info("blocked %s (%s)", v.url, exc.kind)
            return None
        self._record(v, status="failed", error=f"{exc.kind}: {exc.message}")
        if v.url in self.seeds:
            self.counts["seed_failed"] += 1
        log.warning("failed: %s", exc.message)
        return v.stored

    def _settle(self, v: Visit, r: Fetched) -> str:
        """Store and record a response (in the crawl's own thread: one writer of the state)."""
        if r.not_modified and v.stored:
            self.state.log_fetch(v.url, r.final_url, r.status, r.headers, v.stored, 0, self.run_id)
            self._record(v, status="unchanged")
            return v.stored
        body = r.body or b""
        with interrupt.deferred():  # stored and recorded together, or neither
            sha = self.state.put_blob(body)
            self.state.log_fetch(v.url, r.final_url, r.status, r.headers, sha, len(body), self.run_id)
            status = "new" if not v.stored else ("unchanged" if sha == v.stored else "changed")
            if status == "unchanged":
                self.counts["hash_same"] += 1
            self._record(v, status=status, sha256=sha, etag=r.headers.get("etag"),
                         last_modified=r.headers.get("last-modified"), content_type=r.headers.get("content-type"), error=None)
        if v.kind != "list":
            log.info("%s %s %s", status, v.kind, v.url)
        return sha

    def _record(self, v: Visit, **fields: object) -> None:
        seed = {"seed": v.seed} if v.seed else {}
        self.state.upsert_document(v.url, kind=v.kind, parent=v.parent, title=v.title, **seed, **fields)
        if v.kind not in ("list", "image"):
            self.counts[str(fields.get("status"))] += 1

    def links(self, pool: Pool, sha: str, url: str, kind: str = "list") -> tuple[list[discovery.Link], list[str]]:
        """The links of a fetched page, and a report page's images when it has no table of numbers, read
        by a worker (a hostile page costs a worker, not the crawl)."""
        task = "report_links" if kind == "report" else "links"
        out = pool.run_one(Job(str(self.state.blob_path(sha)), url, task=task, sha256=sha))
        if isinstance(out, str):
            log.warning("links of %s not read: %s", url, out)
            return [], []
        return [discovery.Link(u, t) for u, t in out["links"]], list(out.get("images", []))

    # ---- discovery ----------------------------------------------------------------------
    def discover(self, pool: Pool) -> None:
        """Breadth-first from the seeds, one queue per host: up to --max-hosts hosts are fetched from
        at once, each one request at a time (its Fetcher keeps its delay and robots rules); what is
        fetched is stored, recorded and followed here, in the crawl's own thread."""
        lanes: dict[str, deque[Visit]] = {}
        for s in self.seeds:
            lanes.setdefault(host_of(s), deque()).append(Visit(s, "list", None, "", s))
        queued = set(self.seeds)
        pages = 0
        documents: Counter[str] = Counter()  # report pages and attachments fetched, per seed
        capped: set[str] = set()
        flying: dict[Future[Fetched], Visit] = {}
        threads = ThreadPoolExecutor(max_workers=self.settings.max_hosts, thread_name_prefix="xxgk-fetch")
        stopping = False

        def next_visit(queue: deque[Visit]) -> Visit | None:
            """The next URL of a host's queue within the bounds (None: none now, or the run stops)."""
            nonlocal pages, stopping
            while queue:
                v = queue[0]
                if v.kind == "list":
                    if pages >= self.settings.max_pages:
                        left = sum(map(len, lanes.values())) + len(flying)
                        self.stopped.append(f"--max-pages {self.settings.max_pages} reached, {left} URLs left unvisited")
                        log.warning("stopped at --max-pages %d; %d URLs left unvisited", self.settings.max_pages, left)
                        stopping = True
                        return None
                    pages += 1
                elif v.kind == "image":
                    pass  # a report page's pictures (at most MAX_IMAGE_LINKS): not documents of their own
                elif documents[v.seed] >= self.settings.max_documents:  # type: ignore[index]
                    queue.popleft()
                    if v.seed not in capped:
                        capped.add(v.seed)  # type: ignore[arg-type]
                        left = sum(1 for q in lanes.values() for w in q if w.seed == v.seed and w.kind != "list") + 1
                        self.stopped.append(f"--max-documents {self.settings.max_documents} reached for {v.seed}, "
                                            f"{left} report links left unfetched")
                        log.warning("seed %s: --max-documents %d reached; %d report links left unfetched",
                                    v.seed, self.settings.max_documents, left)
                    continue
                else:
                    documents[v.seed] += 1  # type: ignore[index]
                return queue.popleft()
            return None

        def follow(v: Visit, sha: str | None) -> None:
            if sha is None or v.kind == "image":
                return
            links, images = self.links(pool, sha, v.url, v.kind) if v.kind != "attachment" else ([], [])
            # A report page with no table of numbers: its tables may be its images. Those on its own
            # site are fetched (politely, in its host's lane) and read with it when the crawl ends.
            images = [u for u in images if host_of(u) == host_of(v.url)]
            for u in images:
                if u not in queued:
                    queued.add(u)
                    lanes.setdefault(host_of(u), deque()).append(Visit(u, "image", v.url, "", v.seed, depth=v.depth))
            if v.kind != "list" and not images and self.state.extraction(sha, EXTRACTOR_VERSION) is None:
                self.unread.append(Job(str(self.state.blob_path(sha)), v.url, sha256=sha))
                if len(self.unread) >= READ_EVERY:
                    self.read(pool, self.unread)
                    self.unread = []
            for link in links:
                if link.url in queued:
                    continue
                what = discovery.classify(link)
                # An attachment is a report's when its page links it, or when a list links it by a report's
                # title (a column that lists the PDFs themselves).
                if what == "report" or (what == "attachment" and (v.kind == "report" or is_report_title(link.text))):
                    found = Visit(link.url, what, v.url, link.text, v.seed, depth=v.depth)
                elif what == "list" and v.kind == "list" and v.depth < self.settings.max_depth:
                    found = Visit(link.url, "list", v.url, link.text, v.seed, depth=v.depth + 1)
                else:
                    continue
                queued.add(link.url)
                lanes.setdefault(host_of(link.url), deque()).append(found)

        try:
            while True:
                interrupt.check()
                if not stopping and self.in_budget():
                    for host, queue in list(lanes.items()):
                        if len(flying) >= self.settings.max_hosts or stopping:
                            break
                        if any(w.url and host_of(w.url) == host for w in flying.values()):
                            continue  # one request at a time per host
                        v = next_visit(queue)
                        if v is None:
                            continue
                        visit = self._prepare(v.url, v.kind, v.parent, v.title, v.seed)
                        visit.depth = v.depth
                        if visit.kept:
                            follow(visit, visit.stored)
                            continue
                        flying[threads.submit(self.fetcher_for(host).get, v.url, etag=visit.etag,
                                              last_modified=visit.modified)] = visit
                if not flying:
                    if stopping or not self.in_budget() or not any(lanes.values()):
                        break
                    continue
                done, _ = wait(flying, timeout=0.25, return_when=FIRST_COMPLETED)
                for future in done:
                    visit = flying.pop(future)
                    try:
                        sha = self._settle(visit, future.result())
                    except FetchError as exc:
                        sha = self._fetch_failed(visit, exc)
                    follow(visit, sha)
        finally:
            threads.shutdown(wait=not flying, cancel_futures=True)
            if flying:  # stopped by a signal: cut the requests still running, so their threads end now
                self.close()

    def _all_fetchers(self) -> list[Fetcher]:
        return ([self.fetcher] if self.fetcher is not None else []) + list(self._fetchers.values())

    def close(self) -> None:
        for f in self._all_fetchers():
            f.close()

    def fetcher_for(self, host: str) -> Fetcher:
        """Each host its own Fetcher (its politeness, robots and counts); the one given, without a factory."""
        if self.new_fetcher is None:
            assert self.fetcher is not None, "Crawl needs a fetcher or a factory of them"
            return self.fetcher
        if host not in self._fetchers:
            self._fetchers[host] = self.new_fetcher()
        return self._fetchers[host]

    def fetch_stats(self) -> dict[str, object]:
        total = FetchStats()
        for f in self._all_fetchers():
            total.add(f.stats)
        return total.as_dict()

    # ---- extraction ---------------------------------------------------------------------
    def read(self, pool: Pool, jobs: list[Job]) -> dict[str, Report]:
        """Read documents in the pool, saving each result as it arrives."""
        jobs = list({j.sha256: j for j in jobs}.values())  # the same bytes at two URLs are read once
        fresh: dict[str, Report] = {}
        for job, report in zip(jobs, pool.map_ordered(jobs)):
            with interrupt.deferred():
                saved = report_to_dict(report)
                self.state.save_extraction(job.sha256, EXTRACTOR_VERSION, saved)
                if job.images and report.sha256 and report.sha256 != job.sha256:
                    # Also under the page's own bytes, where `xxgk merge` and coverage look a report up.
                    self.state.save_extraction(report.sha256, EXTRACTOR_VERSION, saved)
            fresh[job.sha256] = report
        return fresh

    def extract_all(self, pool: Pool | None) -> list[Report]:
        """Every known document's report. With a pool, documents not read yet are read now; without
        one (after a signal) only saved results count, and the next run reads the rest."""
        docs = [d for d in self.state.documents() if d["status"] != "blocked"]
        older = self._older_versions(docs)
        pictures = self._pictures()
        wanted = [(d["url"], d["sha256"]) for d in docs if d["sha256"]] + [(u, sha) for u, vs in older.items() for sha, _ in vs]
        keyed = [(url, sha, _read_key(sha, pictures.get(url))) for url, sha in wanted]
        cached = {key: c for _, _, key in keyed if (c := self.state.extraction(key, EXTRACTOR_VERSION)) is not None}
        todo = [Job(str(self.state.blob_path(sha)), url, sha256=key,
                    images=tuple(str(self.state.blob_path(p)) for p in pictures.get(url, ())))
                for url, sha, key in keyed if key not in cached and self.state.has_blob(sha)]
        fresh = self.read(pool, todo) if pool is not None and todo else {}
        reports = list(self._assemble(docs, cached, fresh, pictures))
        return reports + list(self._superseded(older, cached, fresh, {r.report_id for r in reports}, pictures))

    def _pictures(self) -> dict[str, list[str]]:
        """The images fetched for each report page (page URL → their bodies' sha256, in the order first seen)."""
        out: dict[str, list[str]] = {}
        for d in self.state.documents(kinds=("image",)):
            if d["sha256"] and d["parent"] and self.state.has_blob(d["sha256"]):
                out.setdefault(d["parent"], []).append(d["sha256"])
        return out

    def _older_versions(self, docs: list) -> dict[str, list[tuple[str, float]]]:  # type: ignore[type-arg]
        """Bodies a report URL served before its current one (still in the store): url → [(sha256, last fetch)]."""
        current = {d["url"]: d["sha256"] for d in docs}
        older: dict[str, list[tuple[str, float]]] = {}
        for url, sha, _, last in self.state.versions():
            if url in current and sha != current[url] and self.state.has_blob(sha):
                older.setdefault(url, []).append((sha, last))
        return older

    def _superseded(self, older: dict[str, list[tuple[str, float]]], cached: dict[str, dict], fresh: dict[str, Report],
                    seen: set[str], pictures: dict[str, list[str]]) -> Iterator[Report]:
        """Earlier versions of changed reports, each under its own report_id: an edit after publication
        stays visible with both versions' values (history.csv lists every version)."""
        for url, versions in older.items():
            for sha, last in versions:
                key = _read_key(sha, pictures.get(url))
                report = replace(fresh[key]) if key in fresh else report_from_dict(cached[key]) if key in cached else None
                if report is None or report.status not in READ or report.report_id in seen:
                    continue
                seen.add(report.report_id)
                report.source = url
                when = time.strftime("%Y-%m-%d %H:%M", time.localtime(last))
                report.notes = "; ".join(filter(None, [report.notes, f"superseded: an earlier version of this URL "
                                                                     f"(last fetched {when}); history.csv lists every version"]))
                yield report

    def _assemble(self, docs: list, cached: dict[str, dict], fresh: dict[str, Report],
                  pictures: dict[str, list[str]]) -> Iterator[Report]:
        # Pages that link attachments: the attachment rows carry the report (or its failure).
        with_attachments = {d["parent"] for d in docs if d["kind"] == "attachment"}
        seen_ids: set[str] = set()
        for d in docs:
            sha = d["sha256"]
            if not sha or not self.state.has_blob(sha):
                yield failed_report(d["url"], d["error"] or "fetch: never fetched")
                continue
            key = _read_key(sha, pictures.get(d["url"]))
            if key in fresh:
                report = replace(fresh[key])
            elif key in cached:
                report = report_from_dict(cached[key])
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
        if report is not None and report.status in READ:
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


def crawl(
    seeds: list[str],
    out: Path,
    settings: CrawlSettings | dict | None = None,
    state_path: Path | None = None,
    transport=None,  # type: ignore[no-untyped-def]
    sleep=None,  # type: ignore[no-untyped-def]
    workers: int | None = None,
    limits: Limits | None = None,
    clock=time.monotonic,  # type: ignore[no-untyped-def]  # for --time-budget; tests pass a fake one
    formats: tuple[str, ...] = ("csv",),
    csv_encoding: str = "utf-8-sig",
    registry: Registry | None = None,
    years: list[int] | None = None,
    corrections: Corrections | None = None,
) -> CrawlResult:
    """Crawl the seeds' sites (or a registry's) for annual reports, extract them and publish the datasets,
    history.csv and, for a registry, coverage.csv into `out`.

    A first signal stops the crawl cleanly: what is finished is published and `stopped_by` says
    which signal it was; a second one raises interrupt.Interrupted at once."""
    from ..datasets import write_reports  # pandas only where datasets are written

    s = CrawlSettings.resolve(settings)
    if registry is not None:
        seeds = [*registry.seeds, *(u for u in seeds if u not in registry.seeds)]
    with OutputLock(out):
        state = State(state_path or out / "state.sqlite", out / "store")
        hosts = {host_of(u) for u in seeds}
        new_fetcher = lambda: Fetcher(s, hosts, transport=transport, **({"sleep": sleep} if sleep else {}))  # noqa: E731
        job = Crawl(seeds, out, s, state, None, clock, new_fetcher)
        stopped_by = None
        try:
            with Pool(workers, limits) as pool:
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
            history = coverage.history_rows(state)
            versions = coverage.versions_per_url(history)
            job.counts["versioned"] = sum(1 for n in versions.values() if n > 1)
            extra = {"history": history}
            if registry is not None:
                extra["coverage"] = coverage.coverage_rows(registry, reports, state, years, versions)
                job.counts.update(Counter(f"coverage_{row[3]}" for row in extra["coverage"]))
            with interrupt.deferred():
                written = write_reports(reports, out, formats, csv_encoding, extra, corrections)
            if stopped_by is None and interrupt.requested():  # it came while publishing: all is done, still say so
                stopped_by = interrupt.Interrupted(interrupt.requested())  # type: ignore[arg-type]
            result = CrawlResult(reports, job.counts, job.fetch_stats(), written, job.stopped, stopped_by,
                                 pool.peak_worker_mb, registry is not None)
            state.finish_run(job.run_id, {"counts": dict(job.counts), "fetch": result.fetch, "stopped": job.stopped})
            return result
        except OSError as exc:
            raise describe_os_error(exc, out) from None
        finally:
            job.close()
            state.close()
