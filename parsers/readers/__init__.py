"""Readers: document bytes → `Document` (text lines and grids), one module per format.

`read(data, source)` sniffs the format from the bytes (never from the file name,
which is often wrong on government sites) and calls the matching reader.
"""

from __future__ import annotations

from ..encoding import decode
from ..errors import UnsupportedFormat
from ..model import Document
from ..settings import DEFAULT, ParseSettings
from . import docx, html, pdf, text

_HTML_MARKERS = ("<html", "<!doctype html", "<table", "<body", "<head", "<meta", "<div", "<p>", "<p ")


def sniff(data: bytes) -> str:
    """'pdf', 'docx', 'html' or 'text' from the bytes; UnsupportedFormat otherwise."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx" if b"word/" in data[:65536] or b"[Content_Types].xml" in data[:65536] else "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    probe = data[:4096].lower()
    if any(m.encode() in probe for m in _HTML_MARKERS):
        return "html"
    return "text"


def read(data: bytes, source: str = "", settings: ParseSettings = DEFAULT) -> Document:
    if not data:
        raise UnsupportedFormat("the file is empty (0 bytes)", source=source)
    kind = sniff(data)
    if kind == "pdf":
        return pdf.read(data, source, settings)
    if kind == "docx":
        return docx.read(data, source)
    if kind == "zip":
        raise UnsupportedFormat("a ZIP archive that is not a Word document (DOCX)", source=source)
    if kind == "ole":
        raise UnsupportedFormat(
            "a legacy Office file (.doc/.wps/.xls); convert it to DOCX or PDF first, "
            "e.g. `libreoffice --headless --convert-to docx FILE`",
            source=source,
        )
    decoded, _ = decode(data, source)
    if kind == "html":
        return html.read_text(decoded, source)
    return text.read_text(decoded, source)
