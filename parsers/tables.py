"""From grids to canonical cells: find 表二/表三/表四 in the stream of grids and map them.

The grids of a document are read as one stream, in order, so a table that
continues on the next page (or after a blank line in a text export) simply goes
on. The stream has a little state: which table and 表二 block we are in, and the
current column map, built from the header rows:

    header rows  ->  for each grid column, its header path (申请人情况 › 法人或其他组织 › 其他)
                 ->  the column key of the path's last label (org_other), or (row, col) in 表四
    data rows    ->  the row key of the row label's last part (（三）不予公开 › 1.属于国家秘密)
                 ->  one Value per column key, from the cells under that key's columns

Aligned grids (HTML, PDF, DOCX) are read by column position; a grid that
continues a table without repeating its header is aligned by x position (PDF)
or by column count. Text exports drop or pad spanned cells, so their columns
line up only when the header names every column of the template at its own
position; otherwise a row whose printed cells are exactly the template's
columns is read in the template's order (said in a finding), and any other
row is refused.
Nothing is guessed: a cell that cannot be read is kept with its raw text and a
finding, which makes the report `partial`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache

from .labels import index
from .model import Cell, Grid, Value
from .normalize import core, squash
from .schema import T3_OTHER_ROWS, keys_for
from .settings import DEFAULT, ParseSettings
from .values import Parsed, is_value_like, parse_value

_CAPTION = re.compile(r"第二十条第\(([一二三四五六七八九十]+)\)项")
_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_T3_NOTE = "勾稽关系"
PRE2019_HEADERS = ({"指标名称", "统计指标"}, {"计量单位", "单位"})  # the words of a pre-2019 table's header (pre2019.py)
# Labels only a 表三 header prints (总计 and 其他 are row labels too, so they do not count).
_T3_HEADER_WORDS = {"申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益组织", "法律服务机构"}
# 表四 group labels span the columns to their right; text exports print them once.
_T4_SPANNING = {"行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉"}
# A text line that captions 表四 (四、政府信息公开行政复议、行政诉讼情况), for a 表四 whose header was lost.
_T4_CAPTION = re.compile(r"行政复议.{0,3}行政诉讼")


@lru_cache(maxsize=None)
def _template_order(table: str) -> tuple[tuple[str | None, str, str], ...]:
    """表三's and 表四's columns as (group, key, label) in the templates' order (one order in both)."""
    out: dict[tuple[str | None, str], str] = {}
    for k in keys_for(table, "v2021"):
        out.setdefault((k.row if table == "t4" else None, k.col), k.col_label)
    return tuple((g, c, label) for (g, c), label in out.items())


@dataclass(frozen=True)
class Finding:
    code: str  # unreadable_cell | ambiguous_cell | clipped_cell | extra_row | duplicate_cell | column_count | fuzzy_label | read_in_order
    message: str
    severe: bool = True  # a severe finding makes the report partial


@dataclass
class Target:
    """A column key of the current table and the grid columns it covers."""

    row: str | None  # 表四 only: the group (review, suit_direct, suit_after_review)
    col: str
    label: str
    cols: tuple[int, ...]
    x: tuple[float, float] | None = None


@dataclass
class TableResult:
    values: list[Value] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    evidence: dict[str, int] = field(default_factory=dict)  # template word -> count of labels
    t3_other_rows: set[str] = field(default_factory=set)
    tables_seen: set[str] = field(default_factory=set)


def _distinct(cells: list[Cell | None]) -> list[Cell]:
    """Each cell once (a spanning cell fills several places of its row), in order."""
    seen: set[int] = set()
    out: list[Cell] = []
    for c in cells:
        if c is not None and id(c) not in seen:
            seen.add(id(c))
            out.append(c)
    return out


def _col_bounds(grid: Grid) -> dict[int, tuple[float, float]] | None:
    """x extent of each grid column, from the cells' page coordinates (PDF grids)."""
    left: dict[int, float] = {}
    right: dict[int, float] = {}
    for row in grid.rows:
        for c in row:
            if c is None or c.x0 is None or c.x1 is None:
                continue
            left.setdefault(c.col, c.x0)
            right.setdefault(c.col + c.colspan - 1, c.x1)
    if not left:
        return None
    cols = sorted(set(left) | set(right))
    out = {}
    for j in cols:
        x0 = left.get(j, right.get(j - 1))
        x1 = right.get(j, left.get(j + 1))
        if x0 is not None and x1 is not None:
            out[j] = (x0, x1)
    return out


