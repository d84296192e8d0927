"""The data product: every format round-trips, the panel is Stata-safe, the package validates."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from functools import lru_cache

import pandas as pd
import pytest

from xxgk.parsers import extract
from xxgk.pipeline.crossyear import cross_year_checks
from xxgk.pipeline.columns import COLUMNS, TABLES, codebook, labels_zh, read_table
from xxgk.pipeline.datasets import write_reports

from .conftest import REPORTS


@lru_cache(maxsize=1)
def _reports():
    docs = sorted(p for p in REPORTS.iterdir() if p.is_file())
    return [extract(p.read_bytes(), p.name) for p in docs]


EVERY_FORMAT = ("csv", "parquet", "dta", "xlsx")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    written = write_reports(_reports(), out, EVERY_FORMAT)
    tabs = {name: read_table(out, name) for name in TABLES}  # every run's tables (a crawl adds coverage, history)
    return tabs, out, written


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal as data: strings compared with missing as "", numbers as floats."""
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x.dtype):
            pd.testing.assert_series_equal(x.astype("float64").reset_index(drop=True),
                                           pd.to_numeric(y, errors="coerce").astype("float64").reset_index(drop=True),
                                           check_names=False)
        else:
            assert x.fillna("").astype(str).tolist() == y.fillna("").astype(str).tolist(), col


@pytest.mark.parametrize("name", ["reports", "values", "checks", "narrative", "panel"])
def test_csv_holds_what_the_records_say(run, name):
    tabs, out, _ = run
    assert (out / f"{name}.csv").read_bytes()[:3] == b"\xef\xbb\xbf"  # BOM, so Excel reads UTF-8
    n = {"reports": len(_reports()), "values": sum(len(r.values) for r in _reports()),
         "narrative": sum(len(r.figures) for r in _reports()), "panel": len(_reports()),
         "checks": sum(len(r.checks) for r in _reports()) + sum(len(c) for c in cross_year_checks(_reports()).values())}
    assert len(tabs[name]) == n[name]
    if name == "values":
        got = {(a, b, c, d): (v, raw) for a, b, c, d, v, raw in
               zip(tabs[name]["report_id"], tabs[name]["table"], tabs[name]["row"], tabs[name]["col"], tabs[name]["value"], tabs[name]["raw"])}
        for r in _reports():
            for v in r.values:
                value, raw = got[(r.report_id, v.table, v.row, v.col)]
                assert raw == v.raw or (pd.isna(raw) and v.raw == "")
                assert (pd.isna(value) and v.value is None) or float(value) == float(v.value)


@pytest.mark.parametrize("name", ["reports", "values", "checks", "narrative", "panel"])
def test_parquet_round_trip(run, name):
    import pyarrow.parquet as pq

    tabs, out, _ = run
    pd.testing.assert_frame_equal(tabs[name], pq.read_table(out / f"{name}.parquet").to_pandas(types_mapper=pd.ArrowDtype).astype(tabs[name].dtypes.to_dict()))


@pytest.mark.parametrize("name", ["reports", "values", "checks", "narrative", "panel"])
def test_stata_round_trip_with_chinese_labels(run, name):
    tabs, out, _ = run
    back = pd.read_stata(out / f"{name}.dta")
    _same(tabs[name], back)
    with pd.io.stata.StataReader(out / f"{name}.dta") as r:
        labels = r.variable_labels()
    assert labels["report_id"] == "报告编号"


def test_stata_keeps_a_text_longer_than_a_stata_str_whole(tmp_path):
    # str# holds 2045 bytes; a longer value (7500 bytes of notes here) must come back whole, as a strL.
    from dataclasses import replace

    long_notes = "这一段说明很长。" * 312
    r = replace(_reports()[0], notes=long_notes)
    write_reports([r, *_reports()[1:3]], tmp_path, ("csv", "dta"))
    back = pd.read_stata(tmp_path / "reports.dta")
    assert back["notes"].tolist()[0] == long_notes and len(long_notes.encode()) > 2045
    _same(read_table(tmp_path, "reports"), back)
    with pd.io.stata.StataReader(tmp_path / "reports.dta") as dta:
        dta.variable_labels()  # reads the header
        types = dict(zip(dta._varlist, dta._typlist))  # the stored Stata types (no public accessor)
    assert types["notes"] == "Q" and types["report_id"] == 17  # strL ("Q" to pandas) only where a value needs it; str17


