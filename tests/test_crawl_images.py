"""A report page whose tables are pictures on its own site (<img src="/img/3.png">): the crawl fetches
those images and reads them with the page by OCR; images on other hosts are never asked for.

The page is fixtures/images/2025-pingtan-images.html (each table of the real 2025 平潭 page as a
Chromium screenshot) with its data: URIs turned into links: 表四's picture on the page's host,
表二's on another host, 表三's left out. One picture keeps the OCR in this test to seconds.
"""

from __future__ import annotations

import base64
import importlib.util
import re

import pytest
from click.testing import CliRunner

from xxgk.parsers import extract
from xxgk.pipeline.cli import main

from .conftest import FIXTURES, csv_rows
from .hostile_site import HostileSite, html, send

HAS_OCR = importlib.util.find_spec("rapidocr") is not None
PAGE = (FIXTURES / "images" / "2025-pingtan-images.html").read_text(encoding="utf-8")
PICTURES = [base64.b64decode(b) for b in re.findall(r'src="data:image/png;base64,([^"]+)"', PAGE)]
T2, T3, T4 = PICTURES
TITLE = "平潭综合实验区2025年度政府信息公开工作年度报告"


def _linked(other_host: str) -> str:
    """The page with 表二's picture on another host, 表三's gone and 表四's on its own host."""
    page, n = PAGE, 0
    for link in (f"{other_host}/img/1.png", "", "/img/3.png"):
        n += 1
        page = re.sub(r'<img([^>]*?)src="data:image/png;base64,[^"]+"', rf'<img\1src="{link}"' if link else "",
                      page, count=1)
    assert n == 3 and "data:image" not in page
    return page


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("images")
    other = HostileSite({"/img/1.png": lambda h: send(h, 200, T2, "image/png")}, host="127.0.0.2")
    with other:
        page = _linked(other.url(""))
        site = HostileSite({
            "/nb/": html(f"<html><head><meta charset='utf-8'><title>年报</title></head><body>"
                         f"<a href='/nb/2025.html'>{TITLE}</a></body></html>"),
            "/nb/2025.html": html(page),
            "/img/3.png": lambda h: send(h, 200, T4, "image/png"),
        })
        with site:
            args = ["crawl", site.url("/nb/"), "--out", str(out), "--delay", "0", "--workers", "1"]
            first = CliRunner().invoke(main, args)
            hits = (site.hits("/img/3.png"), other.hits("/img/1.png"))
            second = CliRunner().invoke(main, args)
            again = site.hits("/img/3.png")
    return first, second, csv_rows(out / "reports.csv"), csv_rows(out / "values.csv"), hits, again


def test_the_pictures_on_the_pages_own_site_are_fetched_and_no_other(crawled):
    first, _, reports, _, (own, other), _ = crawled
    assert first.exit_code in (0, 1), first.output
    assert (own, other) == (1, 0)
    assert [r["source"].rsplit("/", 1)[-1] for r in reports] == ["2025.html"]  # a picture is no report of its own
    assert "found 1 documents" in first.output


@pytest.mark.skipif(not HAS_OCR, reason="the OCR extra is not installed: pip install 'xxgk[ocr]' (CI installs it)")
def test_the_fetched_picture_is_read_with_its_page_by_ocr(crawled):
    _, _, [report], values, _, _ = crawled
    t4 = {(v["row"], v["col"]): v for v in values if v["table"] == "t4"}
    assert [t4[(g, "total")]["value"] for g in ("review", "suit_direct", "suit_after_review")] == ["36", "6", "3"]
    assert {v["method"] for v in t4.values()} == {"ocr"} and len(t4) == 15
    assert report["status"] == "partial" and "table not found: t2, t3" in report["error"]
    assert "OCR (rapidocr) read 1 of the page's 1 linked images" in report["notes"]


def test_a_second_run_asks_for_the_picture_again_only_as_a_conditional_get_and_reads_nothing_new(crawled):
    _, second, _, _, (own, _), again = crawled
    assert second.exit_code in (0, 1), second.output
    assert again - own <= 1 and "0 new" in second.output


def test_a_page_whose_pictures_were_not_fetched_says_so():
    r = extract(_linked("http://127.0.0.2:1").encode("utf-8"), "2025.html")
    assert r.status == "failed" and r.values == []
    assert r.error.startswith("no_tables: the page reads as an annual report and shows 2 linked image(s)")
