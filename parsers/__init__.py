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
from .model import Check, Report, Value
from .report import EXTRACTOR_VERSION, extract
from .settings import ParseSettings

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
