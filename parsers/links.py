"""Links: which links of a page lead to annual reports (the crawl's discovery). Pure functions over HTML.

    links(html, base_url)   every <a href> with its text, made absolute
    classify(link, ...)     report | attachment | list | skip, from the title and URL
      report      the title reads like an annual report (template-spec §10.2 title patterns)
      attachment  PDF, DOC, DOCX, WPS, XLS(X) — kept when linked from a report page
      list        pagination (下一页, index_1.html, ?page=2, numbered pager) or a 年报 column
      skip        解读/图解 pages, notices about compiling reports, half-year statistics, the rest
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree

from .markup import parse_html
from .metadata import NOT_REPORT_TITLE, is_report_title

SKIP_TITLE = NOT_REPORT_TITLE
# A linked document, by the end of its path (or of its link text): the HTML reader and the crawl both ask.
ATTACHMENT = re.compile(r"\.(pdf|docx?|wps|rtf|xlsx?|et)(?:$|\?)", re.I)
PAGER_TEXT = re.compile(r"^(?:下一页|下页|后页|尾页|末页|>|»|\d{1,3})$")
PAGER_URL = re.compile(r"(?:index_\d+\.s?html?$)|(?:[?&](?:page|pageNo|pageIndex|currentPage|p)=\d+)|(?:/page/\d+)|(?:_\d+\.s?html?$)", re.I)
# Navigation that leads towards the 年报 column (from a home or 政务公开 page); 指南, 制度 … do not.
COLUMN_TEXT = re.compile(r"^(?:政务公开|信息公开|政府信息公开|法定主动公开内容)$|年报|年度报告")
COLUMN_URL = re.compile(r"zfxxgknb|zfxgknb|xxgknb|zfxxgkndbg|ndbg|annualreport", re.I)
WEB_PAGE = re.compile(r"(?:\.s?html?|\.jsp|\.php|\.aspx?|/)(?:$|\?)|/[^./?]+(?:$|\?)", re.I)

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Link:
    url: str
    text: str


def links(html: str, base_url: str) -> list[Link]:
    """Every <a href> of the page with its text, made absolute (a <base href> counts), each URL once."""
    try:
        doc = parse_html(html)
    except (etree.ParserError, ValueError):
        return []
    base = doc.find(".//base[@href]")
    if base is not None:
        base_url = urljoin(base_url, base.get("href", ""))
    out: list[Link] = []
    seen: set[str] = set()
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        url = urldefrag(urljoin(base_url, href))[0]
        if urlsplit(url).scheme not in ("http", "https") or url in seen:
            continue
        seen.add(url)
        # CMS lists cut long titles ("平潭综合实验区2025年度政府…") and keep the whole one in title=.
        anchor = _SPACE.sub("", _text(a))
        title = _SPACE.sub("", a.get("title") or "")
        text = title if len(title) >= len(anchor) else anchor
        out.append(Link(url, text))
    return out


def _text(el) -> str:  # type: ignore[no-untyped-def]
    """What a reader sees of an element: its text and its children's, not comments, scripts or styles."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag not in ("script", "style", "template"):
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def classify(link: Link) -> str:
    """report | attachment | list | skip."""
    text, url = link.text, link.url
    if ATTACHMENT.search(urlsplit(url).path) or ATTACHMENT.search(text):
        return "attachment"
    if is_report_title(text):
        return "report"
    if SKIP_TITLE.search(text):
        return "skip"
    if PAGER_TEXT.match(text) and (PAGER_URL.search(url) or text in ("下一页", "下页", "后页", "尾页", "末页")):
        return "list"
    if COLUMN_URL.search(url) and WEB_PAGE.search(urlsplit(url).path + ("?" + urlsplit(url).query if urlsplit(url).query else "")):
        return "list" if not re.search(r"/t\d{8}_|/content_|/art/", url) else "skip"
    if COLUMN_TEXT.search(text) and len(text) <= 16:
        return "list"
    return "skip"
