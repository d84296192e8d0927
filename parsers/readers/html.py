"""HTML pages: every innermost <table> becomes a grid; page text gives the metadata.

Government CMS pages wrap the article in layout tables, so only tables that hold
no other table are read. Cell text keeps line breaks from <br>, <p> and <div>
(so "<p>3</p><p>3</p>" stays two lines and is never read as 33); &nbsp; and
spaces stay as printed and are handled by the label and value parsers.

The page is parsed with lxml's HTML parser directly: it is the parser bs4's "lxml"
builder drives, but building the tree in C made the reader 6x faster on the
Pingtan pages (bs4 spent 1.06 s of 2.0 s building Python objects for 24 pages).
Plain etree elements (not lxml.html's classes) skip a class lookup per element.
"""

from __future__ import annotations

import base64
import binascii
import re

from lxml import etree

from ..errors import CorruptDocument
from ..grid import RawCell, expand, holds_numbers, span
from ..links import ATTACHMENT
from ..markup import parse_html
from ..metadata import is_report_title, page_title
from ..model import Document, Grid

_BLOCK = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "section", "article"}
_DROP = ("script", "style", "noscript", "template")


def _mark_blocks(doc: etree._Element) -> None:
    """Put a line break before each block element's text and after its end, once for the page,
    so that the text of every element (_text) keeps its lines."""
    for el in doc.iter(*_BLOCK):
        el.text = "\n" + (el.text or "")
        el.tail = "\n" + (el.tail or "")


_BLANK_LINES = re.compile(r"\n\s*\n+")


# All the text of an element's subtree, as itertext() gives it, concatenated in C: "".join(itertext())
# made a Python string of every text node first (1.5 ms for a page's body; this takes 0.1 ms).
_STRING = etree.XPath("string()", smart_strings=False)


def _text(el: etree._Element) -> str:
    """Text of an element with its line breaks (after _mark_blocks), comments already dropped."""
    return _BLANK_LINES.sub("\n", _STRING(el)).strip()


def _grid(table: etree._Element, ref: str) -> Grid:
    rows: list[list[RawCell]] = []
    for r, tr in enumerate(table.iter("tr")):
        cells = [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
        rows.append([RawCell(_text(c), span(c.get("rowspan")), span(c.get("colspan")), f"{ref} r{r + 1}c{i + 1}")
                     for i, c in enumerate(cells)])
    return Grid(rows=expand(rows), ref=ref)


def _innermost_tables(doc: etree._Element) -> list[etree._Element]:
    return [t for t in doc.iter("table") if t.find(".//table") is None]


def table_grids(markup: str, ref: str) -> list[Grid]:
    """The tables of an HTML fragment (a markdown export's <table> block, as MinerU writes them)."""
    try:
        doc = parse_html(markup)
    except (etree.ParserError, ValueError):
        return []
    _mark_blocks(doc)
    tables = _innermost_tables(doc)
    return [_grid(t, ref if len(tables) == 1 else f"{ref} table{i + 1}") for i, t in enumerate(tables)]


def _title(doc: etree._Element) -> str:
    """The page's own title of its article: CMS pages (TRS and its kin) carry it in
    <meta name="ArticleTitle">, more exactly than a <title> of "<article>_<column>_<site>"
    or one of the column alone; whichever reads as a report title, that first."""
    tag = doc.find(".//title")
    page = page_title(_STRING(tag)) if tag is not None else ""
    article = next((m.get("content", "").strip() for m in doc.iter("meta")
                    if (m.get("name") or "").lower() == "articletitle"), "")
    return article if article and is_report_title(article) and not is_report_title(page) else page


# CMS meta tags that carry the publication date (TRS: PubDate; others: pubdate, publishdate …).
_DATE_META = ("pubdate", "publishdate", "firstpublishedtime", "published_time", "article:published_time", "dc.date")


# CMS meta tags that name the body a page comes from (TRS: ContentSource).
_SOURCE_META = ("contentsource",)


def _meta(doc: etree._Element, names: tuple[str, ...]) -> str:
    """The first of these meta tags the page fills in, as written (metadata.py reads it)."""
    for m in doc.iter("meta"):
        if (m.get("name") or m.get("property") or "").lower() in names and m.get("content", "").strip():
            return m.get("content", "").strip()
    return ""


def _drop(el: etree._Element) -> None:
    """Remove an element and its content, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def read_text(text: str, source: str = "") -> Document:
    try:
        doc = parse_html(text)
    except (etree.ParserError, ValueError) as exc:
        raise CorruptDocument(f"the HTML cannot be parsed ({exc})", source=source) from exc
    for el in list(doc.iter(*_DROP, etree.Comment, etree.ProcessingInstruction)):
        _drop(el)
    _mark_blocks(doc)
    grids = [_grid(t, f"html table{i + 1}") for i, t in enumerate(_innermost_tables(doc))]
    body = doc.find("body")
    lines = [ln.strip() for ln in _text(body if body is not None else doc).splitlines() if ln.strip()]
    attachments = [a.get("href", "") for a in doc.iter("a") if ATTACHMENT.search(a.get("href", "").split("?")[0])]
    # Only a page whose tables hold no numbers may show its tables as pictures: only its images are looked at.
    pictures = not any(holds_numbers(g) for g in grids)
    return Document(format="html", lines=lines, grids=grids, title_hint=_title(doc), attachments=attachments,
                    image_links=_table_images(body if body is not None else doc) if pictures else [],
                    images=_inline_images(doc) if pictures else [], published_hint=_meta(doc, _DATE_META),
                    source_hint=_meta(doc, _SOURCE_META))


MAX_INLINE_IMAGE = 20 * 1024 * 1024  # bytes of one decoded data: image
MAX_IMAGE_LINKS = 12  # <img src> URLs of a page's table sections (the crawl fetches those on the page's host)


# Where a report's tables stand: from the caption of 表二, 表三 or 表四 (二、主动公开政府信息情况 …)
# to the section after them (五、存在的主要问题). Pictures outside are the site's logos and QR codes.
_TABLE_SECTION = re.compile(r"主动公开政府信息情况|收到和处理政府信息公开申请情况|行政复议.{0,3}行政诉讼情况")
_AFTER_TABLES = re.compile(r"[五六]、\s*(?:存在的主要问题|其他需要报告)")


def _table_images(body: etree._Element) -> list[str]:
    """The <img src> URLs (not data: URIs) printed among the report's table sections, in page order."""
    out: list[str] = []
    inside = False
    for el in body.iter():
        if el.tag == "img" and inside:
            src = (el.get("src") or "").strip()
            if src and not src.lower().startswith("data:") and src not in out:
                out.append(src)
        text = el.text or ""
        if _TABLE_SECTION.search(text):
            inside = True
        elif inside and _AFTER_TABLES.search(text):
            break
    return out[:MAX_IMAGE_LINKS]


def _inline_images(doc: etree._Element) -> list[bytes]:
    """The page's images inlined as base64 data: URIs (a CMS editor's pasted screenshots of tables)."""
    out = []
    for img in doc.iter("img"):
        src = (img.get("src") or "").strip()
        head, _, payload = src.partition(",")
        if not (head.lower().startswith("data:image/") and head.lower().endswith(";base64")):
            continue
        if len(payload) * 3 // 4 > MAX_INLINE_IMAGE:
            continue
        try:
            out.append(base64.b64decode(payload, validate=False))
        except (binascii.Error, ValueError):
            continue
    return out
