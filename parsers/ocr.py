"""OCR for pages without a usable text layer (scans, fonts without a Unicode map).

Needs the optional extra: pip install 'xxgk[ocr]' (rapidocr, whose wheel ships its
models, so it runs offline; onnxruntime; OpenCV). Stages:

    render        the page with pypdfium2 at settings.ocr_dpi
    edges         ruling lines from the PDF's vector paths when it has them (no-ToUnicode
                  PDFs keep theirs), else from the image (OpenCV morphology: long thin runs
                  of dark pixels), in PDF points
    cells         pdfplumber's TableFinder on those edges, as for text PDFs
    text          rapidocr's text boxes, each assigned to the cell holding its centre

Every OCR cell carries the lowest confidence of its boxes. tables.py refuses a value read
below settings.ocr_min_confidence, and flags an OCR cell that came out empty (a scan may have lost
a faint "0"): such cells are `text`/unreadable, never guessed.
"""

from __future__ import annotations

import importlib.util
import io
from functools import lru_cache

import pypdfium2 as pdfium

from . import lattice
from .model import Cell, Grid



def available() -> bool:
    return importlib.util.find_spec("rapidocr") is not None and importlib.util.find_spec("cv2") is not None


_threads = -1  # onnxruntime's own choice: one thread per core


def set_threads(n: int) -> None:
    """Threads for each OCR model run in this process; call before the first page is read.

    Several workers on a shared machine each taking every core spend a fifth of the CPU on
    contention (measured: a 5-page scan costs 35 CPU s with 2 threads, 28 s with 1); the
    pool gives each worker its share. Results do not depend on it."""
    global _threads
    _threads = n
    _engine.cache_clear()


@lru_cache(maxsize=1)
def _engine():  # type: ignore[no-untyped-def]
    import logging

    from rapidocr import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    # Rec.rec_batch_num 1: each text box recognised alone, so its text never depends on the
    # widths of the boxes batched with it (padded to the widest), and no time goes to that
    # padding (measured on a 5-page scan: 30.3-32.7 CPU s in batches of 6, 27.3 s alone; same memory).
    # Det.limit_type max: the detector finds the text boxes on the image shrunk to a long side of
    # DETECT_LONG_SIDE; recognition still reads each box from the image at up to 2000 px
    # (rapidocr's Global.max_side_len). A 200 dpi page is detected at 1130x1600, not 1413x2000:
    # 1.0 CPU s where it was 1.9 (10 pages of the two scans: 55 -> 42 CPU s), the same numbers
    # and cells; image_grids enlarges small pictures itself, within the same bound.
    # Rec.rec_img_shape: a text box is scaled to 48 px high and padded with blank to at least
    # REC_MIN_WIDTH. rapidocr pads to 320 (PaddleOCR's training width), so a one-digit cell cost as
    # much as a 320 px strip; tables are mostly such cells. Measured on the two scans and the three
    # table pictures (1,003 boxes): 56 -> 39 CPU s, every number and cell the same, 995 texts the
    # same (the 8 others are spaces and bracket widths in labels and page numbers).
    # Global.use_cls off: rapidocr's classifier turns a text box it takes for upside down before
    # recognition. Table text is upright; the boxes it turned were short numbers ("64", "0"), read
    # again with less confidence ("64" at 0.75, refused below settings.ocr_min_confidence, where
    # it reads at 1.00 unturned). A whole page upside down is better unread than read with its
    # columns reversed. Measured on the two scans and the three table pictures: 30-32 -> 26-31 CPU s
    # (interleaved), every text and box the same, 4 scores higher.
    return RapidOCR(params={"Global.log_level": "error", "Global.use_cls": False,
                            "EngineConfig.onnxruntime.intra_op_num_threads": _threads,
                            "Rec.rec_batch_num": 1, "Rec.rec_img_shape": [3, 48, REC_MIN_WIDTH],
                            "Det.limit_type": "max", "Det.limit_side_len": DETECT_LONG_SIDE})


