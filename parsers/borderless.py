"""Borderless tables on a PDF page: columns by text position only, from the page's characters.

A table page with no ruling lines (a web page printed without borders, a Word table with its
borders removed) still prints its rows as lines: a label, then numbers. Stages:

    text_lines    characters -> lines (by vertical midpoint) -> words (split at gaps wider
                  than settings.word_gap_em of the line's character height)
    blocks        runs of data lines (numbers at the right, usually a label at the left) whose
                  numbers fall into the same x bands: one block per table part (表二's blocks,
                  表三, 表四 each get their own columns)
    header        the lines just above a block's first data line: a group title (申请人情况,
                  行政复议 …, the label table's header groups) spans the bands between the
                  words beside it, split among several groups by how the page aligns its cells;
                  any other word is one band's, and fragments stacked in one band (商/业/企/业)
                  are one cell
    labels        label words (left of the first band) go to the nearest data line; within a
                  row, words that overlap horizontally are one cell (a wrapped label), cells
                  that do not are the label's levels (（三）不予公开 › 1.属于国家秘密)
    block_grid    the block as a Grid whose value cells carry their band's x extent, so that
                  tables.py aligns a table continued on the next page by x, as for ruled tables

Everything else on the page is kept as one-cell rows, so that the table stream still sees the
captions (第二十条第（一）项) and the 表三 note that start a table. Nothing here decides what a
label means: tables.py maps the grid and flags what does not fit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from .labels import index
from .lattice import Char, char_lines
from .model import Cell, Grid
from .normalize import core
from .settings import DEFAULT, ParseSettings
from .values import is_value_like, parse_value

_CAPTION_WORD = "第二十条"
_MAX_HEADER_WORD = 14  # characters: a longer word above a table is prose or a title, not a header cell


@dataclass
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def yc(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class Line:
    words: list[Word]

    @property
    def yc(self) -> float:
        return median(w.yc for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class Block:
    """Data lines sharing value columns; bands[i] = (x0, x1) of the numbers printed in column i."""

    lines: list[Line] = field(default_factory=list)
    numbers: list[list[Word]] = field(default_factory=list)  # per data line: its value words, left to right
    values: list[dict[int, Word]] = field(default_factory=list)  # per data line: band -> its number
    bands: list[tuple[float, float]] = field(default_factory=list)


# ---- lines and words ---------------------------------------------------------------------------

def text_lines(chars: list[Char], settings: ParseSettings = DEFAULT) -> list[Line]:
    """The page's characters as lines top to bottom, each split into words at wide gaps."""
    lines = []
    for row in char_lines(chars, settings.char_y_tolerance):
        height = median(c[4] - c[2] for c in row)
        gap = settings.word_gap_em * height
        gaps = [b[5] - a[6] for a, b in zip(row, row[1:])]
        # A letter-spaced line (社 会 法 律, two header cells side by side) splits at a gap three times
        # its own spacing, if a quarter of a character wide: its cells sit closer than word_gap_em.
        spaced = max(3 * max(median(gaps), 1.0), 0.25 * height) if gaps else gap
        words: list[list[Char]] = [[row[0]]]
        for a, b in zip(row, row[1:]):
            # A number right after a label's last character is the next cell's even at half the gap
            # (a wrapped label fills its column to the edge: "不计其" | "5").
            split = gap / 2 if b[0].isdigit() and "\u4e00" <= a[0] <= "\u9fff" else gap
            if b[5] - a[6] > min(split, spaced):
                words.append([b])
            else:
                words[-1].append(b)
        lines.append(Line([Word("".join(c[0] for c in w), min(c[1] for c in w), max(c[3] for c in w),
                                min(c[2] for c in w), max(c[4] for c in w)) for w in words]))
    return lines


def _numbers(line: Line) -> list[Word]:
    """The trailing value words of a line (a data line has at least one, after its label)."""
    out: list[Word] = []
    for w in reversed(line.words):
        if not is_value_like(w.text) or parse_value(w.text).kind == "blank":
            break
        out.insert(0, w)
    if len(out) == 1 and len(line.words) == 1:
        return []  # a lone number (a page number, a year) is no table row
    return out


