"""The Python API behind `import xxgk`: extract files and folders into DataFrames."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from xxgk.parsers import Report
from .batch import extract_in_process
from .datasets import codebook, tables
from .inputs import expand

__all__ = ["Dataset", "codebook_frame", "extract"]


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
