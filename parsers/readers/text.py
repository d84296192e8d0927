"""Plain text and markdown exports: tab-separated or pipe tables, HTML <table> blocks, headings at any level.

A text export keeps one field per printed cell but drops the cells that spans
covered, so its columns line up only within a row: its grids are `aligned=False`.
Consecutive table lines form one grid; a blank line ends it (the table stream
in tables.py joins grids again, as it does across PDF pages).
"""

from __future__ import annotations

import re

from ..model import Cell, Document, Grid
from . import html

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_MD_EMPHASIS = re.compile(r"\*\*|__")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_TABLE_OPEN = re.compile(r"<table\b", re.I)
_TABLE_CLOSE = re.compile(r"</table\s*>", re.I)


def _fields(line: str) -> list[str] | None:
    if "\t" in line:
        return line.split("\t")
    s = line.strip()
    if s.startswith("|") and s.count("|") >= 2:
        return [f.strip() for f in s.strip("|").split("|")]
    return None


def read_text(text: str, source: str = "") -> Document:
    lines: list[str] = []
    grids: list[Grid] = []
    current: list[list[Cell | None]] = []
    start = 0
    caption = ""  # the text line above the table being collected

    def close() -> None:
        if current:
            grids.append(Grid(rows=list(current), ref=f"lines {start}-{start + len(current) - 1}", aligned=False,
                              caption=caption))
            current.clear()

    block: list[str] = []  # an HTML <table> block's lines (MinerU writes each table as one)
    block_start = depth = 0
    for n, raw in enumerate(text.splitlines(), start=1):
        if block or _TABLE_OPEN.search(raw):
            close()
            if not block:
                block_start = n
            block.append(raw)
            depth += len(_TABLE_OPEN.findall(raw)) - len(_TABLE_CLOSE.findall(raw))
            if depth <= 0:
                grids.extend(html.table_grids("\n".join(block), f"line {block_start}"))
                block.clear()
                depth = 0
            continue
        if _MD_RULE.match(raw) and "-" in raw:
            continue
        fields = _fields(raw)
        if fields is None:
            close()
            clean = _MD_EMPHASIS.sub("", _MD_HEADING.sub("", raw)).strip()
            if clean:
                lines.append(clean)
            continue
        if not current:
            start, caption = n, (lines[-1] if lines else "")
        r = len(current)
        current.append([Cell(f.strip(), r, c, ref=f"line {n} field {c + 1}") for c, f in enumerate(fields)])
    close()
    if block:  # a <table> never closed: read what there is
        grids.extend(html.table_grids("\n".join(block), f"line {block_start}"))
    return Document(format="text", lines=lines, grids=grids)
