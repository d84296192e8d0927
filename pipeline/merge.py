"""`xxgk merge DIR... --out OUT`: one dataset from the output folders of several crawls (the shards of a
registry run with `--shard I/N` on several machines or timers, or any crawls or extractions).

Each folder's reports are read back as records (reports.csv as published, the values, checks and
narrative from the extraction saved in its state.sqlite or .xxgk/results.sqlite), so the merged
run is written as one run is: the same report once, cross-year checks and 内容雷同 across the shards
(a copy between two shards is found), one QA page. coverage.csv keeps, for each body and year, the
best row any shard has (published over unreadable over missing); history.csv joins every version.
The folders are only read (SQLite read-only); OUT is written under its lock, as one set.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

from xxgk.parsers import EXTRACTOR_VERSION, Report
from xxgk.parsers.errors import ConfigError
from xxgk.parsers.model import report_from_dict

from .cache import newest_extraction
from .columns import COLUMNS, read_table
from .datasets import write_reports
from .publish import OutputLock
from .runner import failed_report

SAVED = ("state.sqlite", ".xxgk/results.sqlite")  # a crawl's state, an extract run's result cache
_RANK = {"published": 0, "unreadable": 1, "missing": 2}


def _saved(folder: Path) -> list[sqlite3.Connection]:
    dbs = []
    for name in SAVED:
        path = folder / name
        if path.exists():
            try:
                dbs.append(sqlite3.connect(f"file:{path}?mode=ro", uri=True))
            except sqlite3.Error as exc:
                raise ConfigError(f"{path} cannot be read ({exc})") from None
    return dbs


def _extraction(dbs: list[sqlite3.Connection], sha: str) -> dict | None:
    """The saved extraction of these bytes: this extractor version's first, else the newest."""
    for db in dbs:
        table = "extractions" if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'extractions'").fetchone() else "results"
        try:
            found = newest_extraction(db, table, sha, EXTRACTOR_VERSION)
        except sqlite3.Error:
            continue
        if found is not None:
            return found
    return None


def records(folder: Path) -> list[Report]:
    """The reports a folder published, as records."""
    if not (folder / "reports.csv").exists():
        raise ConfigError(f"{folder}: no reports.csv (is it the --out of an xxgk run?)")
    dbs = _saved(folder)
    out: list[Report] = []
    try:
        for row in read_table(folder, "reports").to_dict("records"):
            meta = {k: ("" if pd.isna(v) else v) for k, v in row.items()}
            saved = _extraction(dbs, str(meta["sha256"])) if meta["sha256"] else None
            if saved is None:
                r = failed_report(str(meta["source"]), str(meta["error"]) or "merge: no saved extraction")
                r.report_id = str(meta["report_id"])
            else:
                r = report_from_dict(saved)
            for name in ("source", "found_on", "notes", "status", "error"):  # as the folder published them
                setattr(r, name, str(meta.get(name, "")))
            out.append(r)
    finally:
        for db in dbs:
            db.close()
    return out


def _union(folders: list[Path], name: str) -> pd.DataFrame | None:
    frames = [read_table(f, name) for f in folders if (f / f"{name}.csv").exists()]
    return pd.concat(frames, ignore_index=True) if frames else None


def _rows(df: pd.DataFrame, name: str) -> list[list[str]]:
    cols = [c[0] for c in COLUMNS[name]]
    return [["" if pd.isna(v) else str(v) for v in row] for row in df[cols].itertuples(index=False)]


def merge(folders: list[Path], out: Path, formats: tuple[str, ...] = ("csv",), csv_encoding: str = "utf-8-sig") -> tuple[list[Report], list[Path]]:
    for f in folders:
        if not f.is_dir():
            raise ConfigError(f"{f}: no such folder")
        if f.resolve() == out.resolve():
            raise ConfigError(f"{f} is also --out: merge into a new folder")
    reports = [r for f in folders for r in records(f)]
    extra: dict[str, list[list[str]]] = {}
    cov = _union(folders, "coverage")
    if cov is not None:
        cov = cov.assign(_rank=cov["status"].map(_RANK)).sort_values(["agency", "year", "_rank"], kind="stable")
        extra["coverage"] = _rows(cov.drop_duplicates(["agency", "year"]), "coverage")
    hist = _union(folders, "history")
    if hist is not None:
        hist = hist.groupby(["url", "sha256"], as_index=False, sort=False).agg(
            {"report_id": "first", "first_seen": "min", "last_seen": "max", "status": "last"})
        extra["history"] = _rows(hist, "history")
    with OutputLock(out):
        return reports, write_reports(reports, out, formats, csv_encoding, extra)
