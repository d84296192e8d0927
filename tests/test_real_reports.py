"""Every canonical cell of every fixture with a truth file, compared with its truth.

The truth files were read by hand from the rendered documents
(fixtures/truth/*.truth, format in fixtures/README.md).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from functools import lru_cache

import pytest

from xxgk.parsers import Report, extract
from xxgk.pipeline import truth as truthfile

from .conftest import FIXTURES, REPORTS, TRUTH

# markdown/: exports by markdownify and as MinerU writes them (fixtures/make/make_markdown.py)
TRUTHS = sorted([*TRUTH.glob("*.truth"), *(TRUTH / "markdown").glob("*.truth")])
# Fixtures the readers do not yet read whole: every value read must be the truth, the rest flagged.
PARTIAL = sorted((TRUTH / "partial").glob("*.truth"))


@lru_cache(maxsize=None)
def extracted(name: str) -> Report:
    path = next(p for folder in (REPORTS, FIXTURES / "borderless", FIXTURES / "prints", FIXTURES / "markdown",
                                            FIXTURES / "layouts") for p in folder.rglob(name))
    return extract(path.read_bytes(), name)


@pytest.mark.parametrize("truth_path", TRUTHS, ids=lambda p: p.stem)
def test_every_truth_cell_is_extracted_exactly(truth_path):
    truth = truthfile.load(truth_path)
    report = extracted(truth.file)
    got = {(v.table, v.row, v.col): v.as_text for v in report.values}
    cmp = truthfile.compare(truth, got)
    assert cmp.wrong == [], f"{truth.file}: {cmp.exact}/{cmp.total} cells exact"
    assert cmp.total >= 100


@pytest.mark.parametrize("truth_path", PARTIAL, ids=lambda p: p.stem)
def test_a_fixture_read_in_part_has_no_wrong_value_and_is_partial(truth_path):
    truth = truthfile.load(truth_path)
    report = extracted(truth.file)
    cmp = truthfile.compare(truth, {(v.table, v.row, v.col): v.as_text for v in report.values})
    assert [w for w in cmp.wrong if not w.endswith(("got (missing)", "got (blank)"))] == [], truth.file
    assert 0 < cmp.exact < cmp.total  # it read something, and not all (else: move its truth up to truth/)
    assert report.status == "partial" and report.error
    assert (report.agency, report.year) == (truth.agency, truth.year)


@pytest.mark.parametrize("truth_path", TRUTHS, ids=lambda p: p.stem)
def test_metadata_matches_truth(truth_path):
    truth = truthfile.load(truth_path)
    report = extracted(truth.file)
    assert (report.agency, report.year, report.template) == (truth.agency, truth.year, truth.template)


@pytest.mark.parametrize("truth_path", TRUTHS, ids=lambda p: p.stem)
def test_identities_fail_exactly_where_the_source_is_wrong(truth_path):
    truth = truthfile.load(truth_path)
    report = extracted(truth.file)
    failing = {(c.check, c.scope) for c in report.checks if c.status == "fail" and c.severity == "error"}
    assert failing == truth.expected_fails
    assert report.status == ("partial" if truth.expected_fails else "ok"), report.error
    # Every identity of a fully printed report is decided.
    assert not [c for c in report.checks if c.status == "unknown"]


def test_hzq2023_review_total_stays_as_printed_and_its_check_fails():
    report = extracted("hzq2023.pdf")
    cells = {(v.table, v.row, v.col): v for v in report.values}
    assert cells[("t4", "review", "total")].value == Decimal(0)
    assert cells[("t4", "review", "total")].raw == "0"
    check = next(c for c in report.checks if c.check == "t4_total" and c.scope == "review")
    assert check.status == "fail"
    assert "10 + 1 + 0 + 0 = 11" in check.detail and "total = 0" in check.detail
    assert "t4_total review" in report.error


def test_a_failing_identity_names_its_formula_both_sides_and_its_cells():
    report = extracted("hzq2023.pdf")
    check = next(c for c in report.checks if c.check == "t4_total" and c.scope == "review")
    parts = ["t4.review.upheld", "t4.review.corrected", "t4.review.other", "t4.review.pending"]
    assert check.check_id == "t4_total:t4:review"
    assert check.formula == " + ".join(parts) + " = t4.review.total"
    assert (check.lhs, check.rhs) == (Decimal(11), Decimal(0))
    assert check.cells.split() == parts + ["t4.review.total"]
    # Every cell a check names is a cell the report printed: a reviewer can follow it.
    printed = {f"{v.table}.{v.row}.{v.col}" for v in report.values}
    for c in report.checks:
        assert set(c.cells.split()) <= printed, c.check_id
    # A check on a blank cell has no sums: unknown is never a 0.
    from xxgk.parsers.checks import run_checks

    blank = [v if (v.row, v.col) != ("review", "other") else replace(v, value=None, kind="blank", raw="")
             for v in report.values]
    again = next(c for c in run_checks(blank) if c.check_id == "t4_total:t4:review")
    assert again.status == "unknown" and again.lhs is None and again.rhs is None and "t4.review.other" in again.cells


def test_hzq2023_label_typo_maps_to_withheld_law():
    report = extracted("hzq2023.pdf")
    row = [v for v in report.values if v.table == "t3" and v.row == "withheld_law"]
    assert len(row) == 7 and row[0].row_label == "2.其他法律行政止公开"


def test_pdf_values_carry_page_and_bbox():
    report = extracted("hzq2024.pdf")
    v = next(v for v in report.values if (v.table, v.row, v.col) == ("t3", "new", "natural"))
    assert v.value == Decimal(95) and v.source_ref.startswith("p3 bbox=")


def test_table_continued_on_next_page_is_joined():
    """hzq2023 表三 starts on page 3 and ends on page 4 with no repeated header."""
    report = extracted("hzq2023.pdf")
    unclear = next(v for v in report.values if (v.table, v.row, v.col) == ("t3", "unavailable_unclear", "total"))
    assert unclear.source_ref.startswith("p4 ") and unclear.value == Decimal(0)
    forward = [v for v in report.values if v.table == "t3" and v.row == "forward"]
    assert len(forward) == 7


def test_procurement_amount_keeps_its_unit():
    report = extracted("2019-pingtan.html")
    v = next(v for v in report.values if (v.table, v.row, v.col) == ("t2", "procurement", "amount"))
    assert (v.value, v.unit, v.raw) == (Decimal("75394432.52"), "元", "75394432.52元")


@pytest.mark.parametrize("year", ["2016", "2017", "2018"])
def test_pre2019_tables_are_recognised_not_forced_onto_keys(year):
    report = extracted(f"{year}-pingtan.html")
    assert report.template == "pre2019"
    assert report.status == "partial" and "predates the national templates" in report.error
    assert report.values == []
    assert (report.agency, report.year) == ("平潭综合实验区", int(year))


def test_v2021_single_other_row_is_other_not_invented_subrows():
    report = extracted("hzq2024.pdf")
    rows = {v.row for v in report.values if v.table == "t3"}
    assert "other" in rows
    assert not rows & {"other_no_correction", "other_unpaid_fee", "other_misc"}


def test_v2021_other_subrows_when_printed():
    report = extracted("2021-pingtan.html")
    rows = {v.row for v in report.values if v.table == "t3"}
    assert {"other_no_correction", "other_unpaid_fee", "other_misc"} <= rows and "other" not in rows


def test_narrative_contradiction_is_a_warning_not_an_error():
    """hzq2024 says 受理政府信息公开申请17件 in its text; its 表三 counts 95 new applications."""
    report = extracted("hzq2024.pdf")
    check = next(c for c in report.checks if c.check == "narrative_applications")
    assert (check.status, check.severity, check.rule) == ("fail", "warning", "S5")
    assert "17" in check.detail and "95" in check.detail
    assert report.status == "ok"
    fig = {f.figure: f for f in report.figures}
    assert fig["applications"].value == 17 and "受理政府信息公开申请17件" in fig["applications"].sentence
    assert fig["proactive_total"].value == 2428


def test_a_row_no_template_has_is_kept_as_extra_not_dropped_or_forced():
    """Hubei's 2020 variant adds 其他主动公开文件 to 第二十条第（一）项 (template-spec §3.1)."""
    page = (REPORTS / "2019-pingtan.html").read_text(encoding="utf-8")
    extra = "<tr><td>其他主动公开文件（湖北）</td><td>12</td><td>12</td><td>40</td></tr>"
    i = page.index("12pt\">规范性文件<")  # the table cell, not the narrative's first mention
    j = page.index("</tr>", i) + len("</tr>")
    r = extract((page[:j] + extra + page[j:]).encode("utf-8"), "with-extra.html")
    extras = [v for v in r.values if v.row.startswith("extra_")]
    assert [(v.table, v.col, v.as_text) for v in extras] == [("t2", "new_made", "12"), ("t2", "new_published", "12"),
                                                           ("t2", "total_published", "40")]
    assert extras[0].row_label == "其他主动公开文件（湖北）"
    assert r.status == "ok" and "extra row" in r.notes
    assert [v.value for v in r.values if (v.table, v.row) == ("t2", "normative")] == [89, 89, 89]


