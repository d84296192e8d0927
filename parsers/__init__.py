"""xxgk parsers: pure functions from document bytes to canonical records.

No network, no files, no clock: `extract(data, source)` reads the bytes it is
given and returns a `Report`. Everything with side effects lives in `pipeline`.
"""

from .errors import (
    ConfigError,
    CorruptDocument,
    DocumentError,
    EncryptedDocument,
    NoTextLayer,
    UnsupportedFormat,
    XxgkError,
)
from typing import TYPE_CHECKING, Any

from .model import Check, Report, Value
from .settings import EXTRACTOR_VERSION, ParseSettings

if TYPE_CHECKING:
    from .report import extract

__all__ = [
    "EXTRACTOR_VERSION",
    "Check",
    "ConfigError",
    "CorruptDocument",
    "DocumentError",
    "EncryptedDocument",
    "NoTextLayer",
    "ParseSettings",
    "Report",
    "UnsupportedFormat",
    "Value",
    "XxgkError",
    "extract",
]


def __getattr__(name: str) -> Any:
    # `extract` brings the readers (pypdfium2, pdfplumber's table finder, lxml, python-docx, jieba):
    # loaded on first use, so that the records, errors and settings stay light to import.
    if name == "extract":
        from .report import extract

        return extract
    raise AttributeError(f"module 'xxgk.parsers' has no attribute {name!r}")
