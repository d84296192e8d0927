"""The records every reader and every later stage share.

A reader turns document bytes into a `Document`: its text lines (for metadata)
and its tables as `Grid`s. A `Grid` is a rectangle of `Cell`s with row and
column spans already expanded: a cell spanning three columns stands at all three
positions (the same object), so position `[r][c]` always answers "what is printed
here". `None` at a position means no cell covers it; `""` means an empty cell.
"""

from __future__ import annotations

import hashlib

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Literal, get_args

# The words of the status columns, one home (writers, the QA page, Stata's value labels read them).
Status = Literal["ok", "partial", "failed", "not_report"]
STATUSES: tuple[Status, ...] = get_args(Status)
READ: tuple[Status, ...] = ("ok", "partial")  # a report whose tables were read (partial: with findings)
Template = Literal["v2019", "v2021", "pre2019", "unknown"]
TEMPLATE_WORDS: tuple[Template, ...] = get_args(Template)
CheckStatus = Literal["pass", "fail", "unknown"]
Kind = Literal["number", "blank", "dash", "slash", "none", "text"]  # what a cell held (values.parse_value)
Method = Literal["text", "ocr"]
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Cell:
    """One printed table cell, where it came from, and what it spans."""

    text: str
    row: int  # top-left position in the grid
    col: int
    rowspan: int = 1
    colspan: int = 1
    ref: str = ""  # provenance: "p3 bbox=76,364,120,380", "table2 r5c3", "line 45 field 3"
    x0: float | None = None  # horizontal extent on the page (PDF only), for continued tables
    x1: float | None = None
    ocr: bool = False  # read by OCR from a page image
    confidence: float | None = None  # OCR: the lowest score of the text boxes in the cell
    top: float | None = None  # vertical extent on the page (PDF only), for rows cut by a page break
    bottom: float | None = None
    # PDF: the sides ("left right top bottom") the page's edge cuts the cell at, where no rule closes it:
    # left/right, a table wider than the page (its text may be only part of it); top/bottom, a page break.
    cut: str = ""

    @property
    def clipped(self) -> bool:
        """Cut at its left or right side: what the page did not show of it is not in the file."""
        return "left" in self.cut or "right" in self.cut


@dataclass
class Grid:
    """A table as a rectangle of cells, spans expanded; see the module docstring."""

    rows: list[list[Cell | None]]
    ref: str = ""  # where the table sits: "p3 table1", "html table2", "lines 40-75"
    # True where column positions are real (HTML, PDF, DOCX). A text export drops
    # spanned cells, so its columns only line up within a row: see tables.py.
    aligned: bool = True
    page: int | None = None  # PDF: the 1-based page the table is on
    caption: str = ""  # text exports: the line printed just above the table (a 表四 whose header was lost)
    bbox: tuple[float, float, float, float] | None = None  # PDF ruled tables: x0, top, x1, bottom on the page
    # Columns found by text position (a borderless table): an empty cell is a column where nothing
    # is printed on that line, not a printed cell.
    positional: bool = False

    @property
    def ncols(self) -> int:
        return max((len(r) for r in self.rows), default=0)


@dataclass
class Document:
    """What a reader hands on: text lines for metadata, grids for the tables."""

    format: str  # "pdf", "html", "docx", "text"; legacy files as converted: "doc" (also .wps), "rtf", "xls" (also .et)
    lines: list[str]
    grids: list[Grid]
    title_hint: str = ""  # a title the format itself declares (HTML <title>, PDF metadata)
    pages: int | None = None
    notes: list[str] = field(default_factory=list)  # reader observations worth reporting
    attachments: list[str] = field(default_factory=list)  # links to PDF/DOC(X)/WPS/XLS(X) files (HTML)
    # HTML whose tables hold no numbers (they may be pictures): its images inlined as data: URIs,
    # and the <img src> URLs (not data: URIs) among its table sections, as written.
    images: list[bytes] = field(default_factory=list)
    published_hint: str = ""  # a publication date the format declares (HTML <meta name="PubDate">), as written
    source_hint: str = ""  # the body a page declares it comes from (HTML <meta name="ContentSource">)
    image_links: list[str] = field(default_factory=list)  # see images
    problems: list[str] = field(default_factory=list)  # layouts the reader refused to read: the report is partial


@dataclass(frozen=True)
class Value:
    """One extracted canonical cell: the number, the text as printed, and its origin."""

    table: str
    row: str
    col: str
    value: Decimal | None  # the number, exactly as printed (23, -8, 7730.28); None where the cell holds none
    raw: str  # the cell's text as printed
    kind: Kind
    unit: str = ""
    row_label: str = ""
    col_label: str = ""
    source_ref: str = ""  # where it was printed: "p3 bbox=…", "html table2 r4c2", "line 45 field 3"
    method: Method = "text"  # text (the document's text layer) or ocr
    confidence: float | None = None  # OCR score of the cell, 0-1; None for text

    @property
    def as_text(self) -> str:
        """The number as canonical text ("23", "-8", "7730.28"), "" for none: what a CSV cell holds."""
        return "" if self.value is None else str(self.value)