@pytest.mark.parametrize("printed, table_status", [("151", "pass"), ("151.5", "fail"), ("-151", "fail")])
def test_a_count_that_is_not_a_whole_number_at_least_0_is_kept_as_printed_and_flagged(printed, table_status):
    page = (REPORTS / "2025-pingtan.html").read_bytes().replace(b">151<", f">{printed}<".encode())
    report = extract(page, "2025-pingtan.html")
    cell = next(v for v in report.values if (v.table, v.row, v.col) == ("t3", "new", "natural"))
    assert cell.value == Decimal(printed)  # never rounded, never dropped
    h5 = {c.table: c for c in report.checks if c.check == "whole_counts"}
    assert sorted(h5) == ["t2", "t3", "t4"] and h5["t2"].status == h5["t4"].status == "pass"
    assert h5["t3"].status == table_status and h5["t3"].severity == "error"
    assert (f"new × natural = {printed}" in h5["t3"].detail) == (table_status == "fail")
    assert report.status == ("ok" if table_status == "pass" else "partial")


def test_signed_and_money_columns_may_be_negative_or_decimal():
    from dataclasses import replace

    from xxgk.parsers.checks import run_checks

    report = extracted("2019-pingtan.html")  # v2019: 表二 has 本年增/减 and a money column
    values = [replace(v, value=Decimal(-3)) if v.col == "delta" else replace(v, value=Decimal("7730.28")) if v.col == "amount"
              else v for v in report.values]
    assert {v.col for v in values if v.value in (-3, Decimal("7730.28"))} == {"delta", "amount"}
    assert next(c for c in run_checks(values) if c.check == "whole_counts" and c.table == "t2").status == "pass"
    values = [replace(v, value=Decimal(-3)) if v.col == "decisions" else v for v in report.values]
    assert next(c for c in run_checks(values) if c.check == "whole_counts" and c.table == "t2").status == "fail"


