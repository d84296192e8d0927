"""Soft checks across consecutive years of one agency (template-spec §6.3), as warnings.

    S1 cross_year_carried    this year's 上年结转 = last year's 结转下年度, each 表三 column
    S2 cross_year_in_force   v2021: 现行有效件数 = last year's + 本年制发 − 本年废止, 规章 and 行政规范性文件

They break for honest reasons (机构改革, amendments counted differently), so a failure
never makes a report partial. They need two reports of the same agency in one run.
"""

from __future__ import annotations

from decimal import Decimal

from xxgk.parsers import Check, Report
from xxgk.parsers.checks import cell_name, fmt_number
from xxgk.parsers.schema import T3_COLS


def _cells(r: Report) -> dict[tuple[str, str, str], Decimal | None]:
    return {(v.table, v.row, v.col): v.value for v in r.values}


def cross_year_checks(reports: list[Report]) -> dict[str, list[Check]]:
    by_agency: dict[str, dict[int, Report]] = {}
    for r in reports:
        if r.agency and r.year is not None and r.template in ("v2019", "v2021") and r.values:
            by_agency.setdefault(r.agency, {}).setdefault(r.year, r)
    out: dict[str, list[Check]] = {}
    for years in by_agency.values():
        for year, cur in sorted(years.items()):
            prev = years.get(year - 1)
            if prev is None:
                continue
            a, b = _cells(prev), _cells(cur)
            checks = out.setdefault(cur.report_id, [])
            for col in T3_COLS:
                was, now = a.get(("t3", "forward", col)), b.get(("t3", "carried", col))
                cells = f"{prev.report_id}/{cell_name('t3', 'forward', col)} {cell_name('t3', 'carried', col)}"
                formula = f"{year - 1}: t3.forward.{col} = {year}: t3.carried.{col}"
                if was is None or now is None:
                    status, detail = "unknown", f"{year - 1} forward or {year} carried is blank or missing"
                else:
                    status = "pass" if was == now else "fail"
                    detail = f"{year - 1} 结转下年度 {fmt_number(was)}; {year} 上年结转 {fmt_number(now)} ({prev.report_id} → {cur.report_id})"
                checks.append(Check("cross_year_carried", "S1", "t3", col, status, detail, "warning",
                                    formula=formula, lhs=was, rhs=now, cells=cells))
            if prev.template == cur.template == "v2021":
                for row in ("rules", "normative"):
                    last, made, rep, now = (a.get(("t2", row, "in_force")), b.get(("t2", row, "made")),
                                            b.get(("t2", row, "repealed")), b.get(("t2", row, "in_force")))
                    where = dict(formula=f"{year - 1}: t2.{row}.in_force + {year}: t2.{row}.made - t2.{row}.repealed = t2.{row}.in_force",
                                 cells=f"{prev.report_id}/{cell_name('t2', row, 'in_force')} "
                                       + " ".join(cell_name("t2", row, c) for c in ("made", "repealed", "in_force")))
                    if None in (last, made, rep, now):
                        checks.append(Check("cross_year_in_force", "S2", "t2", row, "unknown", "a cell is blank or missing",
                                            "warning", **where))
                        continue
                    want = last + made - rep  # type: ignore[operator]
                    checks.append(Check("cross_year_in_force", "S2", "t2", row, "pass" if want == now else "fail",
                                        f"{year - 1} in force {fmt_number(last)} + made {fmt_number(made)} − repealed {fmt_number(rep)} = {fmt_number(want)}; "  # type: ignore[arg-type]
                                        f"{year} prints {fmt_number(now)}", "warning", lhs=want, rhs=now, **where))
    return out