# ---- blocks -----------------------------------------------------------------------------------

def _fit(bands: list[tuple[float, float]], numbers: list[Word]) -> dict[int, int] | None:
    """number index -> band index when each number overlaps exactly one band, in order; else None."""
    out: dict[int, int] = {}
    last = -1
    for i, w in enumerate(numbers):
        hits = [j for j, (a, b) in enumerate(bands) if w.x0 <= b and a <= w.x1]
        if len(hits) != 1 or hits[0] <= last:
            return None
        out[i] = last = hits[0]
    return out


def _merge(bands: list[tuple[float, float]], numbers: list[Word]) -> list[tuple[float, float]] | None:
    """The union of a block's bands and a line's numbers, when neither splits the other."""
    items = sorted([(a, b, "band") for a, b in bands] + [(w.x0, w.x1, "word") for w in numbers])
    merged: list[list] = []
    for a, b, kind in items:
        if merged and a <= merged[-1][1]:
            if kind in merged[-1][2]:
                return None  # two numbers of one line (or two bands) in one column
            merged[-1][1] = max(merged[-1][1], b)
            merged[-1][2].add(kind)
        else:
            merged.append([a, b, {kind}])
    return [(a, b) for a, b, _ in merged]


def blocks(lines: list[Line]) -> list[Block]:
    """Runs of data lines with shared value columns; a header line (words over the bands) ends a run."""
    out: list[Block] = []
    current: Block | None = None
    for line in lines:
        numbers = _numbers(line)
        if not numbers:
            if current is not None and any(w.x1 > current.bands[0][0] for w in line.words):
                current = None  # a header or prose line over the columns: the next data starts a new block
            continue
        bands = _merge(current.bands, numbers) if current is not None else None
        if current is None or bands is None:
            current = Block()
            out.append(current)
            bands = [(w.x0, w.x1) for w in numbers]
        current.bands = bands
        current.lines.append(line)
        current.numbers.append(numbers)
    for b in out:  # now that the bands are final, each number's band
        for numbers in b.numbers:
            fit = _fit(b.bands, numbers) or {}
            b.values.append({fit[i]: w for i, w in enumerate(numbers) if i in fit})
    return out


# ---- column extents and alignment ---------------------------------------------------------------

def align_of(found: list[Block]) -> str:
    """How the page's numbers sit in their columns: 'left', 'right' or 'center' (the default).
    Told by numbers of different widths in one column: their left edges, right edges or
    centres line up. One page prints all its tables alike (one style sheet, one Word style)."""
    spread = {"left": 0.0, "right": 0.0, "center": 0.0}
    informative = False
    for block, j in ((b, j) for b in found for j in range(len(b.bands))):
        ws = [v[j] for v in block.values if j in v]
        if len(ws) < 2 or max(w.x1 - w.x0 for w in ws) - min(w.x1 - w.x0 for w in ws) < 2:
            continue
        informative = True
        spread["left"] += max(w.x0 for w in ws) - min(w.x0 for w in ws)
        spread["right"] += max(w.x1 for w in ws) - min(w.x1 for w in ws)
        spread["center"] += max(w.xc for w in ws) - min(w.xc for w in ws)
    return min(spread, key=lambda k: spread[k]) if informative else "center"


