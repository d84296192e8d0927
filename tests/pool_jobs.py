"""Per-document functions for tests/test_pool.py, importable by worker processes.

They stand in for the pathological documents of issue 6 (a PDF bomb, a parser that
loops), so the pool's supervision is tested on its own; anything else is extracted for real.
"""

import time

from xxgk.pipeline.tasks import Job, work


def hang_or_explode(job: Job) -> dict:
    if job.source.endswith("hang.pdf"):
        while True:
            time.sleep(1)
    if job.source.endswith("bomb.pdf"):
        hog = []
        while True:
            hog.append(bytearray(50 * 1024 * 1024))  # 50 MB a step, touched so it is resident
            hog[-1][::4096] = b"x" * len(hog[-1][::4096])
    if job.source.endswith("crash.pdf"):
        import os

        os._exit(3)
    return work(job)


def slow_start() -> None:
    """A worker that needs 2 s before it is ready (imports on a loaded machine)."""
    time.sleep(2)


def quick(job: Job) -> dict:
    """A document that takes no time at all."""
    from xxgk.parsers import Report
    from xxgk.parsers.model import report_to_dict

    r = Report(report_id=job.source, source=job.source, format="text", sha256="")
    r.status = "ok"
    return report_to_dict(r)


def slow_or_quick(job: Job) -> dict:
    """A document that takes half a second (its name says slow), or none."""
    if "slow" in job.source:
        time.sleep(0.5)
    return quick(job)


def no_warm_up() -> None:
    """For pool mechanics: a worker ready at once (the real warm-up loads jieba and cpca)."""


def mark_start(job: Job) -> dict:
    """A document that leaves a file named after it when its reading starts (job.path is a folder)."""
    from pathlib import Path

    (Path(job.path) / f"{job.source}.started").touch()
    return quick(job)