def test_records_carry_numbers_as_numbers_and_survive_a_round_trip_through_json():
    import json

    from xxgk.parsers.model import report_from_dict, report_to_dict

    report = extracted("hzq2024.pdf")
    assert isinstance(report.year, int) and report.year == 2024
    assert {type(v.value) for v in report.values} <= {Decimal, type(None)} and any(v.value is not None for v in report.values)
    assert all(isinstance(f.value, Decimal) for f in report.figures) and report.figures
    back = report_from_dict(json.loads(json.dumps(report_to_dict(report), ensure_ascii=False)))
    assert back == report
    # The cached form is what dataclasses.asdict gives, numbers as their text (caches stay readable).
    from dataclasses import asdict

    expected = asdict(report)
    for v in expected["values"]:
        v["value"] = "" if v["value"] is None else str(v["value"])
    for f in expected["figures"]:
        f["value"] = str(f["value"])
    for c in expected["checks"]:
        c["lhs"], c["rhs"] = ("" if x is None else str(x) for x in (c["lhs"], c["rhs"]))
    assert report_to_dict(report) == expected


def test_a_record_saved_by_an_earlier_xxgk_still_reads():
    from xxgk.parsers.model import report_from_dict

    old = {"report_id": "82ba40ade55a9310", "source": "a.pdf", "format": "pdf", "sha256": "82ba", "year": "2024",
           "values": [{"table": "t3", "row": "new", "col": "natural", "value": "95", "raw": "95", "kind": "number",
                       "ref": "p3 bbox=1,2,3,4", "confidence": ""},
                      {"table": "t3", "row": "new", "col": "commercial", "value": "", "raw": "", "kind": "blank",
                       "ref": "p3", "confidence": "0.930"}],
           "figures": [{"figure": "applications", "value": "17", "unit": "件", "sentence": "收到申请17件"}]}
    r = report_from_dict(old)
    assert r.year == 2024 and [v.value for v in r.values] == [Decimal(95), None]
    assert [v.source_ref for v in r.values] == ["p3 bbox=1,2,3,4", "p3"] and r.values[1].confidence == 0.93
    assert r.figures[0].value == 17


