"""Every file of fixtures/broken/ through the real batch path, one at a time, with its cost.

    python bench/broken.py [--time-limit 60] [--memory-limit 1024]

Prints file, status, error (shortened), seconds and the worker's peak memory as the
pool saw it. Asserts nothing: tests/test_broken.py holds the expectations.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xxgk.pipeline.pool import Job, Limits, Pool  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=60)
    ap.add_argument("--memory-limit", type=int, default=2048)  # the CLI default
    args = ap.parse_args()
    files = sorted(p for p in (ROOT / "fixtures" / "broken").iterdir() if p.suffix != ".py")
    print("| file | status | error | seconds | peak MB |\n| --- | --- | --- | --- | --- |")
    for f in files:
        with Pool(1, Limits(args.time_limit, args.memory_limit)) as pool:  # a pool per file: its own peak
            t = time.perf_counter()
            (r,) = pool.map_ordered([Job(str(f), f.name)])
            dt = time.perf_counter() - t
        err = (r.error or r.notes)[:110].replace("|", "/")
        print(f"| {f.name} | {r.status} | {err} | {dt:.1f} | {pool.peak_worker_mb:.0f} |")


if __name__ == "__main__":
    main()
