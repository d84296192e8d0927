"""Decode the bytes of a web page or text export without trusting what it claims.

Chinese government pages are UTF-8, GB2312, GBK or GB18030, and their meta tags
are often missing or wrong. UTF-8 is tried first because GBK text is almost
never valid UTF-8; GB18030 (a superset of GB2312 and GBK) second; then
charset-normalizer's guess. Text that decodes but reads as noise is refused.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from .errors import UnsupportedFormat

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_NOISE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd\ue000-\uf8ff]")


def _plausible(text: str) -> bool:
    """Few control, replacement or private-use characters: real text, not binary."""
    return len(_NOISE.findall(text)) <= max(2, len(text) // 200)


def decode(data: bytes, source: str = "") -> tuple[str, str]:
    """Return (text, encoding name) or raise UnsupportedFormat."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name, errors="replace"), name
    for name in ("utf-8", "gb18030"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            return text, name
    best = from_bytes(data).best()
    if best is not None and best.encoding:
        text = str(best)
        if _plausible(text):
            return text, best.encoding
    raise UnsupportedFormat("bytes are neither a known document format nor readable text", source=source)
