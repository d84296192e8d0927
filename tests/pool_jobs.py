"""Per-document functions for tests/test_pool.py, importable by worker processes.

They stand in for the pathological documents of issue 6 (a PDF bomb, a parser that
loops), so the pool's supervision is tested on its own; anything else is extracted for real.
"""

import time

from xxgk.pipeline.pool import Job, work


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
