"""The fast PDF path (pypdfium2 edges and characters into pdfplumber's TableFinder)
against pdfplumber end to end, on every table page of every fixture PDF: the same
grid structure, and the same values extracted from it.

(Texts may differ where WPS boxes narrative lines in a table frame: a character on a
cell's edge can fall either way. No statistical cell is on an edge in these files.)"""

import pytest

from xxgk.parsers.readers.pdf import page_grids, page_texts, pdfium_grids, table_pages
from xxgk.parsers.tables import read_tables

from .conftest import REPORTS

PDFS = sorted(REPORTS.glob("*.pdf"))


def _shape(grids):
    return [(g.ref, [[(c.row, c.col, c.rowspan, c.colspan) if c else None for c in row] for row in g.rows]) for g in grids]


def _values(grids):
    return [(v.table, v.row, v.col, v.as_text, v.raw, v.source_ref) for v in read_tables(grids).values]


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.name)
def test_fast_path_matches_pdfplumber(path):
    data = path.read_bytes()
    pages = table_pages(page_texts(data))
    fast, missed = pdfium_grids(data, pages)
    slow = page_grids(data, pages)
    assert missed == []
    assert _shape(fast) == _shape(slow)
    assert _values(fast) == _values(slow)
    assert len(_values(fast)) >= 180


def _rule(x0, top, x1, bottom):
    from xxgk.parsers.lattice import segment_edge

    return segment_edge(x0, top, x1, bottom)


def test_a_page_break_cut_is_a_border_where_three_column_rules_run_past_every_row():
    """Chromium draws no line where a page break cuts a ruled table (fixtures/prints/): the
    column rules run from the page's top (y 28) to the table's first ruling line (y 67)."""
    from xxgk.parsers.lattice import cut_edges

    rows = [_rule(34, y, 578, y) for y in (67, 106, 145)]
    three = [_rule(x, 28, x, 145) for x in (34, 100, 170)]
    (edge,) = cut_edges(rows + three)
    assert (edge["orientation"], round(edge["top"]), round(edge["x0"]), round(edge["x1"])) == ("h", 28, 34, 170)
    assert cut_edges(rows + three[:2]) == []  # two rules: a frame's sides, a margin line, no table
    assert cut_edges(rows + [_rule(x, 67, x, 145) for x in (34, 100, 170)]) == []  # closed at the top already
    bottom = cut_edges(rows + [_rule(x, 67, x, 190) for x in (34, 100, 170, 300)])
    assert [(e["orientation"], round(e["top"])) for e in bottom] == [("h", 190)]


ALL_PDFS = sorted(p for p in REPORTS.parent.glob("*/*.pdf") if p.parent.name != "broken")


def test_cells_from_the_crossings_are_pdfplumbers_on_every_ruled_page():
    """lattice.intersections_to_cells against pdfplumber's own, on every page with ruling lines of
    every readable fixture PDF (WPS, Word, Chromium and LibreOffice prints, cut and wide layouts)."""
    import pypdfium2 as pdfium
    from pdfplumber import table as plumber

    from xxgk.parsers import lattice

    pages = 0
    for path in ALL_PDFS:
        pdf = pdfium.PdfDocument(path.read_bytes())
        for i in range(len(pdf)):
            page = pdf[i]
            edges = lattice.vector_edges(page)
            if edges:
                breaks, clips = lattice.page_borders(edges)
                crossings = plumber.TableFinder(lattice.EdgePage(edges + breaks + clips, *page.get_size())).intersections
                assert lattice.intersections_to_cells(crossings) == plumber.intersections_to_cells(crossings), (path.name, i)
                pages += 1
            page.close()
        pdf.close()
    assert pages >= 97  # measured: 97; fewer would mean fixtures went unseen
