"""A batch run: plan the documents, extract them in worker processes (or on Dask), stream to disk.

    lock      one run at a time on an --out (publish.OutputLock)
    plan      hash every input once; the same bytes under two names are one report;
              a missing or unreadable input is a `failed` row, never the end of the batch
    fetch     http(s) inputs are fetched into OUT/store/ as a crawl fetches a report
    extract   cached results first (cache.py), the rest in the Pool or on Dask; each result
              is kept in the cache as it arrives
    write     each result goes to the Sink as it arrives, in input order; the set is published
              as one at the end, or at once when a signal asks the run to stop

Only counters are kept in memory, so a run of 5,000 documents needs what a run of 100 does.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from xxgk.parsers import Check, Report
from xxgk.parsers.model import report_from_dict, report_to_dict
from xxgk.parsers.settings import ParseSettings

from . import interrupt
from .cache import ResultCache
from .corrections import Corrections
from .inputs import Inputs, source_name
from .pool import Limits, Pool
from .publish import OutputLock, describe_os_error
from .runner import extract_path, failed_report
from .tasks import Job

if TYPE_CHECKING:
    from .datasets import Sink

CACHE_PATH = Path(".xxgk") / "results.sqlite"


@dataclass
class BatchStats:
    status: Counter[str] = field(default_factory=Counter)
    checks: Counter[str] = field(default_factory=Counter)  # pass / fail / unknown / warning
    values: int = 0
    documents: int = 0
    duplicates: int = 0
    cached: int = 0  # documents whose result came from the cache of an earlier (perhaps cut) run
    peak_worker_mb: float = 0.0
    stopped_by: interrupt.Interrupted | None = None  # the signal that stopped the run early, if one did

    def add(self, r: Report) -> None:
        self.documents += 1
        self.status[r.status] += 1
        self.values += len(r.values)
        for c in r.checks:
            self.add_check(c)

    def add_check(self, c: Check) -> None:
        """pass / fail / unknown, and a failed soft check counted as a warning."""
        self.checks["warning" if c.severity == "warning" and c.status == "fail" else c.status] += 1

    @property
    def exit_code(self) -> int:
        """0 every document read (ok, partial, not_report); 1 any could not be fetched or read."""
        return 1 if self.status["failed"] else 0


@dataclass
class Plan:
    jobs: list[Job] = field(default_factory=list)  # distinct documents, in input order
    others: dict[str, list[str]] = field(default_factory=dict)  # sha256 → other names of the same bytes
    early: list[Report] = field(default_factory=list)  # rows known before any reading: missing, unreadable


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def plan(inputs: Inputs | list[Path]) -> Plan:
    """Jobs for distinct documents, the other names of each, and rows for missing or unreadable inputs."""
    if not isinstance(inputs, Inputs):
        inputs = Inputs(paths=list(inputs))
    p = Plan(early=[failed_report(source_name(m), "missing: no such file or folder") for m in inputs.missing])
    first: set[str] = set()
    for path in inputs.paths:
        source = source_name(path)
        try:
            sha = _sha256(path)
        except OSError as exc:
            p.early.append(failed_report(source, f"unreadable_file: {exc.strerror or exc}"))
            continue
        add_job(p, first, Job(str(path), source, sha256=sha))
    return p


def add_job(p: Plan, first: set[str], job: Job) -> None:
    if job.sha256 in first:  # the same bytes again: one document, its other names noted
        p.others.setdefault(job.sha256, []).append(job.source)
        return
    first.add(job.sha256)
    p.jobs.append(job)


def _note_duplicates(r: Report, others: dict[str, list[str]]) -> None:
    if r.sha256 in others:
        r.notes = "; ".join(filter(None, [r.notes, "same bytes also at " + ", ".join(others[r.sha256])]))


def extract_supervised(paths: Inputs | list[Path], workers: int | None = None, limits: Limits | None = None,
                       settings: ParseSettings | None = None) -> list[Report]:
    """Extract in the worker pool (each document within its limits), in input order, keeping the records."""
    p = plan(paths)
    reports = list(p.early)
    with Pool(workers, limits) as pool:
        for r in pool.map_ordered([replace(j, settings=settings) for j in p.jobs]):
            _note_duplicates(r, p.others)
            reports.append(r)
    return reports


def extract_in_process(paths: Inputs | list[Path], settings: ParseSettings | None = None) -> list[Report]:
    """Extract in this process, in input order, keeping the records (the Python API)."""
    p = plan(paths)
    reports = list(p.early)
    for job in p.jobs:
        r = extract_path(Path(job.path), job.source, settings)
        _note_duplicates(r, p.others)
        reports.append(r)
    return reports


def _results(jobs: list[Job], cache: ResultCache, known: set[str], pool: Pool | None, dask: str | None,
             workers: int | None, stats: BatchStats) -> Iterator[Report]:
    """Every job's report in input order: from the cache where an earlier run finished it (`known`,
    its hashes), else read now."""
    todo = [j for j in jobs if j.sha256 not in known]
    read: Iterator[Report]
    if dask:
        from .dask_run import dask_map

        read = dask_map(dask, todo, workers)
    else:
        assert pool is not None
        read = pool.map_ordered(todo)
    for job in jobs:
        if job.sha256 in known:
            data = cache.get(job.sha256)
            if data is not None:
                stats.cached += 1
                r = report_from_dict(data)
                r.source = job.source
                yield r
                continue
        r = next(read)
        with interrupt.deferred():  # a result is kept whole or not at all
            cache.put(job.sha256, report_to_dict(r))
        yield r


def run_batch(inputs: Inputs | list[Path], out: Path, formats: tuple[str, ...] = ("csv",), csv_encoding: str = "utf-8-sig",
              workers: int | None = None, limits: Limits | None = None, dask: str | None = None,
              on_done: Callable[[Report], None] | None = None, urls: Iterable[str] = (),
              crawl_settings: object = None, fresh: bool = False,
              corrections: Corrections | None = None) -> tuple[BatchStats, list[Path]]:
    """Extract the inputs (and fetch then extract `urls`) and publish the datasets into `out`.

    A first signal stops the reading: what is finished is published and `stats.stopped_by`
    says which signal it was. A second one (a hard stop) raises at once, publishing nothing."""
    with OutputLock(out):
        p = plan(inputs)
        stats = BatchStats()
        cache = ResultCache(out / CACHE_PATH)
        pool = None if dask else Pool(workers, limits)
        sink: Sink | None = None
        urls = list(urls)
        try:
            known = set() if fresh else cache.known()
            if pool is not None and (urls or not {j.sha256 for j in p.jobs} <= known):
                pool.start()  # the readers load in the workers' server while this process loads pandas
            from . import datasets  # pandas: here, once the workers started, not with the CLI

            if urls:
                from .crawl.fetchone import fetch_urls

                first = {j.sha256 for j in p.jobs}
                fetched, failed = fetch_urls(urls, out, crawl_settings)
                p.early += failed
                for job in fetched:
                    add_job(p, first, job)
            stats.duplicates = sum(len(v) for v in p.others.values())
            sink = datasets.Sink(out, formats, csv_encoding, corrections, expected=len(p.early) + len(p.jobs))
            for r in chain(p.early, _results(p.jobs, cache, known, pool, dask, workers, stats)):
                _note_duplicates(r, p.others)
                if sink.add(r):
                    stats.add(r)
                if on_done:
                    on_done(r)
        except interrupt.Interrupted as stop:
            if stop.hard or sink is None:
                if sink is not None:
                    sink.abort()
                raise
            stats.stopped_by = stop  # publish what is finished, below; the caller exits 128+signal
        except OSError as exc:  # a full disk under the cache or the sink
            if sink is not None:
                sink.abort()
            raise describe_os_error(exc, out) from None
        except BaseException:
            if sink is not None:
                sink.abort()
            raise
        finally:
            if pool is not None:
                pool.close()
                stats.peak_worker_mb = pool.peak_worker_mb
            cache.close()
        with interrupt.deferred():
            written = sink.close()
        if stats.stopped_by is None and interrupt.requested():  # it came while publishing: all is done, still say so
            stats.stopped_by = interrupt.Interrupted(interrupt.requested())  # type: ignore[arg-type]
        for c in sink.late_checks:
            stats.add_check(c)
        return stats, written
