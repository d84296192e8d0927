"""xxgk.xlsx: the tables of a run as one workbook a person can open and filter at once.

Each table is a sheet: row 1 the Chinese headers (what a reader looks for), row 2 the column
names (what a formula, R or Stata code uses), both frozen, an autofilter on row 2, and widths
from the headers and the first rows. A table longer than a sheet holds (1,048,576 rows, Excel's
limit) goes on in `values_2`, `values_3` … with the same two header rows, so nothing is cut.
A last sheet, `codebook`, lists every canonical cell. Text from documents is written with the
formula guard of writers.safe_cell and stored as text, never as a formula.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as _ILLEGAL

from .writers import safe_cell, unsafe_cell

SHEET_ROWS = 1_048_576  # Excel's (and LibreOffice's, and WPS's) last row
HEADER_ROWS = 2
WIDTH_SAMPLE = 200  # rows looked at for a column's width
MAX_WIDTH = 60


def sheets_of(name: str, rows: int, sheet_rows: int = SHEET_ROWS) -> list[tuple[str, int, int]]:
    """(sheet name, first row, end row) for a table of `rows` data rows: one sheet, or more."""
    per = sheet_rows - HEADER_ROWS
    spans = [(start, min(start + per, rows)) for start in range(0, rows, per)] or [(0, 0)]
    return [(name if i == 0 else f"{name}_{i + 1}", a, b) for i, (a, b) in enumerate(spans)]


def _display_width(text: str) -> int:
    """Columns a text takes on screen: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(v: object) -> object:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None  # a blank stays blank, never 0
    if isinstance(v, str):
        # A control character (a PDF's text layer has them) cannot be stored in xlsx at all: it is
        # shown as U+FFFD here, and kept as it is in the CSV, Parquet and Stata files.
        return safe_cell(_ILLEGAL.sub("\ufffd", v))
    return v.item() if hasattr(v, "item") else v  # numpy scalars as Python numbers


def _cells(df: pd.DataFrame) -> Iterator[list[object]]:
    for row in df.itertuples(index=False, name=None):
        yield [_cell(v) for v in row]


def _sheet(wb, title: str, df: pd.DataFrame, labels: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    names = [str(c) for c in df.columns]
    head = df.head(WIDTH_SAMPLE)
    for i, col in enumerate(names, start=1):
        longest = max([_display_width(labels.get(col, col)), _display_width(col)] +
                      [_display_width(str(v)) for v in head[col].dropna()])
        ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, longest + 2)
    ws.freeze_panes = "A3"
    last = get_column_letter(max(1, len(names)))
    ws.auto_filter.ref = f"A2:{last}{len(df) + HEADER_ROWS}"
    ws.append([labels.get(c, c) for c in names])
    ws.append(names)
    for row in _cells(df):
        ws.append(row)


def write_workbook(path: Path, tabs: dict[str, pd.DataFrame], labels: dict[str, dict[str, str]],
                   codebook: pd.DataFrame, codebook_labels: dict[str, str], sheet_rows: int = SHEET_ROWS) -> None:
    """Write the tables (and the codebook) into one xlsx at `path`."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)  # rows are streamed: memory stays flat on a large run
    for name, df in tabs.items():
        for title, start, end in sheets_of(name, len(df), sheet_rows):
            _sheet(wb, title, df.iloc[start:end], labels.get(name, {}))
    _sheet(wb, "codebook", codebook, codebook_labels)
    wb.save(path)


def read_sheet(path: Path, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A table back from the workbook, by its column names (row 2), all its sheets joined."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        titles = [t for t in wb.sheetnames if t == name or (t.startswith(name + "_") and t[len(name) + 1:].isdigit())]
        frames = []
        for t in titles:
            rows = list(wb[t].iter_rows(values_only=True))
            names = list(rows[1])
            body = [[unsafe_cell(v) if isinstance(v, str) else v for v in row] + [None] * (len(names) - len(row))
                    for row in rows[HEADER_ROWS:]]  # a row ends at its last cell that is not blank
            frames.append(pd.DataFrame(body, columns=names))
    finally:
        wb.close()
    df = pd.concat(frames, ignore_index=True)
    return df[list(columns)] if columns else df
