"""`--format sqlite`: xxgk.db with keys, indexes and full-text search, and Datasette serving it with our
metadata (titles, facets), queried through Datasette's own test client."""

from __future__ import annotations

import asyncio
import csv
import sqlite3

import pytest
from click.testing import CliRunner

from xxgk.pipeline.cli import main

from .conftest import REPORTS


@pytest.fixture(scope="module")
def run(tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("db")
    res = CliRunner().invoke(main, ["extract", str(REPORTS), "--out", str(out), "--format", "csv,sqlite"])
    assert res.exit_code == 0, res.output
    return out


def test_every_table_with_its_keys_and_types(run):
    db = sqlite3.connect(run / "xxgk.db")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"reports", "values", "checks", "narrative", "panel", "similarity"} <= tables
    with open(run / "values.csv", encoding="utf-8-sig", newline="") as f:
        n_csv = sum(1 for _ in csv.reader(f)) - 1
    assert db.execute("SELECT count(*) FROM [values]").fetchone()[0] == n_csv
    pk = [r[1] for r in sorted(db.execute("PRAGMA table_info([values])"), key=lambda r: r[5]) if r[5]]
    assert pk == ["report_id", "table", "row", "col"]
    fks = {(r[3], r[2], r[4]) for r in db.execute("PRAGMA foreign_key_list(checks)")}
    assert fks == {("report_id", "reports", "report_id")}
    assert {(r[3], r[2]) for r in db.execute("PRAGMA foreign_key_list(similarity)")} == {
        ("report_id_a", "reports"), ("report_id_b", "reports")}
    types = {r[1]: r[2] for r in db.execute("PRAGMA table_info(reports)")}
    assert (types["year"], types["title"]) == ("INTEGER", "TEXT")
    # A blank cell stays NULL (never 0), as in the CSV.
    blank = db.execute("SELECT count(*) FROM [values] WHERE kind IN ('blank', 'slash') AND value IS NOT NULL").fetchone()[0]
    assert blank == 0
    indexes = {r[1] for r in db.execute("PRAGMA index_list([values])")}
    assert any("table_row_col" in i for i in indexes)
    # No row of values points at a report that is not there.
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_full_text_search_on_the_narrative_finds_chinese_words(run):
    db = sqlite3.connect(run / "xxgk.db")
    hits = db.execute("SELECT sentence FROM narrative WHERE rowid IN "
                      "(SELECT rowid FROM narrative_fts WHERE narrative_fts MATCH ?)", ("政府信息公开申请",)).fetchall()
    assert hits and all("政府信息公开申请" in h[0] for h in hits)


def test_datasette_serves_it_with_our_titles_and_facets(run):
    pytest.importorskip("datasette", reason="Datasette is in the test extra: pip install -e '.[test]'")
    import yaml
    from datasette.app import Datasette

    meta = yaml.safe_load((run / "metadata.yml").read_text(encoding="utf-8"))
    assert meta["databases"]["xxgk"]["tables"]["reports"]["facets"] == ["status", "template", "year", "province", "level"]
    ds = Datasette([str(run / "xxgk.db")], metadata=meta)

    async def query():  # type: ignore[no-untyped-def]
        reports = await ds.client.get("/xxgk/reports.json?_shape=objects&_facet=status")
        failing = await ds.client.get("/xxgk/checks.json?_shape=objects&status=fail&basis=printed")
        page = await ds.client.get("/xxgk/reports")
        return reports, failing, page

    reports, failing, page = asyncio.run(query())
    assert reports.status_code == 200
    facet = {r["value"]: r["count"] for r in reports.json()["facet_results"]["status"]["results"]}
    assert facet == {"ok": 9, "partial": 4}  # the README's sample run of fixtures/reports
    rows = failing.json()["rows"]
    assert {(r["check_id"], r["lhs"], r["rhs"]) for r in rows} >= {("t4_total:t4:review", 11.0, 0.0)}
    assert page.status_code == 200 and "报告 Reports" in page.text


def test_the_data_package_names_the_database(run):
    import json

    package = json.loads((run / "datapackage.json").read_text(encoding="utf-8"))
    files = {r["path"]: r for r in package["resources"]}
    assert files["xxgk.db"]["mediatype"] == "application/vnd.sqlite3" and "metadata.yml" in files
