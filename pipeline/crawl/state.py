"""Crawl state in one SQLite file, and the content-addressed store of fetched bodies.

    documents    one row per URL found: kind (list/report/attachment), the page it came
                 from, title, validators (ETag, Last-Modified), current sha256, status, the seed
                 whose crawl found it
    fetches      every response received: url, final url, status, headers, time, sha256
    extractions  one extraction result per (sha256, extractor version), as JSON
    runs         one row per run with its counts

Bodies live in STORE/ab/abcdef… named by their sha256, written to a temporary name and
renamed, then recorded: a run killed at any moment leaves at worst an unrecorded body,
which the next run fetches again. Every write is one transaction. The schema is built by
numbered migrations recorded in `migrations`, so an older state file is upgraded in place.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from xxgk.parsers.errors import ConfigError
from xxgk.parsers.model import READ

from ..cache import is_transient, newest_extraction, open_db
from ..writers import temporary_file

MIGRATIONS: list[tuple[str, str]] = [
    ("001_initial", """
        CREATE TABLE documents (
            url TEXT PRIMARY KEY,
            kind TEXT NOT NULL,            -- list | report | attachment
            parent TEXT,                   -- the page that linked to it
            title TEXT,
            etag TEXT,
            last_modified TEXT,
            sha256 TEXT,
            content_type TEXT,
            status TEXT,                   -- new | changed | unchanged | failed | blocked
            error TEXT,
            first_seen REAL,
            last_checked REAL
        );
        CREATE TABLE fetches (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            final_url TEXT,
            status INTEGER,
            headers TEXT,
            sha256 TEXT,
            size INTEGER,
            fetched_at REAL,
            run_id INTEGER
        );
        CREATE TABLE extractions (
            sha256 TEXT NOT NULL,
            extractor_version TEXT NOT NULL,
            report TEXT NOT NULL,          -- parsers.model.Report as JSON
            PRIMARY KEY (sha256, extractor_version)
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started REAL,
            finished REAL,
            summary TEXT
        );
    """),
    # the seed whose crawl found a document (a registry's body); no comment inside ALTER: SQLite keeps its text
    ("002_document_seed", "ALTER TABLE documents ADD COLUMN seed TEXT"),
]


class StateLocked(ConfigError):
    """Another run holds the state file."""

    kind = "locked"


class State:
    def __init__(self, path: Path, store: Path) -> None:
        self.path, self.store = path, store
        path.parent.mkdir(parents=True, exist_ok=True)
        store.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(str(path) + ".lock", "a+")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.seek(0)
            holder = self._lock_file.read().strip() or "another process"
            self._lock_file.close()
            raise StateLocked(f"{path} is in use by another xxgk run ({holder}); wait for it to finish") from None
        self._lock_file.truncate(0)
        self._lock_file.write(f"pid {os.getpid()}")
        self._lock_file.flush()
        try:
            self.db = open_db(path, "xxgk crawl state")
            self.migrate()
        except (ConfigError, sqlite3.DatabaseError) as exc:
            self._unlock()
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"{path} is not a readable xxgk crawl state ({exc}); move it away and run again "
                              "to start afresh (the fetched files in the store are kept)") from None

    def close(self) -> None:
        self.db.close()
        self._unlock()

    def _unlock(self) -> None:
        fcntl.flock(self._lock_file, fcntl.LOCK_UN)
        self._lock_file.close()

    def migrate(self) -> list[str]:
        self.db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied REAL)")
        done = {r[0] for r in self.db.execute("SELECT name FROM migrations")}
        applied = []
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            with self.tx():
                for stmt in filter(str.strip, sql.split(";")):
                    self.db.execute(stmt)
                self.db.execute("INSERT INTO migrations VALUES (?, ?)", (name, time.time()))
            applied.append(name)
        return applied

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ---- the content-addressed store ----------------------------------------------------
    def blob_path(self, sha256: str) -> Path:
        return self.store / sha256[:2] / sha256

    def put_blob(self, body: bytes) -> str:
        sha = hashlib.sha256(body).hexdigest()
        target = self.blob_path(sha)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = temporary_file(target.parent, ".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(body)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        return sha

    def has_blob(self, sha256: str | None) -> bool:
        return bool(sha256) and self.blob_path(sha256).exists()  # type: ignore[arg-type]

    def read_blob(self, sha256: str) -> bytes:
        return self.blob_path(sha256).read_bytes()

    # ---- documents, fetches, extractions -----------------------------------------------
    def document(self, url: str) -> sqlite3.Row | None:
        self.db.row_factory = sqlite3.Row
        row = self.db.execute("SELECT * FROM documents WHERE url = ?", (url,)).fetchone()
        self.db.row_factory = None
        return row

    def upsert_document(self, url: str, **fields: object) -> None:
        now = time.time()
        with self.tx():
            if self.db.execute("SELECT 1 FROM documents WHERE url = ?", (url,)).fetchone() is None:
                self.db.execute("INSERT INTO documents (url, kind, first_seen) VALUES (?, ?, ?)",
                                (url, fields.get("kind", "report"), now))
            if fields:
                cols = ", ".join(f"{k} = ?" for k in fields)
                self.db.execute(f"UPDATE documents SET {cols}, last_checked = ? WHERE url = ?", (*fields.values(), now, url))

    def log_fetch(self, url: str, final_url: str, status: int, headers: dict[str, str], sha256: str | None,
                  size: int, run_id: int) -> None:
        with self.tx():
            self.db.execute(
                "INSERT INTO fetches (url, final_url, status, headers, sha256, size, fetched_at, run_id) VALUES (?,?,?,?,?,?,?,?)",
                (url, final_url, status, json.dumps(headers, ensure_ascii=False), sha256, size, time.time(), run_id),
            )

    def extraction(self, sha256: str, version: str) -> dict | None:
        row = self.db.execute("SELECT report FROM extractions WHERE sha256 = ? AND extractor_version = ?",
                              (sha256, version)).fetchone()
        return json.loads(row[0]) if row else None

    def save_extraction(self, sha256: str, version: str, report: dict) -> None:
        if is_transient(report):  # a limit hit under load or a crashed worker says nothing about the bytes
            return
        with self.tx():
            self.db.execute("INSERT OR REPLACE INTO extractions VALUES (?, ?, ?)",
                            (sha256, version, json.dumps(report, ensure_ascii=False)))

    def last_good(self, url: str, current: str | None, version: str) -> tuple[str, dict, float] | None:
        """The newest earlier body of `url` that read as a report (ok or partial): sha256, report, fetch time."""
        rows = self.db.execute("SELECT sha256, max(fetched_at) FROM fetches WHERE url = ? AND sha256 IS NOT NULL "
                               "AND sha256 != ? GROUP BY sha256 ORDER BY 2 DESC", (url, current or "")).fetchall()
        for sha, when in rows:
            report = self.extraction(sha, version)
            if report is not None and report.get("status") in READ and self.has_blob(sha):
                return sha, report, when
        return None

    def extraction_any(self, sha256: str, version: str) -> dict | None:
        """A body's saved result under `version`, else under the newest other one."""
        return newest_extraction(self.db, "extractions", sha256, version)

    def versions(self) -> list[tuple[str, str, float, float]]:
        """Every distinct body fetched at a report or attachment URL: (url, sha256, first, last fetch time)."""
        return self.db.execute(
            "SELECT f.url, f.sha256, min(f.fetched_at), max(f.fetched_at) FROM fetches f JOIN documents d ON d.url = f.url "
            "WHERE d.kind IN ('report', 'attachment') AND f.sha256 IS NOT NULL GROUP BY f.url, f.sha256 "
            "ORDER BY f.url, min(f.fetched_at)").fetchall()

    def documents(self, kinds: tuple[str, ...] = ("report", "attachment")) -> list[sqlite3.Row]:
        self.db.row_factory = sqlite3.Row
        q = f"SELECT * FROM documents WHERE kind IN ({','.join('?' * len(kinds))}) ORDER BY first_seen, url"
        rows = self.db.execute(q, kinds).fetchall()
        self.db.row_factory = None
        return rows

    def start_run(self) -> int:
        with self.tx():
            cur = self.db.execute("INSERT INTO runs (started) VALUES (?)", (time.time(),))
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, summary: dict) -> None:
        with self.tx():
            self.db.execute("UPDATE runs SET finished = ?, summary = ? WHERE id = ?",
                            (time.time(), json.dumps(summary, ensure_ascii=False), run_id))
