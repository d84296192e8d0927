"""pages/<report_id>.html: one report as read, every cell beside the place it was printed.

淮安市洪泽区 2023 (hzq2023.pdf) is the real report used: its 表四 totals do not add up, so two
identities fail and their cells must be marked and listed."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from click.testing import CliRunner
from lxml import html as lhtml

from xxgk.pipeline.cli import main

from .conftest import REPORTS, csv_rows
from .test_qa_page import CHROMIUM, FLAGS

HZQ2023 = "r94a211353fb046b7"


@pytest.fixture(scope="module")
def run(tmp_path_factory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("pages")
    docs = tmp / "docs"
    docs.mkdir()
    for name in ("hzq2023.pdf", "2025-pingtan.html"):
        shutil.copy(REPORTS / name, docs / name)
    fixes = tmp / "corrections.csv"
    fixes.write_text("report_id,table,row,col,value,reason,who,when\n"
                     f"{HZQ2023},t4,review,total,11,10+1+0+0 printed as 0,李四,2026-12-01\n", encoding="utf-8")
    out = tmp / "out"
    res = CliRunner().invoke(main, ["extract", str(docs), "--out", str(out), "--corrections", str(fixes)])
    assert res.exit_code == 0, res.output
    assert "Wrote 11 files and 2 report pages" in res.output
    return out, docs


def test_a_cell_links_to_its_pdf_page_and_shows_its_bbox(run):
    out, docs = run
    page = lhtml.parse(str(out / "pages" / f"{HZQ2023}.html")).getroot()
    value = next(v for v in csv_rows(out / "values.csv") if (v["report_id"], v["table"], v["row"], v["col"]) ==
                 (HZQ2023, "t4", "review", "upheld"))
    cell = page.get_element_by_id("t4.review.upheld")
    link = cell.find(".//a")
    page_no = value["source_ref"].split()[0][1:]
    assert link.get("href") == f"../../docs/hzq2023.pdf#page={page_no}"
    assert link.text_content() == value["source_ref"] and "bbox=" in value["source_ref"]
    assert (out / "pages" / link.get("href").split("#")[0]).resolve() == (docs / "hzq2023.pdf").resolve()
    assert cell.text_content().startswith("10")


def test_a_failing_identity_lists_its_cells_and_marks_them_on_the_table(run):
    out, _ = run
    page = lhtml.parse(str(out / "pages" / f"{HZQ2023}.html")).getroot()
    row = next(tr for tr in page.iter("tr") if "t4_total:t4:review (H4, error, printed)" in tr.text_content())
    assert row[0].text_content() == "fail"
    cells = [a.get("href") for a in row.find_class("cells")[0].iter("a")]
    assert cells == ["#t4.review.upheld", "#t4.review.corrected", "#t4.review.other", "#t4.review.pending", "#t4.review.total"]
    assert [td.text_content() for td in row[3:6]] == ["11", "0", "11"]  # left, right, difference
    for name in cells:
        assert "fail" in page.get_element_by_id(name[1:]).get("class")
    assert "fail" not in page.get_element_by_id("t4.suit_direct.total").get("class")
    # The reviewer's correction sits beside the printed 0, and its identity is judged again.
    total = page.get_element_by_id("t4.review.total")
    assert total.text_content().startswith("0") and "→ 11" in total.text_content()
    again = next(tr for tr in page.iter("tr") if "t4_total:t4:review (H4, error, corrected)" in tr.text_content())
    assert again[0].text_content() == "pass"


def test_the_qa_page_links_every_report_page_and_a_rerun_keeps_only_its_own(run, tmp_path):
    out, docs = run
    qa = (out / "report.html").read_text(encoding="utf-8")
    assert f"pages/{HZQ2023}.html" in qa and "Every report, cell by cell (2)" in qa
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    res = CliRunner().invoke(main, ["extract", str(docs / "2025-pingtan.html"), "--out", str(copy)])
    assert res.exit_code == 0, res.output
    assert [p.name for p in (copy / "pages").iterdir()] == [f"{csv_rows(copy / 'reports.csv')[0]['report_id']}.html"]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium); .ci/run installs it")
def test_a_report_page_renders_in_headless_chromium_with_its_links(run, tmp_path):
    out, _ = run
    page = out / "pages" / f"{HZQ2023}.html"
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    root = lhtml.fromstring(dom.stdout)
    link = root.get_element_by_id("t4.review.upheld").find(".//a")
    assert link.get("href").endswith("hzq2023.pdf#page=4") and "bbox=" in link.text_content()
    assert "Identities" in dom.stdout and not [ln for ln in dom.stderr.splitlines() if "CONSOLE" in ln]


def test_a_label_read_as_a_variant_is_said_beside_its_row(run):
    """hzq2023 prints 2.其他法律行政止公开 (a typo of 行政法规禁止公开): the row is withheld_law, and its page says
    what was printed; rows printed as the template prints them carry no such note."""
    out, _ = run
    page = lhtml.parse(str(out / "pages" / f"{HZQ2023}.html")).getroot()
    head = page.get_element_by_id("t3.withheld_law.natural").getparent()[0]
    assert "printed: 2.其他法律行政止公开" in head.text_content()
    assert "printed:" not in page.get_element_by_id("t3.new.natural").getparent()[0].text_content()


def test_a_label_read_by_fuzzy_match_shows_its_similarity_beside_the_row(tmp_path):
    """The 2025 平潭 page with 量 printed as 里 in 本年新收…申请数量: read by fuzzy match, and the page says so."""
    page = (REPORTS / "2025-pingtan.html").read_text(encoding="utf-8").replace("本年新收政府信息公开申请数量", "本年新收政府信息公开申请数里")
    doc = tmp_path / "typo.html"
    doc.write_text(page, encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["extract", str(doc), "--out", str(out)])
    assert res.exit_code == 0, res.output
    rid = csv_rows(out / "reports.csv")[0]["report_id"]
    head = lhtml.parse(str(out / "pages" / f"{rid}.html")).getroot().get_element_by_id("t3.new.natural").getparent()[0]
    assert "printed: 一、本年新收政府信息公开申请数里 (fuzzy match, similarity 92.9)" in head.text_content()