def test_excel_workbook_has_one_sheet_per_table_chinese_headers_over_names_frozen_and_filtered(run):
    import openpyxl

    from xxgk.pipeline.workbook import read_sheet

    tabs, out, _ = run
    wb = openpyxl.load_workbook(out / "xxgk.xlsx")
    assert wb.sheetnames == [*tabs, "codebook"]
    for name, df in tabs.items():
        ws = wb[name]
        assert [c.value for c in ws[1]] == [labels_zh(name)[c] for c in df.columns]
        assert [c.value for c in ws[2]] == list(df.columns)
        assert ws.freeze_panes == "A3" and ws.auto_filter.ref == f"A2:{ws.cell(2, len(df.columns)).column_letter}{len(df) + 2}"
        assert all(ws.column_dimensions[ws.cell(1, i + 1).column_letter].width >= 6 for i in range(len(df.columns)))
        back = read_sheet(out / "xxgk.xlsx", name).astype(object).where(lambda d: d.notna(), "")
        _same(df, back.astype(str).replace({"None": ""}))
    assert [c.value for c in wb["codebook"][2]][:4] == ["name", "table", "row", "col"]
    assert wb["codebook"].max_row == len(codebook()) + 2


@pytest.mark.parametrize("sheet_rows, sheets", [(5, ["reports"]), (4, ["reports", "reports_2"]), (3, ["reports", "reports_2", "reports_3"])])
def test_a_table_longer_than_a_sheet_goes_on_in_the_next_sheet_and_nothing_is_cut(tmp_path, sheet_rows, sheets):
    import openpyxl

    from xxgk.pipeline.workbook import read_sheet, write_workbook

    reports = pd.DataFrame({"report_id": ["ra", "rb", "rc"], "year": [2021, 2022, 2023]})  # 3 rows and 2 header rows
    write_workbook(tmp_path / "x.xlsx", {"reports": reports}, {"reports": {"report_id": "报告编号", "year": "年度"}},
                   pd.DataFrame({"name": ["x"]}), {"name": "名称"}, sheet_rows=sheet_rows)
    assert openpyxl.load_workbook(tmp_path / "x.xlsx").sheetnames == [*sheets, "codebook"]
    assert read_sheet(tmp_path / "x.xlsx", "reports").to_dict("list") == reports.to_dict("list")


def test_panel_names_are_unique_stata_valid_and_documented(run):
    tabs, out, _ = run
    names = [e.name for e in codebook()]
    assert len(names) == len(set(names)) == len({(e.table, e.row, e.col) for e in codebook()})
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", n) for n in tabs["panel"].columns)
    documented = (out / "codebook.md").read_text(encoding="utf-8")
    assert all(f"| {n} |" in documented for n in names)
    cb = pd.read_csv(out / "codebook.csv", encoding="utf-8-sig")
    assert list(cb["name"]) == names and cb["label_en"].notna().all() and cb["label_zh"].notna().all()


def test_panel_holds_each_reports_values(run):
    tabs, _, _ = run
    panel = tabs["panel"].set_index("report_id")
    rid = next(r.report_id for r in _reports() if r.source == "hzq2023.pdf")
    assert panel.loc[rid, "t3_new_nat"] == 21
    assert panel.loc[rid, "t4_rev_total"] == 0  # as printed, although its parts add to 11
    assert pd.isna(panel.loc[rid, "t2_proc_amount"])  # v2021 has no procurement: missing, not 0


