"""The accounting identities (勾稽关系) of template-spec §6, as findings, never corrections.

    H1 t3_balance          new + carried = total + forward            each 表三 column
    H2 t3_outcome_total    total = sum of the outcome rows            each 表三 column
    H3 t3_applicant_total  total = sum of the six applicant columns   each 表三 row
    H4 t4_total            total = upheld + corrected + other + pending   each 表四 group

A check is `unknown` when a cell it needs is blank or missing: a blank is not 0.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .model import Check, Figure, Value

T3_COLS = ("natural", "commercial", "research", "nonprofit", "legal", "org_other", "total")
APPLICANTS = T3_COLS[:-1]
OUTCOMES = (
    "granted", "partial",
    "withheld_secret", "withheld_law", "withheld_safety", "withheld_third_party",
    "withheld_internal", "withheld_process", "withheld_enforcement", "withheld_query",
    "unavailable_not_held", "unavailable_create", "unavailable_unclear",
    "declined_petition", "declined_repeat", "declined_publication", "declined_mass", "declined_confirm",
)
OTHER_SPLIT = ("other_no_correction", "other_unpaid_fee", "other_misc")
T4_GROUPS = ("review", "suit_direct", "suit_after_review")
T4_PARTS = ("upheld", "corrected", "other", "pending")


class _Cells:
    def __init__(self, values: list[Value]) -> None:
        self.by_key = {(v.table, v.row, v.col): v for v in values}

    def get(self, table: str, row: str, col: str) -> Decimal | None:
        v = self.by_key.get((table, row, col))
        if v is None or v.value == "":
            return None
        try:
            return Decimal(v.value)
        except InvalidOperation:
            return None

    def has_row(self, table: str, row: str) -> bool:
        return any(k[0] == table and k[1] == row for k in self.by_key)


def fmt_number(d: Decimal) -> str:
    """A number for a check's detail: 21, 7730.28 (never 2.1E+1)."""
    return format(d.normalize(), "f") if d == d.to_integral_value() else str(d)


def _compare(check: str, rule: str, table: str, scope: str, left: list[tuple[str, Decimal | None]],
             right: list[tuple[str, Decimal | None]]) -> Check:
    missing = [name for name, v in left + right if v is None]
    names_l = " + ".join(n for n, _ in left) if len(left) <= 6 else f"sum of {len(left)} outcome rows"
    names_r = " + ".join(n for n, _ in right)
    if missing:
        return Check(check, rule, table, scope, "unknown", f"blank or missing: {', '.join(missing)}")
    sl = sum((v for _, v in left), Decimal(0))  # type: ignore[misc]
    sr = sum((v for _, v in right), Decimal(0))  # type: ignore[misc]
    def terms(side: list[tuple[str, Decimal | None]], total: Decimal) -> str:
        shown = " + ".join(fmt_number(v) for _, v in side if v is not None)
        return fmt_number(total) if len(side) == 1 or len(side) > 6 else f"{shown} = {fmt_number(total)}"

    status = "pass" if sl == sr else "fail"
    detail = f"{names_l} = {terms(left, sl)}; {names_r} = {terms(right, sr)}"
    if status == "fail":
        detail += f"; off by {fmt_number(sl - sr)} (values kept as printed)"
    return Check(check, rule, table, scope, status, detail)


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
        said = Decimal(f.value)
        ok = said == new or (carried is not None and said == new + carried)
        detail = f"text says {f.value} 件 (“{f.sentence[:60]}”); 表三 new total = {fmt_number(new)}"
        if carried is not None:
            detail += f", new + carried = {fmt_number(new + carried)}"
        out.append(Check("narrative_applications", "S5", "t3", "new/total", "pass" if ok else "fail", detail, "warning"))
    return out


def run_checks(values: list[Value]) -> list[Check]:
    cells = _Cells(values)
    out: list[Check] = []
    if cells.has_row("t3", "total") or cells.has_row("t3", "new"):
        split = any(cells.has_row("t3", r) for r in OTHER_SPLIT) and not cells.has_row("t3", "other")
        outcome_rows = OUTCOMES + (OTHER_SPLIT if split else ("other",))
        for col in T3_COLS:
            g = lambda row: (row, cells.get("t3", row, col))  # noqa: E731
            out.append(_compare("t3_balance", "H1", "t3", col, [g("new"), g("carried")], [g("total"), g("forward")]))
            out.append(_compare("t3_outcome_total", "H2", "t3", col, [g(r) for r in outcome_rows], [g("total")]))
        t3_rows = dict.fromkeys(v.row for v in values if v.table == "t3")
        for row in t3_rows:
            out.append(_compare("t3_applicant_total", "H3", "t3", row,
                                [(c, cells.get("t3", row, c)) for c in APPLICANTS], [("total", cells.get("t3", row, "total"))]))
    for group in T4_GROUPS:
        if cells.has_row("t4", group):
            out.append(_compare("t4_total", "H4", "t4", group,
                                [(p, cells.get("t4", group, p)) for p in T4_PARTS], [("total", cells.get("t4", group, "total"))]))
    return out
