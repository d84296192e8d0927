"""Borderless tables (columns by text position only): real pages printed without borders.

fixtures/make/make_borderless.py prints the real 平潭 pages with every border removed, in
the alignments pages use (the page's own left alignment, everything centred, numbers
right-aligned), and gives each PDF the web page's hand-read truth. The ones read whole are in
fixtures/truth/ and held to 100 % by test_real_reports.py; the rest (fixtures/truth/partial/)
are held there to the rule that matters more: every value read is the truth, the rest is flagged.
"""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from xxgk.parsers import borderless, extract
from xxgk.parsers.readers.pdf import page_chars

from .conftest import FIXTURES, REPORTS

BORDERLESS = FIXTURES / "borderless"


def _report(name: str):
    return extract((BORDERLESS / name).read_bytes(), name)


def test_the_reader_says_which_pages_it_read_by_position():
    report = _report("borderless-2025-pingtan.pdf")
    assert report.status == "ok"
    assert "pages 3, 4, 5 have no ruling lines: their tables were read by text position" in report.notes
    ruled = extract((REPORTS / "hzq2024.pdf").read_bytes(), "hzq2024.pdf")
    assert "no ruling lines" not in ruled.notes


def _blocks(name: str, page: int) -> list[borderless.Block]:
    pdf = pdfium.PdfDocument((BORDERLESS / name).read_bytes())
    p = pdf[page - 1]
    chars = page_chars(p.get_textpage(), p.get_size()[1])
    return borderless.blocks(borderless.text_lines(chars))


@pytest.mark.parametrize("name, align", [("borderless-2025-pingtan.pdf", "left"), ("borderless-2025-centred.pdf", "center"),
                                         ("borderless-2025-right.pdf", "right")])
def test_the_numbers_alignment_is_told_by_numbers_of_different_widths(name, align):
    found = _blocks(name, 4)
    assert [len(b.bands) for b in found] == [7]  # 表三's seven columns, one block for the whole page
    assert borderless.align_of(found) == align
    # One data line, all numbers one digit wide: nothing to tell by, so the default.
    one = [borderless.Block(lines=found[0].lines[1:2], values=found[0].values[1:2], bands=found[0].bands)]
    assert borderless.align_of(one) == "center"


def test_each_part_of_a_page_gets_its_own_columns():
    """Page 3 prints 表二's four blocks (3, 1, 1, 1 columns); page 5 表三's end (7) and 表四 (15)."""
    assert [len(b.bands) for b in _blocks("borderless-2025-pingtan.pdf", 3)] == [3, 1, 1, 1]
    assert [len(b.bands) for b in _blocks("borderless-2025-pingtan.pdf", 5)] == [7, 15]


def test_a_header_word_over_two_columns_is_a_span_never_one_column():
    ext = [(0.0, 50.0), (50.0, 100.0), (100.0, 150.0)]
    inside = borderless.Word("本年制发件数", 5, 45, 0, 10)
    assert borderless._straddled(inside, ext) == [0]
    # A quarter of its width in the next column: it may be two cells printed together.
    over = borderless.Word("本年废止件数现行有效件数", 20, 60, 0, 10)
    assert borderless._straddled(over, ext) == [0, 1]
    under = borderless.Word("本年废止件数", 20, 58, 0, 10)  # 8 of 38 in the next column: < 1/4
    assert borderless._straddled(under, ext) == [0]


# ---- words: where one printed cell ends and the next begins (borderless.text_lines) --------------
def _line(*chars: tuple[str, float, float]) -> list[str]:
    """Characters on one line as (char, loose x0, loose x1), 16 points tall: the words text_lines makes."""
    made = [(c, x0 + 0.5, 700.0, x1 - 0.5, 716.0, x0, x1) for c, x0, x1 in chars]
    return [w.text for line in borderless.text_lines(made) for w in line.words]


def test_a_letter_spaced_line_splits_where_its_gap_is_three_times_its_spacing():
    """2021's header: 社 会 | 法 律, two cells 7.5 points apart on a line spaced 1.6 (word_gap_em: 8)."""
    assert _line(("社", 410, 424), ("会", 425.6, 439.6), ("法", 447.1, 461.1), ("律", 462.7, 476.7)) == ["社会", "法律"]
    # The same gap on a line spaced 2.6 is no cell boundary (3 × 2.6 = 7.8 > 7.5).
    assert _line(("社", 410, 424), ("会", 426.6, 440.6), ("法", 448.1, 462.1), ("律", 464.7, 478.7)) == ["社会法律"]


def test_a_number_after_a_labels_last_character_is_the_next_cell_at_half_the_gap():
    """"…不计其" | "5": a wrapped label fills its column, the value starts the next (4.5 of 8 points)."""
    assert _line(("不", 245, 259), ("计", 259.5, 273.5), ("其", 274, 288), ("5", 292.5, 300.5)) == ["不计其", "5"]
    assert _line(("不", 245, 259), ("计", 259.5, 273.5), ("其", 274, 288), ("5", 291.5, 299.5)) == ["不计其5"]  # 3.5: one word


def test_2021s_ragged_cells_are_read_in_order_where_a_row_prints_every_column_once():
    """Its 表三 continues on page 5 with cells at ragged positions (odd colspans in the web page):
    a row with seven printed numbers for seven columns is read in order, the rest by position
    (test_real_reports holds the whole print to its truth)."""
    r = _report("borderless-2021-pingtan.pdf")
    cells = {(v.table, v.row, v.col): v.value for v in r.values}
    assert [cells[("t3", "withheld_enforcement", c)] for c in ("natural", "nonprofit", "legal", "total")] == [6, 0, 0, 6]
    assert "t3 withheld_enforcement: its cells' spans do not line up with the header's" in r.notes
    assert r.status == "ok", r.error


def _word(text: str, x0: float, x1: float, top: float) -> borderless.Word:
    return borderless.Word(text, x0, x1, top, top + 16)


def test_a_label_line_joins_the_nearest_label_above_it_that_it_overlaps_most():
    """三、本 and （一）予以公开 share a data line; 年度办 below overlaps both, 三、本 the more."""
    group, leaf = _word("三、本", 56, 98, 584), _word("（一）予以公开", 95, 211, 584)
    pieces = borderless.label_pieces([(group, 0), (leaf, 0), (_word("年度办", 56, 105, 606), None)])
    assert [("".join(w.text for w in ws), row) for ws, row in pieces] == [("三、本年度办", 0), ("（一）予以公开", 0)]
    # A word under the leaf alone is the leaf's (a wrapped row label).
    pieces = borderless.label_pieces([(group, 0), (leaf, 0), (_word("申请", 150, 180, 606), None)])
    assert [("".join(w.text for w in ws), row) for ws, row in pieces] == [("三、本", 0), ("（一）予以公开申请", 0)]
