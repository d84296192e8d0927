"""The accounting identities (勾稽关系) of template-spec §6, as findings, never corrections.

    H1 t3_balance          new + carried = total + forward            each 表三 column
    H2 t3_outcome_total    total = sum of the outcome rows            each 表三 column
    H3 t3_applicant_total  total = sum of the six applicant columns   each 表三 row
    H4 t4_total            total = upheld + corrected + other + pending   each 表四 group
    H5 whole_counts        every count is a whole number ≥ 0 (表二's 增/减 may be < 0; amounts are decimal)   each table

A check is `unknown` when a cell it needs is blank or missing: a blank is not 0.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from .model import Check, Figure, Value
from .schema import APPLICANTS, OUTCOMES, T3_COLS, T3_OTHER_SPLIT, T4_GROUPS, T4_PARTS

AMOUNT_COLS = ("amount", "amount_wan")  # 表二's money columns: decimals allowed (H5)
SIGNED_COLS = ("delta",)  # v2019 表二 本年增/减: may be negative (H5)
MAX_SHOWN = 4


class _Cells:
    def __init__(self, values: list[Value]) -> None:
        self.by_key = {(v.table, v.row, v.col): v for v in values}

    def get(self, table: str, row: str, col: str) -> Decimal | None:
        v = self.by_key.get((table, row, col))
        return None if v is None else v.value

    def has_row(self, table: str, row: str) -> bool:
        return any(k[0] == table and k[1] == row for k in self.by_key)


def fmt_number(d: Decimal) -> str:
    """A number for a check's detail: 21, 7730.28 (never 2.1E+1)."""
    return format(d.normalize(), "f") if d == d.to_integral_value() else str(d)


def cell_name(table: str, row: str, col: str) -> str:
    """A cell as checks.csv names it in `formula` and `cells`: t3.new.nat."""
    return f"{table}.{row}.{col}"


Term = tuple[tuple[str, str, str], "Decimal | None"]  # a cell's key and its number


@lru_cache(maxsize=4096)
def _names(left: tuple[tuple[str, str, str], ...], right: tuple[tuple[str, str, str], ...]) -> tuple[str, str]:
    """A check's formula and cells in cell names: the same for every report, so made once."""
    side = lambda keys: " + ".join(cell_name(*k) for k in keys)  # noqa: E731
    return f"{side(left)} = {side(right)}", " ".join(cell_name(*k) for k in left + right)


def _compare(check: str, rule: str, table: str, scope: str, left: list[Term], right: list[Term]) -> Check:
    """left == right, each side a sum of cells; the check records its formula, both sums and its cells."""
    formula, cells = _names(tuple(k for k, _ in left), tuple(k for k, _ in right))
    short = lambda k: k[2] if k[2] != scope else k[1]  # noqa: E731  # the part that varies along the scope
    names_l = " + ".join(short(k) for k, _ in left) if len(left) <= 6 else f"sum of {len(left)} outcome rows"
    names_r = " + ".join(short(k) for k, _ in right)
    missing = [short(k) for k, v in left + right if v is None]
    if missing:
        return Check(check, rule, table, scope, "unknown", f"blank or missing: {', '.join(missing)}",
                     formula=formula, cells=cells)
    sl = sum((v for _, v in left), Decimal(0))  # type: ignore[misc]
    sr = sum((v for _, v in right), Decimal(0))  # type: ignore[misc]

    def terms(side: list[Term], total: Decimal) -> str:
        shown = " + ".join(fmt_number(v) for _, v in side if v is not None)
        return fmt_number(total) if len(side) == 1 or len(side) > 6 else f"{shown} = {fmt_number(total)}"

    status = "pass" if sl == sr else "fail"
    detail = f"{names_l} = {terms(left, sl)}; {names_r} = {terms(right, sr)}"
    if status == "fail":
        detail += f"; off by {fmt_number(sl - sr)} (values kept as printed)"
    return Check(check, rule, table, scope, status, detail, formula=formula, lhs=sl, rhs=sr, cells=cells)


def narrative_checks(values: list[Value], figures: list[Figure]) -> list[Check]:
    """S5: 收到申请 N 件 in the text against 表三 (new, or new + carried), as a warning."""
    cells = _Cells(values)
    out = []
    for f in figures:
        if f.figure != "applications":
            continue
        new, carried = cells.get("t3", "new", "total"), cells.get("t3", "carried", "total")
        if new is None:
            continue
        said = f.value
        ok = said == new or (carried is not None and said == new + carried)
        detail = f"text says {fmt_number(said)} 件 (“{f.sentence[:60]}”); 表三 new total = {fmt_number(new)}"
        if carried is not None:
            detail += f", new + carried = {fmt_number(new + carried)}"
        formula = "text 收到申请 = t3.new.total (also passes as t3.new.total + t3.carried.total)"
        out.append(Check("narrative_applications", "S5", "t3", "new/total", "pass" if ok else "fail", detail, "warning",
                         formula=formula, lhs=said, rhs=new,
                         cells="t3.new.total" + (" t3.carried.total" if carried is not None else "")))
    return out


