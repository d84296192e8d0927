"""Turn command-line INPUTs (files, folders) into the list of documents to read."""

from __future__ import annotations

from pathlib import Path

from xxgk.parsers.errors import ConfigError

# Folders are searched for these; a file named on the command line is read whatever its name.
DOCUMENT_SUFFIXES = {".pdf", ".html", ".htm", ".shtml", ".xhtml", ".txt", ".md", ".docx", ".doc", ".wps"}
SKIP_NAMES = {"readme.md", "readme.txt", "license.txt", "changelog.md"}


def expand(inputs: list[str]) -> list[Path]:
    """Files as given; folders searched recursively for documents, in sorted order."""
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            out.extend(
                f for f in sorted(p.rglob("*"))
                if f.is_file() and f.suffix.lower() in DOCUMENT_SUFFIXES and f.name.lower() not in SKIP_NAMES
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
        elif p.is_file():
            out.append(p)
        else:
            raise ConfigError(f"{item}: no such file or folder")
    return out
