"""The broken corpus (fixtures/broken/, made by make_broken.py) through the real batch path.

Each file must end as a named row with a reason a researcher can act on, the batch must
complete, and no worker may grow past its memory ceiling. The two scans (OCR, most of the
time) are read in tests/test_scans.py, so that the two modules run side by side.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

from xxgk.parsers import extract
from xxgk.pipeline.batch import run_batch
from xxgk.pipeline.pool import Limits

from .conftest import FIXTURES

BROKEN = FIXTURES / "broken"
HAS_OCR = importlib.util.find_spec("rapidocr") is not None
SCANS = ("image-only.pdf", "no-tounicode.pdf")
# A ceiling below the CLI's 2048 MB default: the flate bomb meets it sooner by the same
# mechanism. Measured peaks at 2048 MB: nested-bomb.pdf 835 MB (pdfium's parse of the deep
# array; it still ends as no_tables), 500-pages.pdf 125 MB; at 768 MB the nested bomb is stopped.
# No file hangs, so the time limit is no part of what is tested: generous, for a loaded machine.
LIMITS = Limits(seconds=600, memory_mb=1024)

# file: (status, error prefix or None).
EXPECTED = {
    "zero-byte.pdf": ("failed", "unsupported_format: the file is empty"),
    "truncated.pdf": ("failed", "corrupt:"),
    "encrypted.pdf": ("failed", "encrypted:"),
    "garbage.docx": ("failed", "corrupt:"),
    "zip-bomb.docx": ("failed", "too_large:"),
    "flate-bomb.pdf": ("failed", "memory:"),
    # Its one page prints no text: read by OCR with the extra, it holds no table; without the
    # extra the row says the page is an image and how to get OCR.
    "nested-bomb.pdf": ("failed", "no_tables:" if HAS_OCR else "no_text_layer:"),
    "nested-tables.html": ("not_report", "not_report:"),
    "500-pages.pdf": ("ok", None),
    "report-is-html.pdf": ("ok", None),
    "report-is-pdf.html": ("ok", None),
    "gbk-labelled-utf8.html": ("ok", None),
}


def run(paths, out: Path, limits: Limits):
    """One batch over `paths`; (stats, reports.csv rows by file name, reports by file name)."""
    reports = {}
    stats, _ = run_batch(paths, out, workers=2, limits=limits,
                         on_done=lambda r: reports.setdefault(Path(r.source).name, r))
    with open(out / "reports.csv", encoding="utf-8-sig", newline="") as f:
        rows = {Path(r["source"]).name: r for r in csv.DictReader(f)}
    return stats, rows, reports


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    return run([BROKEN / name for name in sorted(EXPECTED)], tmp_path_factory.mktemp("broken"), LIMITS)


def test_every_broken_file_is_in_the_corpus():
    assert sorted(p.name for p in BROKEN.iterdir() if p.suffix != ".py") == sorted([*EXPECTED, *SCANS])


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


def test_garbled_page_detection_has_no_false_alarm_on_real_pdfs():
    from xxgk.parsers.readers.pdf import garbled, page_texts

    for pdf in sorted((FIXTURES / "reports").glob("*.pdf")):
        assert not any(garbled(t) for t in page_texts(pdf.read_bytes())), pdf.name
    assert all(garbled(t) for t in page_texts((BROKEN / "no-tounicode.pdf").read_bytes()))