def test_frictionless_validates_the_data_package(run):
    # The descriptor and every CSV table of the package of all reports. Its Parquet tables, which
    # frictionless reads row by row (4.7 of its 5.2 s), are validated on a package of one report
    # of each kind below (test_the_data_package_and_the_page_name_exactly_the_files_the_run_wrote).
    from frictionless import Package

    _, out, _ = run
    descriptor = str(out / "datapackage.json")
    assert Package.validate_descriptor(descriptor).valid
    package = Package(descriptor)
    package.resources = [r for r in package.resources if r.format != "parquet"]
    assert {r.format for r in package.resources} >= {"csv", "dta", "xlsx"}
    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


EXPECTED_REGIONS = {
    "hzq2023.pdf": ("江苏省", "淮安市", "洪泽区", "320813", "县", "government"),
    "hzq2024.pdf": ("江苏省", "淮安市", "洪泽区", "320813", "县", "government"),
    "000_72ada0ed4d86cbfe.txt": ("黑龙江省", "佳木斯市", "前进区", "230804", "乡镇街道", "government"),
    "synthetic-2022.docx": ("江苏省", "淮安市", "清江浦区", "320812", "县", "government"),
    "synthetic-2022.pdf": ("江苏省", "淮安市", "清江浦区", "320812", "县", "government"),
    **{f"{y}-pingtan.html": ("福建省", "福州市", "平潭县", "350128", "县", "government")
       for y in (2016, 2017, 2018, 2019, 2021, 2023, 2025)},
    "2023-pingtan-gbk.html": ("福建省", "福州市", "平潭县", "350128", "县", "government"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_REGIONS))
def test_region_and_level_of_every_fixture(name):
    r = next(r for r in _reports() if r.source == name)
    assert (r.province, r.city, r.county, r.adcode, r.level, r.agency_kind) == EXPECTED_REGIONS[name]


def test_unknown_place_stays_empty():
    from xxgk.parsers.region import region_of

    r = region_of("某某局")
    assert (r.province, r.adcode, r.level) == ("", "", "") and r.kind == "department"


@pytest.mark.parametrize("agency, expected", [
    # divisions made or renamed since cpca's data (parsers/places.csv, fixtures/make/make_places.py)
    ("宁乡市人民政府", ("湖南省", "长沙市", "宁乡市", "430182", "县")),  # was empty: cpca knows 宁乡县 only
    ("重庆市梁平区人民政府", ("重庆市", "", "梁平区", "500155", "县")),  # was 重庆市 500000, level 省
    ("杭州市临平区南苑街道办事处", ("浙江省", "杭州市", "临平区", "330113", "乡镇街道")),  # a 街道: its district's code
    ("那曲市色尼区人民政府", ("西藏自治区", "那曲市", "色尼区", "540602", "县")),  # the name that ends last wins
    ("那曲市人民政府", ("西藏自治区", "那曲市", "", "540600", "市")),
    # cpca's guesses no longer taken: a county not named in full, a place below a province
    ("临夏州东乡族自治县人民政府", ("甘肃省", "临夏回族自治州", "", "", "")),  # was 临夏市 622901
    ("东乡族自治县人民政府", ("甘肃省", "临夏回族自治州", "东乡族自治县", "622926", "县")),
    ("重庆两江新区管理委员会", ("重庆市", "", "", "", "")),  # was 500000, level 省
    ("上海市城市管理行政执法局", ("上海市", "", "", "310000", "省")),  # 城市 is no place below 上海市
    ("加格达奇区人民政府", ("", "", "", "", "")),  # administered by 大兴安岭地区, no GB/T 2260 code: none invented
])
def test_region_of_divisions_cpca_does_not_know_and_guesses_it_no_longer_makes(agency, expected):
    from xxgk.parsers.region import region_of

    r = region_of(agency)
    assert (r.province, r.city, r.county, r.adcode, r.level) == expected


def test_cross_year_checks_for_consecutive_years():
    checks = cross_year_checks(_reports())
    rid = next(r.report_id for r in _reports() if r.source == "hzq2024.pdf")
    s1 = [c for c in checks[rid] if c.rule == "S1"]
    s2 = {c.scope: c for c in checks[rid] if c.rule == "S2"}
    assert len(s1) == 7 and all(c.status == "pass" and c.severity == "warning" for c in s1)
    assert s2["normative"].status == "pass" and "5 + made 3 − repealed 0 = 8" in s2["normative"].detail


