"""Run documents in worker processes, each watched: one pathological file costs only its own row.

    with Pool(workers=N, limits=Limits(seconds=120, memory_mb=2048)) as pool:
        for report in pool.map_ordered(jobs): ...     results in input order, as they finish
        links = pool.run_one(Job(path, url, task="links"))   any task of tasks.py, supervised the same way

Each worker takes one document at a time. Workers fork from multiprocessing's forkserver,
which loads and warms what reading needs once (worker_preload.py); a worker warms up (a no-op
when the server did) and says it is ready; only then is it given a document, and the
document's clock starts then, so start-up never eats a document's budget. The parent watches every busy worker:
past the time limit, or past the memory ceiling (resident memory, read from /proc), the
worker is killed and replaced, and the document becomes a `failed` row that says which
limit it hit. A worker that dies (a crash in C code) is replaced the same way. Results
are handed on in input order through a bounded window, so a caller can stream them to
disk and memory stays flat however many documents there are. Documents travel to
workers as paths; workers read the bytes themselves. Workers ignore SIGINT (a Ctrl-C
reaches the whole process group): the parent decides how to stop them.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from xxgk.parsers import Report
from xxgk.parsers.errors import ConfigError
from xxgk.parsers.model import report_from_dict

from . import interrupt
from .runner import failed_report
from .tasks import Job, work

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
DEFAULT_SECONDS = 120.0
DEFAULT_MEMORY_MB = 2048
MIN_MEMORY_MB = 256  # below this no worker can even import the readers
STARTUP_SECONDS = 120.0  # a worker that is not ready by then is broken (an install problem), not a document
WINDOW_PER_WORKER = 32  # documents dispatched ahead of the oldest unfinished one, per worker

__all__ = ["DEFAULT_MEMORY_MB", "DEFAULT_SECONDS", "Job", "Limits", "Pool", "PoolBroken", "work"]


class PoolBroken(RuntimeError):
    """Workers cannot start at all: an environment problem, never blamed on a document."""


@dataclass(frozen=True)
class Limits:
    seconds: float = DEFAULT_SECONDS  # per document, wall clock, from when a ready worker takes it
    memory_mb: int = DEFAULT_MEMORY_MB  # resident memory of the worker while it reads one document

    def __post_init__(self) -> None:  # the one check of these limits: the CLI's ranges and the API rely on it
        if not self.seconds > 0:
            raise ConfigError(f"time_limit must be > 0 seconds, got {self.seconds}")
        if self.memory_mb < MIN_MEMORY_MB:
            raise ConfigError(f"memory_limit must be at least {MIN_MEMORY_MB} MB, got {self.memory_mb}")


def _warm_up() -> None:
    """Load what reading needs before saying ready (the first document must not pay for it on its clock)."""
    from xxgk.parsers.report import warm_up

    warm_up()


def _worker_loop(conn: Connection, fn: Callable[[Job], dict], warm_up: Callable[[], None], threads: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from xxgk.parsers import ocr  # here, not at the top: the supervising parent never reads a page

    ocr.set_threads(threads)
    warm_up()
    try:
        conn.send("ready")
        while True:
            msg = conn.recv()
            if msg is None:
                return
            job_id, job = msg
            conn.send((job_id, fn(job)))
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return  # the pool closed while this worker warmed up or worked: nothing to say to anyone


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
    def __init__(self, ctx: mp.context.BaseContext, fn: Callable[[Job], dict], warm_up: Callable[[], None],
                 threads: int) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_loop, args=(child, fn, warm_up, threads), daemon=True)
        with interrupt.deferred():  # a signal during start would leave a half-made process behind
            self.proc.start()
        child.close()
        self.ready = False
        self.born = time.monotonic()
        self.job: tuple[int, Job] | None = None
        self.started = 0.0

    def kill(self) -> None:
        if self.proc.exitcode is None:
            self.proc.kill()
            self.proc.join(5)
        if not self.conn.closed:
            self.conn.close()


class Pool:
    """A supervised process pool; use it as a context manager so workers outlive one map."""

    def __init__(self, workers: int | None = None, limits: Limits | None = None,
                 fn: Callable[[Job], dict] = work, poll: float = 0.05, warm_up: Callable[[], None] = _warm_up) -> None:
        self.n = max(1, workers or os.cpu_count() or 1)
        self.limits = limits or Limits()
        self.fn, self.poll, self.warm_up = fn, poll, warm_up
        self.threads = max(1, (os.cpu_count() or 1) // self.n)  # each worker's share of the cores (OCR)
        self.ctx = mp.get_context(_start_method())
        self.forkserver = self.ctx.get_start_method() == "forkserver"
        if self.forkserver:  # workers fork from a server that has loaded the readers
            self.ctx.set_forkserver_preload(["__main__", "xxgk.pipeline.worker_preload"])
        self.stats = {"timeouts": 0, "memory": 0, "crashes": 0}
        self.peak_worker_mb = 0.0  # the largest worker resident size seen while watching
        self._workers: list[_Worker] = []
        self._failed_starts = 0

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for w in self._workers:
            try:
                w.conn.send(None)
            except OSError:
                pass
        for w in self._workers:
            w.proc.join(1)
            w.kill()  # one still alive is killed; every pipe is closed here, not by the garbage collector
        self._workers = []

    def _new_worker(self) -> _Worker:
        return _Worker(self.ctx, self.fn, self.warm_up, self.threads)

    def start(self) -> None:
        """Get the workers going now: they warm up while the caller does other work (the first map would)."""
        if self.forkserver:
            from multiprocessing import forkserver

            forkserver.ensure_running()  # the server loads the readers; a worker's start would wait for it
        else:
            self._spawn()

    def _spawn(self) -> None:
        if not self._workers:
            self._workers = [self._new_worker() for _ in range(self.n)]

    def run_one(self, job: Job) -> dict | str:
        """One job, supervised: its result, or the reason it failed (a string)."""
        return next(self._map([job]))

    def map_ordered(self, jobs: Iterable[Job]) -> Iterator[Report]:
        """Extract jobs in input order; a job stopped by a limit or a crash is a `failed` row."""
        for job, out in zip_jobs(jobs, self._map):
            yield failed_report(job.source, out) if isinstance(out, str) else report_from_dict(out)

    # ---- the supervision loop ------------------------------------------------------------------
    def _map(self, jobs: Iterable[Job]) -> Iterator[dict | str]:
        self._spawn()
        workers = self._workers
        pending = iter(enumerate(jobs))
        done: dict[int, dict | str] = {}
        next_out, next_in, exhausted = 0, 0, False
        window = WINDOW_PER_WORKER * self.n
        ok = False

        def hand_out() -> None:  # to every ready, idle worker, within the window
            nonlocal exhausted, next_in
            for w in workers:
                if w.ready and w.job is None and not exhausted and next_in - next_out < window:
                    item = next(pending, None)
                    if item is None:
                        exhausted = True
                        return
                    w.job, w.started = item, time.monotonic()
                    w.conn.send(item)
                    next_in += 1

        try:
            while True:
                interrupt.check()
                hand_out()
                busy = [w for w in workers if w.job is not None or not w.ready]
                if exhausted and not any(w.job is not None for w in workers):
                    break
                ready = wait([w.conn for w in busy], timeout=self.poll) if busy else []
                for i, w in enumerate(workers):
                    if not w.ready:
                        self._starting(i, w, w.conn in ready)
                        continue
                    if w.job is None:
                        continue
                    job_id, job = w.job
                    if w.conn in ready:
                        try:
                            rid, data = w.conn.recv()
                            done[rid] = data
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
                    done[job_id] = reason
                    workers[i] = self._new_worker()
                if next_out in done:
                    hand_out()  # before the caller writes what is done: the workers read on meanwhile
                while next_out in done:
                    yield done.pop(next_out)
                    next_out += 1
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            ok = True
        finally:
            if not ok:  # stopped early (an interrupt, or the caller stopped reading): no worker is left busy
                for i, w in enumerate(workers):
                    if w.job is not None:
                        w.kill()
                        if workers is self._workers:  # the pool is still open: the next map gets a fresh worker
                            workers[i] = self._new_worker()

    def _starting(self, i: int, w: _Worker, readable: bool) -> None:
        """A worker that has not said ready yet: ready, dead, or too slow to start."""
        if readable:
            try:
                if w.conn.recv() == "ready":
                    w.ready = True
                    self._failed_starts = 0
                    return
            except (EOFError, OSError):
                pass
        elif w.proc.is_alive() and time.monotonic() - w.born < STARTUP_SECONDS:
            return
        w.kill()
        self._failed_starts += 1
        if self._failed_starts > 3 * self.n:
            raise PoolBroken(f"worker processes die before they are ready (exit code {w.proc.exitcode}); "
                             "is xxgk installed in this Python? (pip install -e .)")
        self._workers[i] = self._new_worker()

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


def zip_jobs(jobs: Iterable[Job], mapper: Callable[[Iterable[Job]], Iterator[dict | str]]) -> Iterator[tuple[Job, dict | str]]:
    """Each job beside its result; the jobs are consumed lazily, as the mapper asks for them."""
    seen: dict[int, Job] = {}  # jobs handed out and not yet answered: memory stays flat on long runs

    def feed() -> Iterator[Job]:
        for i, job in enumerate(jobs):
            seen[i] = job
            yield job

    for i, out in enumerate(mapper(feed())):
        yield seen.pop(i), out
