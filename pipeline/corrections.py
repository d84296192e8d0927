"""A reviewer's corrections, carried beside the values as printed, never over them.

    corrections.csv   report_id, table, row, col, value, reason, who, when (a person fills it)

`--corrections FILE` (extract, crawl) reads it; each run then writes, for a corrected cell,
`corrected_value`, `correction_reason` and `corrected_by` beside `value` (as printed), and runs the
identities again on the corrected numbers (checks.csv rows with basis=corrected beside the printed
ones). A correction is keyed by report_id, which is the sha256 of the document's bytes: when a
report's bytes change it gets another report_id, and its old corrections are reported as stale,
never applied to other bytes. Corrections live in the person's file, so every run applies them again.

    reviews.csv       report_id, check_id, verdict (confirmed | dismissed), reason, who, when

`--reviews FILE` carries a reviewer's verdict on a flagged check (a failing identity is a real error
of the source: confirmed; a soft check that fails for an honest reason: dismissed) into checks.csv
(`review`, `review_reason`, `reviewed_by`), by the check's stable check_id; like a correction, a
verdict on a report or check not in the run is listed, never applied elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from xxgk.parsers import Check, Report, Value
from xxgk.parsers.checks import run_checks
from xxgk.parsers.errors import ConfigError

from .inputs import csv_rows

COLUMNS = ("report_id", "table", "row", "col", "value", "reason", "who", "when")
REVIEW_COLUMNS = ("report_id", "check_id", "verdict", "reason", "who", "when")
VERDICTS = ("confirmed", "dismissed")
TABLES = ("t2", "t3", "t4")


@dataclass(frozen=True)
class Correction:
    report_id: str
    table: str
    row: str
    col: str
    value: Decimal | None  # None: the cell should be blank
    reason: str
    who: str
    when: str
    line: int  # in the file, for messages

    @property
    def cell(self) -> tuple[str, str, str]:
        return (self.table, self.row, self.col)

    def columns(self) -> list[str]:
        """corrected_value, correction_reason, corrected_by: as values.csv carries them."""
        return ["" if self.value is None else str(self.value), self.reason, _by(self.who, self.when)]


@dataclass(frozen=True)
class Verdict:
    report_id: str
    check_id: str
    verdict: str  # confirmed | dismissed
    reason: str
    who: str
    when: str
    line: int

    def columns(self) -> list[str]:
        """review, review_reason, reviewed_by: as checks.csv carries them."""
        return [self.verdict, self.reason, _by(self.who, self.when)]


@dataclass
class Corrections:
    """A reviewer's files: corrections of cells (--corrections) and verdicts on checks (--reviews)."""

    path: Path | None
    by_report: dict[str, dict[tuple[str, str, str], Correction]]
    applied: int = 0
    unmatched: list[str] = field(default_factory=list)  # why a correction or verdict was not applied
    seen: set[str] = field(default_factory=set)
    reviews_path: Path | None = None
    verdicts: dict[str, dict[str, Verdict]] = field(default_factory=dict)  # report_id → check_id → verdict
    reviewed: int = 0

    def verdicts_for(self, report_id: str, check_ids: set[str]) -> dict[str, Verdict]:
        """The verdicts on a report's checks; one on a check the report does not have is listed."""
        self.seen.add(report_id)
        mine = self.verdicts.get(report_id, {})
        for cid, v in mine.items():
            if cid not in check_ids and not cid.startswith("cross_year_"):  # those are made when the run closes
                self.unmatched.append(f"reviews line {v.line}: {report_id} has no check {cid}")
        found = {cid: v for cid, v in mine.items() if cid in check_ids or cid.startswith("cross_year_")}
        self.reviewed += sum(1 for cid in found if cid in check_ids)
        return found

    def for_report(self, r: Report) -> dict[tuple[str, str, str], Correction]:
        """The corrections of a report's cells; a correction of a cell the report does not have is reported."""
        self.seen.add(r.report_id)
        fixes = self.by_report.get(r.report_id, {})
        cells = {(v.table, v.row, v.col) for v in r.values}
        for key, c in fixes.items():
            if key not in cells:
                self.unmatched.append(f"line {c.line}: {r.report_id} has no cell {'.'.join(key)}")
        found = {k: c for k, c in fixes.items() if k in cells}
        self.applied += len(found)
        return found

    def stale(self) -> list[str]:
        """Corrections and verdicts of reports not in this run (their bytes changed, or they were not read)."""
        why = "in this run (its document changed or was not read); not applied"
        return ([f"line {c.line}: no report {rid} {why}" for rid, fixes in self.by_report.items() if rid not in self.seen
                 for c in fixes.values()]
                + [f"reviews line {v.line}: no report {rid} {why}" for rid, vs in self.verdicts.items() if rid not in self.seen
                   for v in vs.values()])

    def summary(self) -> str:
        problems = self.unmatched + self.stale()
        line = (f"corrections ({self.path}): {self.applied} applied" if self.path else "") + (
            f"{'; ' if self.path else ''}reviews ({self.reviews_path}): {self.reviewed} applied" if self.reviews_path else "")
        line += f", {len(problems)} not applied"
        return line + "".join(f"\n  {p}" for p in problems[:10]) + (
            f"\n  and {len(problems) - 10} more" if len(problems) > 10 else "")


