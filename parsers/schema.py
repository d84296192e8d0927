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


# ---- row and column keys in keys.csv's order: the one place the identities and readers take them from
def _in_order(items) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return tuple(dict.fromkeys(items))


_T3 = [k for k in keys() if k.table == "t3" and k.template == "v2021"]
_T4 = [k for k in keys() if k.table == "t4" and k.template == "v2021"]
T3_ROWS = _in_order(k.row for k in _T3)
T3_COLS = _in_order(k.col for k in _T3)  # the six applicant types, then total
APPLICANTS = tuple(c for c in T3_COLS if c != "total")
# v2021 reports may print （六）其他处理 as one row (`other`) or as three sub-rows.
T3_OTHER_SPLIT = tuple(r for r in T3_ROWS if r.startswith("other_"))
T3_OTHER_ROWS = ("other", *T3_OTHER_SPLIT)
# 办理结果 rows before 其他处理: what H2 sums with the other row(s)
OUTCOMES = tuple(r for r in T3_ROWS if r not in ("new", "carried", "total", "forward", *T3_OTHER_ROWS))
T4_GROUPS = _in_order(k.row for k in _T4)  # review, suit_direct, suit_after_review
T4_PARTS = tuple(c for c in _in_order(k.col for k in _T4) if c != "total")
# the group as printed (its leaf: 行政复议, 未经复议直接起诉, 复议后起诉) -> its key
T4_GROUP_LABELS = {k.row_leaf: k.row for k in _T4}
