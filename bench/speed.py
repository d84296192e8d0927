"""Extraction speed: reports/s per format, and xxgk against pdfplumber on the same PDFs.

    python bench/speed.py [--repeat N]

For the PDFs, xxgk's full extraction (pypdfium2 text on every page, pdfplumber
tables only on the table pages, mapping, checks) and pdfplumber's
`extract_tables()` on every page run alternately in this one process, so the
machine's drift affects both alike. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402

from xxgk.parsers import extract  # noqa: E402

FORMATS = {"pdf": (".pdf",), "html": (".html", ".htm"), "docx": (".docx",), "text": (".txt", ".md")}


def pdfplumber_all_pages(data: bytes) -> int:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_tables()
        return len(pdf.pages)


def timed(fn, *args) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    docs = [p for p in sorted((ROOT / "fixtures" / "reports").iterdir()) if p.is_file()]
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, repeat {args.repeat}")
    for fmt, suffixes in FORMATS.items():
        files = [p for p in docs if p.suffix.lower() in suffixes and "broken" not in p.parts]
        if not files:
            continue
        blobs = [(p.name, p.read_bytes()) for p in files]
        for name, data in blobs:  # warm up (imports, jieba dictionary)
            extract(data, name)
        runs = []
        for _ in range(args.repeat):
            runs.append(sum(timed(extract, data, name) for name, data in blobs))
        med = statistics.median(runs)
        print(f"{fmt:>5}: {len(blobs)} documents, {med / len(blobs) * 1000:.1f} ms/report, {len(blobs) / med:.1f} reports/s")
    pdfs = [(p.name, p.read_bytes()) for p in docs if p.suffix.lower() == ".pdf" and "broken" not in p.parts]
    if pdfs:
        ours, theirs, pages = [], [], 0
        for name, data in pdfs:
            pages += pdfplumber_all_pages(data)
        for _ in range(args.repeat):
            for name, data in pdfs:
                ours.append(timed(extract, data, name))
                theirs.append(timed(pdfplumber_all_pages, data))
        o = sum(ours) / args.repeat
        t = sum(theirs) / args.repeat
        print(f"  pdf: {len(pdfs)} PDFs, {pages} pages: xxgk extract {o:.3f} s ({pages / o:.1f} pages/s), "
              f"pdfplumber extract_tables on every page {t:.3f} s ({pages / t:.1f} pages/s); xxgk is {t / o:.2f}x faster")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (this process): {peak:.0f} MB")


if __name__ == "__main__":
    main()
