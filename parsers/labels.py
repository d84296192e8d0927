"""Map printed labels to canonical keys: exact, then alias, then a bounded fuzzy match.

The official labels come from keys.csv; the variants seen in real reports live
in labels.csv beside this file (one alias a line, with where it was seen). Both
are compared in `normalize.core` form. The fuzzy step (rapidfuzz) only runs
among the candidates of the current table, and refuses a match that is weak
or that a second key almost ties.
"""

from __future__ import annotations

import copy
import csv
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from rapidfuzz import fuzz

from .normalize import core
from .schema import T4_GROUP_LABELS, keys
from .settings import DEFAULT, ParseSettings


@dataclass(frozen=True)
class Match:
    key: str
    how: str  # exact | alias | prefix | fuzzy
    score: float = 100.0
    margin: float = 100.0  # fuzzy: how far the runner-up key is behind


class LabelIndex:
    """Label → key lookups for one (table, kind, block) family of labels."""

    def __init__(self) -> None:
        self.settings = DEFAULT  # the fuzzy bounds
        self.exact: dict[tuple[str, str, str], dict[str, str]] = defaultdict(dict)
        self.prefix: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
        self.groups: dict[str, set[str]] = defaultdict(set)
        self.templates: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
        for k in keys():
            block = k.block if k.table == "t2" else ""
            self._add(k.table, "row", block, k.row_leaf if k.table == "t3" else k.row_label, k.row)
            if k.table == "t4":
                continue  # t4 columns and groups are matched by path, below
            self._add(k.table, "col", block, k.col_label, k.col)
            self.templates[(k.table, "col", block, core(k.col_label))].add(k.template)
            self.templates[(k.table, "row", block, core(k.row_leaf))].add(k.template)
        for k in keys():
            if k.table == "t4":
                self._add("t4", "col", "", k.col_label, k.col)
        for label, key in T4_GROUP_LABELS.items():
            self._add("t4", "group", "", label, key)
        text = resources.files("xxgk.parsers").joinpath("labels.csv").read_text(encoding="utf-8")
        for a in csv.DictReader(text.splitlines()):
            if a["kind"] == "group":
                self.groups[a["table"]].add(core(a["alias"]))
            elif a["alias"].endswith("*"):
                self.prefix[(a["table"], a["kind"], "")].append((core(a["alias"][:-1]), a["key"]))
            else:
                blocks = {""}
                if a["table"] == "t2":  # a t2 alias holds in whichever block has its key
                    blocks = {k.block for k in keys() if k.table == "t2" and k.row == a["key"]}
                for b in blocks:
                    self.exact[(a["table"], a["kind"], b)].setdefault(core(a["alias"]), a["key"])

    def with_settings(self, settings: ParseSettings) -> LabelIndex:
        """The same tables (shared, not copied) with the fuzzy bounds of `settings`."""
        if settings == self.settings:
            return self
        view = copy.copy(self)
        view.settings = settings
        return view

    def _add(self, table: str, kind: str, block: str, label: str, key: str) -> None:
        self.exact[(table, kind, block)].setdefault(core(label), key)

    def match(self, table: str, kind: str, label: str, block: str = "") -> Match | None:
        c = core(label)
        if not c:
            return None
        family = self.exact.get((table, kind, block), {})
        if c in family:
            return Match(family[c], "exact")
        for prefix, key in self.prefix.get((table, kind, ""), []):
            if c.startswith(prefix):
                return Match(key, "prefix")
        bounds = self.settings
        if len(c) < bounds.fuzzy_min_length:
            return None
        best: dict[str, float] = {}
        for label_core, key in family.items():
            score = fuzz.ratio(c, label_core)
            best[key] = max(best.get(key, 0.0), score)
        ranked = sorted(best.items(), key=lambda kv: -kv[1])
        if not ranked or ranked[0][1] < bounds.fuzzy_min_score:
            return None
        margin = ranked[0][1] - ranked[1][1] if len(ranked) > 1 else 100.0
        if margin < bounds.fuzzy_min_margin:
            return None
        return Match(ranked[0][0], "fuzzy", round(ranked[0][1], 1), round(margin, 1))

    def is_group(self, table: str, label: str) -> bool:
        return core(label) in self.groups.get(table, set())

    def templates_of(self, table: str, kind: str, block: str, label: str) -> set[str]:
        """The templates whose official labels include this one (empty for aliases)."""
        return self.templates.get((table, kind, block, core(label)), set())


@lru_cache(maxsize=1)
def index() -> LabelIndex:
    return LabelIndex()
