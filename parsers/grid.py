"""Place spanned cells on a rectangular grid (the HTML table model, used by HTML and DOCX); what
any reader asks of a grid (holds_numbers); and a PDF row cut by a page break joined again."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .model import Cell, Grid
from .values import parse_value

MAX_SPAN = 100  # a larger rowspan/colspan is a broken or hostile table: clamp it


@dataclass(frozen=True)
class RawCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    ref: str = ""


def expand(rows: list[list[RawCell]]) -> list[list[Cell | None]]:
    """Lay out rows of spanned cells: each cell fills every position it spans.

    Follows the HTML rule: a cell goes to the first column of its row not already
    taken by a rowspan from above. Rowspans reaching past the last row are cut.
    """
    taken: dict[tuple[int, int], Cell] = {}
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for raw in row:
            while (r, c) in taken:
                c += 1
            rs = max(1, min(raw.rowspan, MAX_SPAN, len(rows) - r))
            cs = max(1, min(raw.colspan, MAX_SPAN))
            cell = Cell(raw.text, r, c, rs, cs, ref=raw.ref)
            for dr in range(rs):
                for dc in range(cs):
                    taken.setdefault((r + dr, c + dc), cell)
            c += cs
            width = max(width, c)
    return [[taken.get((r, c)) for c in range(width)] for r in range(len(rows))]


def span(value: str | None) -> int:
    """An HTML span attribute as an int; junk ("2px", "", "-1") counts as 1."""
    if value is None:  # most cells: no attribute (and no exception to pay for)
        return 1
    try:
        return max(1, int(str(value).strip().rstrip(";")))
    except (TypeError, ValueError):
        return 1


def holds_numbers(grid: Grid) -> bool:
    """True when some cell of the grid is a number: a statistical table, not a box round a heading."""
    return any(c is not None and parse_value(c.text).kind == "number" for row in grid.rows for c in row)


# ---- a row cut by a page break (PDF) ------------------------------------------------------------
def _boundaries(grids: list[Grid], tolerance: float = 2.0) -> list[float]:
    xs = sorted({x for g in grids for row in g.rows for c in row if c is not None for x in (c.x0, c.x1) if x is not None})
    out: list[float] = []
    for x in xs:
        if not out or x - out[-1] > tolerance:
            out.append(x)
    return out


def _on_columns(grid: Grid, mids: list[float]) -> list[list[Cell | None]]:
    """The grid's rows laid on shared columns: at each column's middle, the cell that covers it."""
    return [[next((c for c in row if c is not None and (c.x0 or 0) <= m < (c.x1 or 0)), None) for m in mids]
            for row in grid.rows]


def _reindex(rows: list[list[Cell | None]]) -> list[list[Cell | None]]:
    """Each cell's position and spans recomputed from where it stands."""
    where: dict[int, list[tuple[int, int]]] = {}
    for r, row in enumerate(rows):
        for j, c in enumerate(row):
            if c is not None:
                where.setdefault(id(c), []).append((r, j))
    new: dict[int, Cell] = {}
    for r, row in enumerate(rows):
        for c in row:
            if c is not None and id(c) not in new:
                at = where[id(c)]
                r0, c0 = min(p[0] for p in at), min(p[1] for p in at)
                new[id(c)] = replace(c, row=r0, col=c0, rowspan=max(p[0] for p in at) - r0 + 1,
                                     colspan=max(p[1] for p in at) - c0 + 1)
    return [[new[id(c)] if c is not None else None for c in row] for row in rows]


def join_cut_rows(upper: Grid, lower: Grid, tolerance: float = 4.0) -> Grid | None:
    """A table whose last row a page break cut (its cells open at the bottom) and the table at the top
    of the next page that goes on with it (cells open at the top): one grid, each cut cell joined to
    its other half at the same x, its text the two halves'. None when the halves do not line up."""
    if not (upper.rows and lower.rows and any(c is not None and "bottom" in c.cut for c in upper.rows[-1])):
        return None
    xs = _boundaries([upper, lower], tolerance)
    if len(xs) < 2:
        return None
    mids = [(a + b) / 2 for a, b in zip(xs, xs[1:])]
    top, bottom = _on_columns(upper, mids), _on_columns(lower, mids)
    last, first = top[-1], bottom[0]
    joined: dict[int, Cell] = {}
    for a, b in zip(last, first):
        if (a is None or b is None or "bottom" not in a.cut or "top" not in b.cut or id(a) in joined
                or abs((a.x0 or 0) - (b.x0 or 0)) > tolerance or abs((a.x1 or 0) - (b.x1 or 0)) > tolerance):
            continue
        text = "\n".join(t for t in (a.text, b.text) if t)
        joined[id(a)] = joined[id(b)] = replace(a, text=text, ref=f"{a.ref} + {b.ref}", bottom=b.bottom,
                                                cut=" ".join(s for s in a.cut.split() if s != "bottom"))
    if not joined:
        return None
    swap = lambda row: [joined.get(id(c), c) if c is not None else None for c in row]  # noqa: E731
    if all(c is None or id(c) in joined for c in last + first):  # the whole row was cut: one row again
        rows = top[:-1] + [swap(last)] + bottom[1:]
    else:  # tall cells cut beside short ones that ended: the tall ones stand in both rows
        rows = top[:-1] + [swap(last), swap(first)] + bottom[1:]
    return Grid(rows=_reindex(rows), ref=f"{upper.ref} + {lower.ref}", page=upper.page)


def join_page_breaks(grids: list[Grid]) -> list[Grid]:
    """Every table cut by a page break joined with its continuation, when it is the first table of the
    next page (the others are left to the table stream, which goes on across grids)."""
    out: list[Grid] = []
    for g in grids:
        prev = out[-1] if out else None
        if prev is not None and prev.page is not None and g.page == prev.page + 1:
            joined = join_cut_rows(prev, g)
            if joined is not None:
                out[-1] = joined
                continue
        out.append(g)
    return out
