"""Reading one cell's printed text as a value, without ever inventing one.

    parse_value("22（其中修订16件）") -> Parsed("22", "number")
    parse_value("251000元")          -> Parsed("251000", "number", unit="元")
    parse_value("－8")               -> Parsed("-8", "number")
    parse_value("/")                 -> Parsed("", "slash")
    parse_value("")                  -> Parsed("", "blank")      a blank is never a 0
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .model import Kind

# Printed when a cell has nothing to report; each keeps `value` empty.
_SLASH = {"/", "\\", "／"}
_DASH = {"-", "--", "—", "——", "–", "―", "─", "－"}
_NONE_WORDS = {"无", "空", "N/A", "n/a", "NA", "暂无"}
_UNITS = "万元|元|件|条|项|个|次|人次|家|%"
_NUMBER = re.compile(
    rf"^(?P<sign>[+-]?)(?P<int>\d{{1,3}}(?:,\d{{3}})+|\d+)(?P<frac>\.\d+)?(?P<unit>{_UNITS})?(?P<note>\(.*\))?$"
)


@dataclass(frozen=True)
class Parsed:
    value: str  # canonical number text, "" where the cell holds none
    kind: Kind
    unit: str = ""


@lru_cache(maxsize=65536)  # a table's cells repeat ("0", "1", "/") within a report and across a batch
def parse_value(raw: str | None) -> Parsed:
    if raw is None:
        return Parsed("", "blank")
    s = unicodedata.normalize("NFKC", raw).strip().replace("−", "-")
    # "3 3" is two numbers run together (or one letter-spaced): either way not one value.
    if re.search(r"\d\s+[\d.]", s):
        return Parsed("", "text")
    s = re.sub(r"\s+", "", s)
    if s == "":
        return Parsed("", "blank")
    if s in _SLASH:
        return Parsed("", "slash")
    if s in _DASH:
        return Parsed("", "dash")
    if s in _NONE_WORDS:
        return Parsed("", "none")
    m = _NUMBER.match(s)
    if not m:
        return Parsed("", "text")
    digits = m["int"].replace(",", "").lstrip("0") or "0"
    frac = m["frac"] or ""
    sign = "-" if m["sign"] == "-" and (digits != "0" or frac.strip(".0")) else ""
    return Parsed(f"{sign}{digits}{frac}", "number", m["unit"] or "")


def is_value_like(raw: str | None) -> bool:
    """True for a cell that can stand in a value column: a number or a blank marker."""
    return parse_value(raw).kind != "text"
