"""PDF: find the table pages with pypdfium2's cheap text layer, then read their ruled tables.

Every page is opened once. Stages (each a function, so tests and the QA page can look at each result):
    page text       pypdfium2's text of the page (C, ~1,000 pages/s)
    is_table_page   the page's text carries the statistical tables' labels
    ruled_grids     the page's ruling lines (lattice.vector_edges), pdfplumber's TableFinder on
                    them, each cell's text from the same text page's characters, by midpoint,
                    as pdfplumber does (lattice.assign)
    borderless      a table page with no ruled table: columns by text position (borderless.py),
                    from the same characters
    OCR             pages with no usable text layer, when the OCR extra is installed (ocr.py)
pdfplumber spends most of its time parsing content streams in Python (pdfminer); here its table
algorithm gets the edges from pdfium instead. `page_grids` runs pdfplumber end to end: the
reference tests/test_pdf_engines.py checks the fast path against, never used by `read`. One
difference on purpose: lattice.cut_edges adds the border a page break leaves out (Chromium draws
none at the cut), which pdfplumber does not; on pages with no such cut the two give the same grids.
A table continued over a page break gives one grid per page; tables.py joins
them as one stream, aligning columns by their x position on the page.
"""

from __future__ import annotations

import ctypes
import io
import re
from dataclasses import replace

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .. import borderless, lattice, ocr
from ..errors import CorruptDocument, EncryptedDocument, NoTextLayer, UnreadableText
from ..grid import holds_numbers, join_page_breaks
from ..metadata import pdf_title_hint
from ..model import Cell, Document, Grid
from ..settings import DEFAULT, ParseSettings

# Words that only the statistical tables print; a page with two of them holds a table.
TABLE_MARKERS = (
    "第二十条", "信息内容", "行政许可", "行政处罚", "申请人情况", "自然人", "商业企业",
    "予以公开", "不予公开", "国家秘密", "无法提供", "不予处理", "重复申请", "其他处理",
    "结转下年度", "行政复议", "行政诉讼", "复议后起诉", "结果维持", "指标名称", "统计指标",
)
_SPACE = re.compile(r"\s+")


def open_pdf(data: bytes, source: str = "") -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise EncryptedDocument("the PDF is encrypted; open it with its password and save an unprotected copy", source=source) from exc
        raise CorruptDocument(f"the PDF cannot be opened ({msg}): the file is truncated or damaged; download it again", source=source) from exc


def load_page(pdf: pdfium.PdfDocument, i: int, source: str = "") -> pdfium.PdfPage:
    try:
        return pdf[i]
    except pdfium.PdfiumError as exc:
        raise CorruptDocument(f"page {i + 1} of {len(pdf)} cannot be loaded ({exc}): the file is damaged; download it again",
                              source=source) from exc


def page_texts(data: bytes, source: str = "") -> list[str]:
    """pypdfium2's text of every page."""
    pdf = open_pdf(data, source)
    try:
        texts = []
        for i in range(len(pdf)):
            page = load_page(pdf, i, source)
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    finally:
        pdf.close()


def is_table_page(text: str) -> bool:
    """True when the page's text holds at least two table markers."""
    flat = _SPACE.sub("", text)
    return sum(1 for m in TABLE_MARKERS if m in flat) >= 2


def table_pages(texts: list[str]) -> list[int]:
    """Indexes of the pages whose text holds at least two table markers."""
    return [i for i, t in enumerate(texts) if is_table_page(t)]


def page_grids(data: bytes, pages: list[int]) -> list[Grid]:
    """pdfplumber end to end on the given pages: the reference the fast path is tested against."""
    import pdfplumber

    grids: list[Grid] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for i in pages:
            page = pdf.pages[i]
            for n, table in enumerate(page.find_tables(), start=1):
                grids.append(lattice.grid_of(table, i + 1, n, table.extract()))
            page.close()
    return grids


Char = lattice.Char


def page_chars(textpage: pdfium.PdfTextPage, height: float) -> list[Char]:
    """(char, x0, top, x1, bottom, loose x0, loose x1) of every printed character, top-down like pdfplumber."""
    raw = textpage.raw
    left, right, bottom, top = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    loose = pdfium_c.FS_RECTF()
    get_unicode, get_box, get_loose = pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_GetCharBox, pdfium_c.FPDFText_GetLooseCharBox
    out = []
    for i in range(pdfium_c.FPDFText_CountChars(raw)):
        code = get_unicode(raw, i)
        if not code or code == 0xFFFE or chr(code).isspace():
            continue
        # pdfminer's boxes (what pdfplumber's cell assignment was tuned on) are the glyph's
        # advance horizontally and the font's height vertically: take x from pdfium's tight box,
        # y from its loose box (a tight "." or "“" would sit off its line and start a new one).
        # Gaps between words are measured on the loose boxes, which span the glyph's advance.
        get_box(raw, i, left, right, bottom, top)
        get_loose(raw, i, loose)
        out.append((chr(code), left.value, height - loose.top, right.value, height - loose.bottom, loose.left, loose.right))
    return out


