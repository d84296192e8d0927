"""The broken corpus (fixtures/broken/, made by make_broken.py) through the real batch path.

Each file must end as a named row with a reason a researcher can act on, the batch must
complete, and no worker may grow past its memory ceiling. OCR is the optional extra
xxgk[ocr]: with it the scans are read; without it they fail saying how to get it.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import pytest

from xxgk.parsers import extract
from xxgk.pipeline import truth
from xxgk.pipeline.batch import run_batch
from xxgk.pipeline.pool import Limits

from .conftest import FIXTURES, TRUTH

BROKEN = FIXTURES / "broken"
HAS_OCR = importlib.util.find_spec("rapidocr") is not None
# The CLI's memory default (OCR needs about 1 GB; the bombs must meet the ceiling). No file here
# hangs, so the time limit is no part of what is tested: generous, as OCR of a 5-page scan takes
# 55 s on one 2-core machine and twice that with two workers sharing it.
LIMITS = Limits(seconds=1800, memory_mb=2048)

# file: (status, error prefix or None) — with the OCR extra installed.
EXPECTED = {
    "zero-byte.pdf": ("failed", "unsupported_format: the file is empty"),
    "truncated.pdf": ("failed", "corrupt:"),
    "encrypted.pdf": ("failed", "encrypted:"),
    "garbage.docx": ("failed", "corrupt:"),
    "zip-bomb.docx": ("failed", "too_large:"),
    "flate-bomb.pdf": ("failed", "memory:"),
    "nested-bomb.pdf": ("failed", "no_tables:"),
    "nested-tables.html": ("not_report", "not_report:"),
    "500-pages.pdf": ("ok", None),
    "report-is-html.pdf": ("ok", None),
    "report-is-pdf.html": ("ok", None),
    "gbk-labelled-utf8.html": ("ok", None),
    "image-only.pdf": ("ok", None) if HAS_OCR else ("failed", "no_text_layer:"),
    "no-tounicode.pdf": ("ok", None) if HAS_OCR else ("failed", "unreadable_text:"),
}


@lru_cache(maxsize=1)
def _batch(out: str):
    """One batch over the whole corpus (OCR of the scans is most of the suite's time: read them once)."""
    paths = sorted(p for p in BROKEN.iterdir() if p.suffix != ".py")
    reports = {}
    stats, _ = run_batch(paths, Path(out), workers=2, limits=LIMITS,
                         on_done=lambda r: reports.setdefault(Path(r.source).name, r))
    import csv

    with open(Path(out) / "reports.csv", encoding="utf-8-sig", newline="") as f:
        rows = {Path(r["source"]).name: r for r in csv.DictReader(f)}
    return stats, rows, reports


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    return _batch(str(tmp_path_factory.mktemp("broken")))


def test_every_broken_file_is_in_the_corpus():
    assert sorted(p.name for p in BROKEN.iterdir() if p.suffix != ".py") == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_ends_as_a_named_row(batch, name):
    _, rows, _ = batch
    status, prefix = EXPECTED[name]
    row = rows[name]
    assert row["status"] == status, row["error"]
    if prefix:
        assert row["error"].startswith(prefix), row["error"]
    assert "Traceback" not in row["error"] and "internal_error" not in row["error"]


def test_the_batch_completes_within_its_memory_ceiling(batch):
    stats, _, _ = batch
    assert stats.documents == len(EXPECTED)
    assert stats.peak_worker_mb < LIMITS.memory_mb + 150  # the pool stops a worker soon after it passes the ceiling


def test_ocr_messages_say_how_to_get_it_when_the_extra_is_missing(monkeypatch):
    import xxgk.parsers.ocr

    monkeypatch.setattr(xxgk.parsers.ocr, "available", lambda: False)
    scan = extract((BROKEN / "image-only.pdf").read_bytes(), "image-only.pdf")
    noise = extract((BROKEN / "no-tounicode.pdf").read_bytes(), "no-tounicode.pdf")
    assert scan.status == "failed" and scan.error.startswith("no_text_layer: no page has a text layer")
    assert noise.status == "failed" and noise.error.startswith("unreadable_text:")
    for r in (scan, noise):
        assert "pip install 'xxgk[ocr]'" in r.error and r.values == []


@pytest.mark.skipif(not HAS_OCR, reason="the OCR extra is not installed: pip install 'xxgk[ocr]' (CI installs it)")
@pytest.mark.parametrize("name", ["image-only.pdf", "no-tounicode.pdf"])
def test_ocr_reads_every_truth_cell_or_flags_it(batch, name):
    """hzq2024.pdf rasterised (no text) and with its Unicode maps removed (text is noise), as the batch read them."""
    r = batch[2][name]
    t = truth.load(TRUTH / "hzq2024.truth")
    got = {(v.table, v.row, v.col): v for v in r.values}
    for key, want in t.cells.items():
        v = got[key]
        assert v.method == "ocr"
        assert v.as_text == want or v.kind == "text", (key, want, v)  # right, or flagged as unreadable
    exact = sum(1 for k, w in t.cells.items() if got[k].as_text == w)
    assert exact == len(t.cells)  # measured: all 186 read
    assert (r.agency, r.year, r.template, r.status) == ("淮安市洪泽区人民政府", 2024, "v2021", "ok")
    assert all(c.status == "pass" for c in r.checks if c.severity == "error")


def test_garbled_page_detection_has_no_false_alarm_on_real_pdfs():
    from xxgk.parsers.readers.pdf import garbled, page_texts

    for pdf in sorted((FIXTURES / "reports").glob("*.pdf")):
        assert not any(garbled(t) for t in page_texts(pdf.read_bytes())), pdf.name
    assert all(garbled(t) for t in page_texts((BROKEN / "no-tounicode.pdf").read_bytes()))
