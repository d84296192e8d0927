"""Statistical tables from before the national templates of 2019 (指标名称 / 计量单位 / 数量 rows).

They have no canonical keys, and none is forced on them: each printed cell becomes a LegacyValue
with its row label, unit and column label as printed, the number read as any cell is
(values.parse_value), and where it was printed. legacy_values.csv holds them, so a panel can start
before 2019 without one cell of an older table read onto a 2019 key.

    legacy_values(grids)   every value cell of every grid whose header names 指标名称 and 计量单位
"""

from __future__ import annotations

from decimal import Decimal

from .model import Grid, LegacyValue
from .normalize import core
from .tables import PRE2019_HEADERS
from .values import parse_value


def _header(grid: Grid) -> tuple[int, int, int] | None:
    """(header row, label column, unit column) of a pre-2019 table, or None."""
    for r, row in enumerate(grid.rows[:3]):
        words = [core(c.text) if c is not None else "" for c in row]
        label = next((i for i, w in enumerate(words) if w in PRE2019_HEADERS[0]), None)
        unit = next((i for i, w in enumerate(words) if w in PRE2019_HEADERS[1]), None)
        if label is not None and unit is not None:
            return r, label, unit
    return None


def legacy_values(grids: list[Grid]) -> list[LegacyValue]:
    out: list[LegacyValue] = []
    for grid in grids:
        found = _header(grid)
        if found is None:
            continue
        head, label_col, unit_col = found
        columns = {i: c.text.strip() for i, c in enumerate(grid.rows[head])
                   if c is not None and i not in (label_col, unit_col)}
        for row in grid.rows[head + 1:]:
            label = row[label_col] if label_col < len(row) else None
            if label is None or not label.text.strip():
                continue
            unit = row[unit_col].text.strip() if unit_col < len(row) and row[unit_col] is not None else ""
            for i, col_label in columns.items():
                cell = row[i] if i < len(row) else None
                if cell is None or cell is label:
                    continue
                parsed = parse_value(cell.text)
                out.append(LegacyValue(label.text.strip(), unit, col_label,
                                       Decimal(parsed.value) if parsed.value else None, cell.text.strip(), parsed.kind,
                                       cell.ref))
    return out
