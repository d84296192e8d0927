"""Turn command-line INPUTs (files, folders) into the list of documents to read.

File names are bytes on Linux, and not always UTF-8 (unzipping a Chinese Windows archive
gives GBK names). Such a name is read as it is and goes into the datasets as `source_name`
writes it: each byte that is not UTF-8 as \\xNN (and a backslash in such a name as \\\\), which
`path_of` turns back into the same bytes.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from xxgk.parsers.errors import ConfigError

# Folders are searched for these; a file named on the command line is read whatever its name.
# One list for the code, `xxgk extract --help` and the README (tests/test_api.py checks both).
DOCUMENT_SUFFIXES = (".pdf", ".html", ".htm", ".shtml", ".xhtml", ".txt", ".md", ".docx", ".doc", ".wps", ".rtf", ".xls", ".xlsx", ".et")
SKIP_NAMES = {"readme.md", "readme.txt", "license.txt", "changelog.md"}
_ESCAPE = re.compile(r"\\x([0-9a-f]{2})|\\\\")


def source_name(path: Path | str) -> str:
    """A path as text that every file format can hold; the same bytes give the same text, forever."""
    raw = os.fsencode(path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.replace(b"\\", b"\\\\").decode("utf-8", errors="backslashreplace")


def path_of(source: str) -> Path:
    """The inverse of source_name: the file a `source` in reports.csv names."""
    if os.path.exists(source) or "\\" not in source:
        return Path(source)
    raw = _ESCAPE.sub(lambda m: "\\" if m.group(1) is None else chr(0xDC00 + int(m.group(1), 16)), source)
    return Path(raw)  # lone surrogates are os.fsencode's way of holding the original bytes


@dataclass
class Inputs:
    paths: list[Path] = field(default_factory=list)  # documents to read, in order
    missing: list[str] = field(default_factory=list)  # inputs that name no file or folder (each a failed row)


def expand(inputs: list[str]) -> Inputs:
    """Files as given; folders searched recursively for documents, in sorted order; the missing listed."""
    found = Inputs()
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found.paths.extend(
                f for f in sorted(p.rglob("*"))
                if f.is_file() and f.suffix.lower() in DOCUMENT_SUFFIXES and f.name.lower() not in SKIP_NAMES
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
        elif p.is_file():
            found.paths.append(p)
        else:
            found.missing.append(item)
    return found


def csv_rows(path: Path, what: str, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """A CSV a person wrote (a registry, corrections, reviews) as (line number, row), headers and cells
    stripped; a ConfigError that names the file for one that cannot be read or lacks a `required` column."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such {what} file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8: save it as CSV UTF-8 (Excel: 'CSV UTF-8'; WPS: UTF-8)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from None
    rows = csv.DictReader(text.splitlines())
    header = [(h or "").strip() for h in rows.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise ConfigError(f"{path}: the header needs the columns {', '.join(required)} (missing {', '.join(missing)}); "
                          f"it has {', '.join(header) or 'none'}")
    for line, raw in enumerate(rows, start=2):
        yield line, {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