def test_cross_year_mismatch_is_a_warning(tmp_path):
    import dataclasses

    a = next(r for r in _reports() if r.source == "hzq2023.pdf")
    b = next(r for r in _reports() if r.source == "hzq2024.pdf")
    values = [dataclasses.replace(v, value=Decimal(4)) if (v.table, v.row, v.col) == ("t3", "carried", "natural") else v for v in b.values]
    b2 = dataclasses.replace(b, values=values)
    s1 = {c.scope: c for c in cross_year_checks([a, b2])[b.report_id] if c.rule == "S1"}
    assert s1["natural"].status == "fail" and s1["total"].status == "pass"


def test_columns_have_one_home():
    for name, cols in COLUMNS.items():
        assert len({c[0] for c in cols}) == len(cols), name


def test_gb18030_csv_keeps_rare_place_names(tmp_path):
    """GBK cannot encode CJK Ext-B (𠀾𡈽县); GB18030 can, so it is the Chinese-encoding option."""
    import dataclasses

    r = dataclasses.replace(_reports()[0], agency="𠀾𡈽县人民政府")
    write_reports([r], tmp_path, ("csv",), csv_encoding="gb18030")
    back = pd.read_csv(tmp_path / "reports.csv", encoding="gb18030", dtype=str)
    assert back.loc[0, "agency"] == "𠀾𡈽县人民政府"


# The bytes b"report 1722" hash to 9337783810370306…: an id a spreadsheet would read as a number.
ALL_DIGITS = b"report 1722"


def test_a_report_id_is_never_a_number_even_when_its_hash_is_all_digits(tmp_path):
    from xxgk.parsers.model import report_id

    assert hashlib.sha256(ALL_DIGITS).hexdigest()[:16].isdigit()
    rid = extract(ALL_DIGITS, "digits.txt").report_id
    assert rid == report_id(ALL_DIGITS) == "r9337783810370306"
    write_reports([extract(ALL_DIGITS, "digits.txt")], tmp_path)
    read = pd.read_csv(tmp_path / "reports.csv", encoding="utf-8-sig")  # as a spreadsheet would: types guessed
    assert read["report_id"].tolist() == ["r9337783810370306"]


def test_the_same_bytes_keep_the_same_id(run):
    # Pinned: an id is a join key in studies already published; a change here orphans their data.
    reports = run[0]["reports"]
    assert reports.loc[reports["source"] == "hzq2024.pdf", "report_id"].tolist() == ["r82ba40ade55a9310"]
    assert reports["report_id"].str.fullmatch(r"[ru][0-9a-f]{15,16}").all()


def _names_exactly_the_files_the_run_wrote(out, written, reports, formats):
    import json

    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")}
    assert files == {p.relative_to(out).as_posix() for p in written}
    pages = {f for f in files if f.startswith("pages/")}  # one review page per report read: not data, not in the package
    assert pages == {f"pages/{r.report_id}.html" for r in reports if r.values}
    on_disk = {p.name for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert sorted(r["path"] for r in package["resources"]) == sorted(on_disk - {"datapackage.json"})
    described = [r for r in package["resources"] if "schema" in r]
    assert {r["path"].split(".")[1] for r in described} == ({"csv", "parquet"} & set(formats))  # Parquet too has its schema
    footer = re.search(r"Data: ([^;]*);", (out / "report.html").read_text(encoding="utf-8")).group(1)
    assert set(footer.split(", ")) == on_disk - {"datapackage.json", "report.html", "codebook.csv", "codebook.md"}


# One report of each kind: the 2019 template, a pre-2019 report (legacy values), and two years of
# one body under the 2021 template (one with failing checks, and the cross-year checks between them).
EACH_KIND = ("000_72ada0ed4d86cbfe.txt", "2016-pingtan.html", "hzq2023.pdf", "hzq2024.pdf")


@pytest.mark.parametrize("formats", [("parquet",), ("csv", "dta")])
def test_the_data_package_and_the_page_name_exactly_the_files_the_run_wrote(tmp_path, formats):
    from frictionless import validate

    reports = [r for r in _reports() if r.source in EACH_KIND]
    assert {r.template for r in reports} == {"v2019", "v2021", "pre2019"}
    written = write_reports(reports, tmp_path, formats)
    _names_exactly_the_files_the_run_wrote(tmp_path, written, reports, formats)
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "fieldName", "type", "note"])[:10]
    rows = {task.name.split("-")[0]: task.stats["rows"] for task in report.tasks if task.stats.get("rows") is not None}
    assert all(rows[t] > 0 for t in ("reports", "values", "checks", "legacy_values", "narrative", "panel")), rows


