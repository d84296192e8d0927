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
from .markup import C0_CONTROLS

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_NOISE = re.compile(f"[{re.escape(C0_CONTROLS)}\ufffd\ue000-\uf8ff]")
# The same characters in UTF-8 bytes, counted at C speed instead of by a regex over every character
# of the text (1 ms of a 200 KB page; these counts take 0.5): a control is one byte that no
# multi-byte sequence holds; U+E000-U+EFFF starts with EE, U+F000-U+F8FF with EF 80-A3, and U+FFFD
# is EF BF BD. (One regex for the three ran slower than the one over the text.)
_NOISE_CONTROL_BYTES = C0_CONTROLS.encode("ascii")
_PRIVATE_USE_EF = re.compile(rb"\xef[\x80-\xa3]")


def utf8_noise(data: bytes) -> int:
    """How many noise characters (_NOISE) valid UTF-8 bytes decode to."""
    controls = len(data) - len(data.translate(None, _NOISE_CONTROL_BYTES))
    return controls + data.count(b"\xee") + len(_PRIVATE_USE_EF.findall(data)) + data.count(b"\xef\xbf\xbd")


def _plausible(noise: int, length: int) -> bool:
    """Few control, replacement or private-use characters: real text, not binary."""
    return noise <= max(2, length // 200)


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
        if _plausible(utf8_noise(data) if name == "utf-8" else len(_NOISE.findall(text)), len(text)):
            return text, name
    best = from_bytes(data).best()
    if best is not None and best.encoding:
        text = str(best)
        if _plausible(len(_NOISE.findall(text)), len(text)):
            return text, best.encoding
    raise UnsupportedFormat("bytes are neither a known document format nor readable text", source=source)
