"""PDF: find the table pages with pypdfium2's cheap text layer, then read their ruled tables.

Stages (each a function, so tests and the QA page can look at each result):
    page_texts      pypdfium2 text of every page (fast: ~1,000 pages/s)
    table_pages     the pages whose text carries the statistical tables' labels
    page_edges      the page's ruling lines, from pypdfium2's path objects (C, fast)
    pdfium_grids    pdfplumber's own lattice algorithm (TableFinder) run on those edges;
                    each cell's text from pypdfium2's characters, by midpoint, as pdfplumber does
    page_grids      pdfplumber end to end: the reference, and the fallback for a page where
                    the fast path finds no table
pdfplumber spends most of its time parsing content streams in Python (pdfminer); the fast
path gives it the edges instead, so the table algorithm is pdfplumber's and the parsing is
pdfium's. tests/test_pdf_engines.py checks both paths give the same grids.
A table continued over a page break gives one grid per page; tables.py joins
them as one stream, aligning columns by their x position on the page.
"""

from __future__ import annotations

import ctypes
import io
import logging
import re

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.table import TableFinder

from ..errors import CorruptDocument, EncryptedDocument, NoTextLayer, UnreadableText
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
        raise CorruptDocument(f"the PDF cannot be opened ({msg}): the file is truncated or damaged; download it again", source=source) from exc
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


def _grid(table, page_no: int, number: int, text_rows: list | None = None) -> Grid:  # type: ignore[no-untyped-def]
    """pdfplumber's table (rows of bboxes) as a grid with row and column spans."""
    text_rows = text_rows if text_rows is not None else table.extract()
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
    return Grid(rows=out, ref=f"p{page_no} table{number}", page=page_no)


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


# ---- the fast path -----------------------------------------------------------------------
class _EdgePage:
    """What pdfplumber's TableFinder reads of a page: its edges and its bounding box."""

    def __init__(self, edges: list[dict], width: float, height: float) -> None:
        self.edges = edges
        self.bbox = (0, 0, width, height)


def _edge(x0: float, top: float, x1: float, bottom: float) -> dict | None:
    if abs(top - bottom) < 0.5 and abs(x1 - x0) >= 1:
        x0, x1 = min(x0, x1), max(x0, x1)
        return {"x0": x0, "x1": x1, "top": top, "bottom": top, "width": x1 - x0, "height": 0,
                "orientation": "h", "object_type": "line"}
    if abs(x1 - x0) < 0.5 and abs(bottom - top) >= 1:
        top, bottom = min(top, bottom), max(top, bottom)
        return {"x0": x0, "x1": x0, "top": top, "bottom": bottom, "width": 0, "height": bottom - top,
                "orientation": "v", "object_type": "line"}
    return None  # a diagonal or a point: no ruling line


def page_edges(page: pdfium.PdfPage) -> list[dict]:
    """Horizontal and vertical segments of every path on the page, in pdfplumber's top-down coordinates."""
    height = page.get_size()[1]
    edges: list[dict] = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=3):
        m = obj.get_matrix()
        n = pdfium_c.FPDFPath_CountSegments(obj.raw)
        x, y = ctypes.c_float(), ctypes.c_float()
        start = prev = None
        for i in range(n):
            seg = pdfium_c.FPDFPath_GetPathSegment(obj.raw, i)
            pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
            px, py = m.a * x.value + m.c * y.value + m.e, m.b * x.value + m.d * y.value + m.f
            point = (px, height - py)
            kind = pdfium_c.FPDFPathSegment_GetType(seg)
            if kind == pdfium_c.FPDF_SEGMENT_MOVETO or prev is None:
                start = point
            elif kind == pdfium_c.FPDF_SEGMENT_LINETO:
                e = _edge(prev[0], prev[1], point[0], point[1])
                if e:
                    edges.append(e)
            prev = point
            if pdfium_c.FPDFPathSegment_GetClose(seg) and start is not None:
                e = _edge(point[0], point[1], start[0], start[1])
                if e:
                    edges.append(e)
    return edges


