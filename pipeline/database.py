"""`--format sqlite`: the run's tables as one SQLite database for Datasette (sqlite-utils).

    xxgk.db        every table of the run, typed, with its primary key, foreign keys to reports,
                   indexes on what reviewers filter by, and full-text search on the narrative
    metadata.yml   Datasette's metadata: titles, column descriptions from the codebook, facets

    datasette xxgk.db -m metadata.yml     filtering, faceting and search, no code of ours
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .columns import COLUMNS, PRIMARY_KEYS, REPORT_REFERENCES, dtypes

if TYPE_CHECKING:
    import pandas as pd

DB_NAME, METADATA_NAME = "xxgk.db", "metadata.yml"
ORDER = ("reports", "values", "checks", "narrative", "panel", "similarity", "legacy_values", "coverage", "history")  # reports first: the key others point to
INDEXES = {
    "values": [["table", "row", "col"], ["kind"]],
    "checks": [["check_id"], ["status"], ["rule"]],
    "reports": [["agency", "year"], ["status"], ["adcode"]],
    "coverage": [["status"], ["year"]],
}
FULL_TEXT = {"narrative": ["sentence"], "reports": ["title", "agency"]}
FACETS = {
    "reports": ["status", "template", "year", "province", "level"],
    "values": ["table", "kind", "method"],
    "checks": ["status", "rule", "check", "severity", "basis"],
    "coverage": ["status", "year", "on_time"],
    "similarity": ["kind"],
    "panel": ["status", "template", "year", "province", "level"],
}
TITLES = {
    "reports": "报告 Reports: one row per document", "values": "数值 Values: one row per extracted cell",
    "checks": "勾稽关系 Checks: one row per identity tested", "narrative": "正文数字 Numbers the text states",
    "panel": "宽表 Panel: one row per report", "similarity": "内容雷同 Near-identical narratives",
    "coverage": "发布情况 Coverage: registry body × year", "legacy_values": "2019年以前的统计表 Cells of pre-2019 tables, as printed", "history": "版本 Every version seen at a report URL",
}
_SQL_TYPES = {"Int64": int, "Float64": float, "string": str}


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows with None for missing (pandas' NA is no SQLite value)."""
    return df.astype(object).where(df.notna(), None).to_dict("records")


def write_database(tabs: dict[str, pd.DataFrame], path: Path) -> None:
    import sqlite_utils

    db = sqlite_utils.Database(str(path))
    try:
        for name in sorted(tabs, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER)):
            df = tabs[name]
            types = {c: _SQL_TYPES[t] for c, t in dtypes(name).items()}
            fks = [(col, "reports", "report_id") for col in REPORT_REFERENCES.get(name, []) if "reports" in tabs]
            db[name].create(types, pk=tuple(PRIMARY_KEYS[name]), foreign_keys=fks)
            db[name].insert_all(_records(df), batch_size=2000)
            for cols in INDEXES.get(name, []):
                db[name].create_index(cols)
            for col in REPORT_REFERENCES.get(name, []):
                if col != PRIMARY_KEYS[name][0]:
                    db[name].create_index([col])
            if name in FULL_TEXT and len(df):
                db[name].enable_fts(FULL_TEXT[name], create_triggers=False, tokenize="trigram")
    finally:
        db.close()


def metadata(tables: list[str], describe: dict[str, str]) -> dict:
    """Datasette metadata for the tables written: titles, the codebook's column descriptions, facets."""
    def columns(name: str) -> dict[str, str]:
        if name == "panel":
            return {c: d for c, d in describe.items()}
        return {c[0]: f"{c[2]}: {c[3]}" for c in COLUMNS[name]}

    return {
        "title": "xxgk: 政府信息公开工作年度报告 statistical tables",
        "description": "Extracted by xxgk. A blank value is a blank in the report, never 0; values are as printed "
                       "(a reviewer's corrections sit beside them). See codebook.md for every canonical cell.",
        "databases": {"xxgk": {"tables": {
            name: {"title": TITLES.get(name, name), "columns": columns(name),
                   **({"facets": FACETS[name]} if name in FACETS else {})}
            for name in tables}}},
    }


def write_metadata(tables: list[str], describe: dict[str, str], path: Path) -> None:
    import yaml

    text = "# datasette xxgk.db -m metadata.yml\n" + yaml.safe_dump(metadata(tables, describe), allow_unicode=True,
                                                                   sort_keys=False, width=120)
    path.write_text(text, encoding="utf-8")
