"""The data product: every table of a run as DataFrames, and writers for each format.

Tables (one DataFrame each; the first three are the contract of schema/README.md):
    reports     one row per document: metadata, region, status
    values      one row per extracted cell (long)
    checks      one row per identity tested (hard H1–H5 errors, soft S1/S2/S5 warnings)
    narrative   numbers the text states (主动公开信息 N 条 …) with their sentence
    panel       wide: one row per report, one column per canonical cell (names in the codebook)

Formats: csv (UTF-8 with BOM by default, so Excel opens it), parquet, dta (Stata 118,
Chinese variable labels), xlsx (one sheet per table, Chinese headers over column names: see
workbook.py). The codebook
(codebook.csv, codebook.md) and datapackage.json are written with every run. Every
file is written to a temporary name and renamed into place.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import get_args
from importlib import resources
from pathlib import Path

import pandas as pd

from xxgk.parsers import EXTRACTOR_VERSION, Report
from xxgk.parsers.model import STATUSES, TEMPLATE_WORDS, CheckStatus, Severity
from xxgk.parsers.region import PLACE_DATA
from xxgk.parsers.schema import keys

from .publish import Staging, describe_os_error
from .writers import atomic_write, safe_cell, unsafe_cell

FORMATS = ("csv", "parquet", "dta", "xlsx")
CSV_ENCODINGS = {"utf-8-sig": "utf-8-sig", "utf-8": "utf-8", "gb18030": "gb18030"}

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
    ],
    "checks": [
        ("report_id", "string", "报告编号", "the report (reports.report_id)"),
        ("check", "string", "检查", "t3_balance, t3_outcome_total, t3_applicant_total, t4_total, whole_counts, cross_year_carried, cross_year_in_force, narrative_applications"),
        ("rule", "string", "规则", "H1–H5 (hard) or S1, S2, S5 (soft) of the template spec"),
        ("table", "string", "表", "t2, t3 or t4"),
        ("scope", "string", "范围", "the row or column tested"),
        ("status", "string", "结果", "pass, fail, unknown"),
        ("severity", "string", "级别", "error (a failure makes the report partial) or warning"),
        ("detail", "string", "说明", "the numbers"),
    ],
    "narrative": [
        ("report_id", "string", "报告编号", "the report (reports.report_id)"),
        ("figure", "string", "指标", "proactive_total, website, new_media, applications"),
        ("value", "Float64", "数值", "the number stated"),
        ("unit", "string", "单位", "条 or 件"),
        ("sentence", "string", "原句", "the sentence it came from"),
    ],
}
PANEL_META = ["report_id", "agency", "year", "template", "status", "province", "city", "county", "adcode", "level", "agency_kind"]
PRIMARY_KEYS = {
    "reports": ["report_id"],
    "values": ["report_id", "table", "row", "col"],
    "checks": ["report_id", "check", "scope"],
    "narrative": ["report_id", "figure"],
    "panel": ["report_id"],
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


def _str(v: object) -> str:
    return "" if v is None else str(v)


def rows_of(r: Report) -> dict[str, list[list[str]]]:
    """A report's rows for each long table: the one place a record becomes rows."""
    rep = [r.report_id, r.source, r.format, r.title, r.agency, r.year, r.template, r.status, r.error, r.notes,
           r.province, r.city, r.county, r.adcode, r.level, r.agency_kind, r.sha256, r.pages, EXTRACTOR_VERSION, r.found_on]
    tables_ = {
        "reports": [[_str(x) for x in rep]],
        "values": [[r.report_id, v.table, v.row, v.col, v.as_text, v.raw, v.kind, v.unit, v.row_label, v.col_label, v.source_ref,
                    v.method, _str(v.confidence)] for v in r.values],
        "checks": [[r.report_id, c.check, c.rule, c.table, c.scope, c.status, c.severity, c.detail] for c in r.checks],
        "narrative": [[r.report_id, f.figure, str(f.value), f.unit, f.sentence] for f in r.figures],
    }
    # Text from documents (titles, labels, file names) never reaches a spreadsheet as a formula.
    return {name: [[safe_cell(x) if isinstance(x, str) else x for x in row] for row in rows] for name, rows in tables_.items()}


@lru_cache(maxsize=1)
def _panel_index() -> dict[tuple[str, str, str], int]:
    return {(e.table, e.row, e.col): i for i, e in enumerate(codebook())}




def panel_row(r: Report, meta: list[str]) -> list[str]:
    """One wide row: the report's metadata, then every canonical cell in codebook order ("" if absent).

    A count column is an integer column: a count printed 3.5 stays empty here (values.csv keeps it
    as printed and the whole_counts check H5 fails), never rounded."""
    names = _panel_index()
    integer = _panel_integer()
    cells = [""] * len(names)
    for v in r.values:
        i = names.get((v.table, v.row, v.col))
        if i is not None and v.value is not None and (not integer[i] or v.value == v.value.to_integral_value()):
            cells[i] = v.as_text
    return meta + cells


