"""PDF: find the table pages with pypdfium2's cheap text layer, read them with pdfplumber.

Stages (each a function, so tests and the QA page can look at each result):
    page_texts      pypdfium2 text of every page (fast: ~1,000 pages/s)
    table_pages     the pages whose text carries the statistical tables' labels
    page_grids      pdfplumber's ruled tables on those pages, as grids with spans
A table continued over a page break gives one grid per page; tables.py joins
them as one stream, aligning columns by their x position on the page.
"""

from __future__ import annotations

import io
import logging
import re

import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError

from ..errors import CorruptDocument, EncryptedDocument, NoTextLayer
from ..model import Cell, Document, Grid

# Words that only the statistical tables print; a page with two of them holds a table.
TABLE_MARKERS = (
    "第二十条", "信息内容", "行政许可", "行政处罚", "申请人情况", "自然人", "商业企业",
    "予以公开", "不予公开", "国家秘密", "无法提供", "不予处理", "重复申请", "其他处理",
    "结转下年度", "行政复议", "行政诉讼", "复议后起诉", "结果维持", "指标名称", "统计指标",
)
_SPACE = re.compile(r"\s+")
# Chars per page below which a page is taken as an image (a scan).
MIN_TEXT_CHARS = 20

logging.getLogger("pdfminer").setLevel(logging.ERROR)


def page_texts(data: bytes, source: str = "") -> list[str]:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise EncryptedDocument("the PDF is encrypted; open it with its password and save an unprotected copy", source=source) from exc
        raise CorruptDocument(f"the PDF cannot be opened ({msg}); the file may be truncated or damaged", source=source) from exc
    try:
        texts = []
        for i in range(len(pdf)):
            page = pdf[i]
            tp = page.get_textpage()
            texts.append(tp.get_text_range())
            tp.close()
            page.close()
        return texts
    finally:
        pdf.close()


def table_pages(texts: list[str]) -> list[int]:
    """Indexes of the pages whose text holds at least two table markers."""
    pages = []
    for i, t in enumerate(texts):
        flat = _SPACE.sub("", t)
        if sum(1 for m in TABLE_MARKERS if m in flat) >= 2:
            pages.append(i)
    return pages


def _grid(table, page_no: int, number: int) -> Grid:  # type: ignore[no-untyped-def]
    """pdfplumber's table (rows of bboxes) as a grid with row and column spans."""
    text_rows = table.extract()
    xs = sorted({round(c[0], 1) for c in table.cells})
    tops = sorted({round(c[1], 1) for c in table.cells})
    width = len(xs)
    out: list[list[Cell | None]] = [[None] * width for _ in tops]
    for i, row in enumerate(table.rows):
        for cell_bbox, text in zip(row.cells, text_rows[i]):
            if cell_bbox is None:
                continue
            x0, top, x1, bottom = cell_bbox
            c0 = xs.index(round(x0, 1))
            r0 = tops.index(round(top, 1))
            cs = max(1, sum(1 for x in xs if x0 - 0.5 <= x < x1 - 0.5))
            rs = max(1, sum(1 for t in tops if top - 0.5 <= t < bottom - 0.5))
            cell = Cell(
                text or "", r0, c0, rs, cs,
                ref=f"p{page_no} bbox={x0:.0f},{top:.0f},{x1:.0f},{bottom:.0f}", x0=x0, x1=x1,
            )
            for dr in range(rs):
                for dc in range(cs):
                    if r0 + dr < len(out) and c0 + dc < width:
                        out[r0 + dr][c0 + dc] = cell
    return Grid(rows=out, ref=f"p{page_no} table{number}")


def page_grids(data: bytes, pages: list[int], source: str = "") -> list[Grid]:
    grids: list[Grid] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for i in pages:
                page = pdf.pages[i]
                for n, table in enumerate(page.find_tables(), start=1):
                    grids.append(_grid(table, i + 1, n))
                page.close()
    except PDFPasswordIncorrect as exc:
        raise EncryptedDocument("the PDF is encrypted; open it with its password and save an unprotected copy", source=source) from exc
    except (PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
        raise CorruptDocument(f"pdfplumber could not parse the table pages ({type(exc).__name__}: {exc})", source=source) from exc
    return grids


def read(data: bytes, source: str = "") -> Document:
    texts = page_texts(data, source)
    if texts and sum(len(_SPACE.sub("", t)) for t in texts) < MIN_TEXT_CHARS * len(texts):
        raise NoTextLayer(
            f"image-only PDF ({len(texts)} pages, no text layer): it is a scan; OCR is needed to read it",
            source=source,
        )
    pages = table_pages(texts)
    grids = page_grids(data, pages, source) if pages else []
    lines = [ln.strip() for t in texts for ln in t.splitlines() if ln.strip()]
    return Document(format="pdf", lines=lines, grids=grids, pages=len(texts))
