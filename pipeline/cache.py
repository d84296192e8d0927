"""Finished documents, kept as they finish: what a cut run already did, the next run does not redo.

    cache = ResultCache(OUT / ".xxgk" / "results.sqlite")
    cache.get(sha256) / cache.put(sha256, report_dict)    keyed by (sha256, extractor version)

Every result is committed as it arrives from a worker, so kill -9, SIGTERM or a power cut
loses at most the documents that were being read. Results that say nothing about the
document itself (a time or memory limit under load, a crashed worker, an xxgk bug) are
never kept: the next run tries them again.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from pathlib import Path

from xxgk.parsers import EXTRACTOR_VERSION
from xxgk.parsers.errors import ConfigError

# Errors of the run, not of the document (pool.py and runner.py write them).
TRANSIENT = ("timeout:", "memory:", "crashed:", "internal_error:")


def is_transient(report: dict) -> bool:
    return report.get("status") == "failed" and str(report.get("error", "")).startswith(TRANSIENT)


def open_db(path: Path, what: str) -> sqlite3.Connection:
    """An SQLite file of ours, or a ConfigError that names it and says what to do (a corrupt file)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created here, so its mode follows the umask (SQLite's own is 0644 whatever the umask);
        # its -wal and -shm files take the mode of the database.
        os.close(os.open(path, os.O_CREAT | os.O_RDONLY, 0o666))
        db = sqlite3.connect(path, isolation_level=None, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except OSError as exc:
        raise ConfigError(f"cannot open the {what} {path}: {exc.strerror or exc}") from None
    except sqlite3.DatabaseError as exc:
        raise ConfigError(f"{path} is not a readable {what} ({exc}); move it away and run again to start it afresh "
                          "(the fetched files and datasets beside it are kept)") from None
    return db


def newest_extraction(db: sqlite3.Connection, table: str, sha256: str, version: str) -> dict | None:
    """A saved result of these bytes in `table` (a crawl state's extractions, a run's results): the one
    under `version` first, else the newest under another version (a report read by an earlier xxgk)."""
    row = db.execute(f"SELECT report FROM {table} WHERE sha256 = ? ORDER BY (extractor_version = ?) DESC, rowid DESC LIMIT 1",
                     (sha256, version)).fetchone()
    return json.loads(row[0]) if row else None


class ResultCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = open_db(path, "xxgk result cache")
        try:
            self.db.execute("CREATE TABLE IF NOT EXISTS results (sha256 TEXT NOT NULL, extractor_version TEXT NOT NULL, "
                            "report TEXT NOT NULL, PRIMARY KEY (sha256, extractor_version))")
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise ConfigError(f"{path} is not a readable xxgk result cache ({exc}); move it away and run again") from None

    def close(self) -> None:
        self.db.close()

    def known(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT sha256 FROM results WHERE extractor_version = ?", (EXTRACTOR_VERSION,))}

    def get(self, sha256: str) -> dict | None:
        row = self.db.execute("SELECT report FROM results WHERE sha256 = ? AND extractor_version = ?",
                              (sha256, EXTRACTOR_VERSION)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, sha256: str, report: dict) -> None:
        if is_transient(report):
            return
        try:
            self.db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?)",
                            (sha256, EXTRACTOR_VERSION, json.dumps(report, ensure_ascii=False)))
        except sqlite3.OperationalError as exc:  # SQLite's word for ENOSPC; the caller names the folder
            if "full" in str(exc):
                raise OSError(errno.ENOSPC, str(exc)) from None
            raise