@lru_cache(maxsize=1)
def _panel_integer() -> list[bool]:
    return [e.type == "integer" for e in codebook()]


def panel_columns() -> list[str]:
    return PANEL_META + [e.name for e in codebook()]


_CROSS_YEAR_ROWS = {("t3", "carried"), ("t3", "forward"), ("t2", "rules"), ("t2", "normative")}


def _slim(r: Report) -> Report | None:
    """What cross-year checks need of a report (None if it cannot take part), so a long run keeps little."""
    if not (r.agency and r.year is not None and r.template in ("v2019", "v2021") and r.values):
        return None
    from xxgk.parsers import Value

    values = [Value(sys.intern(v.table), sys.intern(v.row), sys.intern(v.col), v.value, "", "")
              for v in r.values if (v.table, v.row) in _CROSS_YEAR_ROWS]
    return Report(report_id=r.report_id, source="", format="", sha256="", agency=sys.intern(r.agency), year=r.year,
                  template=sys.intern(r.template), values=values)


TABLES = (*COLUMNS, "panel")


def output_names() -> set[str]:
    """Every file a run may write into OUT: what a run that writes fewer formats removes."""
    names = {f"{t}.{ext}" for t in TABLES for ext in ("csv", "parquet", "dta")}
    return names | {"xxgk.xlsx", "codebook.csv", "codebook.md", "datapackage.json", "report.html"}


class Sink:
    """Streams reports into a staging folder; `close()` finishes every file and publishes them as one set.

    The long tables and the panel are appended to CSVs in OUT/.staging-…/ as reports arrive;
    cross-year checks, the other formats, the codebook, datapackage.json and the QA page are
    made at close, and the whole set is then moved into OUT (publish.py). A write that fails
    (a full disk) raises OutputError naming the folder, and OUT keeps what it had.
    """

    def __init__(self, out: Path, formats: tuple[str, ...] = ("csv",), csv_encoding: str = "utf-8-sig") -> None:
        self.out, self.formats, self.encoding = out, formats, csv_encoding
        self.ids: set[str] = set()
        self.late_checks: list = []  # cross-year checks, made at close (counted in the run's summary)
        self.slim: list[Report] = []
        self.count = 0
        self._files: dict = {}
        self._writers: dict = {}
        try:
            self.stage = Staging(out)
            for name in TABLES:
                f = open(self.stage.path / f"{name}.csv", "w", encoding=csv_encoding, newline="")
                w = csv.writer(f, lineterminator="\n")
                w.writerow(panel_columns() if name == "panel" else [c[0] for c in COLUMNS[name]])
                self._files[name], self._writers[name] = f, w
        except OSError as exc:
            self.abort()
            raise describe_os_error(exc, out) from None

    def add(self, r: Report) -> bool:
        """Write one report; False (and nothing written) if the same bytes were already added."""
        if r.report_id in self.ids:
            return False
        self.ids.add(r.report_id)
        rows = rows_of(r)
        meta = dict(zip([c[0] for c in COLUMNS["reports"]], rows["reports"][0]))
        try:
            for name, table_rows in rows.items():
                self._writers[name].writerows(table_rows)
            self._writers["panel"].writerow(panel_row(r, [meta[c] for c in PANEL_META]))
        except OSError as exc:
            self.abort()
            raise describe_os_error(exc, self.out) from None
        slim = _slim(r)
        if slim is not None:
            self.slim.append(slim)
        self.count += 1
        return True

    def close(self) -> list[Path]:
        """Finish every file of the run in the staging folder, then publish them into OUT as one set."""
        try:
            return self._close()
        except OSError as exc:
            self.abort()
            raise describe_os_error(exc, self.out) from None
        except BaseException:
            self.abort()
            raise

    def _close(self) -> list[Path]:
        from .crossyear import cross_year_checks
        from .qa import write_page

        for rid, checks in cross_year_checks(self.slim).items():
            self.late_checks += checks
            self._writers["checks"].writerows([[safe_cell(x) for x in (rid, c.check, c.rule, c.table, c.scope, c.status,
                                                                       c.severity, c.detail)] for c in checks])
        for f in self._files.values():
            f.close()
        stage = self.stage.path
        files = [f"{name}.csv" for name in TABLES] if "csv" in self.formats else []
        tabs = {name: read_table(stage, name, self.encoding) for name in TABLES} if set(self.formats) - {"csv"} else {}
        files += [p.name for p in write_formats(tabs, stage, self.formats)]
        files += [p.name for p in write_codebook(stage)]
        files.append(write_page(stage, stage, self.encoding, link_base=self.out, data_files=files).name)
        files.append(write_datapackage(stage, files, self.encoding).name)
        return self.stage.publish(files, output_names())

    def abort(self) -> None:
        for f in self._files.values():
            try:
                f.close()
            except OSError:
                pass  # a full disk fails the flush too; the staging folder goes anyway
        if hasattr(self, "stage"):
            self.stage.discard()


