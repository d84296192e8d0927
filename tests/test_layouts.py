"""Print layouts (fixtures/layouts, made by fixtures/make/make_layouts.py from the real 平潭 pages):
a 表三 cut by the page's edges, one broken with its header repeated and 表四 stacked (both held to
their truth in test_real_reports), and two years' 表三 side by side; and the stages that read them:
clip and page-break borders, rows cut by a page break joined again."""

from __future__ import annotations

from xxgk.parsers import extract, grid, lattice
from xxgk.parsers.model import Cell, Grid
from xxgk.parsers.readers.pdf import side_by_side

from .conftest import FIXTURES

LAYOUTS = FIXTURES / "layouts"


def _report(name: str):
    return extract((LAYOUTS / name).read_bytes(), name)


def test_a_table_cut_by_the_page_keeps_its_shown_columns_under_their_headers_and_names_the_cut():
    r = _report("wide-2025-pingtan.pdf")
    cells = {(v.table, v.row, v.col): v for v in r.values}
    # 自然人 … 社会公益组织 are whole on the page: under their own headers (the cut once shifted them).
    assert [cells[("t3", "unavailable_not_held", c)].value for c in ("natural", "commercial", "research", "nonprofit")] == [49, 1, 0, 0]
    # 法律服务机构 is cut by the right edge: kept as printed, not as a number; 其他 and 总计 are not in the file.
    legal = cells[("t3", "unavailable_not_held", "legal")]
    assert (legal.value, legal.raw, legal.kind) == (None, "0", "text")
    assert not [k for k in cells if k[0] == "t3" and k[2] in ("org_other", "total")]
    assert r.status == "partial" and "p4 table1 runs past the left and right edge of the page" in r.error
    # Labels cut to 息公开申请数量 could be 一、本年新收 or 二、上年结转: neither row is read.
    assert "its label is cut by the edge of the page and names no row" in r.error
    assert not [k for k in cells if k[:2] in (("t3", "new"), ("t3", "carried"))]


def test_tables_side_by_side_are_named_in_the_error_and_the_others_still_read():
    r = _report("side-by-side-2023-2025.pdf")
    assert r.status == "partial"
    assert r.error.startswith("page 4 prints 2 tables of numbers side by side")
    assert "none of the statistical tables" not in r.error
    assert not [v for v in r.values if v.table == "t3"]
    assert {v.table for v in r.values} == {"t2", "t4"}


def _grid(x0: float, top: float, x1: float, bottom: float) -> Grid:
    return Grid(rows=[[Cell("规章", 0, 0), Cell("3", 0, 1)]], bbox=(x0, top, x1, bottom))


def test_side_by_side_needs_more_than_half_the_shorter_table_beside_the_other():
    left, right = _grid(0, 100, 200, 300), _grid(210, 199, 400, 500)  # 101 of 200 points beside
    assert side_by_side([left, right]) == [left, right]
    assert side_by_side([left, _grid(210, 201, 400, 500)]) == []  # 99 of 200 points beside: stacked, not beside
    assert side_by_side([left, _grid(190, 100, 400, 300)]) == []  # overlapping in x: not two tables beside


def _h(x0: float, x1: float, y: float):
    return lattice.segment_edge(x0, y, x1, y)


def _v(x: float, top: float, bottom: float):
    return lattice.segment_edge(x, top, x, bottom)


def test_a_clip_border_needs_three_row_rules_running_past_every_column_rule():
    columns = [_v(100, 0, 90), _v(200, 0, 90)]
    three = [_h(8, 200, y) for y in (0, 45, 90)]
    assert [(e["x0"], e["top"], e["bottom"]) for e in lattice.clipped_sides(columns + three)] == [(8, 0, 90)]
    assert lattice.clipped_sides(columns + three[:2]) == []  # two rules: a heading's box, not a table's side
    closed = [_h(100, 200, y) for y in (0, 45, 90)]
    assert lattice.clipped_sides(columns + closed) == []  # every rule meets a column rule: nothing cut


# ---- a row cut by a page break (chromium-2019/2025-pingtan.pdf cut 表四's header: tested whole by their truth)
def _cell(text: str, x0: float, x1: float, cut: str = "", ref: str = "") -> Cell:
    return Cell(text, 0, 0, x0=x0, x1=x1, cut=cut, ref=ref or f"{text}@{x0:.0f}")


def _page(page: int, *rows: list[Cell]) -> Grid:
    return Grid(rows=[list(r) for r in rows], ref=f"p{page} table1", page=page)


def test_a_row_cut_by_a_page_break_is_one_row_again_with_each_cells_halves_joined():
    upper = _page(5, [_cell("行政复议", 0, 100)] * 2, [_cell("结果", 0, 50, "bottom"), _cell("其他", 50, 100, "bottom")])
    lower = _page(6, [_cell("维持", 3.9, 50, "top"), _cell("结果", 50, 100, "top")], [_cell("25", 0, 50), _cell("8", 50, 100)])
    [joined] = grid.join_page_breaks([upper, lower])
    assert [[c.text for c in row] for row in joined.rows] == [["行政复议"] * 2, ["结果\n维持", "其他\n结果"], ["25", "8"]]
    assert joined.rows[1][0].ref == "结果@0 + 维持@4" and (joined.rows[2][1].row, joined.rows[2][1].col) == (2, 1)


def test_halves_further_apart_than_the_tolerance_are_not_joined():
    upper = _page(5, [_cell("结果", 0, 50, "bottom"), _cell("其他", 50, 100, "bottom")])
    lower = _page(6, [_cell("维持", 4.1, 50, "top"), _cell("结果", 54.1, 100, "top")])
    assert grid.join_page_breaks([upper, lower]) == [upper, lower]


def test_only_the_next_page_goes_on_with_a_cut_table():
    upper = _page(5, [_cell("结果", 0, 50, "bottom")])
    later = _page(7, [_cell("维持", 0, 50, "top")])
    assert grid.join_page_breaks([upper, later]) == [upper, later]
    assert len(grid.join_page_breaks([upper, _page(6, *later.rows)])) == 1


def test_tall_cells_cut_beside_short_ones_that_ended_stand_in_both_rows():
    """表四's header: 结果维持 (two rows tall) runs over the break; 未经复议直接起诉 ends above it."""
    tall, short = _cell("结果", 0, 50, "bottom"), _cell("未经复议直接起诉", 50, 150)
    upper = _page(5, [tall, short, short])
    lower = _page(6, [_cell("维持", 0, 50, "top"), _cell("结果维持", 50, 100), _cell("总计", 100, 150)])
    [joined] = grid.join_page_breaks([upper, lower])
    assert [[c.text for c in row] for row in joined.rows] == [["结果\n维持", "未经复议直接起诉", "未经复议直接起诉"],
                                                              ["结果\n维持", "结果维持", "总计"]]
    assert joined.rows[0][0] is joined.rows[1][0] and joined.rows[0][0].rowspan == 2


def test_a_page_break_border_needs_three_open_column_rules():
    """The lowest y that three column rules reach with no row rule across them is the cut."""
    rules = [_h(0, 400, 0)] + [_v(x, 0, 40) for x in (0, 100, 200, 300, 400)]
    assert [(e["top"], e["x0"], e["x1"]) for e in lattice.cut_edges(rules + [_h(300, 400, 40)])] == [(40, 0, 400)]
    assert lattice.cut_edges(rules + [_h(200, 400, 40)]) == []  # two rules open (0, 100): not a cut
    assert lattice.cut_edges(rules + [_h(0, 400, 40)]) == []  # closed: the table's own bottom
