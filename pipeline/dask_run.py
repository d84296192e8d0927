"""Run the per-document function on a Dask distributed cluster (the optional extra xxgk[dask]).

    --dask tcp://host:8786   an existing scheduler
    --dask local             a LocalCluster of --workers processes, one thread each

Documents travel to workers as bytes (read here, so workers need no shared disk) and
come back as plain data; no parser state is pickled. Results are handed on in input
order, as the local pool does, so the outputs are the same byte for byte. Limits: Dask
cannot stop a running task, so the per-document time limit does not apply here; a
worker's memory limit is Dask's own (its nanny restarts a worker over it, and the
document becomes a `failed` row).
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from xxgk.parsers import Report
from xxgk.parsers.errors import ConfigError
from xxgk.parsers.model import report_from_dict, report_to_dict

from .pool import Job
from .runner import extract_bytes, failed_report

WINDOW_PER_WORKER = 8


def work_bytes(data: bytes, source: str) -> dict:
    """The task Dask runs: bytes in, a Report as plain data out."""
    return report_to_dict(extract_bytes(data, source))


def _client(address: str, workers: int | None):  # type: ignore[no-untyped-def]
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise ConfigError("--dask needs the Dask extra: pip install 'xxgk[dask]'") from exc
    for name in ("distributed", "distributed.scheduler", "distributed.nanny", "distributed.worker"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if address == "local":
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               dashboard_address="127.0.0.1:0", host="127.0.0.1")  # any free port: two runs never collide
        return Client(cluster), cluster
    try:
        return Client(address, timeout=30), None
    except (OSError, TimeoutError) as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {address} ({exc})") from exc


def dask_map(address: str, jobs: list[Job], workers: int | None = None) -> Iterator[Report]:
    client, cluster = _client(address, workers)
    try:
        n = max(1, len(client.scheduler_info().get("workers", {})) or workers or 1)
        queue: deque = deque()
        todo = iter(jobs)
        while True:
            while len(queue) < WINDOW_PER_WORKER * n:
                job = next(todo, None)
                if job is None:
                    break
                data = Path(job.path).read_bytes()
                queue.append((job, client.submit(work_bytes, data, job.source, pure=False)))
            if not queue:
                return
            job, fut = queue.popleft()
            try:
                yield report_from_dict(fut.result())
            except Exception as exc:  # KilledWorker (memory), a lost worker, …
                yield failed_report(job.source, f"crashed: the Dask task failed ({type(exc).__name__}: {exc})")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
