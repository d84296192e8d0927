"""The canonical keys, loaded once from the packaged copy of the project's keys.csv.

keys.csv is the contract (`shared/schema/keys.csv` in the steering repo): one line
per canonical cell, for each template. Everything that names a table, row or
column reads it from here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

TABLES = {
    "t2": "主动公开政府信息情况",
    "t3": "收到和处理政府信息公开申请情况",
    "t4": "政府信息公开行政复议、行政诉讼情况",
}
TEMPLATES = ("v2019", "v2021")
# v2021 reports may print （六）其他处理 as one row (`other`) or as three sub-rows.
T3_OTHER_SPLIT = ("other_no_correction", "other_unpaid_fee", "other_misc")


@dataclass(frozen=True)
class Key:
    table: str
    template: str
    block: str
    row: str
    col: str
    row_label: str
    col_label: str

    @property
    def row_leaf(self) -> str:
        """The row's own label, without the group printed in front of it."""
        return self.row_label.split(" ")[-1]


@lru_cache(maxsize=1)
def keys() -> tuple[Key, ...]:
    text = resources.files("xxgk.parsers").joinpath("keys.csv").read_text(encoding="utf-8")
    return tuple(Key(**row) for row in csv.DictReader(text.splitlines()))


def keys_for(table: str, template: str) -> list[Key]:
    return [k for k in keys() if k.table == table and k.template == template]


def expected_cells(template: str, t3_other_single: bool) -> set[tuple[str, str, str]]:
    """The (table, row, col) a complete report of this template carries."""
    drop = set(T3_OTHER_SPLIT) if t3_other_single else {"other"}
    if template == "v2019":
        drop = set(T3_OTHER_SPLIT)
    return {
        (k.table, k.row, k.col)
        for k in keys()
        if k.template == template and not (k.table == "t3" and k.row in drop)
    }


@lru_cache(maxsize=1)
def _canonical() -> frozenset[tuple[str, str, str, str]]:
    return frozenset((k.table, k.row, k.col, k.template) for k in keys())


def is_canonical(table: str, row: str, col: str, template: str) -> bool:
    return (table, row, col, template) in _canonical()
