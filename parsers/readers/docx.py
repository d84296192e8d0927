"""Word DOCX: tables from the XML (gridSpan, vMerge) and paragraphs in body order."""

from __future__ import annotations

import io
import zipfile
import zlib

import docx as _docx
from docx.opc.exceptions import OpcError
from docx.oxml.ns import qn
from lxml import etree

from ..errors import CorruptDocument, TooLargeDocument
from ..grid import RawCell, expand
from ..model import Document, Grid


def _text(el) -> str:  # type: ignore[no-untyped-def]
    """Text of a paragraph or cell element, one line per paragraph."""
    paras = el.iter(qn("w:p")) if el.tag != qn("w:p") else [el]
    out = []
    for p in paras:
        out.append("".join(t.text or "" for t in p.iter(qn("w:t"))))
    return "\n".join(out).strip()


def _table_grid(tbl, number: int) -> Grid:  # type: ignore[no-untyped-def]
    # First pass: each <w:tc> with its grid column and vMerge state.
    placed: list[list[tuple[int, int, str | None, object]]] = []
    for tr in tbl.tr_lst:
        col = tr.grid_before
        row = []
        for tc in tr.tc_lst:
            row.append((col, tc.grid_span, tc.vMerge, tc))
            col += tc.grid_span
        placed.append(row)
    # Second pass: a vMerge="restart" cell spans down over its "continue" cells.
    rows: list[list[RawCell]] = []
    for r, row in enumerate(placed):
        out: list[RawCell] = []
        for i, (col, gs, vm, tc) in enumerate(row):
            if vm == "continue":
                continue
            rs = 1
            if vm == "restart":
                for below in placed[r + 1 :]:
                    if any(c == col and v == "continue" for c, _, v, _ in below):
                        rs += 1
                    else:
                        break
            out.append(RawCell(_text(tc), rs, gs, f"docx table{number} r{r + 1}c{col + 1}"))
        rows.append(out)
    # grid_before leaves the first columns empty; expand() fills left to right, so
    # pad such rows with empty cells that stand where Word leaves nothing.
    for r, row in enumerate(placed):
        if row and row[0][0] > 0:
            rows[r] = [RawCell("", 1, row[0][0], f"docx table{number} r{r + 1} grid_before")] + rows[r]
    return Grid(rows=expand(rows), ref=f"docx table{number}")


# What python-docx and lxml raise on a damaged package or damaged XML, and nothing else: an
# exception of xxgk's own reading below is a bug, reported as internal_error, never blamed on the file.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, etree.LxmlError, OpcError)
MAX_UNZIPPED = 200 * 1024 * 1024  # a report's DOCX unpacks to a few MB; past this it is a ZIP bomb


def read(data: bytes, source: str = "") -> Document:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile as exc:
        raise CorruptDocument(f"not a readable Word document ({exc})", source=source) from exc
    if unpacked > MAX_UNZIPPED:
        raise TooLargeDocument(f"the DOCX would unpack to {unpacked // (1 << 20)} MB (a decompression bomb); not opened",
                               source=source)
    try:
        doc = _docx.Document(io.BytesIO(data))
    except DAMAGED as exc:
        raise CorruptDocument(f"damaged Word document ({type(exc).__name__}: {exc}); download it again, or open and "
                              "re-save it in Word or WPS", source=source) from exc
    lines: list[str] = []
    grids: list[Grid] = []
    for el in doc.element.body.iterchildren():
        if el.tag == qn("w:p"):
            t = _text(el)
            if t:
                lines.append(t)
        elif el.tag == qn("w:tbl"):
            tables = [t for t in doc.tables if t._tbl is el]
            if tables:
                grids.append(_table_grid(tables[0]._tbl, len(grids) + 1))
    title = (doc.core_properties.title or "").strip()
    return Document(format="docx", lines=lines, grids=grids, title_hint=title)
