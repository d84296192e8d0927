"""Tables pasted into a web page as pictures (inline data: images), read by OCR with the extra.

fixtures/make/make_images.py put each table of the real 2025 平潭 page back as a Chromium
screenshot of it; the truth is the page's own.
"""

from __future__ import annotations

import importlib.util

import pytest

from xxgk.parsers import extract, ocr
from xxgk.pipeline import truth as truthfile

from .conftest import FIXTURES, TRUTH

PAGE = FIXTURES / "images" / "2025-pingtan-images.html"
HAS_OCR = importlib.util.find_spec("rapidocr") is not None


@pytest.mark.skipif(not HAS_OCR, reason="the OCR extra is not installed: pip install 'xxgk[ocr]' (CI installs it)")
def test_tables_as_inline_images_are_read_by_ocr_every_cell_right_or_flagged():
    truth = truthfile.load(TRUTH / "images" / f"{PAGE.name}.truth")
    r = extract(PAGE.read_bytes(), PAGE.name)
    got = {(v.table, v.row, v.col): v for v in r.values}
    for key, want in truth.cells.items():
        assert got[key].method == "ocr"
        assert got[key].as_text == want or got[key].kind == "text", (key, want, got[key])
    exact = sum(1 for k, w in truth.cells.items() if got[k].as_text == w)
    assert exact == len(truth.cells) - 1  # measured: 199 of 200; 64 (t2 coercion) read at 0.78 < 0.80, refused
    assert "ocr unreadable: t2 coercion/decisions" in r.error and r.status == "partial"
    assert (r.agency, r.year) == (truth.agency, truth.year)
    assert "OCR (rapidocr) read 3 of the page's 3 inline images" in r.notes
    assert got[("t3", "new", "natural")].source_ref.startswith("img2 bbox=")


def test_without_the_ocr_extra_the_page_says_its_tables_may_be_images(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    r = extract(PAGE.read_bytes(), PAGE.name)
    assert r.status == "failed" and r.values == []
    assert r.error == ("no_tables: the page's tables may be its 3 inline images; they were not read "
                       "(install the OCR extra to read it: pip install 'xxgk[ocr]')")


def test_a_page_with_tables_of_its_own_leaves_its_images_alone(monkeypatch):
    monkeypatch.setattr(ocr, "image_grids", lambda *a: pytest.fail("a page with tables was sent to OCR"))
    page = (FIXTURES / "reports" / "2025-pingtan.html").read_text(encoding="utf-8")
    page = page.replace("</body>", '<img src="data:image/png;base64,iVBORw0KGgo="></body>', 1)
    assert extract(page.encode("utf-8"), "page.html").status == "ok"


@pytest.mark.skipif(not HAS_OCR, reason="the OCR extra is not installed: pip install 'xxgk[ocr]' (CI installs it)")
def test_an_inline_image_that_is_no_image_is_skipped_and_counted():
    page = ('<html><head><meta charset="utf-8"><title>某县2025年政府信息公开工作年度报告</title></head><body>'
            '<p>一、总体情况</p><img src="data:image/png;base64,bm90IGFuIGltYWdl"></body></html>')  # "not an image"
    r = extract(page.encode("utf-8"), "page.html")
    assert r.status == "failed" and r.values == []
    assert r.error == "no_tables: OCR (rapidocr) read 0 of the page's 1 inline images"
