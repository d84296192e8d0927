"""A reviewer's corrections, carried beside the values as printed, never over them.

    corrections.csv   report_id, table, row, col, value, reason, who, when (a person fills it)

`--corrections FILE` (extract, crawl) reads it; each run then writes, for a corrected cell,
`corrected_value`, `correction_reason` and `corrected_by` beside `value` (as printed), and runs the
identities again on the corrected numbers (checks.csv rows with basis=corrected beside the printed
ones). A correction is keyed by report_id, which is the sha256 of the document's bytes: when a
report's bytes change it gets another report_id, and its old corrections are reported as stale,
never applied to other bytes. Corrections live in the person's file, so every run applies them again.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from xxgk.parsers import Check, Report, Value
from xxgk.parsers.checks import run_checks
from xxgk.parsers.errors import ConfigError

COLUMNS = ("report_id", "table", "row", "col", "value", "reason", "who", "when")
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


@dataclass
class Corrections:
    path: Path
    by_report: dict[str, dict[tuple[str, str, str], Correction]]
    applied: int = 0
    unmatched: list[str] = field(default_factory=list)  # why a correction was not applied
    seen: set[str] = field(default_factory=set)

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
        """Corrections of reports not in this run (their bytes changed, or they were not read)."""
        return [f"line {c.line}: no report {rid} in this run (its document changed or was not read); not applied"
                for rid, fixes in self.by_report.items() if rid not in self.seen for c in fixes.values()]

    def summary(self) -> str:
        problems = self.unmatched + self.stale()
        line = f"corrections ({self.path}): {self.applied} applied, {len(problems)} not applied"
        return line + "".join(f"\n  {p}" for p in problems[:10]) + (
            f"\n  and {len(problems) - 10} more" if len(problems) > 10 else "")


def corrected_checks(r: Report, fixes: dict[tuple[str, str, str], Correction]) -> list[Check]:
    """The identities that read a corrected cell, judged again on the corrected numbers."""
    if not fixes:
        return []
    names = {".".join(k) for k in fixes}
    values = [Value(v.table, v.row, v.col, fixes[(v.table, v.row, v.col)].value, v.raw, v.kind)
              if (v.table, v.row, v.col) in fixes else v for v in r.values]
    return [c for c in run_checks(values)
            if (names & set(c.cells.split())) or (c.check == "whole_counts" and any(k[0] == c.table for k in fixes))]


def load(path: Path) -> Corrections:
    """Read a corrections file; a ConfigError names the file and line of anything wrong."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such corrections file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8: save it as CSV UTF-8") from None
    rows = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS[:5] if c not in (rows.fieldnames or [])]
    if missing:
        raise ConfigError(f"{path}: the header needs the columns {', '.join(COLUMNS)} (missing {', '.join(missing)})")
    by_report: dict[str, dict[tuple[str, str, str], Correction]] = {}
    for line, raw in enumerate(rows, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k}
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
