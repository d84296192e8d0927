"""Scaling: reports/s with 1, 2 and N workers and a Dask LocalCluster; memory from 100 to 5,000 documents.

    python bench/scale.py [--docs 2000] [--memory-sizes 100,5000]

The corpus is the fixtures replicated with a unique marker in each copy (a comment
after %%EOF in a PDF, an HTML comment, a text line, a ZIP comment in a DOCX), so no
two copies share bytes and none is skipped as a duplicate. Each measurement runs
in a fresh process; memory is the peak resident size of the parent and of the largest
worker (as the pool saw it while watching; for Dask, of the largest reaped child). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def marked(data: bytes, suffix: str, i: int) -> bytes:
    tag = f"xxgk-bench-{i}"
    if suffix == ".pdf":
        return data + f"\n%{tag}\n".encode()
    if suffix in (".html", ".htm"):
        return data + f"\n<!-- {tag} -->\n".encode()
    if suffix == ".docx":
        buf = io.BytesIO(data)
        with zipfile.ZipFile(buf, "a") as z:
            z.comment = tag.encode()
        return buf.getvalue()
    return data + f"\n{tag}\n".encode()


def make_corpus(folder: Path, n: int) -> list[Path]:
    sources = sorted(p for p in (ROOT / "fixtures" / "reports").iterdir() if p.is_file())
    blobs = [(p.suffix.lower(), p.read_bytes()) for p in sources]
    paths = []
    for i in range(n):
        suffix, data = blobs[i % len(blobs)]
        p = folder / f"{i:05d}{suffix}"
        p.write_bytes(marked(data, suffix, i))
        paths.append(p)
    return paths


CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from xxgk.pipeline.batch import run_batch
paths = sorted(Path({corpus!r}).iterdir())[:{n}]
t = time.perf_counter()
stats, _ = run_batch(paths, Path({out!r}), workers={workers}, dask={dask!r})
dt = time.perf_counter() - t
print(json.dumps({{"seconds": dt, "docs": stats.documents, "status": dict(stats.status),
    "parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "worker_mb": stats.peak_worker_mb or resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}}))
"""


def measure(corpus: Path, n: int, workers: int, dask: str | None = None) -> dict:
    with tempfile.TemporaryDirectory() as out:
        code = CHILD.format(root=str(ROOT), corpus=str(corpus), n=n, out=out, workers=workers, dask=dask)
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if run.returncode != 0:
            raise SystemExit(run.stderr[-3000:])
        return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--memory-sizes", default="100,5000")
    ap.add_argument("--no-dask", action="store_true")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    sizes = [int(s) for s in args.memory_sizes.split(",")]
    print(f"machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        t = time.perf_counter()
        make_corpus(corpus, max(args.docs, *sizes))
        print(f"corpus: {max(args.docs, *sizes)} documents replicated from fixtures/reports in {time.perf_counter() - t:.1f} s")
        base = None
        runs = [("1 worker", 1, None), ("2 workers", 2, None)]
        if cores > 2:
            runs.append((f"{cores} workers", cores, None))
        if not args.no_dask:
            runs.append((f"Dask LocalCluster ({cores} workers)", cores, "local"))
        for label, w, dask in runs:
            r = measure(corpus, args.docs, w, dask)
            rate = r["docs"] / r["seconds"]
            base = base or rate
            print(f"{label:>32}: {r['docs']} docs in {r['seconds']:.1f} s = {rate:.1f} reports/s "
                  f"({rate / base:.2f}x one worker); parent peak {r['parent_mb']:.0f} MB, worker peak {r['worker_mb']:.0f} MB")
        for n in sizes:
            r = measure(corpus, n, 2)
            print(f"{'memory, ' + str(n) + ' docs':>32}: parent peak {r['parent_mb']:.0f} MB, worker peak {r['worker_mb']:.0f} MB "
                  f"({r['seconds']:.1f} s, {r['status']})")


if __name__ == "__main__":
    main()
