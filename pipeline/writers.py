"""Write reports.csv, values.csv and checks.csv (the contract), atomically.

Each file is written to a temporary name beside its target and renamed into
place, so a crashed run never leaves a half-written file that looks whole.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from parsers import EXTRACTOR_VERSION, Report

REPORT_COLUMNS = ["report_id", "source", "format", "title", "agency", "year", "template", "status", "error",
                  "notes", "sha256", "pages", "extractor_version", "found_on"]
VALUE_COLUMNS = ["report_id", "table", "row", "col", "value", "raw", "kind", "unit", "row_label", "col_label", "source_ref"]
CHECK_COLUMNS = ["report_id", "check", "rule", "table", "scope", "status", "detail"]


def frames(reports: list[Report]) -> dict[str, pd.DataFrame]:
    """The three contract tables as DataFrames (every column text, blanks as "")."""
    rep = [
        [r.report_id, r.source, r.format, r.title, r.agency, r.year, r.template, r.status, r.error, r.notes,
         r.sha256, "" if r.pages is None else str(r.pages), EXTRACTOR_VERSION, r.found_on]
        for r in reports
    ]
    val = [
        [r.report_id, v.table, v.row, v.col, v.value, v.raw, v.kind, v.unit, v.row_label, v.col_label, v.ref]
        for r in reports for v in r.values
    ]
    chk = [[r.report_id, c.check, c.rule, c.table, c.scope, c.status, c.detail] for r in reports for c in r.checks]
    return {
        "reports": pd.DataFrame(rep, columns=REPORT_COLUMNS, dtype="string"),
        "values": pd.DataFrame(val, columns=VALUE_COLUMNS, dtype="string"),
        "checks": pd.DataFrame(chk, columns=CHECK_COLUMNS, dtype="string"),
    }


def atomic_write(path: Path, write) -> None:  # type: ignore[no-untyped-def]
    """Call write(tmp_path), then rename tmp over path (same folder, so the rename is atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csvs(reports: list[Report], out: Path) -> dict[str, Path]:
    written = {}
    for name, df in frames(reports).items():
        target = out / f"{name}.csv"
        atomic_write(target, lambda tmp, df=df: df.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n"))
        written[name] = target
    return written
