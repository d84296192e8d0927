"""Readers: document bytes → `Document` (text lines and grids), one module per format.

`read(data, source)` sniffs the format from the bytes (never from the file name,
which is often wrong on government sites) and calls the matching reader.
"""

from __future__ import annotations

import re

from ..encoding import decode
from ..errors import UnsupportedFormat
from ..model import Document
from ..settings import DEFAULT, ParseSettings
from .. import ocr
from ..grid import holds_numbers
from . import docx, html, legacy, pdf, text

_HTML_MARKERS = ("<html", "<!doctype html", "<table", "<body", "<head", "<meta", "<div", "<p>", "<p ")
# A markdown export (MinerU writes its tables as inline <html><body><table> blocks) is text with
# headings or pipe rows of its own; a web page starts with markup.
_MARKDOWN_LINE = re.compile(rb"^(\s{0,3}#{1,6}\s|\s*\|.*\|\s*$)", re.M)


def sniff(data: bytes) -> str:
    """'pdf', 'docx', 'ole' (.doc/.wps/.xls/.et), 'rtf', 'xlsx', 'zip', 'html' or 'text' from the bytes."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        head = data[:65536]
        if b"word/" in head:
            return "docx"
        return "xlsx" if b"xl/" in head else "docx" if b"[Content_Types].xml" in head else "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    if data.startswith(b"{\\rtf"):
        return "rtf"
    probe = data[:4096].lower()
    if any(m.encode() in probe for m in _HTML_MARKERS):
        starts_with_markup = probe.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
        if starts_with_markup or b"<head" in probe or b"<!doctype" in probe or not _MARKDOWN_LINE.search(probe):
            return "html"
    return "text"


def _read_images(doc: Document, fetched: tuple[bytes, ...] = ()) -> Document:
    """A page with no table of numbers but images (inline, or fetched by the crawl from its links):
    its tables may be pictures. Read them by OCR (the extra), as scanned pages are; without it, say
    so (the report is then no_tables)."""
    if any(holds_numbers(g) for g in doc.grids):
        return doc
    inline = len(doc.images)
    doc.images += list(fetched)
    if not doc.images:
        return doc
    what = "linked images" if not inline else "inline images" if not fetched else "images"
    if not ocr.available():
        doc.notes.append(f"the page's tables may be its {len(doc.images)} {what}; they were not read "
                         f"({pdf.OCR_HINT})")
        return doc
    read = 0
    for n, image in enumerate(doc.images, start=1):
        try:
            grids, lines = ocr.image_grids(image, n)
        except (OSError, ValueError, SyntaxError):  # not an image PIL can decode: nothing to read in it
            continue
        read += 1
        doc.grids += grids
        doc.lines += lines
    doc.notes.append(f"OCR (rapidocr) read {read} of the page's {len(doc.images)} {what}")
    return doc


def read(data: bytes, source: str = "", settings: ParseSettings = DEFAULT, images: tuple[bytes, ...] = ()) -> Document:
    """The document's text and grids. `images`: the bytes of an HTML page's linked images, when the
    caller fetched them (the crawl does, for a page whose tables are no tables of numbers)."""
    if not data:
        raise UnsupportedFormat("the file is empty (0 bytes)", source=source)
    kind = sniff(data)
    if kind == "pdf":
        return pdf.read(data, source, settings)
    if kind == "docx":
        return docx.read(data, source)
    if kind == "zip":
        raise UnsupportedFormat("a ZIP archive that is not a Word document (DOCX)", source=source)
    if kind in ("ole", "rtf", "xlsx"):
        target, converted = legacy.convert(data, source)
        doc = docx.read(converted, source) if target == "docx" else html.read_text(decode(converted, source)[0], source)
        doc.format = kind if kind in ("rtf", "xlsx") else ("doc" if target == "docx" else "xls")
        doc.notes.append(f"converted from a legacy {'spreadsheet' if target == 'html' else 'document'} by LibreOffice")
        return doc
    decoded, _ = decode(data, source)
    if kind == "html":
        return _read_images(html.read_text(decoded, source), images)
    return text.read_text(decoded, source)
