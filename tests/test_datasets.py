"""The data product: every format round-trips, the panel is Stata-safe, the package validates."""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd
import pytest

from xxgk.parsers import extract
from xxgk.pipeline.crossyear import cross_year_checks
from xxgk.pipeline.datasets import COLUMNS, codebook, labels_zh, read_table, tables, write_reports

from .conftest import REPORTS


@lru_cache(maxsize=1)
def _reports():
    docs = sorted(p for p in REPORTS.iterdir() if p.is_file())
    return [extract(p.read_bytes(), p.name) for p in docs]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    write_reports(_reports(), out, ("csv", "parquet", "dta", "xlsx"))
    tabs = {name: read_table(out, name) for name in (*COLUMNS, "panel")}
    return tabs, out


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
    tabs, out = run
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
                assert (pd.isna(value) and v.value == "") or float(value) == float(v.value)


@pytest.mark.parametrize("name", ["reports", "values", "checks", "narrative", "panel"])
def test_parquet_round_trip(run, name):
    import pyarrow.parquet as pq

    tabs, out = run
    pd.testing.assert_frame_equal(tabs[name], pq.read_table(out / f"{name}.parquet").to_pandas(types_mapper=pd.ArrowDtype).astype(tabs[name].dtypes.to_dict()))


@pytest.mark.parametrize("name", ["reports", "values", "checks", "narrative", "panel"])
def test_stata_round_trip_with_chinese_labels(run, name):
    tabs, out = run
    back = pd.read_stata(out / f"{name}.dta")
    _same(tabs[name], back)
    with pd.io.stata.StataReader(out / f"{name}.dta") as r:
        labels = r.variable_labels()
    assert labels["report_id"] == "报告编号"


def test_excel_workbook_has_one_sheet_per_table_with_chinese_headers(run):
    import openpyxl

    tabs, out = run
    wb = openpyxl.load_workbook(out / "xxgk.xlsx", read_only=True)
    assert wb.sheetnames == list(tabs)
    for name, df in tabs.items():
        back = pd.read_excel(out / "xxgk.xlsx", sheet_name=name, dtype=str, keep_default_na=False)
        assert list(back.columns) == [labels_zh(name)[c] for c in df.columns]
        back.columns = list(df.columns)
        _same(df, back)


def test_panel_names_are_unique_stata_valid_and_documented(run):
    tabs, out = run
    names = [e.name for e in codebook()]
    assert len(names) == len(set(names)) == len({(e.table, e.row, e.col) for e in codebook()})
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", n) for n in tabs["panel"].columns)
    documented = (out / "codebook.md").read_text(encoding="utf-8")
    assert all(f"| {n} |" in documented for n in names)
    cb = pd.read_csv(out / "codebook.csv", encoding="utf-8-sig")
    assert list(cb["name"]) == names and cb["label_en"].notna().all() and cb["label_zh"].notna().all()


def test_panel_holds_each_reports_values(run):
    tabs, _ = run
    panel = tabs["panel"].set_index("report_id")
    rid = next(r.report_id for r in _reports() if r.source == "hzq2023.pdf")
    assert panel.loc[rid, "t3_new_nat"] == 21
    assert panel.loc[rid, "t4_rev_total"] == 0  # as printed, although its parts add to 11
    assert pd.isna(panel.loc[rid, "t2_proc_amount"])  # v2021 has no procurement: missing, not 0


def test_frictionless_validates_the_data_package(run):
    from frictionless import validate

    _, out = run
    report = validate(str(out / "datapackage.json"))
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
    values = [dataclasses.replace(v, value="4") if (v.table, v.row, v.col) == ("t3", "carried", "natural") else v for v in b.values]
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