@dataclass(frozen=True)
class Check:
    """One accounting identity tested on one row or column."""

    check: str  # t3_balance, t3_outcome_total, t3_applicant_total, t4_total, cross_year_…, narrative_…
    rule: str  # H1..H5 (hard) or S1, S2, S5 (soft) of the template spec
    table: str
    scope: str
    status: CheckStatus
    detail: str
    severity: Severity = "error"  # error: a failure makes the report partial; warning: it does not
    formula: str = ""  # what is tested, in cell names: "t3.new.nat + t3.carried.nat = t3.total.nat + t3.forward.nat"
    lhs: Decimal | None = None  # the left side's sum as the report prints its terms (None: a term is blank)
    rhs: Decimal | None = None
    cells: str = ""  # the cells it reads, space-separated table.row.col (another report's as report_id/table.row.col)

    @property
    def check_id(self) -> str:
        """Stable across runs and readers: the check and where it was tested, never a position."""
        return f"{self.check}:{self.table}:{self.scope}"


@dataclass(frozen=True)
class LegacyValue:
    """One cell of a table from before the 2019 templates, as printed: no canonical key (pre2019.py)."""

    row_label: str  # as printed (主动公开文件数, 其中：1、政府网站公开数 …)
    unit: str  # the 计量单位 column (条, 件 …)
    col_label: str  # as printed (2016年度, 历年累计 …)
    value: Decimal | None  # the number as printed; None where the cell holds none
    raw: str
    kind: Kind
    source_ref: str = ""


@dataclass(frozen=True)
class Figure:
    """A number the report states in words, with the sentence it came from."""

    figure: str
    value: Decimal
    unit: str
    sentence: str


@dataclass
class Report:
    """Everything extracted from one document."""

    report_id: str
    source: str
    format: str
    sha256: str
    title: str = ""
    agency: str = ""
    year: int | None = None  # the year the statistics cover; None when the document does not say
    template: Template | Literal[""] = ""
    status: Status | Literal[""] = ""
    error: str = ""
    notes: str = ""  # observations that do not make the report partial (fuzzy labels, extra rows)
    pages: int | None = None
    found_on: str = ""  # crawls: the report page an attachment was linked from
    extractor_version: str = ""  # settings.extractor_version of the settings it was read with
    province: str = ""
    city: str = ""
    county: str = ""
    adcode: str = ""  # 6-digit 行政区划代码 of the agency's place
    level: str = ""  # 省 / 市 / 县 / 乡镇街道
    agency_kind: str = ""  # government / department
    published_on: str = ""  # ISO date the document prints as its publication (发布日期 …, PubDate, the date it is signed)
    narrative: str = ""  # the text outside the tables, masked for comparison (similarity.narrative_text); in no table
    values: list[Value] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    legacy: list[LegacyValue] = field(default_factory=list)  # a pre-2019 table's cells, as printed


def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


_REPORT = tuple(n for n in _names(Report) if n not in ("values", "checks", "figures", "legacy"))
_VALUE, _CHECK, _FIGURE, _LEGACY = _names(Value), _names(Check), _names(Figure), _names(LegacyValue)


def report_to_dict(report: Report) -> dict:
    """A Report as plain data (JSON-ready), for caches and workers: numbers as their exact text.
    Field by field (every field is a scalar): dataclasses.asdict's deep copies cost 7 ms a report."""
    d = {n: getattr(report, n) for n in _REPORT}
    d["values"] = [{n: getattr(v, n) for n in _VALUE} for v in report.values]
    for v in d["values"]:
        v["value"] = "" if v["value"] is None else str(v["value"])
    d["checks"] = [{n: getattr(c, n) for n in _CHECK} | {"lhs": _text(c.lhs), "rhs": _text(c.rhs)} for c in report.checks]
    d["figures"] = [{n: getattr(f, n) for n in _FIGURE} | {"value": str(f.value)} for f in report.figures]
    d["legacy"] = [{n: getattr(v, n) for n in _LEGACY} | {"value": _text(v.value)} for v in report.legacy]
    return d


def _text(d: Decimal | None) -> str:
    return "" if d is None else str(d)


def _decimal(s: str | None) -> Decimal | None:
    return Decimal(s) if s not in ("", None) else None


def _value(v: dict) -> dict:
    """A saved value as a Value's fields (also one saved before `ref` took its column's name,
    `source_ref`, and before confidence was a number)."""
    d = {("source_ref" if k == "ref" else k): x for k, x in v.items()}
    d["value"] = _decimal(d["value"])
    c = d.get("confidence")
    d["confidence"] = float(c) if c not in ("", None) else None
    return d


def report_from_dict(data: dict) -> Report:
    d = dict(data)
    if isinstance(d.get("year"), str):  # saved by an xxgk before year was a number
        d["year"] = int(d["year"]) if d["year"].isdigit() else None
    d["values"] = [Value(**_value(v)) for v in d.get("values", [])]
    d["checks"] = [Check(**{**c, "lhs": _decimal(c.get("lhs")), "rhs": _decimal(c.get("rhs"))}) for c in d.get("checks", [])]
    d["figures"] = [Figure(**{**f, "value": Decimal(f["value"])}) for f in d.get("figures", [])]
    d["legacy"] = [LegacyValue(**{**v, "value": _decimal(v["value"])}) for v in d.get("legacy", [])]
    return Report(**d)


# A letter first, so that no spreadsheet takes an id for a number: Excel and LibreOffice turn
# the all-digit 1920296141274983 (one id in ten is all digits or digits with one e) into 1.92E+15.
ID_PREFIX = "r"


def report_id_of(sha256_hex: str) -> str:
    """The id of a document whose bytes have this SHA-256: the same bytes, the same id."""
    return ID_PREFIX + sha256_hex[:16]


def report_id(data: bytes) -> str:
    return report_id_of(hashlib.sha256(data).hexdigest())
