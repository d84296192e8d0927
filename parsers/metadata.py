"""Title, publishing agency and statistics year, from a document's text lines.

    year     the title's year, else the statistics-period sentence (统计期限自2023年1月1日…),
             else a leading "2020年…" in the first lines, else a year in the file name
    title    the HTML <title> or the first line that reads like a report title,
             with the agency line printed above it joined in front
    agency   the title's words before the year; else the body's "本报告由X编制" or
             "2020年X严格贯彻…"; then widened to the longest form the text prints
             ("洪泽区人民政府" → "淮安市洪泽区人民政府")

jieba splits sentences into words so that an agency name starts and ends on word
boundaries; a small user dictionary keeps agency suffixes whole.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources


# Words that end an agency name, longest first (the user dictionary keeps them whole).
AGENCY_SUFFIXES = (
    "街道办事处", "人民政府", "综合实验区", "管理委员会", "管委会", "委员会", "办事处",
    "办公室", "办公厅", "街道", "政府", "局", "厅", "镇", "乡", "中心", "署", "院",
)
# Tokens that cannot be part of an agency name: scanning back from the suffix stops there.
_STOP = re.compile(r"^(?:\d+|年|年度|本|我|我区|我市|我县|由|对|在|根据|按照|以|为|和|与|及|的|了|报告|是|将|"
                   r"上半年|下半年|全年|今年|本年|本年度|上年|去年|季度)$")
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")
_PLACE_END = ("省", "市", "区", "县", "州", "盟", "旗", "自治区", "地区")

# "…政府信息公开工作年度报告", also with the year inside ("…政府信息公开工作2023年度报告").
_TITLE = re.compile(r"(政府|政务)信息公开(工作)?((19|20)\d{2}\s*年)?(年度|度)?(报告|年报)|信息公开.{0,6}情况的报告|信息公开工作年度报告")
# Where the body's name ends in a title: before its year, or before the words 政府信息公开 / 政务公开
# ("苏州市生态环境局政府信息公开工作年度报告（2023年）": the agency is 苏州市生态环境局).
_NAME_END = re.compile(r"(?:19|20)\d{2}\s*年|(?:政府|政务)信息公开|政务公开|信息公开")
# What an annual report's own title looks like (template-spec §10.2), and what only looks like one:
# 解读/图解 pages, notices about compiling reports, half-year statistics, the 年报 column itself.
REPORT_TITLE = re.compile(
    r"(?:(?:19|20)\d{2}\s*年(?:度)?.*?(?:政府|政务)信息公开(?:工作)?(?:年度)?(?:报告|年报))"
    r"|(?:关于(?:19|20)\d{2}\s*年度?政府信息公开(?:工作)?情况的报告)"
    r"|(?:(?:政府|政务)信息公开(?:工作)?年度报告)"
    r"|(?:(?:政府|政务)信息公开(?:工作)?(?:19|20)\d{2}\s*年度?(?:报告|年报))"
)
NOT_REPORT_TITLE = re.compile(r"解读|图解|一图读懂|编制|发布工作|的通知|格式|上半年|半年|季度|统计数据|意见征集|目录")


def is_report_title(text: str) -> bool:
    """True for the title of an annual report itself (not a 解读, a notice or a list page)."""
    t = tidy(text)
    return bool(REPORT_TITLE.search(t)) and not NOT_REPORT_TITLE.search(t)
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年")
_PERIOD = re.compile(r"统计(?:期限|时限|期间|区间|时间)[^0-9]{0,6}((?:19|20)\d{2})\s*年")
_LEADING_YEAR = re.compile(r"^((?:19|20)\d{2})\s*年度?[，,、]?")
_FILE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_PAGE_NUMBER = re.compile(r"^[-—\s]*\d+[-—\s]*$")


def page_title(text: str) -> str:
    """A web page's title without its column and site: "<report title>_<column>_<site>" is the usual
    CMS pattern (the HTML <title>, and the Title a browser writes into a PDF it prints)."""
    return re.split(r"\s*[_|]\s*|\s+-\s+", text.strip())[0]


def pdf_title_hint(title: str) -> str:
    """A PDF's Title property as a title hint, when it reads as a dated report title (a browser
    writes the page's <title> there; WPS often a bare 政府信息公开工作年度报告, or the file name)."""
    t = tidy(page_title(title))
    return t if _YEAR_IN_TITLE.search(t) and _TITLE.search(t) else ""