def _t4_total(cells: _Cells, rows: tuple[str, ...]) -> tuple[Decimal | None, str]:
    got = [cells.get("t4", row, "total") for row in rows]
    return (None if None in got else sum(got, Decimal(0))), " ".join(cell_name("t4", row, "total") for row in rows)  # type: ignore[arg-type]


# The text's 表四 figures against the table: (figure, check, rule, rows of 表四 whose totals it counts).
PROSE_T4 = (("reviews", "narrative_reviews", "S6", ("review",)),
            ("suits", "narrative_suits", "S7", ("suit_direct", "suit_after_review")))


def prose_checks(values: list[Value], figures: list[Figure]) -> list[Check]:
    """S6, S7: 行政复议/行政诉讼 N 件 in the text against 表四; S8: a fee charged where the text also says
    none was. Warnings: a report may count differently in words (cases received, not decided)."""
    cells, said = _Cells(values), {f.figure: f for f in figures}
    out = []
    for figure, check, rule, rows in PROSE_T4:
        f = said.get(figure)
        total, names = _t4_total(cells, rows)
        if f is None or total is None:
            continue
        detail = f"text says {fmt_number(f.value)} 件 (“{f.sentence[:60]}”); 表四 {' + '.join(rows)} total = {fmt_number(total)}"
        out.append(Check(check, rule, "t4", "/".join(rows), "pass" if f.value == total else "fail", detail, "warning",
                         formula=f"text {figure} = " + " + ".join(names.split()), lhs=f.value, rhs=total, cells=names))
    fee, none = said.get("fee"), said.get("fee_none")
    if fee is not None and none is not None:
        out.append(Check("narrative_fee", "S8", "t3", "fee", "fail" if fee.value > 0 else "pass",
                         f"text says 收取 {fmt_number(fee.value)} 元 (“{fee.sentence[:40]}”) and that none was charged "
                         f"(“{none.sentence[:40]}”)", "warning", formula="text fee = 0 when the text says none was charged",
                         lhs=fee.value, rhs=Decimal(0)))
    return out


def run_checks(values: list[Value]) -> list[Check]:
    cells = _Cells(values)
    out: list[Check] = []
    if cells.has_row("t3", "total") or cells.has_row("t3", "new"):
        split = any(cells.has_row("t3", r) for r in T3_OTHER_SPLIT) and not cells.has_row("t3", "other")
        outcome_rows = OUTCOMES + (T3_OTHER_SPLIT if split else ("other",))
        for col in T3_COLS:
            g = lambda row: (("t3", row, col), cells.get("t3", row, col))  # noqa: E731
            out.append(_compare("t3_balance", "H1", "t3", col, [g("new"), g("carried")], [g("total"), g("forward")]))
            out.append(_compare("t3_outcome_total", "H2", "t3", col, [g(r) for r in outcome_rows], [g("total")]))
        t3_rows = dict.fromkeys(v.row for v in values if v.table == "t3")
        for row in t3_rows:
            out.append(_compare("t3_applicant_total", "H3", "t3", row,
                                [(("t3", row, c), cells.get("t3", row, c)) for c in APPLICANTS],
                                [(("t3", row, "total"), cells.get("t3", row, "total"))]))
    for group in T4_GROUPS:
        if cells.has_row("t4", group):
            out.append(_compare("t4_total", "H4", "t4", group,
                                [(("t4", group, p), cells.get("t4", group, p)) for p in T4_PARTS],
                                [(("t4", group, "total"), cells.get("t4", group, "total"))]))
    out += whole_counts(cells)
    return out


def whole_counts(cells: _Cells) -> list[Check]:
    """H5, one finding per table: a count printed as 3.5 or -2 is read as printed, and flagged here."""
    out = []
    for table in ("t2", "t3", "t4"):
        counts = [(k, cells.get(*k)) for k in cells.by_key if k[0] == table and k[2] not in AMOUNT_COLS]
        counts = [(k, v) for k, v in counts if v is not None]
        if not counts:
            continue
        bad_keys = [(k, v) for k, v in counts if v != v.to_integral_value() or (v < 0 and k[2] not in SIGNED_COLS)]
        bad = [f"{row} × {col} = {fmt_number(v)}" for (_, row, col), v in bad_keys]
        detail = f"{len(counts)} counts, all whole and ≥ 0" if not bad else (
            f"not a whole number ≥ 0 (kept as printed): {'; '.join(bad[:MAX_SHOWN])}"
            + (f"; and {len(bad) - MAX_SHOWN} more" if len(bad) > MAX_SHOWN else ""))
        out.append(Check("whole_counts", "H5", table, f"{table} counts", "fail" if bad else "pass", detail,
                         formula=f"every count of {table} is a whole number >= 0",
                         cells=" ".join(cell_name(*k) for k, _ in bad_keys)))  # the cells that break it
    return out