def extents(block: Block, align: str, left_edge: float, right_edge: float) -> list[tuple[float, float]]:
    """Each value column's x extent, from its numbers and how they are aligned."""
    b = block.bands
    n = len(b)
    if n == 1:  # one column: everything right of the labels
        return [(left_edge, right_edge)]
    # The outer edge of the first (last) column: as wide as its neighbour, within the labels and the page.
    if align == "left":
        starts = [x0 - 1 for x0, _ in b]
        last = min(right_edge, 2 * starts[-1] - starts[-2])
        return [(starts[i], starts[i + 1] if i + 1 < n else last) for i in range(n)]
    if align == "right":
        ends = [x1 + 1 for _, x1 in b]
        first = max(left_edge, 2 * ends[0] - ends[1])
        return [(ends[i - 1] if i else first, ends[i]) for i in range(n)]
    centres = [(x0 + x1) / 2 for x0, x1 in b]
    cuts = [(centres[i] + centres[i + 1]) / 2 for i in range(n - 1)]
    first = max(left_edge, centres[0] - (cuts[0] - centres[0])) if cuts else b[0][0] - 1
    last = min(right_edge, centres[-1] + (centres[-1] - cuts[-1])) if cuts else b[0][1] + 1
    return [(cuts[i - 1] if i else first, cuts[i] if i < n - 1 else last) for i in range(n)]


def _straddled(w: Word, ext: list[tuple[float, float]]) -> list[int]:
    """The columns holding a quarter or more of a header word's width."""
    width = max(w.x1 - w.x0, 1e-6)
    return [j for j, (a, b) in enumerate(ext) if min(b, w.x1) - max(a, w.x0) >= width / 4]


def _band_of(x: float, ext: list[tuple[float, float]]) -> int | None:
    for j, (a, b) in enumerate(ext):
        if a <= x < b:
            return j
    return None


# ---- header -------------------------------------------------------------------------------------

def _is_group(text: str) -> bool:
    ix = index()
    return ix.is_group("t3", text) or ix.is_group("t4", text) or (
        (m := ix.match("t4", "group", text)) is not None and m.how == "exact")