# A date as reports print it: 2024-01-20, 2024/1/20, 2024.01.20, 2024年1月20日.
_DATE = r"((?:19|20)\d{2})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})\s*日?"
# 发布日期 2024-01-20, or a bare 时间：/日期： as CMS pages print it beside 来源 (never 统计时间：, the period).
_DATE_LABELLED = re.compile(r"(?:(?:发布|发文|成文|公开|印发|生成)(?:日期|时间)\s*[:：]?|(?<!统计)(?<!期限)(?:日期|时间)\s*[:：])\s*"
                            + _DATE)
_DATE_ALONE = re.compile(r"^\s*" + _DATE + r"\s*$")
_DATE_ANY = re.compile(_DATE)


def _iso(m: re.Match[str] | None, year: str) -> str:
    """An ISO date from a match, if it is a real date no earlier than the year the report covers."""
    if m is None:
        return ""
    y, mo, d = (int(g) for g in m.groups()[:3])
    try:
        day = date(y, mo, d)
    except ValueError:
        return ""
    return day.isoformat() if not year.isdigit() or y >= int(year) else ""


def find_published(lines: list[str], hint: str, year: str) -> str:
    """The publication date the document prints: a 发布日期/发文日期/成文日期 line, else the page's
    PubDate meta, else a date alone on one of the last lines (the date the report is signed)."""
    for line in lines[:80]:
        found = _iso(_DATE_LABELLED.search(tidy(line)), year)
        if found:
            return found
    found = _iso(_DATE_ANY.search(hint), year)
    if found:
        return found
    for line in reversed(lines[-60:]):
        found = _iso(_DATE_ALONE.match(tidy(line)), year)
        if found:
            return found
    return ""


@dataclass(frozen=True)
class Metadata:
    title: str
    agency: str
    year: str
    published_on: str = ""


@lru_cache(maxsize=1)
def _tokenizer():  # type: ignore[no-untyped-def]
    """jieba's tokenizer on xxgk's small word list (jieba_words.txt, made by
    fixtures/make/make_jieba_words.py: 0.03 s to load, jieba's full dictionary 0.5 s) with the
    agency suffixes as words; jieba is loaded here, on first use."""
    with warnings.catch_warnings():  # jieba's "pkg_resources is deprecated" is not for xxgk's users to read
        warnings.simplefilter("ignore", UserWarning)
        import jieba
    jieba.setLogLevel(logging.ERROR)
    tk = jieba.Tokenizer(dictionary=str(resources.files("xxgk.parsers").joinpath("jieba_words.txt")))
    for w in AGENCY_SUFFIXES + ("综合实验区", "开发区", "高新区"):
        tk.add_word(w, freq=100000)
    return tk


_SPACES = re.compile(r"\s+")
_SPACE_BY_CJK = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")


@lru_cache(maxsize=4096)  # the title, date and year searches tidy the same first lines
def tidy(text: str) -> str:
    """Drop the spaces PDF text puts between Chinese characters and numbers."""
    return _SPACE_BY_CJK.sub("", _SPACES.sub(" ", text).strip())


def find_title(lines: list[str], hint: str = "") -> str:
    if hint and _TITLE.search(tidy(hint)):
        return tidy(hint)
    head = [tidy(ln) for ln in lines[:40] if not _PAGE_NUMBER.match(ln)]
    for i, line in enumerate(head):
        if _TITLE.search(line) and len(line) <= 60:
            # A title wrapped inside its brackets: "…年度报告（测试样例：" / "数据为虚构）".
            j = i
            while line.count("（") > line.count("）") and j + 1 < len(head) and j < i + 2:
                j += 1
                line += head[j]
            # A title starting with its year may have the agency on the line above
            # ("洪泽区人民政府" / "2023年政府信息公开工作年度报告").
            starts_with_year = _YEAR_IN_TITLE.match(line) is not None
            if starts_with_year and i > 0 and head[i - 1].endswith(AGENCY_SUFFIXES) and len(head[i - 1]) <= 30:
                return head[i - 1] + line
            return line
    return ""


def find_year(title: str, lines: list[str], source: str) -> str:
    m = _YEAR_IN_TITLE.search(title)
    if m:
        return m.group(1)
    text = tidy(" ".join(lines[:80]))
    m = _PERIOD.search(text)
    if m:
        return m.group(1)
    for line in lines[:40]:
        m = _LEADING_YEAR.match(tidy(line))
        if m:
            return m.group(1)
    name = re.split(r"[\\/]", source)[-1]
    m = _FILE_YEAR.search(name)
    return m.group(1) if m else ""


