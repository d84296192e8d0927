"""Ruled tables on a PDF page: ruling lines -> pdfplumber's TableFinder -> a Grid.

One home for the lattice stage that the text-layer reader (readers/pdf.py) and OCR (ocr.py)
share. Stages:

    vector_edges   horizontal and vertical segments of the page's paths (pypdfium2, C)
    find_tables    pdfplumber's TableFinder run on those edges (its algorithm, not its parser;
                   its cells found from the intersections by lookups, not by scanning)
    assign         items (characters, OCR boxes) to the cells holding their midpoints,
                   by sorting and bisecting: O((cells + items) log items); assign_cells by table row
    grid_of        a found table, with each cell's text, as a Grid with row and column spans
"""

from __future__ import annotations

import ctypes
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.table import Table, TableFinder, TableSettings, cells_to_tables, edges_to_intersections

from .model import Cell, Grid

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom (pdfplumber's top-down points)
Char = tuple[str, float, float, float, float, float, float]  # char, x0, top, x1, bottom, loose x0, loose x1
Edge = dict  # pdfplumber's edge: x0, x1, top, bottom, width, height, orientation, object_type
T = TypeVar("T")


class EdgePage:
    """What pdfplumber's TableFinder reads of a page: its edges and its bounding box."""

    def __init__(self, edges: list[Edge], width: float, height: float) -> None:
        self.edges = edges
        self.bbox = (0, 0, width, height)


def segment_edge(x0: float, top: float, x1: float, bottom: float) -> Edge | None:
    """A straight segment as a ruling line, or None for a diagonal or a point."""
    if abs(top - bottom) < 0.5 and abs(x1 - x0) >= 1:
        x0, x1 = min(x0, x1), max(x0, x1)
        return {"x0": x0, "x1": x1, "top": top, "bottom": top, "width": x1 - x0, "height": 0,
                "orientation": "h", "object_type": "line"}
    if abs(x1 - x0) < 0.5 and abs(bottom - top) >= 1:
        top, bottom = min(top, bottom), max(top, bottom)
        return {"x0": x0, "x1": x0, "top": top, "bottom": bottom, "width": 0, "height": bottom - top,
                "orientation": "v", "object_type": "line"}
    return None


def _path_objects(raw_page: ctypes.c_void_p, max_depth: int = 3) -> Iterator[ctypes.c_void_p]:
    """The page's path objects, inside form XObjects too, by raw pdfium calls: pypdfium2's
    get_objects makes a Python object of every text object on the way, most of a page's objects."""
    def walk(count: Callable[[], int], get: Callable[[int], ctypes.c_void_p], depth: int) -> Iterator[ctypes.c_void_p]:
        for i in range(count()):
            obj = get(i)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
                yield obj
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < max_depth:
                yield from walk(lambda o=obj: pdfium_c.FPDFFormObj_CountObjects(o),
                                lambda j, o=obj: pdfium_c.FPDFFormObj_GetObject(o, j), depth + 1)

    return walk(lambda: pdfium_c.FPDFPage_CountObjects(raw_page), lambda i: pdfium_c.FPDFPage_GetObject(raw_page, i), 1)


def vector_edges(page: pdfium.PdfPage) -> list[Edge]:
    """Horizontal and vertical segments of every path on the page, in pdfplumber's top-down coordinates."""
    height = page.get_size()[1]
    edges: list[Edge] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    m = pdfium_c.FS_MATRIX()
    for obj in _path_objects(page.raw):
        pdfium_c.FPDFPageObj_GetMatrix(obj, m)
        n = pdfium_c.FPDFPath_CountSegments(obj)
        start = prev = None
        for i in range(n):
            seg = pdfium_c.FPDFPath_GetPathSegment(obj, i)
            pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
            px, py = m.a * x.value + m.c * y.value + m.e, m.b * x.value + m.d * y.value + m.f
            point = (px, height - py)
            kind = pdfium_c.FPDFPathSegment_GetType(seg)
            if kind == pdfium_c.FPDF_SEGMENT_MOVETO or prev is None:
                start = point
            elif kind == pdfium_c.FPDF_SEGMENT_LINETO:
                e = segment_edge(prev[0], prev[1], point[0], point[1])
                if e:
                    edges.append(e)
            prev = point
            if pdfium_c.FPDFPathSegment_GetClose(seg) and start is not None:
                e = segment_edge(point[0], point[1], start[0], start[1])
                if e:
                    edges.append(e)
    return edges


def covered(x: float, y: float, flat: list[Edge], tolerance: float = 2.0) -> bool:
    """A row rule at y passes x."""
    return any(abs(e["top"] - y) <= tolerance and e["x0"] - tolerance <= x <= e["x1"] + tolerance for e in flat)


def cut_edges(edges: list[Edge], min_columns: int = 3, tolerance: float = 2.0) -> list[Edge]:
    """The border a page break leaves out. Where a ruled table runs over a page break, Chromium
    draws no line at the cut: the column rules stop at the page's content edge with no row rule
    there (all of them, or only those of the cells a row rule does not close: a header row whose
    tall cells run on while its short ones end). When three or more column rules end at the
    page's first (or last) y with no row rule across them, that y is a border."""
    flat = [e for e in edges if e["orientation"] == "h"]
    upright = [e for e in edges if e["orientation"] == "v"]
    if not flat or len(upright) < min_columns:
        return []
    out: list[Edge] = []
    for end, y in (("top", min(e["top"] for e in upright)), ("bottom", max(e["bottom"] for e in upright))):
        rules = [e for e in upright if abs(e[end] - y) <= tolerance]
        near = [e for e in flat if abs(e["top"] - y) <= tolerance]  # once, not for every rule
        open_ = {round(e["x0"]) for e in rules if not covered(e["x0"], y, near, tolerance)}
        if len(open_) >= min_columns:
            edge = segment_edge(min(e["x0"] for e in rules), y, max(e["x0"] for e in rules), y)
            if edge:
                out.append(edge)
    return out


def clipped_sides(edges: list[Edge], min_rows: int = 3, tolerance: float = 2.0) -> list[Edge]:
    """The border a clip leaves out. A table wider than its page (or its web page's box) is cut at
    the clip: its row rules run on past its last column rule to the clip's edge and stop there,
    with no rule down that edge. When three or more row rules run past every column rule to one x,
    that x is a border, and the cells it closes hold what the clip let through."""
    flat = [e for e in edges if e["orientation"] == "h"]
    upright = [e for e in edges if e["orientation"] == "v"]
    if len(flat) < min_rows or not upright:
        return []
    out: list[Edge] = []
    first, last = min(e["x0"] for e in upright), max(e["x0"] for e in upright)
    for end, beyond in (("x0", [e for e in flat if e["x0"] < first - tolerance]),
                        ("x1", [e for e in flat if e["x1"] > last + tolerance])):
        if not beyond:
            continue
        x = min(e["x0"] for e in beyond) if end == "x0" else max(e["x1"] for e in beyond)
        rules = [e for e in beyond if abs(e[end] - x) <= tolerance]
        if len({round(e["top"]) for e in rules}) >= min_rows:
            edge = segment_edge(x, min(e["top"] for e in rules), x, max(e["top"] for e in rules))
            if edge:
                out.append(edge)
    return out


def page_borders(edges: list[Edge]) -> tuple[list[Edge], list[Edge]]:
    """The borders the page's edges draw and no rule does: a page break's (cut_edges), then a clip's
    (clipped_sides, which counts the break's too)."""
    breaks = cut_edges(edges)
    return breaks, clipped_sides(edges + breaks)


Point = tuple[float, float]


def intersections_to_cells(intersections: dict[Point, dict[str, list[Edge]]]) -> list[BBox]:
    """pdfplumber's intersections_to_cells, the same cells in the same order: from each crossing
    point, the nearest point below and the nearest to its right that one ruling line joins to it,
    closed by a fourth point joined to both. pdfplumber scans every later point for those below
    and to the right and rebuilds the sets of lines at each point for each pair (a fifth of a PDF's
    read time); here each point's lines are a set once, and the points of its column and row a list."""
    def lines(kind: str) -> dict[Point, set[BBox]]:
        return {p: {(e["x0"], e["top"], e["x1"], e["bottom"]) for e in d[kind]} for p, d in intersections.items()}

    vertical, horizontal = lines("v"), lines("h")
    points = sorted(intersections)
    column: dict[float, list[Point]] = {}  # the points of one x, top to bottom
    row: dict[float, list[Point]] = {}  # of one top, left to right
    for p in points:
        column.setdefault(p[0], []).append(p)
        row.setdefault(p[1], []).append(p)
    cells = []
    for pt in points:
        col, line = column[pt[0]], row[pt[1]]
        below = col[col.index(pt) + 1:]
        right = line[line.index(pt) + 1:]
        cell = next(((pt[0], pt[1], r[0], b[1]) for b in below if not vertical[pt].isdisjoint(vertical[b])
                     for r in right if not horizontal[pt].isdisjoint(horizontal[r])
                     if (r[0], b[1]) in intersections and not vertical[(r[0], b[1])].isdisjoint(vertical[r])
                     and not horizontal[(r[0], b[1])].isdisjoint(horizontal[b])), None)
        if cell:
            cells.append(cell)
    return cells


class _Finder(TableFinder):
    """pdfplumber's TableFinder, its steps as its own __init__ runs them, cells by the function above."""

    def __init__(self, page: EdgePage) -> None:  # not super().__init__: it would find the cells its own way
        self.page = page  # type: ignore[assignment]
        self.settings = TableSettings.resolve(None)
        self.edges = self.get_edges()
        self.intersections = edges_to_intersections(self.edges, self.settings.intersection_x_tolerance,
                                                    self.settings.intersection_y_tolerance)
        self.cells = intersections_to_cells(self.intersections)
        self.tables = [Table(self.page, group) for group in cells_to_tables(self.cells)]  # type: ignore[arg-type]


def find_tables(edges: list[Edge], width: float, height: float,
                borders: tuple[list[Edge], list[Edge]] | None = None) -> list[Table]:
    """`borders`: page_borders(edges), when the caller has them already."""
    if not edges:  # a prose page: nothing for TableFinder to join
        return []
    breaks, clips = borders if borders is not None else page_borders(edges)
    return _Finder(EdgePage(edges + breaks + clips, width, height)).tables


def char_lines(chars: Sequence[Char], y_tolerance: float) -> list[list[Char]]:
    """Characters as lines, top to bottom, each left to right: a character joins the line whose
    last character's midpoint is within y_tolerance of its own (pdfplumber's rule)."""
    lines: list[list[Char]] = []
    for c in sorted(chars, key=lambda c: (c[2] + c[4]) / 2):
        if lines and abs((lines[-1][-1][2] + lines[-1][-1][4]) / 2 - (c[2] + c[4]) / 2) <= y_tolerance:
            lines[-1].append(c)
        else:
            lines.append([c])
    for line in lines:
        line.sort(key=lambda c: c[1])
    return lines


def assign(items: Sequence[T], mids: Sequence[tuple[float, float]], boxes: Sequence[BBox | None]) -> list[list[T]]:
    """For each box, the items whose midpoint (x, y) lies in it (x0 <= x < x1, top <= y < bottom),
    in the items' own order. Boxes of one table row share a band, sorted once by x."""
    order = sorted(range(len(items)), key=lambda i: mids[i][1])
    ys = [mids[i][1] for i in order]
    bands: dict[tuple[float, float], tuple[list[float], list[int]]] = {}
    out: list[list[T]] = []
    for box in boxes:
        if box is None:
            out.append([])
            continue
        x0, top, x1, bottom = box
        band = bands.get((top, bottom))
        if band is None:
            members = sorted(order[bisect_left(ys, top):bisect_left(ys, bottom)], key=lambda i: mids[i][0])
            band = bands[(top, bottom)] = ([mids[i][0] for i in members], members)
        xs, members = band
        out.append([items[i] for i in sorted(members[bisect_left(xs, x0):bisect_left(xs, x1)])])
    return out


def _axes(table: Table) -> tuple[list[float], list[float]]:
    """The grid's column lefts and row tops: every distinct cell edge, to 0.1 pt."""
    return sorted({round(c[0], 1) for c in table.cells}), sorted({round(c[1], 1) for c in table.cells})


def assign_cells(items: Sequence[T], mids: Sequence[tuple[float, float]], table: Table) -> list[list[list[T] | None]]:
    """`assign` over a found table, row by row: each cell's items, None where the row has no cell."""
    inside = iter(assign(items, mids, [c for row in table.rows for c in row.cells]))
    return [[found if c is not None else None for c, found in zip(row.cells, inside)] for row in table.rows]


def grid_of(table: Table, page_no: int | None, number: int, texts: list[list[str | None]], place: str = "") -> Grid:
    """pdfplumber's table (rows of cell boxes) with each cell's text, as a grid with row and column spans.
    Refs name the place: the page ("p3", the default) or another ("img2", an HTML page's image)."""
    place = place or f"p{page_no}"
    xs, tops = _axes(table)
    col_of = {x: i for i, x in enumerate(xs)}
    row_of = {t: i for i, t in enumerate(tops)}
    width = len(xs)
    out: list[list[Cell | None]] = [[None] * width for _ in tops]
    for i, row in enumerate(table.rows):
        for cell_bbox, text in zip(row.cells, texts[i]):
            if cell_bbox is None:
                continue
            x0, top, x1, bottom = cell_bbox
            c0 = col_of[round(x0, 1)]
            r0 = row_of[round(top, 1)]
            cs = max(1, sum(1 for x in xs if x0 - 0.5 <= x < x1 - 0.5))
            rs = max(1, sum(1 for t in tops if top - 0.5 <= t < bottom - 0.5))
            cell = Cell(
                text or "", r0, c0, rs, cs,
                ref=f"{place} bbox={x0:.0f},{top:.0f},{x1:.0f},{bottom:.0f}", x0=x0, x1=x1, top=top, bottom=bottom,
            )
            for dr in range(rs):
                for dc in range(cs):
                    if r0 + dr < len(out) and c0 + dc < width:
                        out[r0 + dr][c0 + dc] = cell
    return Grid(rows=out, ref=f"{place} table{number}", page=page_no, bbox=tuple(table.bbox))


def cell_position(table: Table) -> dict[tuple[int, int], tuple[int, int]]:
    """(row index, cell index) in pdfplumber's rows -> (grid row, grid column) of grid_of."""
    xs, tops = _axes(table)
    col_of = {x: i for i, x in enumerate(xs)}
    row_of = {t: i for i, t in enumerate(tops)}
    return {(ri, ci): (row_of[round(b[1], 1)], col_of[round(b[0], 1)])
            for ri, row in enumerate(table.rows) for ci, b in enumerate(row.cells) if b is not None}
