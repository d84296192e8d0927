"""Hand-read truth files (`*.truth`) and how extracted values compare with them.

The format (see fixtures/README.md) lists, per report, the 表二 rows, the 表三
rows in keys.csv order and the 15 表四 numbers; `_` marks a cell printed blank,
'/', '-' or '—'. A `NAME.expect` beside it lists the identities the source
itself gets wrong (`fail t4_total review`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xxgk.parsers.schema import T3_OTHER_SPLIT, keys_for


@dataclass
class Truth:
    file: str
    year: int | None
    agency: str
    template: str
    cells: dict[tuple[str, str, str], str] = field(default_factory=dict)
    expected_fails: set[tuple[str, str]] = field(default_factory=set)


def _order(table: str, template: str) -> tuple[list[str], dict[str, list[str]]]:
    rows: list[str] = []
    cols: dict[str, list[str]] = {}
    for k in keys_for(table, template):
        if k.row not in cols:
            rows.append(k.row)
            cols[k.row] = []
        cols[k.row].append(k.col)
    return rows, cols


def load(path: Path) -> Truth:
    meta: dict[str, str] = {}
    t2: dict[str, list[str]] = {}
    t3: list[list[str]] = []
    t4: list[str] = []
    in_t3 = False
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        if line.startswith("t2 "):
            key, vals = line[3:].split(":", 1)
            t2[key.strip()] = vals.split()
        elif line == "t3:":
            in_t3 = True
        elif line.startswith("t4:"):
            t4, in_t3 = line[3:].split(), False
        elif in_t3:
            t3.append(line.split())
        else:
            k, v = line.split(":", 1)
            meta[k.strip()] = v.strip()
    year = meta.get("year", "")
    truth = Truth(meta["file"], int(year) if year.isdigit() else None, meta.get("agency", ""), meta["template"])
    tmpl = truth.template
    _, cols = _order("t2", tmpl)
    for row, vals in t2.items():
        if row not in cols or len(vals) != len(cols[row]):
            raise ValueError(f"{path}: t2 {row} does not match keys.csv ({vals})")
        truth.cells.update({("t2", row, c): v for c, v in zip(cols[row], vals)})
    rows, cols = _order("t3", tmpl)
    if tmpl == "v2021":
        drop = set(T3_OTHER_SPLIT) if meta.get("t3_other") == "single" else {"other"}
        rows = [r for r in rows if r not in drop]
    if t3:
        if len(t3) != len(rows):
            raise ValueError(f"{path}: {len(t3)} t3 rows, keys.csv has {len(rows)}")
        for row, vals in zip(rows, t3):
            truth.cells.update({("t3", row, c): v for c, v in zip(cols[row], vals)})
    if t4:
        rows, cols = _order("t4", tmpl)
        for i, row in enumerate(rows):
            truth.cells.update({("t4", row, c): v for c, v in zip(cols[row], t4[i * 5 : (i + 1) * 5])})
    truth.cells = {k: ("" if v == "_" else v) for k, v in truth.cells.items()}
    expect = path.with_suffix(".expect")
    if expect.exists():
        for line in expect.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == "fail":
                truth.expected_fails.add((parts[1], parts[2]))
    return truth


@dataclass
class Comparison:
    total: int
    exact: int
    wrong: list[str]  # "t3 new/natural: truth 21, got 20"

    @property
    def accuracy(self) -> float:
        return self.exact / self.total if self.total else 0.0


def compare(truth: Truth, values: dict[tuple[str, str, str], str]) -> Comparison:
    """Cell by cell: a truth cell counts only if the extracted value is the same text."""
    wrong = []
    for key, want in sorted(truth.cells.items()):
        got = values.get(key)
        if got != want:
            wrong.append(f"{key[0]} {key[1]}/{key[2]}: truth {want or '(blank)'}, got {'(missing)' if got is None else got or '(blank)'}")
    return Comparison(len(truth.cells), len(truth.cells) - len(wrong), wrong)