def _period(leaves: list[str]) -> int | None:
    """The length of the column pattern the leaves repeat (表四's 结果维持 … 总计 under each group), if any."""
    n = len(leaves)
    for p in range(2, n // 2 + 1):
        if n % p == 0 and all(leaves[i] == leaves[i % p] for i in range(n)) and all(leaves[:p]):
            return p
    return None


def _split(run: list[int], groups: list[Word], ext: list[tuple[float, float]], leaves: list[str]) -> list[list[int]]:
    """The bands of a run shared by the groups printed over it, left to right.

    Each group's span ends where its title says, by how the title sits in it (cells of one
    page differ: 行政复议 centred, 未经复议直接起诉 at its span's left): starting at its span's
    left edge, the span ends where the next title starts; else centred, twice the title's
    centre from the left edge; else right-aligned, at the first column edge after the title.
    The end must fall clearly nearer one column edge than any other, or the groups from there
    on get no columns at all (tables.py then reads none under them, and says so)."""
    if len(groups) == 1:
        return [run]
    width = median(ext[j][1] - ext[j][0] for j in run)
    # Where the leaves under the run repeat one pattern, groups can only split between repeats.
    period = _period([leaves[j] for j in run])
    out: list[list[int]] = []
    start = 0
    for k, g in enumerate(groups[:-1]):
        left = ext[run[start]][0]
        pad = g.x0 - left
        if pad <= 0.15 * width:
            guesses = [groups[k + 1].x0 - pad]
        else:
            guesses = [2 * g.xc - left, g.x1 + 0.1 * width]
        end = None
        for edge in guesses:
            ends = [i for i in range(start + 1, len(run)) if period is None or i % period == 0]
            near = sorted(ends, key=lambda i: abs(ext[run[i]][0] - edge))
            if near and (len(near) == 1 or abs(ext[run[near[0]]][0] - edge) < 0.5 * abs(ext[run[near[1]]][0] - edge)):
                end = near[0]
                break
        if end is None:
            return out + [[] for _ in groups[k:]]
        out.append(run[start:end])
        start = end
    out.append(run[start:])
    return out


def header_cells(lines: list[Line], ext: list[tuple[float, float]], stack_gap: float) -> dict[int, list[Word]]:
    """For each band (and -1, the label column), its header cells top to bottom."""
    cells: dict[int, list[Word]] = {j: [] for j in range(-1, len(ext))}
    groups = [w for line in lines for w in line.words if w.x1 > ext[0][0] and _is_group(w.text)]
    spans_words: list[Word] = []  # header words over two columns: nothing stacks onto them
    for line in lines:  # leaves first: a column's fragments stacked closely are one cell
        for w in line.words:
            if w.x1 <= ext[0][0]:
                cells[-1].append(w)
            elif any(w is g for g in groups):
                continue
            elif len(over := _straddled(w, ext)) > 1:
                # One word over two columns: a cell spanning them (商业企业 over a data row's two
                # misaligned cells), two cells printed together, or a misfit. As a span, tables.py
                # reads the one value under it, or refuses two.
                above = {id(cells[j][-1]) if cells[j] else None for j in over}
                prev = cells[over[0]][-1] if cells[over[0]] else None
                if (prev is not None and above == {id(prev)} and any(prev is o for o in spans_words)
                        and _straddled(prev, ext) == over and w.top - prev.bottom <= stack_gap):
                    w = _below(prev, w)
                    for j in over:
                        cells[j][-1] = w
                else:
                    for j in over:
                        cells[j].append(w)
                spans_words.append(w)
            elif (j := _band_of(w.xc, ext)) is not None:
                col = cells[j]
                between = any(col and col[-1].bottom <= g.yc <= w.top and g.x0 <= w.xc <= g.x1 for g in groups)
                if col and w.top - col[-1].bottom <= stack_gap and not between and all(col[-1] is not o for o in spans_words):
                    col[-1] = _below(col[-1], w)
                else:
                    col.append(w)
    # A word over two columns one of which prints a leaf of its own (结果维持, centred in a first column
    # whose number is not right-aligned like the others, over 结果/纠正): it is the other column's.
    for w in spans_words:
        over = [j for j in range(len(ext)) if any(x is w for x in cells[j])]
        own = [j for j in over if any(x is not w and all(x is not o for o in spans_words) for x in cells[j])]
        if 0 < len(own) < len(over):
            for j in own:
                cells[j] = _stacked([x for x in cells[j] if x is not w], stack_gap)
    leaves = [core(cells[j][-1].text) if cells[j] else "" for j in range(len(ext))]
    # Groups, top down: each takes the bands of its parent group that no leaf beside it holds
    # (a leaf beside it overlaps it vertically), shared among the groups of one run.
    spans: list[list[int]] = []
    for row in _rows_of(groups):
        by_run: dict[tuple[int, ...], list[Word]] = {}
        for g in row:
            parent = next((s for s in reversed(spans) if ext[s[0]][0] <= g.xc < ext[s[-1]][1]), list(range(len(ext))))
            free = [j for j in parent if not any(w.top <= g.bottom and g.top <= w.bottom for w in cells[j])]
            here = _band_of(g.xc, ext)
            run = _run_around(free, here if here is not None else (free[0] if free else 0))
            by_run.setdefault(tuple(run), []).append(g)
        for run, gs in by_run.items():
            for g, bands in zip(gs, _split(list(run), gs, ext, leaves)):
                spans.append(bands)
                for j in bands:
                    cells[j].append(g)
    for j in cells:
        cells[j].sort(key=lambda w: w.top)
    return cells


def _below(upper: Word, lower: Word) -> Word:
    """One header cell of two fragments stacked in it (商业 / 企业)."""
    return Word(upper.text + lower.text, min(upper.x0, lower.x0), max(upper.x1, lower.x1), upper.top, lower.bottom)


def _stacked(col: list[Word], stack_gap: float) -> list[Word]:
    """A column's header words with the fragments stacked closely joined again (结果 / 纠正)."""
    out: list[Word] = []
    for w in col:
        if out and 0 <= w.top - out[-1].bottom <= stack_gap:
            out[-1] = _below(out[-1], w)
        else:
            out.append(w)
    return out


def _rows_of(words: list[Word]) -> list[list[Word]]:
    """Words grouped by line (overlapping vertically), top down, each line left to right."""
    rows: list[list[Word]] = []
    for w in sorted(words, key=lambda w: w.yc):
        if rows and rows[-1][-1].top <= w.yc <= rows[-1][-1].bottom:
            rows[-1].append(w)
        else:
            rows.append([w])
    return [sorted(r, key=lambda w: w.x0) for r in rows]


def _run_around(free: list[int], j: int) -> list[int]:
    """The consecutive run of free bands that holds band j (or the nearest run)."""
    if not free:
        return []
    runs: list[list[int]] = [[free[0]]]
    for a in free[1:]:
        if a == runs[-1][-1] + 1:
            runs[-1].append(a)
        else:
            runs.append([a])
    return min(runs, key=lambda r: 0 if r[0] <= j <= r[-1] else min(abs(r[0] - j), abs(r[-1] - j)))


# ---- the grid ----------------------------------------------------------------------------------

def _label_cells(pieces: list[list[Word]]) -> list[Word]:
    """A row's labels (label_pieces) as cells, left to right: each piece's lines joined."""
    out = []
    for g in pieces:
        g.sort(key=lambda w: (round(w.yc), w.x0))
        out.append(Word("".join(w.text for w in g), min(w.x0 for w in g), max(w.x1 for w in g),
                        min(w.top for w in g), max(w.bottom for w in g)))
    return sorted(out, key=lambda w: w.x0)


def _cell(w: Word | None, text: str, r: int, c: int, page_no: int, x: tuple[float, float], cs: int = 1) -> Cell:
    ref = f"p{page_no} bbox={w.x0:.0f},{w.top:.0f},{w.x1:.0f},{w.bottom:.0f}" if w is not None else f"p{page_no}"
    return Cell(text, r, c, 1, cs, ref=ref, x0=x[0], x1=x[1])


def block_grid(block: Block, header: list[Line], labels: dict[int, list[list[Word]]], page_no: int, number: int,
               width: float, align: str, settings: ParseSettings = DEFAULT) -> Grid:
    # Where the labels end: a centred or right-aligned first column may reach that far left.
    label_right = max((w.x1 for ps in labels.values() for p in ps for w in p), default=0.0)
    ext = extents(block, align, label_right, width)
    height = median(w.bottom - w.top for line in block.lines for w in line.words)
    heads = header_cells(header, ext, settings.stack_gap_em * height)
    rows_labels = [_label_cells(labels.get(i, [])) for i in range(len(block.lines))]
    depth = max([len(c) for c in rows_labels] + [1])
    ncols = depth + len(ext)
    label_x = (0.0, ext[0][0])
    rows: list[list[Cell | None]] = []
    # Header rows: each column's cells top-aligned, the last one repeated down (a row span).
    hdepth = max((len(v) for v in heads.values()), default=0)
    made: dict[int, Cell] = {}
    for r in range(hdepth):
        row: list[Cell | None] = [None] * ncols
        for j in range(-1, len(ext)):
            col_cells = heads[j]
            if not col_cells:
                continue
            w = col_cells[min(r, len(col_cells) - 1)]
            cols = range(depth) if j == -1 else [depth + j]
            key = id(w)
            if key not in made:
                span = [depth + k for k in range(len(ext)) if any(x is w for x in heads[k])] if j >= 0 else list(cols)
                made[key] = _cell(w, w.text, r, span[0] if span else depth + j, page_no,
                                  label_x if j == -1 else (ext[min(span) - depth][0], ext[max(span) - depth][1]),
                                  len(span) or 1)
            for c in cols:
                row[c] = made[key]
        rows.append(row)
    for i, vals in enumerate(block.values):
        r = len(rows)
        row = [None] * ncols
        cells = rows_labels[i]
        for k in range(depth):
            if cells:
                w = cells[min(k, len(cells) - 1)]
                if id(w) not in made:
                    made[id(w)] = _cell(w, w.text, r, k, page_no, label_x)
                row[k] = made[id(w)]
        for j, x in enumerate(ext):
            w = vals.get(j)
            row[depth + j] = _cell(w, w.text if w else "", r, depth + j, page_no, x)
        rows.append(row)
    return Grid(rows=rows, ref=f"p{page_no} borderless{number}", page=page_no, positional=True)


_NUMBERED = re.compile(r"^(?:\d+\s*[.．、]|[（(][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、)")


def label_pieces(words: list[tuple[Word, int | None]]) -> list[tuple[list[Word], int | None]]:
    """Label words as the printed labels they belong to: a word joins the label above it that it
    overlaps horizontally, unless it starts a numbered label (（二）, 5.) or both sit on data lines
    (two rows' labels). Each label keeps the data row it shares a line with, if any."""
    pieces: list[tuple[list[Word], list[int | None]]] = []
    words = [(part, row) for w, row in words for part in _split_numbered(w)]
    for w, row in sorted(words, key=lambda p: (p[0].top, p[0].x0)):
        home = None
        if not _NUMBERED.match(w.text):
            # The nearest label above it that it overlaps; of two on one line, the one it overlaps most
            # (年度办 under 三、本, not under （一）予以公开 printed just after it).
            over = [(max(ws, key=lambda o: o.bottom).bottom, max(min(w.x1, o.x1) - max(w.x0, o.x0) for o in ws), ws, anchor)
                    for ws, anchor in pieces if any(w.x0 < o.x1 and o.x0 < w.x1 for o in ws)]
            nearest = max((o[0] for o in over), default=None)
            best = max((o for o in over if nearest is not None and o[0] >= nearest - 2), key=lambda o: o[1], default=None)
            if best is not None and not (row is not None and best[3][0] is not None):
                home = (best[2], best[3])
        if home is None:
            pieces.append(([w], [row]))
        else:
            home[0].append(w)
            if row is not None:
                home[1][0] = row
    return [(ws, anchor[0]) for ws, anchor in pieces]


_INNER_NUMBER = re.compile(r"(?<=[^第\d（(])(?=[（(][一二三四五六七八九十]+[)）])")


def _split_numbered(w: Word) -> list[Word]:
    """A label word that runs two levels together ("三、本（一）予以公开": the group's first line
    and the row's label, printed with too small a gap) as two words, split at the numbering."""
    m = _INNER_NUMBER.search(w.text)
    if m is None:
        return [w]
    at = w.x0 + (w.x1 - w.x0) * m.start() / len(w.text)  # CJK characters are equally wide
    return [Word(w.text[: m.start()], w.x0, at, w.top, w.bottom), Word(w.text[m.start():], at, w.x1, w.top, w.bottom)]


def _nearest_row(piece: list[Word], data_y: list[float]) -> int:
    """The data row printed beside a label with no number on its own lines: inside its span, else nearest."""
    top, bottom = min(w.top for w in piece), max(w.bottom for w in piece)
    mid = (top + bottom) / 2
    return min(range(len(data_y)), key=lambda k: (not top <= data_y[k] <= bottom, abs(data_y[k] - mid)))


def _header_lines(lines: list[Line], first: int, floor: int, left: float = float("-inf")) -> list[int]:
    """Indexes of the header lines above line `first` (not above `floor`): short words over the value
    columns (left of `left`, the label column's header may be long: 表三's note), no caption."""
    out: list[int] = []
    i = first - 1
    while i >= floor:
        words = lines[i].words
        if _numbers(lines[i]) or any((len(w.text) > _MAX_HEADER_WORD and w.x1 > left) or _CAPTION_WORD in w.text
                                     for w in words):
            break
        out.insert(0, i)
        i -= 1
    return out


@dataclass
class PageTables:
    grids: list[Grid]
    tail: list[Line]  # header lines at the foot of the page, for a table whose data starts on the next


def _header_tail(lines: list[Line], floor: int) -> list[Line]:
    """The header lines that end a page (行政复议 行政诉讼 … with 表四's data row overleaf)."""
    tail = [lines[i] for i in _header_lines(lines, len(lines), floor)]
    words = [w.text for line in tail for w in line.words]
    return tail if any(_is_group(t) or t == "信息内容" for t in words) else []


def borderless_grids(chars: list[Char], page_no: int, width: float, settings: ParseSettings = DEFAULT,
                     carried: list[Line] | None = None) -> PageTables:
    """The page's borderless tables as grids, with the rest of the page as one-cell rows between them.
    `carried`: the previous page's tail, the header of a first block that has none on this page."""
    lines = text_lines(chars, settings)
    found = blocks(lines)
    if not found:
        return PageTables([], _header_tail(lines, 0))
    index_of = {id(line): i for i, line in enumerate(lines)}
    align = align_of(found)
    used: dict[int, str] = {}
    parts: list[tuple[int, Grid]] = []
    floor = 0
    for n, block in enumerate(found, start=1):
        first, last = index_of[id(block.lines[0])], index_of[id(block.lines[-1])]
        data_idx = [index_of[id(line)] for line in block.lines]
        head = _header_lines(lines, first, floor, block.bands[0][0])
        # Label-only lines between the header and the data, or among the data, or just below it.
        margin = 2 * median(w.bottom - w.top for line in block.lines for w in line.words)
        labels: dict[int, list[list[Word]]] = {}
        left = block.bands[0][0]
        # The label column's right end on the data lines: a header line with a word starting past it
        # names a value column printed left of its numbers (表二's 本年处理决定数量 over a wide cell).
        label_end = max((w.x1 for line in block.lines for w in line.words if w.x1 <= left), default=left)

        def label_only(line: Line) -> bool:
            return all(w.x1 <= left and w.x0 < label_end for w in line.words)

        while head and label_only(lines[head[-1]]) and (
                lines[first].yc - lines[head[-1]].yc <= margin or _NUMBERED.match(lines[head[-1]].words[0].text)):
            head.pop()  # a (wrapped) label of the first row, not a header cell
        lo = head[-1] + 1 if head else first
        while lo > floor and lines[first].yc - lines[lo - 1].yc <= 2 * margin and not _numbers(lines[lo - 1]) \
                and label_only(lines[lo - 1]):
            lo -= 1  # a label's first lines above its row (the rest of a label split by the page break)
        hi = last
        while hi + 1 < len(lines) and lines[hi + 1].yc - lines[last].yc <= margin and \
                not _numbers(lines[hi + 1]) and all(w.x1 <= label_end + 2 for w in lines[hi + 1].words):
            hi += 1  # the rest of the last row's label (within the label column: not the next heading)
        found_words: list[tuple[Word, int | None]] = []  # label words, with the data row whose line they share
        for i in range(lo, hi + 1):
            if i not in data_idx and any(w.x1 > left for w in lines[i].words):
                continue
            row = data_idx.index(i) if i in data_idx else None
            found_words += [(w, row) for w in lines[i].words if w.x1 <= left]
        data_y = [lines[i].yc for i in data_idx]
        for piece, anchor in label_pieces(found_words):
            labels.setdefault(anchor if anchor is not None else _nearest_row(piece, data_y), []).append(piece)
        for i in head + list(range(lo, hi + 1)):
            used[i] = "table"
        header = [lines[i] for i in head] or (carried or [] if n == 1 else [])
        parts.append((head[0] if head else lo, block_grid(block, header, labels, page_no, n, width, align, settings)))
        floor = hi + 1
    loose = [i for i in range(len(lines)) if i not in used]
    # The rest of the page as one-cell rows, in runs between the tables.
    run: list[int] = []
    for i in loose + [len(lines) + 1]:
        if run and i != run[-1] + 1:
            rows: list[list[Cell | None]] = [[Cell(lines[k].text, r, 0, ref=f"p{page_no} line{k + 1}")] for r, k in enumerate(run)]
            parts.append((run[0], Grid(rows=rows, ref=f"p{page_no} lines{run[0] + 1}-{run[-1] + 1}", page=page_no)))
            run = []
        run.append(i)
    return PageTables([g for _, g in sorted(parts, key=lambda p: p[0])], _header_tail(lines, floor))