def image_edges(gray, scale: float) -> list[dict]:  # type: ignore[no-untyped-def]
    """Horizontal and vertical ruling lines of a page image, in PDF points (top-down)."""
    import cv2

    h, w = gray.shape
    bw = cv2.adaptiveThreshold(255 - gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 15, -2)
    edges: list[dict] = []
    for orient, kernel in (("h", (max(20, w // 30), 1)), ("v", (1, max(20, h // 40)))):
        lines = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        contours, _ = cv2.findContours(lines, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in contours:
            x, y, cw, ch = cv2.boundingRect(c)
            if orient == "h":
                top = (y + ch / 2) / scale
                edges.append({"x0": x / scale, "x1": (x + cw) / scale, "top": top, "bottom": top,
                              "width": cw / scale, "height": 0, "orientation": "h", "object_type": "line"})
            else:
                x0 = (x + cw / 2) / scale
                edges.append({"x0": x0, "x1": x0, "top": y / scale, "bottom": (y + ch) / scale,
                              "width": 0, "height": ch / scale, "orientation": "v", "object_type": "line"})
    return edges


Box = tuple[str, float, float, float, float, float]  # text, x0, top, x1, bottom, score (PDF points)


def _boxes(image, scale: float) -> list[Box]:  # type: ignore[no-untyped-def]
    """(text, x0, top, x1, bottom, score) of every OCR text box, in PDF points."""
    result = _engine()(image)
    boxes = getattr(result, "boxes", None)
    if boxes is None:
        return []
    out = []
    for box, text, score in zip(boxes, result.txts, result.scores):
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        out.append((str(text), min(xs) / scale, min(ys) / scale, max(xs) / scale, max(ys) / scale, float(score)))
    return out


def _cell(inside: list[Box], bbox: lattice.BBox) -> tuple[str, float | None]:
    """The text of the boxes whose centre is in the cell, with the lowest confidence among them."""
    x0, _, x1, _ = bbox
    if not inside:
        return "", None
    inside = sorted(inside, key=lambda b: ((b[2] + b[4]) / 2 // 6, b[1]))  # lines of ~6 pt, then left to right
    text = "\n".join(b[0] for b in inside)
    score = min(b[5] for b in inside)
    # A box reaching well into a neighbouring cell was read across a ruling line: do not trust it.
    for b in inside:
        if b[1] < x0 - 4 or b[3] > x1 + 4:
            score = min(score, 0.0)
    return text, score


def ocr_grids(data: bytes, pages: list[int], dpi: int = 200) -> tuple[list[Grid], dict[int, list[str]]]:
    """Grids, and text lines by page, of the given pages read by OCR."""
    import numpy as np

    grids: list[Grid] = []
    lines: dict[int, list[str]] = {}
    pdf = pdfium.PdfDocument(data)
    try:
        for i in pages:
            page = pdf[i]
            width, height = page.get_size()
            scale = dpi / 72
            image = page.render(scale=scale).to_pil().convert("RGB")
            # ruling lines from the PDF's paths (a no-ToUnicode PDF keeps them), else from the image
            tables = lattice.find_tables(lattice.vector_edges(page), width, height)
            if not tables:
                gray = np.array(image.convert("L"))
                tables = lattice.find_tables(image_edges(gray, scale), width, height)
            page.close()
            found, lines[i] = _read_image(image, scale, tables, i + 1)
            grids += found
    finally:
        pdf.close()
    return grids, lines


def _read_image(image, scale: float, tables: list, page_no: int | None, place: str = "") -> tuple[list[Grid], list[str]]:  # type: ignore[no-untyped-def]
    """OCR text boxes of an image into the cells of its tables; also its text lines."""
    import numpy as np

    # OpenCV order (BGR), contiguous: on a reversed view OpenCV copies the whole image for each of
    # the hundreds of text boxes it crops (measured: 5 s of a 15 s table picture).
    boxes = _boxes(np.ascontiguousarray(np.asarray(image)[:, :, ::-1]), scale)
    mids = [((b[1] + b[3]) / 2, (b[2] + b[4]) / 2) for b in boxes]
    grids = []
    for n, table in enumerate(tables, start=1):
        read_rows = [[_cell(found, c) if found is not None else None for c, found in zip(row.cells, inside)]
                     for row, inside in zip(table.rows, lattice.assign_cells(boxes, mids, table))]
        texts = [[r[0] if r else None for r in row] for row in read_rows]
        conf = {(ri, ci): r[1] for ri, row in enumerate(read_rows) for ci, r in enumerate(row) if r}
        g = lattice.grid_of(table, page_no, n, texts, place)
        grids.append(_with_confidence(g, table, conf))
    return grids, _lines(boxes)


MAX_IMAGE_PIXELS = 40_000_000  # a table screenshot is a few million; more is a bomb, not a table


def image_grids(data: bytes, number: int) -> tuple[list[Grid], list[str]]:
    """The tables of an image (an HTML page's <img> of its tables), ruling lines from the image
    itself, in the image's pixels; also its text lines. Refs name the image: 'img2 table1'."""
    import numpy as np
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > MAX_IMAGE_PIXELS:
                return [], []
            image = im.convert("RGB")
    except Image.DecompressionBombError:
        return [], []
    gray = np.array(image.convert("L"))
    tables = lattice.find_tables(image_edges(gray, 1.0), image.width, image.height)
    scale = _detect_scale(image.width, image.height)
    if scale > 1:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.BICUBIC)
    return _read_image(image, scale, tables, None, f"img{number}")


DETECT_SHORT_SIDE = 736  # a screenshot's thin text is found only when its short side is this long
DETECT_LONG_SIDE = 1600  # the detector's bound (_engine); PaddleOCR 2's detector used 960
REC_MIN_WIDTH = 96  # a text box is padded to this width at least before recognition (_engine)


def _detect_scale(width: int, height: int) -> float:
    """How much to enlarge a picture before OCR: to a short side of 736 px (a 1x screenshot's
    label and number one box apart run together below it), the long side kept within the
    detector's bound. rapidocr's own rule had no such bound: a 1484x236 table strip became
    4628x736 and took 4.7 s where 1600x254 takes 1.7 s, with the same text boxes."""
    return max(1.0, min(DETECT_SHORT_SIDE / min(width, height), DETECT_LONG_SIDE / max(width, height)))


def _lines(boxes: list[Box]) -> list[str]:
    """The page's text boxes as lines, top to bottom (for the title, agency and year)."""
    out: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: (b[2] + b[4]) / 2):
        if out and abs((out[-1][0][2] + out[-1][0][4]) / 2 - (b[2] + b[4]) / 2) < 6:
            out[-1].append(b)
        else:
            out.append([b])
    return ["".join(x[0] for x in sorted(line, key=lambda x: x[1])) for line in out]


def _with_confidence(g: Grid, table, conf: dict[tuple[int, int], float | None]) -> Grid:  # type: ignore[no-untyped-def]
    """The same grid, its cells marked as OCR with their confidence."""
    from dataclasses import replace

    by_pos = {pos: conf.get(key) for key, pos in lattice.cell_position(table).items()}
    seen: dict[int, Cell] = {}
    rows = []
    for row in g.rows:
        out = []
        for c in row:
            if c is None:
                out.append(None)
                continue
            if id(c) not in seen:
                seen[id(c)] = replace(c, ocr=True, confidence=by_pos.get((c.row, c.col)))
            out.append(seen[id(c)])
        rows.append(out)
    return Grid(rows=rows, ref=g.ref + " ocr", aligned=g.aligned, page=g.page)