def cell_text(chars: list[Char], x_tolerance: float = DEFAULT.char_x_tolerance, y_tolerance: float = DEFAULT.char_y_tolerance) -> str:
    """A cell's characters as lines top to bottom and words left to right."""
    out = []
    for line in lattice.char_lines(chars, y_tolerance):
        text = line[0][0]
        for a, b in zip(line, line[1:]):
            text += (" " if b[5] - a[6] > x_tolerance else "") + b[0]
        out.append(text)
    return "\n".join(out)


def ruled_grids(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, page_no: int,
                settings: ParseSettings = DEFAULT) -> list[Grid]:
    """The ruled tables of one page, each cell's text from pypdfium2's characters, by midpoint, as pdfplumber does."""
    width, height = page.get_size()
    edges = lattice.vector_edges(page)
    breaks, clipped = lattice.page_borders(edges)
    tables = lattice.find_tables(edges, width, height, (breaks, clipped))
    if not tables:
        return []
    clips = [e["x0"] for e in clipped]
    rules = [e for e in edges if e["orientation"] == "h"]
    chars = page_chars(textpage, height)
    mids = [((c[1] + c[3]) / 2, (c[2] + c[4]) / 2) for c in chars]
    grids = []
    for n, table in enumerate(tables, start=1):
        texts = [[cell_text(found, settings.char_x_tolerance, settings.char_y_tolerance) if found is not None else None
                  for found in row] for row in lattice.assign_cells(chars, mids, table)]
        grids.append(_mark_cuts(lattice.grid_of(table, page_no, n, texts), clips, [e["top"] for e in breaks], rules))
    return grids


def _mark_cuts(grid: Grid, clips: list[float], breaks: list[float], rules: list[dict]) -> Grid:
    """Mark the cells the page's edge cuts: at a clip (left/right), or at a page break (top/bottom)
    where no rule of the page closes the cell (a tall header cell running on while its neighbours end)."""
    if not clips and not breaks:
        return grid

    def closed(c: Cell, y: float) -> bool:
        return all(lattice.covered(x, y, rules) for x in ((c.x0 or 0) + 2, ((c.x0 or 0) + (c.x1 or 0)) / 2, (c.x1 or 0) - 2))

    cut: dict[int, Cell] = {}
    for row in grid.rows:
        for c in row:
            if c is None or id(c) in cut:
                continue
            sides = [side for side, x in (("left", c.x0), ("right", c.x1)) if any(abs(k - (x or 0)) < 1 for k in clips)]
            sides += [side for side, y in (("top", c.top), ("bottom", c.bottom))
                      if y is not None and any(abs(k - y) < 1 for k in breaks) and not closed(c, y)]
            if sides:
                cut[id(c)] = replace(c, cut=" ".join(sides))
    if cut:
        grid.rows = [[cut.get(id(c), c) if c is not None else None for c in row] for row in grid.rows]
    return grid


def _clipped_sides(grid: Grid) -> list[str]:
    sides = {s for row in grid.rows for c in row if c is not None for s in c.cut.split()}
    return [s for s in ("left", "right") if s in sides]


def side_by_side(grids: list[Grid]) -> list[Grid]:
    """The tables of numbers on one page printed beside another one (a comparison of two years or two
    bodies): which of them is this report's cannot be told from the page."""
    tables = [g for g in grids if g.bbox and holds_numbers(g)]
    beside = []
    for a in tables:
        for b in tables:
            if a is b:
                continue
            (ax0, at, ax1, ab), (bx0, bt, bx1, bb) = a.bbox, b.bbox  # type: ignore[misc]
            overlap = min(ab, bb) - max(at, bt)
            if overlap > 0.5 * min(ab - at, bb - bt) and (ax1 <= bx0 + 1 or bx1 <= ax0 + 1):
                beside.append(a)
                break
    return beside


def pdfium_grids(data: bytes, pages: list[int], source: str = "") -> tuple[list[Grid], list[int]]:
    """Grids of the given pages read with pypdfium2 only; also the pages where it found none."""
    grids: list[Grid] = []
    missed: list[int] = []
    pdf = open_pdf(data, source)
    try:
        for i in pages:
            page = load_page(pdf, i, source)
            textpage = page.get_textpage()
            found = ruled_grids(page, textpage, i + 1)
            grids += found
            if not found:
                missed.append(i)
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return grids, missed