Char = tuple[str, float, float, float, float, float, float]  # char, x0, top, x1, bottom, loose x0, loose x1


def page_chars(textpage: pdfium.PdfTextPage, height: float) -> list[Char]:
    """(char, x0, top, x1, bottom, loose x0, loose x1) of every printed character, top-down like pdfplumber."""
    out = []
    for i in range(textpage.count_chars()):
        ch = textpage.get_text_range(i, 1)
        if not ch or ch.isspace() or ch == "\ufffe":
            continue
        # pdfminer's boxes (what pdfplumber's cell assignment was tuned on) are the glyph's
        # advance horizontally and the font's height vertically: take x from pdfium's tight box,
        # y from its loose box (a tight "." or "“" would sit off its line and start a new one).
        # Gaps between words are measured on the loose boxes, which span the glyph's advance.
        left, _, right, _ = textpage.get_charbox(i)
        loose_left, bottom, loose_right, top = textpage.get_charbox(i, loose=True)
        out.append((ch, left, height - top, right, height - bottom, loose_left, loose_right))
    return out


def cell_text(chars: list[Char], bbox: tuple[float, float, float, float],
              x_tolerance: float = 3, y_tolerance: float = 3) -> str:
    """Characters whose midpoint is in the cell, as lines top to bottom and words left to right."""
    x0, top, x1, bottom = bbox
    inside = [c for c in chars if x0 <= (c[1] + c[3]) / 2 < x1 and top <= (c[2] + c[4]) / 2 < bottom]
    lines: list[list[Char]] = []
    for c in sorted(inside, key=lambda c: (c[2] + c[4]) / 2):
        if lines and abs((lines[-1][-1][2] + lines[-1][-1][4]) / 2 - (c[2] + c[4]) / 2) <= y_tolerance:
            lines[-1].append(c)
        else:
            lines.append([c])
    out = []
    for line in lines:
        line.sort(key=lambda c: c[1])
        text = line[0][0]
        for a, b in zip(line, line[1:]):
            text += (" " if b[5] - a[6] > x_tolerance else "") + b[0]
        out.append(text)
    return "\n".join(out)


def pdfium_grids(data: bytes, pages: list[int], source: str = "") -> tuple[list[Grid], list[int]]:
    """Grids of the table pages read with pypdfium2 only; also the pages where it found none."""
    grids: list[Grid] = []
    missed: list[int] = []
    pdf = pdfium.PdfDocument(data)
    try:
        for i in pages:
            page = pdf[i]
            width, height = page.get_size()
            finder = TableFinder(_EdgePage(page_edges(page), width, height))  # type: ignore[arg-type]
            if not finder.tables:
                missed.append(i)
                page.close()
                continue
            textpage = page.get_textpage()
            chars = page_chars(textpage, height)
            for n, table in enumerate(finder.tables, start=1):
                texts = [[cell_text(chars, c) if c is not None else None for c in row.cells] for row in table.rows]
                grids.append(_grid(table, i + 1, n, texts))
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return grids, missed


OCR_HINT = "install the OCR extra to read it: pip install 'xxgk[ocr]'"
# A page is noise when more than this share of its characters are outside what a Chinese report
# prints. Measured: 0.000 on every page of the real fixtures, 0.87-0.96 on hzq2024 with its
# /ToUnicode maps removed (pdfium then returns control characters and stray Ethiopic, Thai, Cyrillic).
GARBLED_RATIO = 0.2
_EXPECTED = (
    (0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2150, 0x21FF), (0x2460, 0x25FF), (0x3000, 0x303F),
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF),
)


def _expected(c: str) -> bool:
    o = ord(c)
    return any(a <= o <= b for a, b in _EXPECTED)


