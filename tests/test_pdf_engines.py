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
