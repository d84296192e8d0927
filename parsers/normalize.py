"""Label normalisation: one function chain, used for every label everywhere.

    squash("（三） 不予公 开")      -> "(三)不予公开"     NFKC, one quote style, no whitespace
    strip_ordinal("(三)不予公开")   -> "不予公开"         drops 一、 (一) 1. 1、 (1) ①
    core("（二）部分公开（区分处理的，只计这一情形，不计其他情形）") -> "部分公开"
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"', "〝": '"', "〞": '"'})
_SPACE = re.compile(r"\s+")
# 一、 / (一) / 1. / 1、 / (1) / 1) / ① … at the start; NFKC has already made them half-width.
_ORDINAL = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十]+\)|\d+[.、)]|\(\d+\))"
)
_PAREN = re.compile(r"\([^()]*\)")


@lru_cache(maxsize=65536)  # labels repeat across cells and documents
def squash(text: str | None) -> str:
    """NFKC, curly quotes made straight, every whitespace character removed."""
    if not text:
        return ""
    s = _SPACE.sub("", unicodedata.normalize("NFKC", text).translate(_QUOTES))
    # NFKC can leave a space before a combining mark (´ -> " \u0301"): compose again once it is gone.
    return unicodedata.normalize("NFKC", s).translate(_QUOTES)


def strip_ordinal(text: str) -> str:
    """Drop leading ordinals (repeatedly: "三、(一)予以公开" -> "予以公开")."""
    prev = None
    while prev != text:
        prev, text = text, _ORDINAL.sub("", text, count=1)
    return text


@lru_cache(maxsize=65536)
def core(text: str | None) -> str:
    """The part of a label that identifies it: squashed, no ordinal, no (annotation)."""
    s = squash(text)
    while True:  # until stable: dropping "(注)" can bare an ordinal ("(注)1.其他" -> "1.其他" -> "其他")
        t = strip_ordinal(s)
        t = _PAREN.sub("", t) or t
        if t == s:
            return s
        s = t