def reviewed(corrections: Corrections | None, r: Report) -> tuple[dict[tuple[str, str, str], Correction], list[Check],
                                                                    dict[str, Verdict]]:
    """A reviewer's corrections of a report's cells, the identities judged again on them, and the verdicts
    on its checks (nothing without a reviewer's files)."""
    if corrections is None:
        return {}, [], {}
    fixes = corrections.for_report(r)
    return fixes, corrected_checks(r, fixes), corrections.verdicts_for(r.report_id, {c.check_id for c in r.checks})


def corrected_checks(r: Report, fixes: dict[tuple[str, str, str], Correction]) -> list[Check]:
    """The identities that read a corrected cell, judged again on the corrected numbers."""
    if not fixes:
        return []
    names = {".".join(k) for k in fixes}
    values = [Value(v.table, v.row, v.col, fixes[(v.table, v.row, v.col)].value, v.raw, v.kind)
              if (v.table, v.row, v.col) in fixes else v for v in r.values]
    return [c for c in run_checks(values)
            if (names & set(c.cells.split())) or (c.check == "whole_counts" and any(k[0] == c.table for k in fixes))]


def _by(who: str, when: str) -> str:
    return " ".join(filter(None, (who, when)))


def load_reviews(path: Path, into: Corrections | None = None) -> Corrections:
    """Read a reviews file into a reviewer's Corrections (a new, empty one if none)."""
    fixes = into if into is not None else Corrections(None, {})
    fixes.reviews_path = path
    for line, row in csv_rows(path, "reviews", REVIEW_COLUMNS[:3]):
        if not row["report_id"] or not row["check_id"] or row["verdict"] not in VERDICTS:
            raise ConfigError(f"{path} line {line}: report_id and check_id are needed and verdict is one of {', '.join(VERDICTS)}")
        v = Verdict(row["report_id"], row["check_id"], row["verdict"], row.get("reason", ""), row.get("who", ""),
                    row.get("when", ""), line)
        mine = fixes.verdicts.setdefault(v.report_id, {})
        if v.check_id in mine:
            raise ConfigError(f"{path} line {line}: {v.report_id} {v.check_id} is reviewed twice (also line {mine[v.check_id].line})")
        mine[v.check_id] = v
    return fixes


def load(path: Path) -> Corrections:
    """Read a corrections file; a ConfigError names the file and line of anything wrong."""
    by_report: dict[str, dict[tuple[str, str, str], Correction]] = {}
    for line, row in csv_rows(path, "corrections", COLUMNS[:5]):
        if row["table"] not in TABLES or not row["report_id"] or not row["row"] or not row["col"]:
            raise ConfigError(f"{path} line {line}: report_id, row and col are needed and table is one of {', '.join(TABLES)}")
        try:
            value = Decimal(row["value"].replace(",", "")) if row["value"] else None
        except InvalidOperation:
            raise ConfigError(f"{path} line {line}: value {row['value']!r} is not a number (leave it empty for a blank cell)") from None
        c = Correction(row["report_id"], row["table"], row["row"], row["col"], value, row.get("reason", ""),
                       row.get("who", ""), row.get("when", ""), line)
        cells = by_report.setdefault(c.report_id, {})
        if c.cell in cells:
            raise ConfigError(f"{path} line {line}: {c.report_id} {'.'.join(c.cell)} is corrected twice "
                              f"(also line {cells[c.cell].line})")
        cells[c.cell] = c
    return Corrections(path, by_report)