OCR_HINT = "install the OCR extra to read it: pip install 'xxgk[ocr]'"
# What a Chinese report prints; anything else on a page is noise (settings.garbled_ratio).
_EXPECTED = (
    (0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2150, 0x21FF), (0x2460, 0x25FF), (0x3000, 0x303F),
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF),
)


# Characters outside those ranges (and not white space), found by one C scan of the page's text.
_UNEXPECTED = re.compile("[^\\s" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in _EXPECTED) + "]")


def garbled(text: str, settings: ParseSettings = DEFAULT) -> bool:
    """True when a page's text is noise (fonts without a Unicode map), not Chinese, digits and punctuation."""
    printed = len(text) - sum(len(m) for m in _SPACE.findall(text))
    if printed < settings.min_text_chars:
        return False
    return len(_UNEXPECTED.findall(text)) / printed > settings.garbled_ratio


def _pages(pages: list[int]) -> str:
    return ", ".join(str(i + 1) for i in pages[:10]) + (" …" if len(pages) > 10 else "")


def read(data: bytes, source: str = "", settings: ParseSettings = DEFAULT) -> Document:
    """Every page opened once: its text; on a table page, its ruled tables from the same text page."""
    pdf = open_pdf(data, source)
    title = pdf_title_hint(pdf.get_metadata_dict().get("Title", "") or "")
    texts: list[str] = []
    grids: list[Grid] = []
    empty: list[int] = []
    noise: list[int] = []
    pages: list[int] = []  # table pages by their text
    by_position: list[int] = []  # table pages read without ruling lines
    problems: list[str] = []
    tail: list[borderless.Line] = []  # a borderless header at the foot of the last page read
    try:
        for i in range(len(pdf)):
            page = load_page(pdf, i, source)
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            texts.append(text)
            if len(_SPACE.sub("", text)) < settings.min_text_chars:
                empty.append(i)
            elif garbled(text, settings):
                noise.append(i)
            elif is_table_page(text) or (pages and pages[-1] == i - 1):
                # The page after a table page too: a table's last rows (表四's one data row) may
                # sit alone at the top of a page whose text holds no marker.
                if is_table_page(text):
                    pages.append(i)
                found = ruled_grids(page, textpage, i + 1, settings)
                if not any(holds_numbers(g) for g in found):  # no ruled table, or only boxes round headings
                    width, height = page.get_size()
                    unruled = borderless.borderless_grids(page_chars(textpage, height), i + 1, width, settings, tail)
                    tail = unruled.tail
                    if unruled.grids:
                        found = unruled.grids
                        by_position.append(i)
                else:
                    tail = []
                for g in found:
                    sides = _clipped_sides(g)
                    if sides and holds_numbers(g):
                        problems.append(f"{g.ref} runs past the {' and '.join(sides)} edge of the page: what lies "
                                        "beyond is not in the file, and its cells cut by the edge are not read")
                beside = side_by_side(found)
                if beside:
                    problems.append(f"page {i + 1} prints {len(beside)} tables of numbers side by side (a comparison "
                                    "of two years or two bodies?): which is this report's cannot be told, so none "
                                    "of them is read")
                    found = [g for g in found if all(g is not b for b in beside)]
                grids += found
            textpage.close()
            page.close()
    finally:
        pdf.close()
    notes: list[str] = []
    if by_position:
        notes.append(f"pages {_pages(by_position)} have no ruling lines: their tables were read by text position")
    # Pages whose text cannot be used: noise always needs OCR; empty pages only when no table was found.
    need_ocr = noise + (empty if not pages else [])
    by_page = {i: [ln.strip() for ln in t.splitlines() if ln.strip()]
               for i, t in enumerate(texts) if i not in empty and i not in noise}
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
            ocr_grids, ocr_lines = ocr.ocr_grids(data, sorted(need_ocr), settings.ocr_dpi)
            grids = sorted(grids + ocr_grids, key=lambda g: g.page or 0)
            by_page.update(ocr_lines)
            notes.append(f"OCR (rapidocr) read pages {_pages(sorted(need_ocr))}: {what}")
    lines = [ln for i in sorted(by_page) for ln in by_page[i]]
    grids = join_page_breaks(grids)
    return Document(format="pdf", lines=lines, grids=grids, title_hint=title, pages=len(texts), notes=notes,
                    problems=problems)