def test_the_data_package_and_the_page_of_every_format_name_exactly_the_files_the_run_wrote(run):
    _, out, written = run  # its package is validated by test_frictionless_validates_the_data_package
    _names_exactly_the_files_the_run_wrote(out, written, _reports(), EVERY_FORMAT)


def test_counts_and_years_are_integers_after_a_round_trip_through_parquet_and_stata(run):
    _, out, _ = run
    counts = [e.name for e in codebook() if e.type == "integer"]
    amounts = [e.name for e in codebook() if e.type == "decimal"]
    assert counts and amounts
    panel = pd.read_parquet(out / "panel.parquet")
    assert {str(panel[c].dtype) for c in counts} == {"Int64"} and {str(panel[c].dtype) for c in amounts} == {"Float64"}
    assert panel[counts].notna().any().any() and panel[counts].isna().any().any()  # missing stays missing, not 0
    assert str(pd.read_parquet(out / "reports.parquet")["year"].dtype) == "Int64"
    with pd.io.stata.StataReader(out / "panel.dta") as dta:
        labels = dta.value_labels()
        types = dict(zip(dta._varlist, dta._typlist))  # the stored Stata types (no public accessor)
    assert {types[c] for c in [*counts, "year"]} <= {"b", "h", "l"}  # byte, int, long: integers
    assert {types[c] for c in amounts} == {"d"}
    assert labels["status"] == {1: "ok", 2: "partial", 3: "failed", 4: "not_report"}
    assert labels["template"] == {1: "v2019", 2: "v2021", 3: "pre2019", 4: "unknown"}
    back = pd.read_stata(out / "panel.dta")
    assert back["status"].astype(str).tolist() == panel["status"].astype(str).tolist()


def test_a_count_printed_as_a_fraction_is_empty_in_the_integer_panel_and_kept_in_values(tmp_path):
    page = (REPORTS / "2025-pingtan.html").read_bytes().replace(b">151<", b">151.5<")
    write_reports([extract(page, "fraction.html")], tmp_path, ("csv", "parquet"))
    panel = pd.read_parquet(tmp_path / "panel.parquet")
    assert pd.isna(panel.loc[0, "t3_new_nat"]) and panel.loc[0, "t3_new_tot"] == 154
    values = read_table(tmp_path, "values")
    assert values.loc[(values["row"] == "new") & (values["col"] == "natural"), "value"].tolist() == [151.5]


def test_a_control_character_from_a_text_layer_does_not_stop_the_workbook(tmp_path):
    import dataclasses

    import openpyxl

    report = dataclasses.replace(next(r for r in _reports() if r.source == "hzq2024.pdf"), title="洪泽区\x01年报\x0b")
    write_reports([report], tmp_path, ("csv", "xlsx"))
    sheet = openpyxl.load_workbook(tmp_path / "xxgk.xlsx")["reports"]
    assert sheet.cell(3, [c.value for c in sheet[2]].index("title") + 1).value == "洪泽区\ufffd年报\ufffd"
    assert read_table(tmp_path, "reports")["title"].tolist() == ["洪泽区\x01年报\x0b"]  # the CSV keeps the text
