"""The Python API behind `import xxgk`: extract files and folders into DataFrames, write them as the CLI does."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from xxgk.parsers import Report
from .batch import extract_in_process, extract_supervised
from .datasets import CSV_ENCODINGS, chosen_formats, codebook, tables, write_reports
from .inputs import expand
from .pool import DEFAULT_MEMORY_MB, DEFAULT_SECONDS, MIN_MEMORY_MB, Limits
from .publish import OutputLock

__all__ = ["Dataset", "codebook_frame", "extract"]


@dataclass
class Dataset:
    """The tables of one extraction run, and the records they were made from."""

    reports: pd.DataFrame
    values: pd.DataFrame
    checks: pd.DataFrame
    narrative: pd.DataFrame
    panel: pd.DataFrame
    records: list[Report]

    def write(self, out: str | Path, formats: Iterable[str] = ("csv",), csv_encoding: str = "utf-8-sig") -> list[Path]:
        """Write the files `xxgk extract --out OUT --format …` writes (datasets, codebook, datapackage.json,
        report.html), published as one set under the same lock; returns their paths."""
        chosen = chosen_formats(formats)
        if csv_encoding not in CSV_ENCODINGS:
            raise ValueError(f"csv_encoding {csv_encoding!r}: choose from {', '.join(CSV_ENCODINGS)}")
        with OutputLock(Path(out)):
            return write_reports(self.records, Path(out), chosen, csv_encoding)


def extract(inputs: list[str | Path] | str | Path, workers: int | None = None, time_limit: float = DEFAULT_SECONDS,
            memory_limit: int = DEFAULT_MEMORY_MB, in_process: bool = False) -> Dataset:
    """Extract files and folders (searched recursively) into DataFrames; never raises for a bad document.

    Documents are read as `xxgk extract` reads them: in `workers` processes (default: the cores),
    each within `time_limit` seconds and `memory_limit` MB, so a PDF bomb costs a worker, not your
    interpreter. `in_process=True` reads them here instead, with no limits (for a debugger)."""
    if not time_limit > 0:
        raise ValueError(f"time_limit must be > 0 seconds, got {time_limit}")
    if memory_limit < MIN_MEMORY_MB:
        raise ValueError(f"memory_limit must be at least {MIN_MEMORY_MB} MB, got {memory_limit}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    items = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    paths = expand([str(i) for i in items])
    reports = extract_in_process(paths) if in_process else extract_supervised(paths, workers, Limits(time_limit, memory_limit))
    tabs = tables(reports)
    return Dataset(tabs["reports"], tabs["values"], tabs["checks"], tabs["narrative"], tabs["panel"], reports)


def codebook_frame() -> pd.DataFrame:
    """Every canonical cell: wide-panel name, table, row, col, Chinese and English labels, type, unit."""
    return pd.DataFrame([e.__dict__ for e in codebook()])