def dtypes(name: str) -> dict[str, str]:
    """The pandas type of every column of a table (the panel: report metadata, then Int64 counts and Float64 amounts)."""
    if name == "panel":
        meta = dtypes("reports")
        return {**{c: meta[c] for c in PANEL_META}, **{e.name: "Int64" if e.type == "integer" else "Float64" for e in codebook()}}
    return {c: d for c, d, _, _ in COLUMNS[name]}


def read_table(out: Path, name: str, encoding: str = "utf-8-sig", **kwargs: object) -> pd.DataFrame:
    """A CSV of a run read back with its declared types (strings stay strings; blanks stay missing)."""
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
    for col in df.columns:
        if isinstance(df[col].dtype, pd.StringDtype):
            df[col] = df[col].map(fn, na_action="ignore").astype("string")
    return df


def write_reports(reports: Iterable[Report], out: Path, formats: tuple[str, ...] = ("csv",),
                  csv_encoding: str = "utf-8-sig") -> list[Path]:
    sink = Sink(out, formats, csv_encoding)
    try:
        for r in reports:
            sink.add(r)
    except BaseException:
        sink.abort()
        raise
    return sink.close()


def tables(reports: Iterable[Report]) -> dict[str, pd.DataFrame]:
    """Every table of a run as DataFrames (written to a temporary folder and read back: one path)."""
    with tempfile.TemporaryDirectory() as tmp:
        write_reports(reports, Path(tmp), ("csv",), "utf-8")
        return {name: read_table(Path(tmp), name, "utf-8") for name in (*COLUMNS, "panel")}


def labels_zh(name: str) -> dict[str, str]:
    if name == "panel":
        meta = {c[0]: c[2] for c in COLUMNS["reports"]}
        return {**{c: meta[c] for c in PANEL_META}, **{e.name: e.label_zh for e in codebook()}}
    return {c[0]: c[2] for c in COLUMNS[name]}


# ---- writers ------------------------------------------------------------------------------
# Columns stored in Stata as integers with value labels (1 ok, 2 partial …): `tab status` shows
# the words, and the codes keep the order of the words here.
STATA_LABELLED = {"status": STATUSES, "template": TEMPLATE_WORDS}
STATA_LABELLED_CHECKS = {"status": get_args(CheckStatus), "severity": get_args(Severity)}


def _for_stata(df: pd.DataFrame, name: str) -> tuple[pd.DataFrame, dict[str, dict[int, str]]]:
    """The table as Stata takes it: text as str, counts as long (missing stays missing), labelled codes."""
    out = df.copy()
    labelled = STATA_LABELLED_CHECKS if name == "checks" else STATA_LABELLED if name in ("reports", "panel") else {}
    value_labels = {}
    for col in out.columns:
        if col in labelled:
            words = labelled[col]
            out[col] = out[col].map({w: i for i, w in enumerate(words, start=1)}).astype("Int64")
            value_labels[col] = {i: w for i, w in enumerate(words, start=1)}
        elif isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].fillna("").astype(object)
        elif str(out[col].dtype) == "Int64":
            pass  # written as long, pd.NA as Stata's missing
        else:
            out[col] = out[col].astype("float64")
    return out, value_labels


STATA_TIME = datetime(2000, 1, 1)  # a fixed header time: the same data gives the same .dta bytes


def write_formats(tabs: dict[str, pd.DataFrame], out: Path, formats: tuple[str, ...]) -> list[Path]:
    """The non-CSV formats, from the tables read back from the CSVs."""
    written: list[Path] = []
    for name, df in tabs.items():
        if "parquet" in formats:
            p = out / f"{name}.parquet"
            atomic_write(p, lambda tmp, df=df: df.to_parquet(tmp, index=False, engine="pyarrow"))
            written.append(p)
        if "dta" in formats:
            p = out / f"{name}.dta"
            labels = {k: v[:80] for k, v in labels_zh(name).items()}
            long_text = [c for c in df.columns if isinstance(df[c].dtype, pd.StringDtype)]
            data, value_labels = _for_stata(df, name)
            long_text = [c for c in long_text if c not in value_labels]
            atomic_write(p, lambda tmp, data=data, labels=labels, long_text=long_text, value_labels=value_labels: data.to_stata(
                tmp, write_index=False, version=118, variable_labels=labels, convert_strl=long_text, time_stamp=STATA_TIME,
                value_labels=value_labels))
            written.append(p)
    if "xlsx" in formats:
        from .workbook import write_workbook

        p = out / "xxgk.xlsx"
        book = pd.DataFrame([e.__dict__ for e in codebook()])
        atomic_write(p, lambda tmp: write_workbook(tmp, tabs, {n: labels_zh(n) for n in tabs}, book, CODEBOOK_ZH))
        written.append(p)
    return written


