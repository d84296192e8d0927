"""xxgk: 政府信息公开工作年度报告 → datasets, from Python.

    >>> import xxgk
    >>> data = xxgk.extract(["fixtures/reports/hzq2024.pdf", "fixtures/reports/2025-pingtan.html"])
    >>> data.reports[["agency", "year", "template", "status"]]
    >>> data.values.query("table == 't3' and row == 'new'")
    >>> data.panel            # one row per report, one column per canonical cell

`extract` takes files and folders (as `xxgk extract` does) and returns the same tables
the command writes, as pandas DataFrames. `extract_report(bytes, source)` reads one
document into a `Report` record.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from parsers import (
    EXTRACTOR_VERSION,
    Check,
    DocumentError,
    Report,
    Value,
    XxgkError,
)
from parsers import extract as extract_report
from pipeline.datasets import codebook, tables
from pipeline.inputs import expand
from pipeline.batch import extract_in_process

__all__ = ["EXTRACTOR_VERSION", "Check", "Dataset", "DocumentError", "Report", "Value", "XxgkError",
           "codebook_frame", "extract", "extract_report"]


@dataclass
class Dataset:
    """The tables of one extraction run."""

    reports: pd.DataFrame
    values: pd.DataFrame
    checks: pd.DataFrame
    narrative: pd.DataFrame
    panel: pd.DataFrame
    records: list[Report]


def extract(inputs: list[str | Path] | str | Path) -> Dataset:
    """Extract files and folders (searched recursively) into DataFrames; never raises for a bad document."""
    items = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    reports = extract_in_process(expand([str(i) for i in items]))
    tabs = tables(reports)
    return Dataset(tabs["reports"], tabs["values"], tabs["checks"], tabs["narrative"], tabs["panel"], reports)


def codebook_frame() -> pd.DataFrame:
    """Every canonical cell: wide-panel name, table, row, col, Chinese and English labels, type, unit."""
    return pd.DataFrame([e.__dict__ for e in codebook()])
