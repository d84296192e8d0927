"""xxgk: 政府信息公开工作年度报告 → datasets, from Python.

    >>> import xxgk
    >>> data = xxgk.extract(["fixtures/reports/hzq2024.pdf", "fixtures/reports/2025-pingtan.html"])
    >>> data.reports[["agency", "year", "template", "status"]]
    >>> data.values.query("table == 't3' and row == 'new'")
    >>> data.panel            # one row per report, one column per canonical cell
    >>> data.write("output/", formats=("csv", "parquet"))

`extract` takes files and folders (as `xxgk extract` does) and returns the same tables
the command writes, as pandas DataFrames, reading each document in a supervised worker
(workers=, time_limit=, memory_limit=). `extract_report(bytes, source)` reads one document
into a `Report` record, in this process.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xxgk.parsers import EXTRACTOR_VERSION, Check, DocumentError, ParseSettings, Report, Value, XxgkError
    from xxgk.parsers import extract as extract_report
    from xxgk.pipeline.api import Dataset, codebook_frame, extract

# `import xxgk` stays light (no pandas, no PDF stack): each name is imported on first use.
_LAZY = {
    "EXTRACTOR_VERSION": ("xxgk.parsers", "EXTRACTOR_VERSION"),
    "Check": ("xxgk.parsers", "Check"),
    "DocumentError": ("xxgk.parsers", "DocumentError"),
    "ParseSettings": ("xxgk.parsers", "ParseSettings"),
    "Report": ("xxgk.parsers", "Report"),
    "Value": ("xxgk.parsers", "Value"),
    "XxgkError": ("xxgk.parsers", "XxgkError"),
    "extract_report": ("xxgk.parsers", "extract"),
    "Dataset": ("xxgk.pipeline.api", "Dataset"),
    "codebook_frame": ("xxgk.pipeline.api", "codebook_frame"),
    "extract": ("xxgk.pipeline.api", "extract"),
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'xxgk' has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = getattr(import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
