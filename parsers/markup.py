"""One way to parse HTML text, for the report reader (readers/html.py) and the crawl's link finder
(links.py): lxml's HTML parser (libxml2, what bs4's "lxml" builder runs too) used directly, since
building bs4's Python objects cost 1.06 s of 2.0 s on 24 pages and 1.6 s of 1.7 s on a list page of
20000 links."""

from __future__ import annotations

import re

from lxml import etree

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")  # lxml refuses an encoding declaration in a str
# The C0 control characters but tab, line feed and carriage return: no text holds them; decode()
# counts them as noise (encoding.py).
C0_CONTROLS = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]))
# lxml keeps these and DEL from a damaged page but refuses them in any text it is given back (found
# by bench/fuzz.py).
_CONTROL = re.compile(f"[{re.escape(C0_CONTROLS)}\x7f]")
# The same characters as UTF-8 bytes, where none is part of a multi-byte sequence: a page almost never
# holds one, and its bytes say so in 0.3 ms where the regex's pass over every character took 0.7-0.9.
_CONTROL_BYTES = (C0_CONTROLS + "\x7f").encode("ascii")


def without_controls(text: str) -> str:
    """The text with the control characters lxml refuses taken out (the same text when it has none)."""
    raw = text.encode("utf-8", "surrogatepass")
    return text if len(raw.translate(None, _CONTROL_BYTES)) == len(raw) else _CONTROL.sub("", text)


def parse_html(text: str) -> etree._Element:
    """The tree of a page or of a fragment (a markdown export's <table> block); an empty <html> for
    one with nothing in it. ValueError or etree.ParserError for text lxml cannot take."""
    doc = etree.fromstring(without_controls(_XML_DECL.sub("", text)) or "<html></html>", etree.HTMLParser())
    return doc if doc is not None else etree.fromstring("<html></html>", etree.HTMLParser())

