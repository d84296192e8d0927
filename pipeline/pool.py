"""Run documents in worker processes, each watched: one pathological file costs only its own row.

    Pool(workers=N, limits=Limits(seconds=120, memory_mb=2048))
    for report in pool.map_ordered(jobs): ...      results in input order, as they finish

Each worker takes one document at a time. The parent watches every busy worker: past
the time limit, or past the memory ceiling (resident memory, read from /proc), the
worker is killed and replaced, and the document becomes a `failed` row that says
which limit it hit. A worker that dies (a crash in C code) is replaced the same way.
Results are handed on in input order through a bounded window, so a caller can
stream them to disk and memory stays flat however many documents there are.
Documents travel to workers as paths; workers read the bytes themselves.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from xxgk.parsers import Report
from xxgk.parsers.model import report_from_dict, report_to_dict

from .runner import extract_path, failed_report

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
DEFAULT_SECONDS = 120.0
DEFAULT_MEMORY_MB = 2048
WINDOW_PER_WORKER = 32  # documents dispatched ahead of the oldest unfinished one, per worker


@dataclass(frozen=True)
class Limits:
    seconds: float = DEFAULT_SECONDS  # per document, wall clock
    memory_mb: int = DEFAULT_MEMORY_MB  # resident memory of the worker while it reads one document


@dataclass(frozen=True)
class Job:
    path: str
    source: str


def work(job: Job) -> dict:
    """The per-document function: a path in, a Report as plain data out (picklable both ways)."""
    return report_to_dict(extract_path(Path(job.path), job.source))


def _worker_loop(conn: Connection, fn: Callable[[Job], dict]) -> None:
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        job_id, job = msg
        conn.send((job_id, fn(job)))


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc; 0 where unreadable)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE / 1e6
    except (OSError, ValueError, IndexError):
        return 0.0


def _start_method() -> str:
    """forkserver: workers start from a clean process, not a fork of a parent that may run threads.
    But such a worker re-imports the parent's __main__ by path; a script read from stdin has none,
    and every worker would die: fork then (found running a pool from `python - <<EOF`)."""
    import sys

    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if main_file and not os.path.exists(main_file) and "fork" in mp.get_all_start_methods():
        return "fork"
    return "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"


class _Worker:
    def __init__(self, ctx: mp.context.BaseContext, fn: Callable[[Job], dict]) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_loop, args=(child, fn), daemon=True)
        self.proc.start()
        child.close()
        self.job: tuple[int, Job] | None = None
        self.started = 0.0

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class Pool:
    def __init__(self, workers: int | None = None, limits: Limits | None = None,
                 fn: Callable[[Job], dict] = work, poll: float = 0.05) -> None:
        self.n = max(1, workers or os.cpu_count() or 1)
        self.limits = limits or Limits()
        self.fn, self.poll = fn, poll
        self.ctx = mp.get_context(_start_method())
        self.stats = {"timeouts": 0, "memory": 0, "crashes": 0}
        self.peak_worker_mb = 0.0  # the largest worker resident size seen while watching

    def map_ordered(self, jobs: Iterable[Job]) -> Iterator[Report]:
        pending = iter(enumerate(jobs))
        workers = [_Worker(self.ctx, self.fn) for _ in range(self.n)]
        done: dict[int, Report] = {}
        next_out, next_in, exhausted = 0, 0, False
        window = WINDOW_PER_WORKER * self.n
        try:
            while True:
                for w in workers:  # hand out work within the window
                    if w.job is None and not exhausted and next_in - next_out < window:
                        item = next(pending, None)
                        if item is None:
                            exhausted = True
                            break
                        w.job, w.started = item, time.monotonic()
                        w.conn.send(item)
                        next_in += 1
                busy = [w for w in workers if w.job is not None]
                if not busy and exhausted:
                    break
                ready = wait([w.conn for w in busy], timeout=self.poll) if busy else []
                for i, w in enumerate(workers):
                    if w.job is None:
                        continue
                    job_id, job = w.job
                    if w.conn in ready:
                        try:
                            rid, data = w.conn.recv()
                            done[rid] = report_from_dict(data)
                            w.job = None
                            continue
                        except (EOFError, OSError):
                            pass  # the worker died: handled below
                    reason = self._over_limit(w)
                    if reason is None and w.proc.is_alive():
                        continue
                    if reason is None:
                        self.stats["crashes"] += 1
                        reason = (f"crashed: the worker reading it died (exit code {w.proc.exitcode}); "
                                  "the file may be malformed in a way that breaks a C library")
                    w.kill()
                    done[job_id] = failed_report(job.source, reason)
                    workers[i] = _Worker(self.ctx, self.fn)
                while next_out in done:
                    yield done.pop(next_out)
                    next_out += 1
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
        finally:
            for w in workers:
                try:
                    w.conn.send(None)
                except OSError:
                    pass
                w.proc.join(1)
                if w.proc.is_alive():
                    w.kill()

    def _over_limit(self, w: _Worker) -> str | None:
        elapsed = time.monotonic() - w.started
        if elapsed > self.limits.seconds:
            self.stats["timeouts"] += 1
            return (f"timeout: reading it took longer than {self.limits.seconds:g} s and was stopped "
                    "(raise --time-limit if it is a genuinely large report)")
        mem = rss_mb(w.proc.pid or 0)
        self.peak_worker_mb = max(self.peak_worker_mb, mem)
        if mem > self.limits.memory_mb:
            self.stats["memory"] += 1
            return (f"memory: reading it needed more than {self.limits.memory_mb} MB and was stopped "
                    "(a decompression bomb or an enormous file; raise --memory-limit to try anyway)")
        return None
