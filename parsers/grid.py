"""Place spanned cells on a rectangular grid (the HTML table model, used by HTML and DOCX); and
what any reader asks of a grid (holds_numbers)."""

from __future__ import annotations

from dataclasses import dataclass

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
