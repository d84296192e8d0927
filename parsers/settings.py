"""ParseSettings: every threshold that changes what is extracted, in one frozen, validated place.

    ParseSettings.resolve(None)                      the defaults
    ParseSettings.resolve({"ocr_min_confidence": 0.9})
    ParseSettings.resolve(settings)                  returned as is

`extractor_version(settings)` is the code's version plus a hash of the settings, so a stored
result read under other thresholds (or after a default changed) is never taken for this one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from .errors import ConfigError

# Bump when a change of code alters what is extracted: stored results of older versions are redone.
# 2: report ids begin with a letter. 3: the settings' hash joins the version. 4: borderless PDF
# tables, the page after a table page read too, a PDF's dated Title as title hint, a cell printed
# twice with two numbers keeps neither, the agency ends before 政府信息公开 as before the year,
# spans out of line read in order, legacy formats, a page-break cut is a border, ArticleTitle meta.
# 5: checks carry their formula, both sides and their cells; the masked narrative for 内容雷同.
# 6: the publication date the document prints (published_on).
# 7: the text's 行政复议/行政诉讼 cases and 信息处理费, checked against 表四 (S6, S7, S8).
# 8: pre-2019 tables' cells as printed (legacy_values.csv). 9: print layouts cut by the page's
# edge. 10: tables as pictures linked by URL. 11: OCR recognises each text box alone; pictures
# are enlarged within bounds (ocr.py). 12: OCR finds text boxes on a page shrunk to 1600 px.
# 13: OCR pads a text box to 96 px wide, not 320, before recognising it. 14: OCR never turns a
# text box upside down (rapidocr's classifier off).
CODE_VERSION = "14"


@dataclass(frozen=True)
class ParseSettings:
    # Labels (labels.py): a bounded fuzzy match after the exact and alias tables.
    fuzzy_min_score: float = 80.0  # rapidfuzz ratio below which a label is no known one
    fuzzy_min_margin: float = 10.0  # the best key must beat the runner-up (another key) by this much
    fuzzy_min_length: int = 4  # shorter labels (其他, 总计) must match exactly
    # PDF text layer (readers/pdf.py).
    min_text_chars: int = 20  # fewer printed characters on a page: it is an image (a scan)
    # Share of a page's characters outside what a Chinese report prints, past which its text is
    # noise. Measured: 0.000 on every real fixture page, 0.87-0.96 on hzq2024 with its /ToUnicode maps removed.
    garbled_ratio: float = 0.2
    char_x_tolerance: float = 3.0  # points between two characters that make a space, as pdfplumber
    char_y_tolerance: float = 3.0  # points between midpoints that still make one line, as pdfplumber
    # Borderless tables (borderless.py), in character heights ("em") of the line.
    word_gap_em: float = 0.5  # a wider gap between characters separates two cells of a row
    stack_gap_em: float = 2.5  # header fragments of one column closer than this are one cell (商/业/企/业)
    # OCR (ocr.py, tables.py).
    ocr_dpi: int = 200
    ocr_min_confidence: float = 0.80  # a value read below this is refused (text, unreadable), never guessed

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            kind = int if f.type in ("int", int) else float
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
                raise ConfigError(f"ParseSettings.{f.name} must be {'an integer' if kind is int else 'a number'}, got {value!r}")
            if value != value or value < 0:  # NaN or negative
                raise ConfigError(f"ParseSettings.{f.name} must be ≥ 0, got {value!r}")
        for name in ("fuzzy_min_score", "fuzzy_min_margin"):
            if getattr(self, name) > 100:
                raise ConfigError(f"ParseSettings.{name} is a rapidfuzz score from 0 to 100, got {getattr(self, name)!r}")
        for name in ("garbled_ratio", "ocr_min_confidence"):
            if getattr(self, name) > 1:
                raise ConfigError(f"ParseSettings.{name} is a share from 0 to 1, got {getattr(self, name)!r}")
        if not 50 <= self.ocr_dpi <= 600:
            raise ConfigError(f"ParseSettings.ocr_dpi must be from 50 to 600, got {self.ocr_dpi!r}")

    @classmethod
    def resolve(cls, settings: ParseSettings | dict[str, Any] | None = None) -> ParseSettings:
        if settings is None:
            return DEFAULT
        if isinstance(settings, ParseSettings):
            return settings
        if isinstance(settings, dict):
            unknown = sorted(set(settings) - {f.name for f in fields(cls)})
            if unknown:
                raise ConfigError(f"unknown parse setting(s): {', '.join(unknown)}; known: {', '.join(f.name for f in fields(cls))}")
            return replace(DEFAULT, **settings)
        raise ConfigError(f"parse settings must be a ParseSettings or a dict, got {type(settings).__name__}")

    def digest(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode("ascii")).hexdigest()[:8]


DEFAULT = ParseSettings()


def extractor_version(settings: ParseSettings | None = None) -> str:
    """The code's version and the settings' hash: '3.1a2b3c4d'."""
    return f"{CODE_VERSION}.{(settings or DEFAULT).digest()}"


# What the default settings extract: stored results of another version are redone.
EXTRACTOR_VERSION = extractor_version(DEFAULT)
