"""One document at a time: its bytes to a Report, an unexpected exception to a `failed` row that says it is a bug."""

from __future__ import annotations

import hashlib
import logging
import traceback
from pathlib import Path

from xxgk.parsers.model import Report, report_id
from xxgk.parsers.settings import ParseSettings

log = logging.getLogger("xxgk.runner")


def failed_report(source: str, error: str) -> Report:
    """A `failed` row for a document whose bytes were never had; its id comes from the source."""
    r = Report(report_id="u" + hashlib.sha256(source.encode("utf-8")).hexdigest()[:15], source=source, format="", sha256="")
    r.status, r.error = "failed", error
    return r


def extract_bytes(data: bytes, source: str, settings: ParseSettings | None = None, images: tuple[bytes, ...] = ()) -> Report:
    """extract(), with an unexpected exception turned into a `failed` row that says it is a bug."""
    from xxgk.parsers.report import extract  # the reader stack: loaded in the worker, never in the parent

    try:
        return extract(data, source, settings, images)
    except Exception as exc:  # a bug in xxgk, not a bad document: say so, and go on
        log.error("internal error reading %s (please report it with this traceback)", source, exc_info=True)
        r = Report(report_id=report_id(data), source=source, format="", sha256=hashlib.sha256(data).hexdigest())
        last = traceback.extract_tb(exc.__traceback__)[-1]
        r.status = "failed"
        r.error = f"internal_error: {type(exc).__name__}: {exc} (at {Path(last.filename).name}:{last.lineno}); please report it"
        return r


def extract_path(path: Path, source: str | None = None, settings: ParseSettings | None = None,
                 images: tuple[str, ...] = ()) -> Report:
    """Read one file (and the images a crawl fetched for it) and extract it; an unexpected exception
    becomes a `failed` row."""
    source = source or str(path)
    try:
        data = path.read_bytes()
        pictures = tuple(Path(p).read_bytes() for p in images)
    except OSError as exc:
        return failed_report(source, f"unreadable_file: {exc.strerror or exc}")
    return extract_bytes(data, source, settings, pictures)