def write_codebook(out: Path) -> list[Path]:
    cb = pd.DataFrame([e.__dict__ for e in codebook()])
    p_csv, p_md = out / "codebook.csv", out / "codebook.md"
    atomic_write(p_csv, lambda tmp: cb.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n"))
    lines = [
        "# xxgk codebook", "",
        f"Generated from parsers/keys.csv and parsers/keys_en.csv (extractor version {EXTRACTOR_VERSION}).",
        "`name` is the column of the wide panel (panel.*); in the long table values.* a cell is (table, row, col).",
        f"Region columns come from {PLACE_DATA}.", "",
        "| name | table | row | col | 中文 | English | templates | type | unit |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {e.name} | {e.table} | {e.row} | {e.col} | {e.label_zh} | {e.label_en} | {e.templates} | {e.type} | {e.unit} |"
              for e in codebook()]
    lines += ["", "## Columns of the tables", ""]
    for name, cols in COLUMNS.items():
        lines += [f"### {name}", "", "| column | 中文 | meaning |", "| --- | --- | --- |"]
        lines += [f"| {c} | {zh} | {d} |" for c, _, zh, d in cols]
        lines.append("")
    atomic_write(p_md, lambda tmp: Path(tmp).write_text("\n".join(lines) + "\n", encoding="utf-8"))
    return [p_csv, p_md]


def _field_type(dtype: object) -> str:
    return "integer" if str(dtype) == "Int64" else "number" if str(dtype) == "Float64" else "string"


MEDIA_TYPES = {".csv": "text/csv", ".parquet": "application/vnd.apache.parquet", ".dta": "application/x-stata-dta",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".md": "text/markdown",
               ".html": "text/html"}


def _schema(name: str, foreign_keys: bool) -> dict:
    descriptions = {**{n: {c[0]: c[3] for c in cols} for n, cols in COLUMNS.items()},
                    "panel": {**{c[0]: c[3] for c in COLUMNS["reports"] if c[0] in PANEL_META},
                              **{e.name: f"{e.label_en} ({e.label_zh}; {e.unit})" for e in codebook()}}}
    fields = [{"name": c, "type": _field_type(t), "description": descriptions[name].get(c, "")} for c, t in dtypes(name).items()]
    schema: dict = {"fields": fields, "missingValues": [""], "primaryKey": PRIMARY_KEYS[name]}
    if foreign_keys and name != "reports":
        schema["foreignKeys"] = [{"fields": "report_id", "reference": {"resource": "reports", "fields": "report_id"}}]
    return schema


def _resource(file: str, main_suffix: str, csv_encoding: str) -> dict:
    """One file of the run as a data package resource: a table of ours gets its schema."""
    path = Path(file)
    table, suffix = path.stem, path.suffix
    res: dict = {"name": table if suffix == main_suffix else f"{table}-{suffix[1:]}".replace("xxgk-xlsx", "workbook"),
                 "path": file, "format": suffix[1:], "mediatype": MEDIA_TYPES[suffix]}
    if table in TABLES and suffix in (".csv", ".parquet"):
        res["schema"] = _schema(table, foreign_keys=suffix == main_suffix)
        if suffix == ".csv":
            res["encoding"] = csv_encoding
    elif file == "codebook.csv":
        res["encoding"] = "utf-8-sig"
    elif suffix == ".dta" or suffix == ".xlsx":
        res["type"] = "file"  # a whole file, not one table frictionless could check (a workbook of sheets, labelled codes)
        res["description"] = ("the tables as in codebook.md: Stata 118, variable labels in Chinese" if suffix == ".dta" else
                              "one sheet per table: row 1 the Chinese headers, row 2 the column names, then the rows; "
                              "a codebook sheet")
    return res


def write_datapackage(out: Path, files: list[str], csv_encoding: str) -> Path:
    """A Frictionless data package listing exactly the files this run wrote; its tables (CSV, else
    Parquet) carry their schema, keys and the links from each table to reports."""
    main_suffix = ".csv" if "reports.csv" in files else ".parquet"
    package = {
        "name": "xxgk-run", "title": "政府信息公开工作年度报告 statistical tables (xxgk)",
        "description": "Extracted by xxgk; see codebook.md. A blank value is a blank in the report, never 0.",
        "resources": [_resource(f, main_suffix, csv_encoding) for f in files],
    }
    p = out / "datapackage.json"
    atomic_write(p, lambda tmp: Path(tmp).write_text(json.dumps(package, ensure_ascii=False, indent=2), encoding="utf-8"))
    return p
