"""Tables pasted into a web page as pictures (inline data: images), read by OCR with the extra.

fixtures/make/make_images.py put each table of the real 2025 平潭 page back as a Chromium
screenshot of it; the truth is the page's own.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import re

import pytest
from PIL import Image

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
    # measured: 200 of 200, the lowest confidence 0.84 (a value read below the line is refused and named
    # in the error: tests/test_settings.py)
    assert exact == len(truth.cells)
    assert (r.status, r.error) == ("ok", "")
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


def _pictures(page: str) -> list[str]:
    return re.findall(r'data:image/png;base64,[A-Za-z0-9+/=]+', page)


@pytest.mark.skipif(not HAS_OCR, reason="the OCR extra is not installed: pip install 'xxgk[ocr]' (CI installs it)")
def test_a_picture_screenshot_at_1x_is_enlarged_so_a_label_and_its_number_stay_apart():
    # The 表二 picture at half size, as a 1x screenshot (449x425 px), alone on the page. Read at
    # that size the label 行政规范性文件 and its 58 come out as one text box and the 58 is lost.
    truth = truthfile.load(TRUTH / "images" / f"{PAGE.name}.truth")
    page = PAGE.read_text(encoding="utf-8")
    first, *others = _pictures(page)
    with Image.open(io.BytesIO(base64.b64decode(first.split(",", 1)[1]))) as im:
        small = im.convert("RGB").resize((im.width // 2, im.height // 2), Image.LANCZOS)
    out = io.BytesIO()
    small.save(out, "PNG")
    page = page.replace(first, "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii"))
    for other in others:
        page = page.replace(other, "")
    r = extract(page.encode("utf-8"), "page.html")
    got = {(v.table, v.row, v.col): v for v in r.values}
    t2 = {k: w for k, w in truth.cells.items() if k[0] == "t2"}
    assert all(got[k].as_text == w or got[k].kind == "text" for k, w in t2.items())
    assert got[("t2", "normative", "made")].as_text == "58"
    assert sum(1 for k, w in t2.items() if got[k].as_text == w) == len(t2)  # measured: all 8


def test_pictures_are_enlarged_to_a_short_side_of_736_px_the_long_side_kept_within_the_detectors_1600():
    assert ocr._detect_scale(898, 850) == 1.0  # big enough
    assert ocr._detect_scale(736, 1000) == 1.0  # just big enough
    assert ocr._detect_scale(735, 1000) == pytest.approx(736 / 735)  # just short
    assert ocr._detect_scale(449, 425) == pytest.approx(736 / 425)
    assert ocr._detect_scale(1484, 236) == pytest.approx(1600 / 1484)  # a strip: the long side bounds it
    assert ocr._detect_scale(1600, 200) == 1.0 and ocr._detect_scale(1599, 200) == pytest.approx(1600 / 1599)  # just long enough, just short
    assert ocr._detect_scale(3000, 100) == 1.0  # never shrunk
