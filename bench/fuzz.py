"""Fuzz the readers with mutated real fixtures for a fixed budget; every outcome must be a row.

    python bench/fuzz.py [--seconds 120] [--seed 1] [--workers 2]

Mutations of fixtures/reports/* (PDF, HTML, DOCX, text): flipped bytes, truncation, a
deleted or duplicated chunk, inserted random bytes. Each mutant runs through the same
supervised pool as `xxgk extract` (time and memory limits), so a hang, a memory blow-up
or a crash in C code is caught and counted. Prints the budget and the counts; exits
non-zero if any mutant produced an internal error (a bug rather than a bad document).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xxgk.pipeline.pool import Job, Limits, Pool  # noqa: E402


def mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    kind = rng.choice(["flip", "truncate", "delete", "duplicate", "insert"])
    if not b:
        return bytes(rng.randrange(256) for _ in range(64))
    if kind == "flip":
        for _ in range(rng.randint(1, 50)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        del b[rng.randrange(len(b)):]
    elif kind == "delete":
        i = rng.randrange(len(b))
        del b[i : i + rng.randint(1, 4096)]
    elif kind == "duplicate":
        i = rng.randrange(len(b))
        chunk = b[i : i + rng.randint(1, 4096)]
        j = rng.randrange(len(b))
        b[j:j] = chunk
    else:
        j = rng.randrange(len(b))
        b[j:j] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 256)))
    return bytes(b)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    seeds = [(p.suffix, p.read_bytes()) for p in sorted((ROOT / "fixtures" / "reports").iterdir()) if p.is_file()]
    status: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    bugs: list[str] = []
    start = time.monotonic()
    n = 0
    with tempfile.TemporaryDirectory() as tmp, Pool(args.workers, Limits(30, 1024)) as pool:
        while time.monotonic() - start < args.seconds:
            batch = []
            for _ in range(20):
                suffix, data = rng.choice(seeds)
                p = Path(tmp) / f"m{n:06d}{suffix}"
                p.write_bytes(mutate(data, rng))
                batch.append(Job(str(p), p.name))
                n += 1
            for r in pool.map_ordered(batch):
                status[r.status] += 1
                kinds[r.error.split(":", 1)[0] if r.error else r.status] += 1
                if "internal_error" in r.error:
                    bugs.append(f"{r.source}: {r.error}")
            for j in batch:
                Path(j.path).unlink()
    elapsed = time.monotonic() - start
    print(f"fuzz: {n} mutants of {len(seeds)} fixtures in {elapsed:.0f} s (seed {args.seed}, {args.workers} workers)")
    print("status:", dict(status.most_common()))
    print("outcomes:", dict(kinds.most_common()))
    print(f"internal errors (bugs): {len(bugs)}")
    for b in bugs[:20]:
        print("  ", b)
    return 1 if bugs else 0


if __name__ == "__main__":
    sys.exit(main())