def garbled(text: str) -> bool:
    """True when a page's text is noise (fonts without a Unicode map), not Chinese, digits and punctuation."""
    chars = [c for c in text if not c.isspace()]
    if len(chars) < MIN_TEXT_CHARS:
        return False
    return sum(1 for c in chars if not _expected(c)) / len(chars) > GARBLED_RATIO


def engines_disagree(grid_text: str, page_text: str, min_shared: float = 0.8) -> bool:
    """True when pdfplumber's Chinese characters are mostly absent from pypdfium2's text of the page.

    pdfminer turns a font it cannot map into plausible but wrong Hanzi (单位 -> 万三); pdfium
    decodes the same font differently, so the two texts stop sharing their characters.
    """
    hanzi = [c for c in grid_text if "\u4e00" <= c <= "\u9fff"]
    if len(hanzi) < 10:
        return False
    page = set(page_text)
    return sum(1 for c in hanzi if c in page) / len(hanzi) < min_shared


def _pages(pages: list[int]) -> str:
    return ", ".join(str(i + 1) for i in pages[:10]) + (" …" if len(pages) > 10 else "")


def read(data: bytes, source: str = "") -> Document:
    from .. import ocr

    texts = page_texts(data, source)
    empty = [i for i, t in enumerate(texts) if len(_SPACE.sub("", t)) < MIN_TEXT_CHARS]
    noise = [i for i, t in enumerate(texts) if garbled(t)]
    readable = [i for i in range(len(texts)) if i not in empty and i not in noise]
    notes: list[str] = []
    pages = table_pages([texts[i] if i in readable else "" for i in range(len(texts))])
    grids, missed = pdfium_grids(data, pages, source) if pages else ([], [])
    if missed:  # no ruled table found the fast way: let pdfplumber look at those pages
        fallback = page_grids(data, missed, source)
        # pdfminer writes (cid:N), or plausible wrong Hanzi, for a glyph it cannot map: such a page's
        # text is not to be trusted.
        cid_pages = set()
        for g in fallback:
            text = "".join(c.text for row in g.rows for c in row if c is not None)
            if "(cid:" in text or engines_disagree(text, texts[g.page - 1]):  # type: ignore[operator]
                cid_pages.add(g.page - 1)  # type: ignore[operator]
        noise = sorted(set(noise) | cid_pages)
        grids = sorted(grids + [g for g in fallback if g.page - 1 not in cid_pages], key=lambda g: g.page)  # type: ignore[operator]
    # Pages whose text cannot be used: noise always needs OCR; empty pages only when no table was found.
    need_ocr = noise + (empty if not pages else [])
    by_page = {i: [ln.strip() for ln in texts[i].splitlines() if ln.strip()] for i in readable}
    if need_ocr:
        what = ("no page has a text layer (a scan, or an empty PDF)" if len(empty) == len(texts) else
                f"pages {_pages(noise)} have a text layer that decodes to noise (fonts without a Unicode map)" if noise else
                f"pages {_pages(empty)} are images")
        if not ocr.available():
            if grids and not noise:
                notes.append(f"{what}; they were not read ({OCR_HINT})")
            elif noise:
                raise UnreadableText(f"{what}; no value is taken from such pages: {OCR_HINT}", source=source)
            else:
                raise NoTextLayer(f"{what}, {len(texts)} pages; {OCR_HINT}", source=source)
        else:
            ocr_grids, ocr_lines = ocr.ocr_grids(data, sorted(need_ocr), lambda page: page_edges(page))
            grids = sorted(grids + ocr_grids, key=lambda g: g.page)  # type: ignore[arg-type,return-value]
            by_page.update(ocr_lines)
            notes.append(f"OCR (rapidocr) read pages {_pages(sorted(need_ocr))}: {what}")
    lines = [ln for i in sorted(by_page) for ln in by_page[i]]
    return Document(format="pdf", lines=lines, grids=grids, pages=len(texts), notes=notes)
