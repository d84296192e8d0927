"""A batch run: plan the documents, extract them in worker processes (or on Dask), stream to disk.

    plan      hash every input once; the same bytes under two names are one report
    extract   Pool (local processes, per-document time and memory limits) or Dask
    write     each result goes to the Sink as it arrives, in input order

Only counters are kept in memory, so a run of 5,000 documents needs what a run of 100 does.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from xxgk.parsers import Check, Report

from .datasets import Sink
from .pool import Job, Limits, Pool
from .runner import extract_path, failed_report


@dataclass
class BatchStats:
    status: Counter[str] = field(default_factory=Counter)
    checks: Counter[str] = field(default_factory=Counter)  # pass / fail / unknown / warning
    values: int = 0
    documents: int = 0
    duplicates: int = 0
    peak_worker_mb: float = 0.0

    def add(self, r: Report) -> None:
        self.documents += 1
        self.status[r.status] += 1
        self.values += len(r.values)
        for c in r.checks:
            self.add_check(c)

    def add_check(self, c: Check) -> None:
        """pass / fail / unknown, and a failed soft check counted as a warning."""
        self.checks["warning" if c.severity == "warning" and c.status == "fail" else c.status] += 1


def plan(paths: list[Path]) -> tuple[list[Job], dict[str, list[str]], list[Report]]:
    """Jobs for distinct documents, the other names of each, and rows for unreadable files."""
    jobs: list[Job] = []
    first: dict[str, str] = {}
    others: dict[str, list[str]] = {}
    unreadable: list[Report] = []
    for p in paths:
        try:
            h = hashlib.sha256()
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
        except OSError as exc:
            unreadable.append(failed_report(str(p), f"unreadable_file: {exc.strerror or exc}"))
            continue
        rid = h.hexdigest()[:16]
        if rid in first:
            others.setdefault(rid, []).append(str(p))
            continue
        first[rid] = str(p)
        jobs.append(Job(str(p), str(p)))
    return jobs, others, unreadable


def _note_duplicates(r: Report, others: dict[str, list[str]]) -> None:
    if r.report_id in others:
        r.notes = "; ".join(filter(None, [r.notes, "same bytes also at " + ", ".join(others[r.report_id])]))


def extract_in_process(paths: list[Path]) -> list[Report]:
    """Extract in this process, in input order, keeping the records (the Python API)."""
    jobs, others, unreadable = plan(paths)
    reports = list(unreadable)
    for job in jobs:
        r = extract_path(Path(job.path), job.source)
        _note_duplicates(r, others)
        reports.append(r)
    return reports


def run_batch(paths: list[Path], out: Path, formats: tuple[str, ...] = ("csv",), csv_encoding: str = "utf-8-sig",
              workers: int | None = None, limits: Limits | None = None, dask: str | None = None,
              on_done: Callable[[Report], None] | None = None,
              extra: list[Report] | None = None) -> tuple[BatchStats, list[Path]]:
    """Extract `paths` and write the datasets; `extra` reports (fetched URLs) are written too."""
    jobs, others, unreadable = plan(paths)
    results: Iterator[Report]
    pool = None
    if dask:
        from .dask_run import dask_map

        results = dask_map(dask, jobs, workers)
    else:
        pool = Pool(workers, limits)
        results = pool.map_ordered(jobs)
    stats = BatchStats(duplicates=sum(len(v) for v in others.values()))
    sink = Sink(out, formats, csv_encoding)
    try:
        for r in unreadable + (extra or []):
            if sink.add(r):
                stats.add(r)
        for r in results:
            _note_duplicates(r, others)
            if sink.add(r):
                stats.add(r)
            if on_done:
                on_done(r)
    except BaseException:
        sink.abort()
        raise
    if pool is not None:
        stats.peak_worker_mb = pool.peak_worker_mb
    written = sink.close()
    for c in sink.late_checks:
        stats.add_check(c)
    return stats, written
