"""The two scans of the broken corpus (fixtures/broken/), read by OCR through the real batch path.

Pages 2-4 of hzq2024.pdf rasterised (no text layer: its three tables), and its pages 1 and 4 with their
Unicode maps removed (text is noise: the body, the year and 表四). Each page is read by OCR once in the
suite, for what only it shows (fixtures/broken/make_broken.py). They are most of the suite's time, so they
have their own module and run beside test_broken.py.
OCR is the optional extra xxgk[ocr]: with it the scans are read; without it they fail saying
how to get it (tested in test_broken.py).
"""

from __future__ import annotations

import importlib.util

import pytest

from xxgk.pipeline import truth
from xxgk.pipeline.pool import Limits

from .conftest import TRUTH
from .test_broken import BROKEN, SCANS, run

HAS_OCR = importlib.util.find_spec("rapidocr") is not None
# The CLI's memory default: OCR of a page needs about 1 GB. The time limit is generous: OCR of a
# 3-page scan takes about 12 s of one core, and longer on a machine shared with other work.
LIMITS = Limits(seconds=1800, memory_mb=2048)
EXPECTED = {
    "image-only.pdf": ("ok", "") if HAS_OCR else ("failed", "no_text_layer:"),
    "no-tounicode.pdf": ("partial", "table not found: t2, t3") if HAS_OCR else ("failed", "unreadable_text:"),
}
# The truth cells on each scan's pages: all of hzq2024's three tables, or 表四 alone.
TABLES = {"image-only.pdf": {"t2", "t3", "t4"}, "no-tounicode.pdf": {"t4"}}
# The body and the year are printed on page 1, which the noise scan keeps: read there from the OCR
# lines, not the noise. The scan's pages name neither, and neither is made up.
NAMED = {"image-only.pdf": ("", None), "no-tounicode.pdf": ("淮安市洪泽区人民政府", 2024)}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    assert sorted(EXPECTED) == sorted(SCANS)
    return run([BROKEN / name for name in SCANS], tmp_path_factory.mktemp("scans"), LIMITS)


@pytest.mark.parametrize("name", SCANS)
def test_a_scan_ends_as_its_status(batch, name):
    _, rows, _ = batch
    status, prefix = EXPECTED[name]
    assert rows[name]["status"] == status and rows[name]["error"].startswith(prefix), rows[name]["error"]
    assert batch[0].documents == 2 and batch[0].peak_worker_mb < LIMITS.memory_mb + 150


@pytest.mark.skipif(not HAS_OCR, reason="the OCR extra is not installed: pip install 'xxgk[ocr]' (CI installs it)")
@pytest.mark.parametrize("name", SCANS)
def test_ocr_reads_every_truth_cell_or_flags_it(batch, name):
    r = batch[2][name]
    cells = {k: w for k, w in truth.load(TRUTH / "hzq2024.truth").cells.items() if k[0] in TABLES[name]}
    got = {(v.table, v.row, v.col): v for v in r.values}
    assert sorted(got) == sorted(cells)  # nothing read that is not on the pages
    for key, want in cells.items():
        v = got[key]
        assert v.method == "ocr"
        assert v.as_text == want or v.kind == "text", (key, want, v)  # right, or flagged as unreadable
    exact = sum(1 for k, w in cells.items() if got[k].as_text == w)
    assert exact == len(cells) == {"image-only.pdf": 186, "no-tounicode.pdf": 15}[name]  # measured: all read
    assert (r.agency, r.year, r.template, r.status) == (*NAMED[name], "v2021", EXPECTED[name][0])
    assert all(c.status == "pass" for c in r.checks if c.severity == "error")
