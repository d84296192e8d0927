"""The Python API behind `import xxgk`: extract files and folders into DataFrames, write them as the CLI does."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from xxgk.parsers import Report
from xxgk.parsers.errors import ConfigError
from xxgk.parsers.settings import ParseSettings

from .batch import extract_in_process, extract_supervised
from .corrections import Corrections
from .corrections import load as load_corrections
from .corrections import load_reviews
from .datasets import codebook, tables, write_reports
from .inputs import expand
from .writers import CSV_ENCODINGS, chosen_formats
from .pool import DEFAULT_MEMORY_MB, DEFAULT_SECONDS, Limits
from .publish import OutputLock

__all__ = ["Dataset", "codebook_frame", "extract"]


class Dataset:
    """The tables of one extraction run, and the records they were made from.

    The DataFrames are built from the records the first time one of them is read (all at once,
    13 ms for one report; the 450-column panel is most of it): a caller that only writes the
    files, or reads `records`, never pays for them."""

    def __init__(self, records: list[Report], corrections: Corrections | None = None) -> None:
        self.records = records
        self._corrections = corrections
        self._tables: dict[str, pd.DataFrame] | None = None

    def _table(self, name: str) -> pd.DataFrame:
        if self._tables is None:
            self._tables = tables(self.records, self._corrections)
        return self._tables[name]

    @property
    def corrections(self) -> Corrections | None:
        """A reviewer's corrections, applied beside the printed values; what was applied and what matched
        nothing is counted as the tables are made, so reading this makes them."""
        if self._corrections is not None:
            self._table("values")
        return self._corrections

    reports = property(lambda self: self._table("reports"), doc="one row per document")
    values = property(lambda self: self._table("values"), doc="one row per cell read, with where it came from")
    checks = property(lambda self: self._table("checks"), doc="one row per identity checked (勾稽关系)")
    narrative = property(lambda self: self._table("narrative"), doc="figures quoted in the text")
    panel = property(lambda self: self._table("panel"), doc="one row per report, one column per canonical cell")
    similarity = property(lambda self: self._table("similarity"), doc="pairs of near-identical narratives (内容雷同)")

    def __repr__(self) -> str:
        return f"<xxgk.Dataset of {len(self.records)} reports>"

    def write(self, out: str | Path, formats: Iterable[str] = ("csv",), csv_encoding: str = "utf-8-sig") -> list[Path]:
        """Write the files `xxgk extract --out OUT --format …` writes (datasets, codebook, datapackage.json,
        report.html), published as one set under the same lock; returns their paths."""
        chosen = chosen_formats(formats)
        if csv_encoding not in CSV_ENCODINGS:
            raise ConfigError(f"csv_encoding {csv_encoding!r}: choose from {', '.join(CSV_ENCODINGS)}")
        with OutputLock(Path(out)):
            return write_reports(self.records, Path(out), chosen, csv_encoding, corrections=self._corrections)


def extract(inputs: list[str | Path] | str | Path, workers: int | None = None, time_limit: float = DEFAULT_SECONDS,
            memory_limit: int = DEFAULT_MEMORY_MB, in_process: bool = False,
            settings: ParseSettings | dict | None = None, corrections: str | Path | None = None,
            reviews: str | Path | None = None) -> Dataset:
    """Extract files and folders (searched recursively) into DataFrames; never raises for a bad document.

    Documents are read as `xxgk extract` reads them: in `workers` processes (default: the cores),
    each within `time_limit` seconds and `memory_limit` MB, so a PDF bomb costs a worker, not your
    interpreter. `in_process=True` reads them here instead, with no limits (for a debugger).
    `settings` (a ParseSettings, or a dict of its fields) changes the thresholds; each report's
    `extractor_version` says which were used. `corrections` and `reviews` are a reviewer's files (as
    `--corrections`, `--reviews`). A bad option is a ConfigError (a ValueError)."""
    limits = Limits(time_limit, memory_limit)
    parse = ParseSettings.resolve(settings)
    if workers is not None and workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    items = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    paths = expand([str(i) for i in items])
    reports = extract_in_process(paths, parse) if in_process else extract_supervised(paths, workers, limits, parse)
    fixes = load_corrections(Path(corrections)) if corrections is not None else None
    if reviews is not None:
        fixes = load_reviews(Path(reviews), fixes)
    return Dataset(reports, fixes)


def codebook_frame() -> pd.DataFrame:
    """Every canonical cell: wide-panel name, table, row, col, Chinese and English labels, type, unit."""
    return pd.DataFrame([e.__dict__ for e in codebook()])