def test_data_cells_whose_spans_do_not_line_up_with_the_header_are_read_in_order():
    """The real 2019 page with its 第二十条第（五）项 table as Word pastes it into a CMS: header cells
    上一年项目数量 / 本年增/减 / 处理决定数量 spanning 2/1/2 grid columns, data cells 1/2/2."""
    from lxml import html as lxml_html

    page = next(REPORTS.rglob("2019-pingtan.html")).read_bytes()
    tree = lxml_html.fromstring(page)
    table = next(t for t in tree.iter("table") if "上一年项目数量" in t.text_content() and "行政许可" in t.text_content())
    for tr in table.iter("tr"):
        tds = tr.findall("td")
        if len(tds) == 4 and tds[1].text_content().strip() == "上一年项目数量":
            spans = (2, 1, 2)
        elif len(tds) == 4 and tds[0].text_content().strip() in ("行政许可", "其他对外管理服务事项"):
            spans = (1, 2, 2)
        else:
            continue
        for td, n in zip(tds[1:], spans):
            td.set("colspan", str(n))
    r = extract(lxml_html.tostring(tree, encoding="utf-8"), "word-pasted.html")
    cells = {(v.table, v.row, v.col): v for v in r.values}
    assert [cells[("t2", "license", c)].raw for c in ("prev_items", "delta", "decisions")] == ["396", "0", "181"]
    assert "read in order" in r.notes and "t2 license" in r.notes
    assert r.status == "ok", r.error
    # The rule needs one printed cell per header column: a row with a cell too many is still refused.
    for tr in table.iter("tr"):
        tds = tr.findall("td")
        if tds and tds[0].text_content().strip() == "行政许可":
            extra = lxml_html.fromstring("<td>7</td>")
            tr.append(extra)
    r = extract(lxml_html.tostring(tree, encoding="utf-8"), "word-pasted.html")
    license = {v.col: (v.raw, v.kind) for v in r.values if (v.table, v.row) == ("t2", "license")}
    assert license == {"prev_items": ("396", "text"), "delta": ("0", "text"), "decisions": ("181", "number")}
    assert r.status == "partial" and "ambiguous cell: t2 license/prev_items" in r.error
    assert "t2 license" not in r.notes


@pytest.mark.parametrize("name, reviews, suits", [("2023-pingtan.html", 2, 7), ("2025-pingtan.html", 36, 9)])
def test_the_texts_review_and_suit_counts_agree_with_table_four(name, reviews, suits):
    """2023: 行政复议案件2件、行政诉讼案件7件; 2025: 行政复议36起，行政诉讼9起 — 表四 says the same."""
    report = extracted(name)
    said = {f.figure: f.value for f in report.figures}
    assert (said["reviews"], said["suits"]) == (reviews, suits)
    checks = {c.check: c for c in report.checks if c.rule in ("S6", "S7")}
    assert {k: c.status for k, c in checks.items()} == {"narrative_reviews": "pass", "narrative_suits": "pass"}
    assert checks["narrative_suits"].cells == "t4.suit_direct.total t4.suit_after_review.total"


def test_text_that_contradicts_table_four_or_itself_on_fees_is_a_warning_never_an_error():
    page = (REPORTS / "2023-pingtan.html").read_text(encoding="utf-8")
    edited = page.replace("行政复议案件2件", "行政复议案件3件").replace(
        "无收取信息处理费情况", "收取信息处理费50元。经核实，本机关未收取信息处理费")
    report = extract(edited.encode("utf-8"), "edited.html")
    checks = {c.check: c for c in report.checks if c.rule in ("S6", "S7", "S8")}
    assert checks["narrative_reviews"].status == "fail" and (checks["narrative_reviews"].lhs, checks["narrative_reviews"].rhs) == (3, 2)
    assert checks["narrative_suits"].status == "pass"
    assert checks["narrative_fee"].status == "fail" and checks["narrative_fee"].lhs == 50
    assert all(c.severity == "warning" for c in checks.values()) and report.status == "ok"  # soft: never partial
    # A fee of 0 where the text says none was charged agrees with itself.
    zero = extract(page.replace("无收取信息处理费情况", "收取信息处理费0元，未收取信息处理费").encode("utf-8"), "zero.html")
    assert next(c for c in zero.checks if c.check == "narrative_fee").status == "pass"