def _agency_at(tokens: list[str], end: int) -> str:
    """The agency name ending with tokens[end]: scan back to a stop word."""
    start = end
    while start > 0 and _CJK.match(tokens[start - 1]) and not _STOP.match(tokens[start - 1]):
        start -= 1
    return "".join(tokens[start : end + 1])


def agency_in(sentence: str) -> str:
    """The first agency name in a sentence, on jieba word boundaries."""
    tokens = list(_tokenizer().cut(sentence))
    for i, tok in enumerate(tokens):
        if not tok.endswith(AGENCY_SUFFIXES):
            continue
        # 人民政府办公室 compiles the report of 人民政府: the agency is the government.
        if tok == "办公室" and i > 0 and tokens[i - 1].endswith("人民政府"):
            return _agency_at(tokens, i - 1)
        # Keep going while the next word is another suffix (港湾街道 + 办事处).
        j = i
        while j + 1 < len(tokens) and tokens[j + 1].endswith(AGENCY_SUFFIXES) and tokens[j + 1] != "办公室":
            j += 1
        name = _agency_at(tokens, j)
        if len(name) >= 3:
            return name
    return ""


def widen(agency: str, text: str) -> str:
    """The longest form the text prints with place names in front ("淮安市" + "洪泽区人民政府")."""
    best = agency
    for m in re.finditer(re.escape(agency), text):
        # "福建省平潭综合实验区管理委员会办公室" names another body (its 管委会); only the agency itself,
        # or the office that compiles its report (…人民政府办公室), widens it.
        after = text[m.end() : m.end() + 6]
        if after.startswith(AGENCY_SUFFIXES) and not after.startswith(("办公室", "办公厅")):
            continue
        before = text[max(0, m.start() - 20) : m.start()]
        tokens = list(_tokenizer().cut(before))
        places = []
        for tok in reversed(tokens):
            if _CJK.match(tok) and tok.endswith(_PLACE_END) and not _STOP.match(tok):
                places.insert(0, tok)
            else:
                break
        prefix = "".join(places)
        if prefix and not agency.startswith(prefix) and len(prefix + agency) > len(best):
            best = prefix + agency
    return best


# The line where a CMS page prints the body it comes from.
_SOURCE_LINE = re.compile(r"^(?:发布机构|发文机关|发布单位|信息来源|来源)[:：]\s*([^\s|｜]{3,40})")


def find_agency(title: str, lines: list[str], source_hint: str = "") -> str:
    agency = ""
    m = _NAME_END.search(title)
    lead = title[: m.start()] if m else ""
    if lead.endswith("人民") and title[m.start():].startswith("政府"):  # 某市人民政府信息公开…: 人民 + 政府信息公开
        lead += "政府"
    lead = re.sub(r"^[《“\"]*(?:关于)?", "", lead).strip()
    if len(lead) >= 3:
        agency = lead
    body = [tidy(ln) for ln in lines[:60]]
    if not agency:
        for line in body:
            m2 = re.search(r"本报告(?:是)?由(.{2,40}?)(?:根据|依据|按照|编制|制作)", line)
            if m2:
                agency = agency_in(m2.group(1))
                if agency:
                    break
    if not agency:
        for line in body:
            m3 = _LEADING_YEAR.match(line)
            if m3 and not _TITLE.search(line):  # "2025年度政府信息公开工作年度报告" names no body
                agency = agency_in(line[m3.end() : m3.end() + 40])
                if agency:
                    break
    if not agency:
        # A page titled only "2023年政府信息公开工作年度报告": the body its CMS says it comes from,
        # printed (发布机构：…) or declared (<meta name="ContentSource">); its 办公室 compiles for it.
        declared = [m.group(1) for line in body if (m := _SOURCE_LINE.match(line))] + [source_hint]
        agency = next((found for d in declared if d and (found := agency_in(tidy(d)))), "")
    if agency:
        agency = widen(agency, "".join(body))
    return agency


def extract_metadata(lines: list[str], title_hint: str, source: str, published_hint: str = "",
                     source_hint: str = "") -> Metadata:
    title = find_title(lines, title_hint)
    year = find_year(title, lines, source)
    return Metadata(title=title, agency=find_agency(title, lines, source_hint), year=year,
                    published_on=find_published(lines, published_hint, year))
