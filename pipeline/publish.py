"""One output set at a time, replaced as one.

    with OutputLock(out):           a second run on the same --out says so (exit 2) and touches nothing
        stage = Staging(out)        OUT/.staging-…/: every file of the run is written here first
        ...                         write the files into stage.path
        stage.publish(names)        journal, then one rename per file; outputs of this run's kind
                                    that it did not write (a format not chosen this time) are removed

A publication is a journal (OUT/.publish.json, written and fsynced before the first
rename) and a rename per file, each atomic on its own. A run killed between two renames
leaves the journal behind, and the next run on OUT finishes the renames before anything
else (`recover`), so OUT never stays half old, half new. A staging folder without a journal
belongs to a run that never published: its files are removed (its documents are in the
result cache). A failed write (a full disk) removes the staging folder and leaves the
published files as they were.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from xxgk.parsers.errors import ConfigError, OutputError

log = logging.getLogger("xxgk.publish")
LOCK_NAME = ".xxgk.lock"
JOURNAL = ".publish.json"
STAGING_PREFIX = ".staging-"


class OutputLocked(ConfigError):
    """Another xxgk run is writing into the same --out."""

    kind = "locked"


class OutputLock:
    """An exclusive lock on an output folder, held for a whole run (flock: released if the process dies)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._f = None

    def __enter__(self) -> OutputLock:
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            f = open(self.out / LOCK_NAME, "a+")
        except OSError as exc:
            raise OutputError(f"cannot write into {self.out} ({exc.strerror or exc})") from None
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            f.close()
            raise OutputLocked(f"{self.out} is in use by another xxgk run ({holder}); wait for it to finish "
                               "or choose another --out") from None
        f.truncate(0)
        f.write(f"pid {os.getpid()}")
        f.flush()
        self._f = f
        recover(self.out)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._f is not None:
            fcntl.flock(self._f, fcntl.LOCK_UN)
            self._f.close()
            self._f = None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def recover(out: Path) -> None:
    """Finish a publication a killed run left half done; remove what runs that never published left."""
    journal = out / JOURNAL
    if journal.exists():
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            plan = None
        if plan:
            stage = out / plan["stage"]
            moved = _apply(stage, out, plan["files"], plan["remove"])
            log.warning("finished publishing the outputs of an interrupted run in %s (%d files)", out, moved)
        journal.unlink(missing_ok=True)
    for stale in out.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in out.glob(".*.tmp"):  # atomic_write's temporaries of a run that was killed
        stale.unlink(missing_ok=True)


def _apply(stage: Path, out: Path, files: list[str], remove: list[str]) -> int:
    moved = 0
    for name in files:
        if (stage / name).exists():
            (out / name).parent.mkdir(exist_ok=True)  # pages/ (one page per report)
            os.replace(stage / name, out / name)
            moved += 1
    for name in remove:
        (out / name).unlink(missing_ok=True)
    _fsync_dir(out)
    return moved


class Staging:
    """A private folder inside OUT (same file system, so every rename into OUT is atomic)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))

    def publish(self, files: list[str], kinds: set[str]) -> list[Path]:
        """Move `files` into OUT as one set; remove outputs named in `kinds` that this run did not write."""
        for name in files:
            with open(self.path / name, "rb") as f:
                os.fsync(f.fileno())
        remove = sorted(k for k in kinds if k not in files and (self.out / k).exists())
        journal = self.out / JOURNAL
        tmp = self.path / JOURNAL
        tmp.write_text(json.dumps({"stage": self.path.name, "files": files, "remove": remove}), encoding="utf-8")
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, journal)
        _fsync_dir(self.out)
        _apply(self.path, self.out, files, remove)
        journal.unlink()
        self.discard()
        return [self.out / name for name in files]

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def describe_os_error(exc: OSError, out: Path) -> OutputError:
    """A write that failed, as an error naming the folder (a full disk above all)."""
    if exc.errno == errno.ENOSPC:
        why = "no space left on the device"
    elif exc.errno == errno.EDQUOT:
        why = "disk quota exceeded"
    else:
        why = exc.strerror or str(exc)
    return OutputError(f"could not write the datasets into {out}: {why}; the previous outputs there are unchanged")
