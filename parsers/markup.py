"""One way to parse HTML text, for the report reader (readers/html.py) and the crawl's link finder
(links.py): lxml's HTML parser (libxml2, what bs4's "lxml" builder runs too) used directly, since
building bs4's Python objects cost 1.06 s of 2.0 s on 24 pages and 1.6 s of 1.7 s on a list page of
20000 links."""

from __future__ import annotations

import re

from lxml import etree

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")  # lxml refuses an encoding declaration in a str
# lxml keeps these from a damaged page but refuses them in any text it is given back (found by bench/fuzz.py).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_html(text: str) -> etree._Element:
    """The tree of a page or of a fragment (a markdown export's <table> block); an empty <html> for
    one with nothing in it. ValueError or etree.ParserError for text lxml cannot take."""
    doc = etree.fromstring(_CONTROL.sub("", _XML_DECL.sub("", text)) or "<html></html>", etree.HTMLParser())
    return doc if doc is not None else etree.fromstring("<html></html>", etree.HTMLParser())

