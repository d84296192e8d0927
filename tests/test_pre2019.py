"""Tables from before the 2019 templates (平潭 2016-2018, real pages): every cell into legacy_values as
printed, none onto a 2019 key. The truth is the page's own first <table>, read here with lxml alone."""

from __future__ import annotations

import pytest
from lxml import html as lhtml

from xxgk.parsers import extract
from xxgk.pipeline.datasets import tables

from .conftest import REPORTS


def _printed(name: str) -> list[tuple[str, str, str, str]]:
    """(row label, unit, column label, text) of every value cell of the page's statistics table."""
    page = lhtml.fromstring((REPORTS / name).read_bytes())
    table = next(t for t in page.iter("table") if "指标名称" in t.text_content())
    rows = [[td.text_content().strip() for td in tr.iter("td", "th")] for tr in table.iter("tr")]
    head = rows[0]
    return [(r[0], r[1], head[i], r[i]) for r in rows[1:] if r and r[0] for i in range(2, len(head))]


@pytest.mark.parametrize("name, cells", [("2016-pingtan.html", 32), ("2017-pingtan.html", 30), ("2018-pingtan.html", 30)])
def test_every_cell_of_a_pre2019_table_is_kept_as_printed_and_none_on_a_2019_key(name, cells):
    report = extract((REPORTS / name).read_bytes(), name)
    assert (report.template, report.status, report.values) == ("pre2019", "partial", [])
    got = [(v.row_label, v.unit, v.col_label, v.raw) for v in report.legacy]
    assert got == _printed(name) and len(got) == cells
    assert all(v.kind == "number" and str(v.value) == v.raw for v in report.legacy)  # each printed as a plain count
    assert "legacy_values.csv" in report.error


def test_legacy_values_table_and_its_numbers():
    report = extract((REPORTS / "2016-pingtan.html").read_bytes(), "2016-pingtan.html")
    frame = tables([report])["legacy_values"]
    first = frame.iloc[0]
    assert (first["row_label"], first["unit"], first["col_label"], first["value"]) == ("主动公开文件数", "条", "2016年度", 3460)
    assert frame.set_index(["row_label", "col_label"]).loc[("主动公开文件数", "历年累计"), "value"] == 85376
    assert frame["source_ref"].is_unique and set(frame["report_id"]) == {report.report_id}
    # A 2019 report has none: its cells are on the template keys.
    assert extract((REPORTS / "2019-pingtan.html").read_bytes(), "2019-pingtan.html").legacy == []
