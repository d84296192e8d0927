"""The data product: a run's rows, streamed into the tables, and writers for each format.

Tables (their columns and the codebook live in columns.py; the first three are the contract of
schema/README.md):
    reports     one row per document: metadata, region, status
    values      one row per extracted cell (long)
    checks      one row per identity tested (hard H1–H5 errors, soft S1/S2/S5 warnings)
    narrative   numbers the text states (主动公开信息 N 条 …) with their sentence
    panel       wide: one row per report, one column per canonical cell (names in the codebook)

Formats: csv (UTF-8 with BOM by default, so Excel opens it), parquet, dta (Stata 118,
Chinese variable labels), xlsx (one sheet per table, Chinese headers over column names: see
workbook.py). The codebook (codebook.csv, codebook.md), datapackage.json and report.html are
written with every run, in a staging folder published as one set (publish.py).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from xxgk.parsers import EXTRACTOR_VERSION, Check, Report
from xxgk.parsers.model import STATUSES, TEMPLATE_WORDS, CheckStatus, Severity
from xxgk.parsers.region import PLACE_DATA

from .columns import (CODEBOOK_COLUMNS, CODEBOOK_ZH, COLUMNS, CRAWL_TABLES, PANEL_META, PRIMARY_KEYS, REPORT_REFERENCES,
                      TABLES, codebook, dtypes, labels_zh, panel_columns, read_table)
from . import qa, report_page, similarity
from .database import DB_NAME, METADATA_NAME, write_database, write_metadata
from .corrections import Corrections, reviewed
from .publish import Staging, describe_os_error
from .writers import atomic_write, safe_cell

if TYPE_CHECKING:  # pandas loads only where a DataFrame is made: a run that writes CSV needs none
    import pandas as pd


def _str(v: object) -> str:
    return "" if v is None else str(v)


def check_row(report_id: str, c: Check, basis: str = "printed", verdicts: dict | None = None) -> list[str]:  # type: ignore[type-arg]
    """One checks row, in COLUMNS["checks"] order: the one place a Check becomes a row. A reviewer's
    verdict (by check_id) is carried on the printed row."""
    v = (verdicts or {}).get(c.check_id) if basis == "printed" else None
    return [report_id, c.check, c.rule, c.table, c.scope, c.status, c.severity, c.detail, c.check_id, c.formula,
            _str(c.lhs), _str(c.rhs), c.cells, basis, *(v.columns() if v is not None else ["", "", ""])]


def _fix(fixes: dict, v) -> list[str]:  # type: ignore[no-untyped-def, type-arg]
    c = fixes.get((v.table, v.row, v.col))
    return ["", "", ""] if c is None else c.columns()


def rows_of(r: Report, guard: bool = True, fixes: dict | None = None,  # type: ignore[type-arg]
            corrected: list[Check] | None = None, verdicts: dict | None = None) -> dict[str, list[list[str]]]:  # type: ignore[type-arg]
    """A report's rows for each long table: the one place a record becomes rows.

    `guard`: text that a spreadsheet would run as a formula is neutralised (for files; a
    DataFrame keeps the text as printed). `fixes`: a reviewer's corrections of its cells, written
    beside the printed values, and `corrected` the identities judged again on them."""
    fixes = fixes or {}
    rep = [r.report_id, r.source, r.format, r.title, r.agency, r.year, r.template, r.status, r.error, r.notes,
           r.province, r.city, r.county, r.adcode, r.level, r.agency_kind, r.published_on, r.sha256, r.pages, r.extractor_version or EXTRACTOR_VERSION, r.found_on]
    tables_ = {
        "reports": [[_str(x) for x in rep]],
        "values": [[r.report_id, v.table, v.row, v.col, v.as_text, v.raw, v.kind, v.unit, v.row_label, v.col_label, v.source_ref,
                    v.method, _str(v.confidence), *_fix(fixes, v)] for v in r.values],
        "checks": [check_row(r.report_id, c, verdicts=verdicts) for c in r.checks]
                  + [check_row(r.report_id, c, "corrected") for c in corrected or []],
        "narrative": [[r.report_id, f.figure, str(f.value), f.unit, f.sentence] for f in r.figures],
        "legacy_values": [[r.report_id, v.row_label, v.unit, v.col_label, _str(v.value), v.raw, v.kind, v.source_ref]
                          for v in r.legacy],
    }
    if not guard:
        return tables_
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


def output_names() -> set[str]:
    """Every file a run may write into OUT: what a run that writes fewer formats removes."""
    names = {f"{t}.{ext}" for t in (*TABLES, *CRAWL_TABLES) for ext in ("csv", "parquet", "dta")}
    return names | {"xxgk.xlsx", "codebook.csv", "codebook.md", "datapackage.json", "report.html", DB_NAME, METADATA_NAME}


class Sink:
    """Streams reports into a staging folder; `close()` finishes every file and publishes them as one set.

    The long tables and the panel are appended to CSVs in OUT/.staging-…/ as reports arrive;
    cross-year checks, the other formats, the codebook, datapackage.json and the QA page are
    made at close, and the whole set is then moved into OUT (publish.py). A write that fails
    (a full disk) raises OutputError naming the folder, and OUT keeps what it had.
    """

    def __init__(self, out: Path, formats: tuple[str, ...] = ("csv",), csv_encoding: str = "utf-8-sig",
                 corrections: Corrections | None = None, expected: int = 1) -> None:
        """`expected`: how many documents the run will add; with two or more, similarity's library
        (datasketch) loads in the background from the start (similarity.Index)."""
        self.out, self.formats, self.encoding = out, formats, csv_encoding
        self.corrections = corrections
        self.ids: set[str] = set()
        self.late_checks: list = []  # cross-year checks, made at close (counted in the run's summary)
        self.slim: list[Report] = []
        self.similar = similarity.Index(background=expected > 1)
        self.pages: list[str] = []  # pages/<report_id>.html written so far (report_page.py)
        self.summary = qa.Summary()  # what the QA page shows, from the rows as they are written
        self.verdicts: dict[str, dict] = {}  # report_id → a reviewer's verdicts, for the cross-year checks made at close
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
        fixes, corrected, verdicts = reviewed(self.corrections, r)
        rows = rows_of(r, fixes=fixes, corrected=corrected, verdicts=verdicts)
        if verdicts:
            self.verdicts[r.report_id] = verdicts
        meta = dict(zip([c[0] for c in COLUMNS["reports"]], rows["reports"][0]))
        try:
            for name, table_rows in rows.items():
                self._write(name, table_rows)
            self._writers["panel"].writerow(panel_row(r, [meta[c] for c in PANEL_META]))
        except OSError as exc:
            self.abort()
            raise describe_os_error(exc, self.out) from None
        slim = _slim(r)
        if slim is not None:
            self.slim.append(slim)
        self.similar.add(r)
        if r.values:
            try:
                self.pages.append(report_page.write(r, self.stage.path, self.out, fixes, corrected, verdicts))
            except OSError as exc:
                self.abort()
                raise describe_os_error(exc, self.out) from None
        self.count += 1
        return True

    def _write(self, name: str, rows: list[list[str]]) -> None:
        """Rows appended to a table's CSV, and handed to the QA page's summary: it sees every row written."""
        self._writers[name].writerows(rows)
        self.summary.add(name, rows)

    def close(self, extra: dict[str, list[list[str]]] | None = None) -> list[Path]:
        """Finish every file of the run in the staging folder, then publish them into OUT as one set.
        `extra`: a crawl's own tables (coverage, history: columns.CRAWL_TABLES) as rows, published with them."""
        try:
            return self._close(extra or {})
        except OSError as exc:
            self.abort()
            raise describe_os_error(exc, self.out) from None
        except BaseException:
            self.abort()
            raise

    def _close(self, extra: dict[str, list[list[str]]]) -> list[Path]:
        from .crossyear import cross_year_checks

        for rid, checks in cross_year_checks(self.slim).items():
            self.late_checks += checks
            self._write("checks", [[safe_cell(x) for x in check_row(rid, c, verdicts=self.verdicts.get(rid))] for c in checks])
        self._write("similarity", [[safe_cell(x) for x in row] for row in self.similar.rows()])
        for f in self._files.values():
            f.close()
        stage = self.stage.path
        for name, rows in extra.items():
            guarded = [[safe_cell(x) for x in row] for row in rows]
            with open(stage / f"{name}.csv", "w", encoding=self.encoding, newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow([c[0] for c in COLUMNS[name]])
                w.writerows(guarded)
            self.summary.add(name, guarded)
        names = (*TABLES, *extra)
        files = [f"{name}.csv" for name in names] if "csv" in self.formats else []
        tabs = {name: read_table(stage, name, self.encoding) for name in names} if set(self.formats) - {"csv"} else {}
        files += [p.name for p in write_formats(tabs, stage, self.formats)]
        files += [p.name for p in write_codebook(stage)]
        files.append(qa.write_page(self.summary, stage, link_base=self.out, data_files=files,
                                   pages={Path(p).stem for p in self.pages}).name)
        files.append(write_datapackage(stage, files, self.encoding).name)
        old_pages = {f"{report_page.PAGES}/{p.name}" for p in (self.out / report_page.PAGES).glob("*.html")}
        return self.stage.publish(files + self.pages, output_names() | old_pages)

    def abort(self) -> None:
        for f in self._files.values():
            try:
                f.close()
            except OSError:
                pass  # a full disk fails the flush too; the staging folder goes anyway
        if hasattr(self, "stage"):
            self.stage.discard()


def write_reports(reports: Iterable[Report], out: Path, formats: tuple[str, ...] = ("csv",),
                  csv_encoding: str = "utf-8-sig", extra: dict[str, list[list[str]]] | None = None,
                  corrections: Corrections | None = None) -> list[Path]:
    sink = Sink(out, formats, csv_encoding, corrections)
    try:
        for r in reports:
            sink.add(r)
    except BaseException:
        sink.abort()
        raise
    return sink.close(extra)


def tables(reports: Iterable[Report], corrections: Corrections | None = None) -> dict[str, pd.DataFrame]:
    """Every table of a run as DataFrames, built in memory from the same rows a run writes (the
    same bytes once: a duplicate is kept once, as in a run), with the cross-year checks and the
    types `read_table` gives the CSVs (tests/test_api.py holds the two equal)."""
    from .crossyear import cross_year_checks

    rows: dict[str, list[list[str]]] = {name: [] for name in TABLES}
    seen: set[str] = set()
    slim = []
    similar = similarity.Index()
    verdicts_of: dict[str, dict] = {}  # type: ignore[type-arg]  # for the cross-year checks, made last
    for r in reports:
        if r.report_id in seen:
            continue
        seen.add(r.report_id)
        similar.add(r)
        fixes, corrected, verdicts = reviewed(corrections, r)
        if verdicts:
            verdicts_of[r.report_id] = verdicts
        mine = rows_of(r, guard=False, fixes=fixes, corrected=corrected, verdicts=verdicts)
        for name, table_rows in mine.items():
            rows[name] += table_rows
        meta = dict(zip([c[0] for c in COLUMNS["reports"]], mine["reports"][0]))
        rows["panel"].append(panel_row(r, [meta[c] for c in PANEL_META]))
        if (s := _slim(r)) is not None:
            slim.append(s)
    for rid, checks in cross_year_checks(slim).items():
        rows["checks"] += [check_row(rid, c, verdicts=verdicts_of.get(rid)) for c in checks]
    rows["similarity"] = similar.rows()
    return {name: frame(name, rows[name]) for name in TABLES}


def frame(name: str, rows: list[list[str]]) -> pd.DataFrame:
    """Rows of text as a table with its declared types: "" is missing, as read_table reads a blank."""
    import numpy as np
    import pandas as pd

    # Numbers go straight into pandas' masked arrays: pd.array would infer each of the panel's 450 columns.
    numeric = {"Int64": (int, np.int64, pd.arrays.IntegerArray), "Float64": (float, np.float64, pd.arrays.FloatingArray)}
    columns = {}
    for i, (col, kind) in enumerate(dtypes(name).items()):
        cells = [row[i] for row in rows]
        if kind == "string":
            columns[col] = pd.array([c if c != "" else None for c in cells], dtype="string")
            continue
        to, np_type, array = numeric[kind]
        mask = np.array([c == "" for c in cells], dtype=bool)
        columns[col] = array(np.array([to(c) if c != "" else 0 for c in cells], dtype=np_type), mask)
    return pd.DataFrame(columns)


# ---- writers ------------------------------------------------------------------------------
# Columns stored in Stata as integers with value labels (1 ok, 2 partial …): `tab status` shows
# the words, and the codes keep the order of the words here.
STATA_LABELLED = {"status": STATUSES, "template": TEMPLATE_WORDS}
STATA_LABELLED_CHECKS = {"status": get_args(CheckStatus), "severity": get_args(Severity)}


def _for_stata(df: pd.DataFrame, name: str) -> tuple[pd.DataFrame, dict[str, dict[int, str]]]:
    """The table as Stata takes it: text as str, counts as long (missing stays missing), labelled codes."""
    import pandas as pd

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
            data, value_labels = _for_stata(df, name)
            # Text as str#; pandas makes a column strL itself when a value passes str#'s 2045 bytes
            # (tests/test_datasets.py round-trips one). Every text column as strL cost 1.7 s of 2.1 s
            # for 13 reports: pandas builds strLs row by row.
            atomic_write(p, lambda tmp, data=data, labels=labels, value_labels=value_labels: data.to_stata(
                tmp, write_index=False, version=118, variable_labels=labels, time_stamp=STATA_TIME,
                value_labels=value_labels))
            written.append(p)
    if "sqlite" in formats:
        p, meta = out / DB_NAME, out / METADATA_NAME
        atomic_write(p, lambda tmp: write_database(tabs, Path(tmp)))
        describe = {e.name: f"{e.label_zh}: {e.label_en} ({e.unit})" for e in codebook()}
        atomic_write(meta, lambda tmp: write_metadata(list(tabs), describe, Path(tmp)))
        written += [p, meta]
    if "xlsx" in formats:
        from .workbook import write_workbook

        import pandas as pd

        p = out / "xxgk.xlsx"
        book = pd.DataFrame([e.__dict__ for e in codebook()])
        atomic_write(p, lambda tmp: write_workbook(tmp, tabs, {n: labels_zh(n) for n in tabs}, book, CODEBOOK_ZH))
        written.append(p)
    return written


def write_codebook(out: Path) -> list[Path]:
    p_csv, p_md = out / "codebook.csv", out / "codebook.md"

    def write_csv(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(CODEBOOK_COLUMNS)
            w.writerows([getattr(e, c) for c in CODEBOOK_COLUMNS] for e in codebook())

    atomic_write(p_csv, write_csv)
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
    lines += ["", "## Similarity", "", f"`similarity.similarity` (similarity.csv): {similarity.MEASURE}"]
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
               ".html": "text/html", ".db": "application/vnd.sqlite3", ".yml": "application/yaml"}


def _schema(name: str, foreign_keys: bool) -> dict:
    descriptions = {**{n: {c[0]: c[3] for c in cols} for n, cols in COLUMNS.items()},
                    "panel": {**{c[0]: c[3] for c in COLUMNS["reports"] if c[0] in PANEL_META},
                              **{e.name: f"{e.label_en} ({e.label_zh}; {e.unit})" for e in codebook()}}}
    fields = [{"name": c, "type": _field_type(t), "description": descriptions[name].get(c, "")} for c, t in dtypes(name).items()]
    schema: dict = {"fields": fields, "missingValues": [""], "primaryKey": PRIMARY_KEYS[name]}
    if foreign_keys and REPORT_REFERENCES.get(name):
        schema["foreignKeys"] = [{"fields": col, "reference": {"resource": "reports", "fields": "report_id"}}
                                 for col in REPORT_REFERENCES[name]]
    return schema


FILE_DESCRIPTIONS = {
    ".dta": "the tables as in codebook.md: Stata 118, variable labels in Chinese",
    ".xlsx": "one sheet per table: row 1 the Chinese headers, row 2 the column names, then the rows; a codebook sheet",
    ".db": "every table as SQLite (keys, indexes, full-text search on the narrative): datasette xxgk.db -m metadata.yml",
    ".yml": "Datasette metadata for xxgk.db: titles, column descriptions, facets",
}


def _resource(file: str, main_suffix: str, csv_encoding: str) -> dict:
    """One file of the run as a data package resource: a table of ours gets its schema."""
    path = Path(file)
    table, suffix = path.stem, path.suffix
    res: dict = {"name": table if suffix == main_suffix else f"{table}-{suffix[1:]}".replace("xxgk-xlsx", "workbook"),
                 "path": file, "format": suffix[1:], "mediatype": MEDIA_TYPES[suffix]}
    if table in (*TABLES, *CRAWL_TABLES) and suffix in (".csv", ".parquet"):
        res["schema"] = _schema(table, foreign_keys=suffix == main_suffix)
        if suffix == ".csv":
            res["encoding"] = csv_encoding
    elif file == "codebook.csv":
        res["encoding"] = "utf-8-sig"
    elif suffix in FILE_DESCRIPTIONS:
        res["type"] = "file"  # a whole file, not one table frictionless could check (a workbook of sheets, labelled codes)
        res["description"] = FILE_DESCRIPTIONS[suffix]
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