def _cn_number(text: str) -> int:
    """一 … 十九 as a number (the items of 第二十条 run to （十五）)."""
    if text.startswith("十"):
        return 10 + _CN_NUM.get(text[1:], 0)
    return _CN_NUM.get(text, 0)


def _extra_key(label: str) -> str:
    return "extra_" + hashlib.sha1(core(label).encode("utf-8")).hexdigest()[:8]


class TableStream:
    """Feed grids in document order; read `.result` at the end."""

    def __init__(self, settings: ParseSettings = DEFAULT) -> None:
        self.settings = settings
        self.ix = index().with_settings(settings)
        self.result = TableResult()
        self.table: str | None = None
        self.block = ""
        self.targets: list[Target] = []
        self.header_grid: Grid | None = None
        self.header_rows: list[list[Cell | None]] = []  # t3/t4 header being collected
        self.grid_targets: list[Target] | None = None  # targets re-aligned to the current grid
        self.header_names: set[tuple[str | None, str]] = set()  # every column the header printed, wherever
        self.pending = ""  # a label fragment (split over a page break) waiting for its row
        self.seen: dict[tuple[str, str, str], int] = {}  # cell key -> its index in result.values
        self.last_row = False

    # ---- the stream ------------------------------------------------------------
    def feed(self, grid: Grid) -> None:
        self.grid_targets = None
        self._note_pre2019(grid)
        if self._headerless_t4(grid):
            return
        for i, row in enumerate(grid.rows):
            self.last_row = i == len(grid.rows) - 1
            self._row(grid, row)

    def _row(self, grid: Grid, row: list[Cell | None]) -> None:
        cells = _distinct(row)
        texts = [squash(c.text) for c in cells]
        if not any(texts) and not (self.table == "t4" and self.last_row):
            return
        caption = next((m for t in texts if (m := _CAPTION.search(t))), None)
        if caption:
            self._start("t2", grid)
            self.block = f"art20_{_cn_number(caption.group(1))}"
            return
        collecting = bool(self.header_rows) and not self.targets  # inside a header (spanned cells repeat)
        if (
            any(_T3_NOTE in t or core(t) == "申请人情况" for t in texts)
            and not self._is_data_row(grid, row)
            and not (collecting and self.table == "t3")
        ):
            self._start("t3", grid)
            self.header_rows = [row]
            return
        if (
            any(core(t) in ("行政复议", "行政诉讼") for t in texts)
            and all(not is_value_like(c.text) or not c.text.strip() for c in cells)
            and not (collecting and self.table == "t4")
        ):
            self._start("t4", grid)
            self.header_rows = [row]
            return
        if self.table == "t2":
            self._t2_row(grid, row, cells)
        elif self.table == "t3":
            self._t3_row(grid, row, cells)
        elif self.table == "t4":
            self._t4_row(grid, row, cells)

    def _start(self, table: str, grid: Grid) -> None:
        self.table = table
        self.result.tables_seen.add(table)
        self.targets = []
        self.header_grid = grid
        self.grid_targets = None
        self.header_rows = []
        self.header_names = set()
        self.pending = ""

    # ---- column maps ---------------------------------------------------------------
    def _paths(self, rows: list[list[Cell | None]], aligned: bool = True) -> dict[int, list[Cell]]:
        """Each grid column's header cells, top to bottom, each cell once."""
        width = max(len(r) for r in rows)
        if not aligned:
            rows = [self._fill_groups(r, width) for r in rows]
        paths: dict[int, list[Cell]] = {}
        for j in range(width):
            path: list[Cell] = []
            for r in rows:
                c = r[j] if j < len(r) else None
                if c is not None and squash(c.text) and all(c is not p for p in path):
                    path.append(c)
            paths[j] = path
        return paths

    @staticmethod
    def _fill_groups(row: list[Cell | None], width: int) -> list[Cell | None]:
        """A text export prints a spanning 表四 group once: let it cover the empty cells to its right."""
        out = list(row) + [None] * (width - len(row))
        for j in range(1, width):
            left = out[j - 1]
            if (out[j] is None or not squash(out[j].text)) and left is not None and core(left.text) in _T4_SPANNING:
                out[j] = left
        return out

    def _build_targets(self, grid: Grid, rows: list[list[Cell | None]]) -> list[Target]:
        table = self.table or ""
        found: dict[tuple[str | None, str], Target] = {}
        for j, path in self._paths(rows, grid.aligned).items():
            if not path:
                continue
            leaf = path[-1]
            group: str | None = None
            if table == "t4":
                m = self.ix.match("t4", "col", leaf.text)
                groups = {g.key for p in path[:-1] if (g := self.ix.match("t4", "group", p.text))}
                # Under two groups at once (行政复议 and 复议后起诉): which one is unknowable, so none.
                group = groups.pop() if len(groups) == 1 else None
                if m is None or group is None:
                    continue
            else:
                m = self.ix.match(table, "col", leaf.text, self.block if table == "t2" else "")
                if m is None:
                    continue
                if table == "t2":
                    self._evidence_of(self.ix.templates_of("t2", "col", self.block, leaf.text))
            k = (group, m.key)
            if k in found:
                found[k].cols = found[k].cols + (j,)
            else:
                found[k] = Target(group, m.key, leaf.text, (j,))
        targets = sorted(found.values(), key=lambda t: t.cols[0])
        self.header_names = self._names_in(rows) if table in ("t3", "t4") else set()
        bounds = _col_bounds(grid)
        if bounds:
            for t in targets:
                xs = [bounds[j] for j in t.cols if j in bounds]
                if xs:
                    t.x = (min(x[0] for x in xs), max(x[1] for x in xs))
        return targets

    def _names_in(self, rows: list[list[Cell | None]]) -> set[tuple[str | None, str]]:
        """The template columns a 表三/表四 header names anywhere in its cells (a 表四 column under each group)."""
        texts = [c.text for r in rows for c in _distinct(r) if squash(c.text)]
        if self.table == "t4":
            groups = {m.key for t in texts if (m := self.ix.match("t4", "group", t))}
            cols = {m.key for t in texts if (m := self.ix.match("t4", "col", t))}
            return {(g, c) for g in groups for c in cols}
        return {(None, m.key) for t in texts if (m := self.ix.match(self.table or "", "col", t))}

    def _targets_for(self, grid: Grid) -> list[Target] | None:
        """The column map re-aligned to `grid` (a continuation), or None to read in order."""
        if grid is self.header_grid or not self.targets:
            return self.targets
        if self.grid_targets is not None:
            return self.grid_targets
        bounds = _col_bounds(grid)
        if bounds and all(t.x for t in self.targets):
            out = []
            for t in self.targets:
                x0, x1 = t.x  # type: ignore[misc]
                cols = tuple(j for j, (a, b) in bounds.items() if x0 - 2 <= (a + b) / 2 <= x1 + 2)
                out.append(Target(t.row, t.col, t.label, cols, t.x))
            if all(t.cols for t in out):
                self.grid_targets = out
                return out
        if grid.aligned and self.header_grid is not None and grid.ncols == self.header_grid.ncols:
            self.grid_targets = self.targets
            return self.targets
        return None

    # ---- values ------------------------------------------------------------------
    def _emit(self, table: str, row_key: str, target: Target, parsed: Parsed, raw: str, ref: str, row_label: str,
              cell: Cell | None = None) -> None:
        row = target.row or row_key  # 表四's targets carry their own row (the group)
        method, confidence = "text", None
        if cell is not None and cell.ocr:
            method = "ocr"
            confidence = None if cell.confidence is None else round(cell.confidence, 3)
            if parsed.kind == "blank":
                # A scan can lose a faint "0": an empty OCR cell is not known to be blank.
                self.result.findings.append(Finding("ocr_unreadable", f"{table} {row}/{target.col}: OCR found nothing in the cell ({ref})"))
                parsed = Parsed("", "text")
            elif cell.confidence is not None and cell.confidence < self.settings.ocr_min_confidence:
                self.result.findings.append(Finding("ocr_unreadable", f"{table} {row}/{target.col}: OCR read '{raw}' with confidence {cell.confidence:.2f} ({ref})"))
                parsed = Parsed("", "text")
        if cell is not None and cell.clipped and parsed.kind != "blank":
            # Cut by the page's edge: the digits printed beyond it are not in the file.
            self.result.findings.append(Finding("clipped_cell", f"{table} {row}/{target.col}: the cell is cut by the "
                                                f"edge of the page; '{raw}' may be only part of it ({ref})"))
            parsed = Parsed("", "text")
        key = (table, row, target.col)
        if key in self.seen:
            i = self.seen[key]
            kept = self.result.values[i]
            if kept.raw.strip() == raw.strip():
                self.result.findings.append(Finding("duplicate_cell", f"{table} {row}/{target.col} printed twice, alike; kept one ({ref})"))
                return
            # Two different numbers claim one cell: which is right is unknowable, so neither is kept.
            self.result.findings.append(Finding("duplicate_cell", f"{table} {row}/{target.col} printed twice, as "
                                                f"'{kept.raw}' ({kept.source_ref}) and '{raw}' ({ref}); neither is kept"))
            self.result.values[i] = replace(kept, value=None, raw=f"{kept.raw} | {raw}", kind="text", unit="")
            return
        self.seen[key] = len(self.result.values)
        if parsed.kind == "text" and method == "text" and not (cell is not None and cell.clipped):
            self.result.findings.append(Finding("unreadable_cell", f"{table} {row}/{target.col}: '{raw}' is not a number ({ref})"))
        self.result.values.append(
            Value(table, row, target.col, Decimal(parsed.value) if parsed.value else None, raw, parsed.kind, parsed.unit,
                  row_label, target.label, ref, method, confidence)
        )

    def _emit_row(self, grid: Grid, row: list[Cell | None], table: str, row_key: str, label: str, label_end: int) -> None:
        if grid.aligned:
            targets = self._targets_for(grid)
            if targets is None:
                self.result.findings.append(
                    Finding("column_count", f"{table} {row_key}: continued table does not line up with its header ({grid.ref}); row not read")
                )
                return
            picked = [(t, _distinct([row[j] if j < len(row) else None for j in t.cols])) for t in targets]
            uses: dict[int, int] = {}
            for _, cells in picked:
                for c in cells:
                    uses[id(c)] = uses.get(id(c), 0) + 1
            clash = any(uses[id(c)] > 1 or len([f for f in cells if f.text.strip()]) > 1
                        for _, cells in picked for c in cells if c.text.strip())
            printed = [c for c in _distinct(row[label_end:]) if c.text.strip() or not grid.positional]
            if clash and len(printed) == len(targets):
                # Spans that do not line up with the header's (Word-pasted CMS tables: header 2/1/2,
                # data 1/2/2), but one printed cell per header column: read them in order, as a person does.
                self.result.findings.append(Finding(
                    "read_in_order", f"{table} {row_key}: its cells' spans do not line up with the header's; "
                    f"its {len(printed)} cells were read in the header's order ({grid.ref})", severe=False))
                for t, c in zip(sorted(targets, key=lambda t: t.cols[0]), sorted(printed, key=lambda c: c.col)):
                    self._emit(table, row_key, t, parse_value(c.text), c.text, c.ref, label, c)
                return
            for t, cells in picked:
                filled = [c for c in cells if c.text.strip()]
                if any(uses[id(c)] > 1 for c in filled):
                    # One printed cell under two column keys: which one it belongs to is unknowable.
                    self.result.findings.append(
                        Finding("ambiguous_cell", f"{table} {row_key}/{t.col}: one printed cell spans several columns ({filled[0].ref})")
                    )
                    self._emit(table, row_key, t, Parsed("", "text"), filled[0].text, filled[0].ref, label, filled[0])
                elif len(filled) > 1:
                    self._emit(table, row_key, t, Parsed("", "text"), " | ".join(c.text for c in filled), filled[0].ref, label, filled[0])
                else:
                    cell = filled[0] if filled else (cells[0] if cells else None)
                    raw = cell.text if cell else ""
                    self._emit(table, row_key, t, parse_value(raw), raw, cell.ref if cell else grid.ref, label, cell)
            return
        # A text export keeps header positions only when the header names every template column
        # at its own position; a deeper row label (（三）不予公开 › 1.属于国家秘密) then pushes the
        # values right: shift by the extra label cells.
        order = _template_order(table) if table in ("t3", "t4") else ()
        complete = {(t.row, t.col) for t in self.targets} >= {(g, c) for g, c, _ in order}
        if self.targets and all(t.cols for t in self.targets) and complete:
            first = min(t.cols[0] for t in self.targets)
            shift = max(0, label_end - first)
            last = max(t.cols[-1] for t in self.targets) + shift
            stray = [c for j, c in enumerate(row) if j > last and c is not None and c.text.strip()]
            if not stray and last < len(row):
                for t in self.targets:
                    c = row[t.cols[0] + shift]
                    raw = c.text if c is not None else ""
                    self._emit(table, row_key, t, parse_value(raw), raw, c.ref if c is not None else grid.ref, label, c)
                return
        # Spans padded or dropped (markdownify, MinerU): a row that prints exactly the template's columns,
        # under a header that names them all, is read in the template's order, as a person reads it.
        printed = [c for c in _distinct(row[label_end:]) if c.text.strip()]
        if order and len(printed) == len(order) and self.header_names >= {(g, c) for g, c, _ in order}:
            self.result.findings.append(Finding(
                "read_in_order", f"{table} {row_key or 'row'}: its cells do not line up with the header's columns; "
                f"its {len(printed)} cells were read in the template's column order ({grid.ref})", severe=False))
            for (g, c, col_label), cell in zip(order, printed):
                self._emit(table, row_key, Target(g, c, col_label, ()), parse_value(cell.text), cell.text, cell.ref, label, cell)
            return
        self.result.findings.append(
            Finding("column_count", f"{table} {row_key}: value cells do not line up with the header ({grid.ref}); row not read")
        )

    # ---- label helpers -------------------------------------------------------------
    def _label_end(self, grid: Grid, row: list[Cell | None]) -> int:
        """Index of the first value column of this row."""
        targets = self._targets_for(grid) if grid.aligned else None
        if targets:
            return min(min(t.cols) for t in targets)
        # In order: the label ends after the last cell that is not value-like.
        last = -1
        for j, c in enumerate(row):
            if c is not None and c.text.strip() and not is_value_like(c.text):
                last = j
        return last + 1

    def _is_data_row(self, grid: Grid, row: list[Cell | None]) -> bool:
        cells = [c for c in row if c is not None]
        return bool(cells) and sum(1 for c in cells if parse_value(c.text).kind == "number") >= 2

    def _t3_row_key(self, cells: list[Cell]) -> str | None:
        for c in reversed(cells):
            if c.text.strip() and not is_value_like(c.text):
                m = self.ix.match("t3", "row", c.text)
                return m.key if m else None
        return None

    def _evidence_of(self, templates: set[str]) -> None:
        if len(templates) == 1:
            self._evidence(next(iter(templates)))

    def _evidence(self, template: str) -> None:
        self.result.evidence[template] = self.result.evidence.get(template, 0) + 1

    def _note_pre2019(self, grid: Grid) -> None:
        words = {core(c.text) for row in grid.rows for c in row if c is not None}
        if words & PRE2019_HEADERS[0] and words & PRE2019_HEADERS[1]:
            self._evidence("pre2019")

    # ---- 表二 ---------------------------------------------------------------------
    def _t2_row(self, grid: Grid, row: list[Cell | None], cells: list[Cell]) -> None:
        first = cells[0]
        if core(first.text) == "信息内容" or (
            not self._has_number(cells) and any(self.ix.match("t2", "col", c.text, self.block) for c in cells)
        ):
            self.targets = self._build_targets(grid, [row])
            self.header_grid = grid
            self.grid_targets = None
            return
        if first.col != 0 and row and row[0] is not None:
            first = row[0]
        m = self.ix.match("t2", "row", first.text, self.block) or self._t2_row_any_block(first.text)
        if m is None:
            if self._has_number(cells[1:]):
                self._extra("t2", grid, row, first.text, first.col + first.colspan)
            return
        self._evidence_of(self.ix.templates_of("t2", "row", self.block, first.text))
        self._note_fuzzy("t2", first.text, m)
        self._emit_row(grid, row, "t2", m.key, first.text, first.col + first.colspan)

    def _t2_row_any_block(self, label: str):  # type: ignore[no-untyped-def]
        for block in ("art20_1", "art20_5", "art20_6", "art20_8", "art20_9"):
            m = self.ix.match("t2", "row", label, block)
            if m:
                self.block = block
                return m
        return None

    # ---- 表三 ---------------------------------------------------------------------
    def _t3_row(self, grid: Grid, row: list[Cell | None], cells: list[Cell]) -> None:
        if any(core(c.text) in _T3_HEADER_WORDS for c in cells) and not self._has_number(cells):
            if self.targets:  # a header repeated after a page break: read it afresh
                self.targets, self.header_rows = [], []
            self.header_rows.append(row)
            return
        if self.header_rows and not self.targets:
            self.targets = self._build_targets(grid, self.header_rows)
            self.header_grid = grid
            self.header_rows = []
        end = self._label_end(grid, row)
        label_cells = _distinct(row[:end])
        labels = [c.text for c in label_cells if squash(c.text)]
        has_values = any(c.text.strip() for c in _distinct(row[end:]))
        if not labels:
            return
        leaf = labels[-1]
        m = self.ix.match("t3", "row", leaf)
        if m is None and self.pending:
            m = self.ix.match("t3", "row", self.pending + leaf)
            if m:
                leaf = self.pending + leaf
        if m is None and any(c.clipped for c in label_cells):
            self.result.findings.append(Finding("clipped_cell", f"t3 row '{squash(leaf)}': its label is cut by the edge "
                                                f"of the page and names no row; row not read ({label_cells[-1].ref})"))
            return
        if m is None:
            if not has_values or self.ix.is_group("t3", leaf):
                self.pending = "" if self.ix.is_group("t3", leaf) else leaf
                return
            if self._has_number(_distinct(row[end:])):
                self._extra("t3", grid, row, leaf, end)
            return
        self.pending = ""
        self._note_fuzzy("t3", leaf, m)
        if m.key in T3_OTHER_ROWS:
            self.result.t3_other_rows.add(m.key)
            if m.key != "other":
                self._evidence("v2021")
        self._emit_row(grid, row, "t3", m.key, leaf, end)
        if m.key == "forward":
            self.table = None

    # ---- 表四 ---------------------------------------------------------------------
    def _t4_row(self, grid: Grid, row: list[Cell | None], cells: list[Cell]) -> None:
        if all(is_value_like(c.text) for c in cells):
            if self.header_rows:
                self.targets = self._build_targets(grid, self.header_rows)
                self.header_grid = grid
                self.header_rows = []
            if not self.targets:
                return
            if not any(c.text.strip() for c in cells) and not self.last_row:
                return  # a spacer row; the data row follows (a blank last row is the data row)
            self._emit_row(grid, row, "t4", "", "", 0)
            self.table = None
        elif self.header_rows:
            self.header_rows.append(row)

    def _headerless_t4(self, grid: Grid) -> bool:
        """表四 reduced to its row of numbers under its caption (a converter lost the header rows):
        15 printed numbers are read in the template's order, any other count is refused."""
        if self.table == "t4" or len(grid.rows) != 1 or not _T4_CAPTION.search(grid.caption):
            return False
        cells = [c for c in _distinct(grid.rows[0]) if c.text.strip()]
        if not cells or not all(is_value_like(c.text) for c in cells):
            return False
        self._start("t4", grid)
        order = _template_order("t4")
        if len(cells) != len(order):
            self.result.findings.append(Finding(
                "column_count", f"t4: one row of {len(cells)} cells under '{squash(grid.caption)}' and no header; "
                f"the template has {len(order)} columns, so which is which is unknowable ({grid.ref}); row not read"))
        else:
            self.result.findings.append(Finding(
                "read_in_order", f"t4: printed as one row of {len(cells)} numbers under '{squash(grid.caption)}' with no "
                f"header; read in the template's column order ({grid.ref})", severe=False))
            for (g, c, col_label), cell in zip(order, cells):
                self._emit("t4", "", Target(g, c, col_label, ()), parse_value(cell.text), cell.text, cell.ref, "", cell)
        self.table = None
        return True

    # ---- shared ------------------------------------------------------------------
    @staticmethod
    def _has_number(cells: list[Cell]) -> bool:
        return any(parse_value(c.text).kind == "number" for c in cells)

    def _note_fuzzy(self, table: str, label: str, m) -> None:  # type: ignore[no-untyped-def]
        if m.how == "fuzzy":
            self.result.findings.append(
                Finding("fuzzy_label", f"{table} row '{squash(label)}' read as {m.key} (similarity {m.score})", severe=False)
            )

    def _extra(self, table: str, grid: Grid, row: list[Cell | None], label: str, end: int) -> None:
        key = _extra_key(label)
        self.result.findings.append(
            Finding("extra_row", f"{table} row '{squash(label)}' is in no template; kept as {key}", severe=False)
        )
        self._emit_row(grid, row, table, key, label, end)

    def finish(self) -> TableResult:
        return self.result


def read_tables(grids: list[Grid], settings: ParseSettings = DEFAULT) -> TableResult:
    stream = TableStream(settings)
    for g in grids:
        stream.feed(g)
    return stream.finish()
