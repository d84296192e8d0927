"""The output schema of a run: every column of every table, the codebook, and reading a table back.

    COLUMNS      (name, pandas dtype, Chinese header, description) of reports, values, checks, narrative
    codebook()   every canonical cell once, with its wide-panel name (from keys.csv and keys_en.csv)
    dtypes()     the pandas type of every column, the panel included
    read_table() a CSV of a run with those types (the formula guard undone)

The writers (datasets.py, workbook.py) and the QA page (qa.py) read from here; nothing here writes.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from xxgk.parsers.schema import keys

from .writers import unsafe_cell

if TYPE_CHECKING:  # pandas loads only where a table is read back or written in another format
    import pandas as pd

# Every column of every table: (name, pandas dtype, Chinese header, description). One home.
COLUMNS: dict[str, list[tuple[str, str, str, str]]] = {
    "reports": [
        ("report_id", "string", "报告编号", "r and the first 16 hex digits of the document's sha256 (u… for a document never fetched): never read as a number"),
        ("source", "string", "来源", "path or URL as given or found"),
        ("format", "string", "格式", "pdf, html, docx, text"),
        ("title", "string", "标题", "title as printed"),
        ("agency", "string", "发布机构", "publishing agency"),
        ("year", "Int64", "统计年度", "the year the statistics cover"),
        ("template", "string", "模板", "v2019, v2021, pre2019 or unknown"),
        ("status", "string", "状态", "ok, partial, failed, not_report"),
        ("error", "string", "问题", "why the report is not ok"),
        ("notes", "string", "备注", "what was read with care (fuzzy labels, extra rows, template from the year)"),
        ("province", "string", "省", "province of the agency"),
        ("city", "string", "市", "prefecture-level city of the agency"),
        ("county", "string", "县区", "county-level division of the agency"),
        ("adcode", "string", "行政区划代码", "6-digit GB/T 2260 code of the agency's place"),
        ("level", "string", "层级", "省, 市, 县 or 乡镇街道"),
        ("agency_kind", "string", "机构类型", "government or department"),
        ("published_on", "string", "发布日期", "ISO date the document prints as its publication (发布日期/成文日期 line, the page's PubDate meta, or the date it is signed); empty if none"),
        ("sha256", "string", "SHA256", "sha256 of the document's bytes"),
        ("pages", "Int64", "页数", "pages (PDF)"),
        ("extractor_version", "string", "抽取版本", "xxgk extractor version"),
        ("found_on", "string", "所在页面", "crawls: the report page an attachment was linked from"),
    ],
    "values": [
        ("report_id", "string", "报告编号", "the report (reports.report_id)"),
        ("table", "string", "表", "t2, t3 or t4"),
        ("row", "string", "行", "canonical row key (extra_… for rows no template has)"),
        ("col", "string", "列", "canonical column key"),
        ("value", "Float64", "数值", "the number; empty for a blank, /, -, — or text"),
        ("raw", "string", "原文", "the cell's text as printed"),
        ("kind", "string", "类型", "number, blank, slash, dash, none, text"),
        ("unit", "string", "单位", "unit printed in the cell (元 …)"),
        ("row_label", "string", "行标签", "row label as printed"),
        ("col_label", "string", "列标签", "column label as printed"),
        ("source_ref", "string", "位置", "where in the document: PDF page and bbox, HTML/DOCX table row col, text line"),
        ("method", "string", "读取方式", "text (the document's text layer) or ocr (read from a page image)"),
        ("confidence", "Float64", "OCR置信度", "OCR: the lowest score of the text boxes in the cell (0-1); empty for text"),
        ("corrected_value", "Float64", "更正值", "a reviewer's correction (--corrections): the number the cell should hold; value stays as printed"),
        ("correction_reason", "string", "更正理由", "why it was corrected, from the corrections file"),
        ("corrected_by", "string", "更正人", "who corrected it, and when"),
    ],
    "checks": [
        ("report_id", "string", "报告编号", "the report (reports.report_id)"),
        ("check", "string", "检查", "t3_balance, t3_outcome_total, t3_applicant_total, t4_total, whole_counts, cross_year_carried, cross_year_in_force, narrative_applications, narrative_reviews, narrative_suits, narrative_fee"),
        ("rule", "string", "规则", "H1–H5 (hard) or S1, S2, S5–S8 (soft): the template spec's, and the text against 表四 (S6, S7) and itself on fees (S8)"),
        ("table", "string", "表", "t2, t3 or t4"),
        ("scope", "string", "范围", "the row or column tested"),
        ("status", "string", "结果", "pass, fail, unknown"),
        ("severity", "string", "级别", "error (a failure makes the report partial) or warning"),
        ("detail", "string", "说明", "the numbers"),
        ("check_id", "string", "检查编号", "check:table:scope, the same in every run (a reviews.csv row names it)"),
        ("formula", "string", "公式", "what is tested, in cell names table.row.col (t3.new.nat + t3.carried.nat = t3.total.nat + t3.forward.nat)"),
        ("lhs", "Float64", "左边", "the left side's value as printed (a sum of its cells); empty when a cell is blank"),
        ("rhs", "Float64", "右边", "the right side's value as printed; empty when a cell is blank"),
        ("cells", "string", "单元格", "the cells the check reads, space-separated table.row.col (another report's as report_id/table.row.col; H5: the cells that break it)"),
        ("basis", "string", "依据", "printed (the values as printed) or corrected (judged again on a reviewer's corrections)"),
        ("review", "string", "复核", "a reviewer's verdict (--reviews): confirmed (the source is wrong) or dismissed (an honest reason)"),
        ("review_reason", "string", "复核理由", "why, from the reviews file"),
        ("reviewed_by", "string", "复核人", "who reviewed it, and when"),
    ],
    "similarity": [
        ("report_id_a", "string", "报告编号A", "one report of the pair (the smaller report_id)"),
        ("report_id_b", "string", "报告编号B", "the other report"),
        ("agency_a", "string", "机构A", "agency of report a"),
        ("agency_b", "string", "机构B", "agency of report b"),
        ("year_a", "Int64", "年度A", "year of report a"),
        ("year_b", "Int64", "年度B", "year of report b"),
        ("similarity", "Float64", "相似度", "0-1, the measure in codebook.md (Similarity)"),
        ("kind", "string", "类型", "same_agency (one body's years) or other_agency (内容雷同 across bodies)"),
    ],
    "legacy_values": [
        ("report_id", "string", "报告编号", "the report (reports.report_id), template pre2019"),
        ("row_label", "string", "指标名称", "the row's label as printed (no canonical key: tables before the 2019 templates)"),
        ("unit", "string", "计量单位", "the unit column as printed (条, 件 …)"),
        ("col_label", "string", "列标签", "the column's label as printed (2016年度, 历年累计 …)"),
        ("value", "Float64", "数值", "the number; empty for a blank, /, -, — or text"),
        ("raw", "string", "原文", "the cell's text as printed"),
        ("kind", "string", "类型", "number, blank, slash, dash, none, text"),
        ("source_ref", "string", "位置", "where in the document: table, row, column (or PDF page and bbox)"),
    ],
    "coverage": [
        ("agency", "string", "机构", "the body, as the registry (SITES.csv) names it"),
        ("adcode", "string", "行政区划代码", "the registry's adcode, else the report's"),
        ("year", "Int64", "年度", "the year the report covers"),
        ("status", "string", "状态", "published (found and read), unreadable (found, failed), missing (none found on its seeds)"),
        ("report_id", "string", "报告编号", "the report found (reports.report_id); empty when missing"),
        ("url", "string", "网址", "where it was found"),
        ("first_seen", "string", "首次发现", "ISO 8601 time (UTC) of the first fetch that found it"),
        ("published_on", "string", "发布日期", "the publication date the page or document prints (ISO date); empty if none"),
        ("deadline", "string", "截止日期", "31 March of the next year for a 人民政府's own report, 31 January for departments and every other body (条例 第四十九条)"),
        ("on_time", "string", "按时发布", "true/false: published_on on or before deadline; without a printed date, true if a crawl found it by the deadline; else empty"),
        ("versions", "Int64", "版本数", "distinct bodies seen at that URL over all runs (history.csv lists them)"),
    ],
    "history": [
        ("url", "string", "网址", "a report or attachment URL"),
        ("sha256", "string", "SHA256", "sha256 of one body served there"),
        ("report_id", "string", "报告编号", "that body's report_id (its values are in values.csv when it was read as a report)"),
        ("first_seen", "string", "首次获取", "ISO 8601 time (UTC) it was first fetched"),
        ("last_seen", "string", "最后获取", "ISO 8601 time (UTC) it was last fetched"),
        ("status", "string", "状态", "that version's extraction status"),
    ],
    "narrative": [
        ("report_id", "string", "报告编号", "the report (reports.report_id)"),
        ("figure", "string", "指标", "proactive_total, website, new_media, applications, reviews, suits, fee (元), fee_none (the text says no fee was charged)"),
        ("value", "Float64", "数值", "the number stated"),
        ("unit", "string", "单位", "条 or 件"),
        ("sentence", "string", "原句", "the sentence it came from"),
    ],
}
PANEL_META = ["report_id", "agency", "year", "template", "status", "province", "city", "county", "adcode", "level", "agency_kind"]
PRIMARY_KEYS = {
    "reports": ["report_id"],
    "values": ["report_id", "table", "row", "col"],
    "checks": ["report_id", "check", "scope", "basis"],
    "narrative": ["report_id", "figure"],
    "panel": ["report_id"],
    "similarity": ["report_id_a", "report_id_b"],
    "legacy_values": ["report_id", "source_ref"],
    "coverage": ["agency", "year"],
    "history": ["url", "sha256"],
}


@dataclass(frozen=True)
class CodebookEntry:
    name: str  # wide panel column
    table: str
    row: str
    col: str
    label_zh: str
    label_en: str
    templates: str
    type: str
    unit: str


CODEBOOK_COLUMNS = [f.name for f in fields(CodebookEntry)]  # codebook.csv's header
CODEBOOK_ZH = {"name": "名称", "table": "表", "row": "行", "col": "列", "label_zh": "中文标签", "label_en": "英文标签",
               "templates": "模板", "type": "类型", "unit": "单位"}


@lru_cache(maxsize=1)
def _english() -> dict[tuple[str, str, str], dict[str, str]]:
    text = resources.files("xxgk.parsers").joinpath("keys_en.csv").read_text(encoding="utf-8")
    return {(r["table"], r["kind"], r["key"]): r for r in csv.DictReader(text.splitlines())}


@lru_cache(maxsize=1)
def codebook() -> tuple[CodebookEntry, ...]:
    """Every canonical cell once, with its wide-panel name; generated from keys.csv and keys_en.csv."""
    en = _english()
    seen: dict[tuple[str, str, str], CodebookEntry] = {}
    templates: dict[tuple[str, str, str], list[str]] = {}
    for k in keys():
        cell = (k.table, k.row, k.col)
        templates.setdefault(cell, []).append(k.template)
        if cell in seen:
            continue
        r, c = en[(k.table, "row", k.row)], en[(k.table, "col", k.col)]
        kind = "decimal" if k.col in ("amount_wan", "amount") else "integer"
        seen[cell] = CodebookEntry(
            name=f"{k.table}_{r['short']}_{c['short']}", table=k.table, row=k.row, col=k.col,
            label_zh=f"{k.row_label} {k.col_label}", label_en=f"{r['label_en']}: {c['label_en']}",
            templates="", type=kind, unit=c["unit"] or r["unit"],
        )
    return tuple(
        CodebookEntry(**{**e.__dict__, "templates": " ".join(sorted(set(templates[(e.table, e.row, e.col)])))})
        for e in seen.values()
    )


CRAWL_TABLES = ("coverage", "history")  # written by a crawl of a registry (coverage) or any crawl (history)
TABLES = (*(n for n in COLUMNS if n not in CRAWL_TABLES), "panel")  # written by every run
# The columns of each table that name a report (reports.report_id): the data package's foreign keys.
# history names versions that may not be reports (a maintenance page): it has none.
REPORT_REFERENCES = {**{name: ["report_id"] for name in TABLES if name != "reports"},
                     "similarity": ["report_id_a", "report_id_b"], "coverage": ["report_id"], "history": []}



def panel_columns() -> list[str]:
    return PANEL_META + [e.name for e in codebook()]


def dtypes(name: str) -> dict[str, str]:
    """The pandas type of every column of a table (the panel: report metadata, then Int64 counts and Float64 amounts)."""
    if name == "panel":
        meta = dtypes("reports")
        return {**{c: meta[c] for c in PANEL_META}, **{e.name: "Int64" if e.type == "integer" else "Float64" for e in codebook()}}
    return {c: d for c, d, _, _ in COLUMNS[name]}


def read_table(out: Path, name: str, encoding: str = "utf-8-sig", **kwargs: object) -> pd.DataFrame:
    """A CSV of a run read back with its declared types (strings stay strings; blanks stay missing)."""
    import pandas as pd

    types = dtypes(name)
    if "usecols" in kwargs:
        types = {c: t for c, t in types.items() if c in kwargs["usecols"]}  # type: ignore[operator]
    read = pd.read_csv(out / f"{name}.csv", encoding=encoding, dtype=types, keep_default_na=False,
                       na_values=[""], **kwargs)  # type: ignore[arg-type]
    if isinstance(read, pd.DataFrame):
        return _map_text(read, unsafe_cell)
    return (_map_text(chunk, unsafe_cell) for chunk in read)  # type: ignore[return-value]  # chunksize=


def _map_text(df: pd.DataFrame, fn) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Apply fn to every text cell (the CSV's formula guard, undone on reading back, redone for xlsx)."""
    import pandas as pd

    for col in df.columns:
        if isinstance(df[col].dtype, pd.StringDtype):
            df[col] = df[col].map(fn, na_action="ignore").astype("string")
    return df


@lru_cache(maxsize=None)
def _readers(name: str) -> tuple:  # type: ignore[type-arg]
    """(column, how to read its text) for each column of a table, made once per table."""
    kinds = {"Int64": int, "Float64": float, "string": unsafe_cell}
    return tuple((col, kinds[t]) for col, t in dtypes(name).items())


def typed_row(name: str, row: list[str]) -> dict[str, object]:
    """One row of a table as the writer hands it to the CSV, as read_table would give it back: text
    unguarded, numbers as numbers, a blank missing (None). For the QA page, which needs no pandas."""
    return {col: read(cell) if cell != "" else None for (col, read), cell in zip(_readers(name), row)}


def labels_zh(name: str) -> dict[str, str]:
    if name == "panel":
        meta = {c[0]: c[2] for c in COLUMNS["reports"]}
        return {**{c: meta[c] for c in PANEL_META}, **{e.name: e.label_zh for e in codebook()}}
    return {c[0]: c[2] for c in COLUMNS[name]}
