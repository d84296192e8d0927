"""Writing files safely: atomic (a crashed run never leaves a half file that looks whole), and cells
that a spreadsheet cannot mistake for formulas."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from xxgk.parsers.errors import ConfigError


# The dataset formats a run can write, and the CSV encodings (gb18030 for an old Excel in Chinese Windows).
FORMATS = ("csv", "parquet", "dta", "xlsx", "sqlite")
CSV_ENCODINGS = {"utf-8-sig": "utf-8-sig", "utf-8": "utf-8", "gb18030": "gb18030"}


def chosen_formats(names: Iterable[str]) -> tuple[str, ...]:
    """The formats asked for, once each in the order given; ConfigError (a ValueError) naming any that is unknown."""
    chosen = tuple(dict.fromkeys(n.strip().lower() for n in names if n.strip()))
    bad = [n for n in chosen if n not in FORMATS]
    if bad or not chosen:
        raise ConfigError(f"{', '.join(bad) or 'none given'}: choose from {', '.join(FORMATS)}")
    return chosen


def file_mode() -> int:
    """The mode open() would give a new file under the current umask (mkstemp gives 0600 whatever it is)."""
    try:  # Linux: read it without changing it (os.umask() sets it, a race with other threads)
        with open("/proc/self/status", encoding="ascii") as f:
            mask = next(int(line.split()[1], 8) for line in f if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError):
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def temporary_file(folder: Path, prefix: str) -> tuple[int, str]:
    """mkstemp in `folder`, with the umask's mode, so the file renamed into place is as readable as any other."""
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    os.fchmod(fd, file_mode())
    return fd, tmp


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call write(tmp_path), then rename tmp over path (same folder, so the rename is atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temporary_file(path.parent, f".{path.name}.")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---- cells safe to open in a spreadsheet (OWASP CSV injection) ----------------------------
# A cell whose text comes from a document (a title, a label, a file name) and starts with one of
# these is run as a formula by Excel, LibreOffice and WPS; a leading ' makes it plain text.
# A plain number ("-5") or a run of dashes ("-", "—") is left alone: no spreadsheet runs it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HARMLESS = re.compile(r"[+-]?\d+(?:\.\d+)?|[-—–]+")


def _needs_quote(s: str) -> bool:
    bare = s.lstrip("'")
    return bare.startswith(FORMULA_START) and not _HARMLESS.fullmatch(bare)


def safe_cell(s: str) -> str:
    """The text as a spreadsheet shows it and never runs it: "=HYPERLINK(…)" → "'=HYPERLINK(…)"."""
    return "'" + s if s and s[0] in "'=+-@\t\r" and _needs_quote(s) else s


def unsafe_cell(s: str) -> str:
    """The inverse of safe_cell (reading our own CSV back): "'=…" → "=…", anything else unchanged."""
    return s[1:] if s.startswith("'") and _needs_quote(s[1:]) else s
