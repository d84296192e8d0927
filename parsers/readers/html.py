"""HTML pages: every innermost <table> becomes a grid; page text gives the metadata.

Government CMS pages wrap the article in layout tables, so only tables that hold
no other table are read. Cell text keeps line breaks from <br>, <p> and <div>
(so "<p>3</p><p>3</p>" stays two lines and is never read as 33); &nbsp; and
spaces stay as printed and are handled by the label and value parsers.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from ..grid import RawCell, expand, span
from ..model import Document, Grid

_BLOCK = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
_DROP = ("script", "style", "noscript", "template")
_ATTACHMENT = re.compile(r"\.(pdf|docx?|wps|xlsx?)$", re.I)


def _cell_text(cell: Tag) -> str:
    parts: list[str] = []
    for node in cell.descendants:
        if isinstance(node, NavigableString):
            if not isinstance(node, Comment):
                parts.append(str(node))
        elif isinstance(node, Tag) and node.name in _BLOCK:
            parts.append("\n")
    return re.sub(r"\n\s*\n+", "\n", "".join(parts)).strip()


def _own_rows(table: Tag) -> list[Tag]:
    """The <tr> of this table, not of tables nested in it."""
    return [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]


def _grid(table: Tag, number: int) -> Grid:
    rows: list[list[RawCell]] = []
    for r, tr in enumerate(_own_rows(table)):
        cells = [c for c in tr.find_all(["td", "th"]) if c.find_parent("tr") is tr]
        rows.append(
            [
                RawCell(_cell_text(c), span(c.get("rowspan")), span(c.get("colspan")), f"html table{number} r{r + 1}c{i + 1}")
                for i, c in enumerate(cells)
            ]
        )
    return Grid(rows=expand(rows), ref=f"html table{number}")


def _title(soup: BeautifulSoup) -> str:
    tag = soup.find("title")
    if tag is None:
        return ""
    # "<report title>_<column>_<site>" is the usual CMS pattern.
    return re.split(r"\s*[_|]\s*|\s+-\s+", tag.get_text(strip=True))[0]


def read_text(text: str, source: str = "") -> Document:
    soup = BeautifulSoup(text, "lxml")
    for tag in soup(list(_DROP)):
        tag.decompose()
    tables = [t for t in soup.find_all("table") if t.find("table") is None]
    grids = [_grid(t, i + 1) for i, t in enumerate(tables)]
    body = soup.body or soup
    lines = [ln.strip() for ln in body.get_text("\n").splitlines() if ln.strip()]
    attachments = [a["href"] for a in soup.find_all("a", href=True) if _ATTACHMENT.search(a["href"].split("?")[0])]
    return Document(format="html", lines=lines, grids=grids, title_hint=_title(soup), attachments=attachments)
