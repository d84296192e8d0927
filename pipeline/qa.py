"""DIR/report.html: one static page to see at a glance which reports to trust.

Counts by status, template, year, province and level; every report that is not `ok`
with its reason; every failing check (errors first, then warnings) with a link to
its source document; two charts (reports per year, applications by outcome) as
inline SVG. No scripts, no external files: it opens from disk in any browser.

The writer (datasets.Sink) hands each row it writes to a Summary; the page is made from that,
without reading the CSVs back and without pandas.
"""

from __future__ import annotations

import html
import os
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

from xxgk.parsers.model import READ

from .columns import COLUMNS, typed_row
from .writers import atomic_write

Row = dict[str, object]  # a row of one of the run's tables, typed as columns.typed_row gives it
OUTCOME_GROUPS = ["予以公开 granted", "部分公开 partial", "不予公开 withheld", "无法提供 unavailable",
                  "不予处理 declined", "其他处理 other"]


def outcome_group(row: str) -> str | None:
    """The 表三 outcome group of a row key (None for new, carried, total, forward, extras)."""
    if row in ("granted", "partial"):
        return OUTCOME_GROUPS[0] if row == "granted" else OUTCOME_GROUPS[1]
    for prefix, group in (("withheld_", 2), ("unavailable_", 3), ("declined_", 4)):
        if row.startswith(prefix):
            return OUTCOME_GROUPS[group]
    return OUTCOME_GROUPS[5] if row == "other" or row.startswith("other_") else None
CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2rem;color:#222;max-width:1100px}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.ok{color:#1a7f37}.partial{color:#9a6700}.failed,.fail{color:#cf222e}.not_report{color:#666}
.grid{display:flex;flex-wrap:wrap;gap:1.5rem}.muted{color:#666;font-size:.85rem}
"""


def _missing(x: object) -> bool:
    if x is None:
        return True
    if isinstance(x, str):
        return False
    try:
        return bool(x != x)  # NaN is the one value not equal to itself
    except TypeError:
        return True  # pandas' NA, which refuses to be a truth value


def escape(x: object) -> str:
    """Escaped text; a missing value (None, NaN, pandas' NA) shows as nothing, never as "<NA>"."""
    return "" if _missing(x) else html.escape(str(x))


_e = escape


def _counts(title: str, counter: Counter[str], in_order: bool = False) -> str:
    """A count table, most common first (in_order: by key, as years read)."""
    items = sorted(counter.items()) if in_order else counter.most_common()
    rows = "".join(f"<tr><td class='{_e(k)}'>{_e(k) or '—'}</td><td>{v}</td></tr>" for k, v in items)
    return f"<div><h3>{_e(title)}</h3><table><tr><th>{_e(title)}</th><th>reports</th></tr>{rows}</table></div>"


def bar_chart(title: str, items: list[tuple[str, float]], width: int = 520) -> str:
    """A horizontal bar chart as inline SVG."""
    if not items:
        return f"<p class='muted'>{_e(title)}: no data</p>"
    top = max(v for _, v in items) or 1
    bar_h, label_w = 22, 170
    height = bar_h * len(items) + 30
    parts = [f"<svg role='img' aria-label='{_e(title)}' width='{width}' height='{height}' xmlns='http://www.w3.org/2000/svg'>",
             f"<text x='0' y='14' font-size='13' font-weight='bold'>{_e(title)}</text>"]
    for i, (label, v) in enumerate(items):
        y = 24 + i * bar_h
        w = (width - label_w - 60) * v / top
        parts.append(f"<text x='0' y='{y + 14}' font-size='12'>{_e(label)}</text>")
        parts.append(f"<rect x='{label_w}' y='{y + 3}' width='{w:.1f}' height='{bar_h - 8}' fill='#4a7fb5'/>")
        parts.append(f"<text x='{label_w + w + 4:.1f}' y='{y + 14}' font-size='12'>{v:g}</text>")
    parts.append("</svg>")
    return "".join(parts)


PALETTE = ("#4a7fb5", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#2e4057", "#b07aa1")


def line_chart(title: str, series: dict[str, list[tuple[int, float]]], width: int = 560, height: int = 240) -> str:
    """Lines over the years as inline SVG, one per series (at most 8, each with its label at its last point)."""
    points = [p for s in series.values() for p in s]
    if not points:
        return f"<p class='muted'>{_e(title)}: no agency with two or more years</p>"
    years = sorted({y for y, _ in points})
    top = max(v for _, v in points) or 1
    left, right, y0, y1 = 40, 150, 24, height - 24
    span = (years[-1] - years[0]) or 1
    x = lambda y: left + (width - left - right) * ((y - years[0]) / span if len(years) > 1 else 0.5)  # noqa: E731  # years to scale
    yv = lambda v: y1 - (y1 - y0) * v / top  # noqa: E731
    parts = [f"<svg role='img' aria-label='{_e(title)}' width='{width}' height='{height}' xmlns='http://www.w3.org/2000/svg'>",
             f"<text x='0' y='14' font-size='13' font-weight='bold'>{_e(title)}</text>",
             f"<text x='0' y='{y0 + 8}' font-size='11'>{top:g}</text><text x='0' y='{y1}' font-size='11'>0</text>"]
    parts += [f"<text x='{x(y) - 14:.1f}' y='{height - 6}' font-size='11'>{y}</text>" for y in years]
    for i, (name, pts) in enumerate(list(series.items())[:len(PALETTE)]):
        color, pts = PALETTE[i], sorted(pts)
        parts.append(f"<polyline fill='none' stroke='{color}' stroke-width='2' points='"
                     + " ".join(f"{x(y):.1f},{yv(v):.1f}" for y, v in pts) + "'/>")
        parts += [f"<circle cx='{x(y):.1f}' cy='{yv(v):.1f}' r='3' fill='{color}'><title>{_e(name)} {y}: {v:g}</title></circle>"
                  for y, v in pts]
        ly, lv = pts[-1]
        parts.append(f"<text x='{x(ly) + 6:.1f}' y='{yv(lv) + 4:.1f}' font-size='11' fill='{color}'>{_e(name[:12])}</text>")
    parts.append("</svg>")
    return "".join(parts)


def source_href(source: str, base: Path) -> str:
    """A report's source as an href from the folder `base`: an http(s) URL, or a relative file path
    (never any other scheme); "" for a file that is not there."""
    if source.startswith(("http://", "https://")):
        return source
    p = Path(source)
    if not p.exists():
        return ""
    # Percent-encoded (":" too), so a file named "javascript:….html" is never read as a scheme.
    return quote(os.path.relpath(p.resolve(), base.resolve()))


def _link(source: str, out: Path) -> str:
    """A link to a report's source, or its name where there is nothing to link to."""
    href = source_href(source, out)
    return f"<a href='{_e(href)}'>{_e(source)}</a>" if href else _e(source)


def counted_once(reps: list[Row]) -> set[str]:
    """The reports the charts count: one per agency and year (the first read), and every report
    whose agency or year is unknown. A report read twice is never summed twice."""
    seen: set[tuple[object, object]] = set()
    once = set()
    for r in reps:
        key = (r["agency"], r["year"])
        if None in key or key not in seen:
            seen.add(key)
            once.add(str(r["report_id"]))
    return once


def _page_link(report_id: str, pages: set[str] | None) -> str:
    """A link to the report's own page (pages/<id>.html: every cell beside its source), if it has one."""
    return f" <a href='pages/{_e(report_id)}.html'>[cells]</a>" if pages and report_id in pages else ""


def _by_agency_and_year(r: Row) -> tuple:  # type: ignore[type-arg]
    """Sort key: agency, then year, a missing one after the others."""
    return (r["agency"] is None, r["agency"] or "", r["year"] is None, r["year"] or 0)


def _every_report(reps: list[Row], pages: set[str]) -> str:
    """Every report that has a page of its own: a reviewer starts here."""
    have = sorted((r for r in reps if r["report_id"] in pages), key=_by_agency_and_year)
    if not have:
        return ""
    rows = "".join(f"<tr><td><a href='pages/{_e(r['report_id'])}.html'>{_e(r['agency']) or _e(r['report_id'])}</a></td>"
                   f"<td>{_e(r['year'])}</td><td class='{_e(r['status'])}'>{_e(r['status'])}</td></tr>" for r in have)
    table = f"<table><tr><th>report (every cell beside its source)</th><th>year</th><th>status</th></tr>{rows}</table>"
    if len(have) > 50:
        table = f"<details><summary>{len(have)} reports</summary>{table}</details>"
    return f"<h2>Every report, cell by cell ({len(have)})</h2>{table}"


def _duplicates(reps: list[Row], out: Path) -> str:
    """Reports of one agency and year read more than once (copies in two formats, versions, mislabelled years)."""
    read: dict[tuple, list[Row]] = defaultdict(list)  # type: ignore[type-arg]
    for r in reps:
        if r["status"] in READ and r["agency"] is not None and r["year"] is not None:
            read[(r["agency"], r["year"])].append(r)
    groups = sorted(((k, g) for k, g in read.items() if len(g) > 1), key=lambda kg: kg[0])  # by agency, then year
    if not groups:
        return ""
    rows = "".join(f"<tr><td>{_e(a)}</td><td>{_e(y)}</td><td>{len(g)}</td><td>"
                   + "<br>".join(_link(str(r["source"]), out) for r in g) + "</td></tr>" for (a, y), g in groups)
    return (f"<h2>Same agency and year more than once ({len(groups)})</h2><p class='muted'>Counted once in the charts "
            "(the first report read); check which one is the report of record.</p>"
            f"<table><tr><th>agency</th><th>year</th><th>reports</th><th>sources</th></tr>{rows}</table>")


def _coverage(cov: list[Row]) -> str:
    """Registry body × year: on time, late, published (no date to judge), unreadable, missing."""
    if not cov:
        return ""
    def mark(r: Row) -> str:
        if r["status"] == "published":
            return {"true": "<span class='ok'>on time</span>", "false": "<span class='partial'>late</span>"}.get(
                str(r["on_time"]), "<span class='ok'>published</span>")
        return f"<span class='{'failed' if r['status'] == 'unreadable' else 'not_report'}'>{_e(r['status'])}</span>"
    years = sorted({int(r["year"]) for r in cov if r["year"] is not None})  # type: ignore[call-overload]
    head = "".join(f"<th>{y}</th>" for y in years)
    by_agency: dict[object, dict[object, str]] = {}  # in the order the bodies come
    for r in cov:
        if r["agency"] is not None:
            by_agency.setdefault(r["agency"], {})[r["year"]] = mark(r)
    rows = [f"<tr><td>{_e(agency)}</td>" + "".join(f"<td>{by_year.get(y, '')}</td>" for y in years) + "</tr>"
            for agency, by_year in by_agency.items()]
    counts = Counter(r["status"] for r in cov)
    return (f"<h2>Coverage: who published which year ({counts['published']} published, {counts['unreadable']} unreadable, "
            f"{counts['missing']} missing)</h2><p class='muted'>late: published after the statutory deadline (31 March of the "
            "next year for a 人民政府's own report, 31 January for the rest); see coverage.csv.</p>"
            f"<table><tr><th>agency</th>{head}</tr>{''.join(rows)}</table>")


def _changed_and_copied(history: list[Row], similar: list[Row], by_id: dict[object, Row], out: Path) -> str:
    parts = []
    versions = Counter(h["url"] for h in history)
    changed = [h for h in history if versions[h["url"]] > 1]
    if changed:
        parts.append(f"<h2>Reports changed after publication ({len({h['url'] for h in changed})})</h2>"
                     "<table><tr><th>url</th><th>version</th><th>first seen</th><th>last seen</th><th>status</th></tr>")
        for h in changed:
            parts.append(f"<tr><td>{_link(str(h['url']), out)}</td><td>{_e(h['report_id'])}</td><td>{_e(h['first_seen'])}</td>"
                         f"<td>{_e(h['last_seen'])}</td><td>{_e(h['status'])}</td></tr>")
        parts.append("</table>")
    if similar:
        parts.append(f"<h2>Near-identical narratives, 内容雷同 ({len(similar)} pairs)</h2>"
                     "<table><tr><th>kind</th><th>similarity</th><th>report a</th><th>report b</th></tr>")
        def who(rid: object, agency: object, year: object) -> str:
            src = _link(str(by_id[rid]["source"]), out) if rid in by_id else _e(rid)
            return f"{_e(agency)} {_e(year)}<br>{src}"
        for p in sorted(similar, key=lambda p: -float(p["similarity"])):  # type: ignore[arg-type]
            parts.append(f"<tr><td>{_e(p['kind'])}</td><td>{float(p['similarity']):.2f}</td>"  # type: ignore[arg-type]
                         f"<td>{who(p['report_id_a'], p['agency_a'], p['year_a'])}</td>"
                         f"<td>{who(p['report_id_b'], p['agency_b'], p['year_b'])}</td></tr>")
        parts.append("</table>")
    return "".join(parts)


class Summary:
    """What the page shows, gathered from the rows as the writer hands them to the CSVs: the page
    reads no file back (and needs no pandas). It keeps one row per report, the failing checks and
    each report's 表三 totals, so its memory grows with the reports, not with their cells."""

    def __init__(self) -> None:
        self.reports: list[Row] = []
        self.failing: list[Row] = []
        self.n_values = self.n_checks = 0
        self.outcomes: dict[str, Counter[str]] = defaultdict(Counter)  # report_id → 表三 outcome group → 总计 column sum
        self.new_applications: dict[str, float] = {}  # report_id → 表三 本年新收 总计, for the chart over the years
        self.tables: dict[str, list[Row]] = {"coverage": [], "history": [], "similarity": []}
        self._status = [c[0] for c in COLUMNS["checks"]].index("status")

    def add(self, name: str, rows: list[list[str]]) -> None:
        """Rows of the table `name`, as written (text guarded against spreadsheets)."""
        if name == "reports":
            self.reports += [typed_row(name, r) for r in rows]
        elif name == "checks":
            self.n_checks += len(rows)
            self.failing += [typed_row(name, r) for r in rows if r[self._status] == "fail"]
        elif name == "values":
            self.n_values += len(rows)
            for rid, table, row, col, value, *_ in rows:  # values.csv begins with these five columns
                if table != "t3" or col != "total":
                    continue
                if row == "new" and value != "":
                    self.new_applications[rid] = float(value)
                group = outcome_group(row)
                if group:
                    self.outcomes[rid][group] += float(value) if value != "" else 0.0
        elif name in self.tables:
            self.tables[name] += [typed_row(name, r) for r in rows]

    def outcome_sums(self, counted: set[str]) -> dict[str, float]:
        sums = {g: 0.0 for g in OUTCOME_GROUPS}
        for rid in counted:
            for group, value in self.outcomes.get(rid, {}).items():
                sums[group] += value
        return sums


def page(summary: Summary, out: Path, data_files: list[str] | None = None, pages: set[str] | None = None) -> str:
    """The page, from the reports, the failing checks and the 表三 outcome totals."""
    reps = summary.reports
    by_id = {r["report_id"]: r for r in reps}
    status = Counter(str(r["status"] or "") for r in reps)
    parts = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>xxgk QA</title><style>{CSS}</style></head><body>",
             "<h1>xxgk QA: which reports to trust</h1>",
             f"<p>{len(reps)} documents: " + ", ".join(f"<span class='{_e(k)}'>{v} {_e(k)}</span>" for k, v in status.most_common())
             + f". {summary.n_values} values, {summary.n_checks} checks.</p>"]
    parts.append(_coverage(summary.tables["coverage"]))
    parts.append(_changed_and_copied(summary.tables["history"], summary.tables["similarity"], by_id, out))
    parts.append("<h2>Counts</h2><div class='grid'>")
    parts.append(_counts("status", status))
    for column in ("template", "year", "province", "level"):
        parts.append(_counts(column, Counter("" if r[column] is None else str(r[column]) for r in reps), in_order=column == "year"))
    parts.append("</div>")

    counted = counted_once(reps)
    once = [r for r in reps if r["report_id"] in counted]
    years = Counter(str(r["year"]) for r in once if r["year"] is not None)
    sums = summary.outcome_sums(counted)
    parts.append("<h2>Charts</h2><div class='grid'>")
    parts.append(bar_chart("Reports per year", sorted(years.items())))
    parts.append(bar_chart("Applications by outcome (表三 总计 column, all reports)", [(g, sums[g]) for g in OUTCOME_GROUPS]))
    per = Counter(c["report_id"] for c in summary.failing if c["severity"] == "error")
    if per:
        def label(rid: object) -> str:  # agency and year; a missing one is left out, never "None"
            known = [str(x) for x in (by_id[rid]["agency"], by_id[rid]["year"]) if x is not None] if rid in by_id else []
            return " ".join(known) or str(rid)
        parts.append(bar_chart("Failing identities per report (the most first)",
                               [(str(label(rid))[:22], n) for rid, n in per.most_common(15)]))
    series: dict[str, list[tuple[int, float]]] = {}
    for r in once:
        if r["agency"] is not None and r["year"] is not None and r["report_id"] in summary.new_applications:
            series.setdefault(str(r["agency"]), []).append((int(r["year"]), summary.new_applications[r["report_id"]]))  # type: ignore[call-overload,index]
    series = dict(sorted(((a, s) for a, s in series.items() if len(s) > 1), key=lambda kv: -len(kv[1])))
    parts.append(line_chart("Applications received per year (表三 本年新收 总计), agencies with 2+ years", series))
    parts.append("</div>")

    parts.append(_duplicates(reps, out))
    bad: dict[tuple[str, str], list[Row]] = {}  # one row per status and reason, in the order they come
    for r in reps:
        if r["status"] != "ok":
            bad.setdefault((str(r["status"] or ""), str(r["error"] or "")), []).append(r)
    parts.append(f"<h2>Reports that are not ok ({sum(len(g) for g in bad.values())})</h2>")
    if bad:
        # One row per reason: 60 pre-2019 pages are one line with their 60 sources folded under it.
        parts.append("<table><tr><th>status</th><th>reports</th><th>why</th><th>which</th></tr>")
        for (st, why), group in bad.items():
            which = "<br>".join(f"{_e(r['agency'])} {_e(r['year'])} {_link(str(r['source']), out)}" for r in group)
            if len(group) > 3:
                which = f"<details><summary>{len(group)} reports</summary>{which}</details>"
            parts.append(f"<tr><td class='{_e(st)}'>{_e(st)}</td><td>{len(group)}</td><td>{_e(why)}</td><td>{which}</td></tr>")
        parts.append("</table>")
    # A reviewer's corrected checks are in checks.csv; the page lists the checks as printed.
    failing = sorted((c for c in summary.failing if (c["basis"] or "printed") == "printed"),
                     key=lambda c: (str(c["severity"]), str(c["report_id"])))
    parts.append(f"<h2>Failing checks ({len(failing)})</h2>")
    if failing:
        parts.append("<p class='muted'>error: a hard identity (H1–H5) the report's own numbers break; the values are kept as printed. "
                     "warning: a soft check (S1, S2, S5).</p>")
        parts.append("<table><tr><th>severity</th><th>check</th><th>scope</th><th>report</th><th>detail</th><th>review</th></tr>")
        for c in failing:
            r = by_id.get(c["report_id"])
            who = f"{_e(r['agency'])} {_e(r['year'])}<br>{_link(str(r['source']), out)}" if r is not None else _e(c["report_id"])
            who += _page_link(str(c["report_id"]), pages)
            parts.append(f"<tr><td class='fail'>{_e(c['severity'])}</td><td>{_e(c['check'])} ({_e(c['rule'])})</td>"
                         f"<td>{_e(c['scope'])}</td><td>{who}</td><td>{_e(c['detail'])}</td><td>{_e(c['review'])}</td></tr>")
        parts.append("</table>")
    parts.append(_every_report(reps, pages or set()))
    data = [f for f in data_files or [] if not f.startswith("codebook")]
    parts.append(f"<p class='muted'>Made by xxgk. Data: {_e(', '.join(data) or 'none written')}; "
                 "see codebook.md.</p></body></html>")
    return "\n".join(parts)


def write_page(summary: Summary, out: Path, link_base: Path | None = None, data_files: list[str] | None = None,
               pages: set[str] | None = None) -> Path:
    """OUT/report.html. Links to the documents are relative to `link_base` (default `out`): the
    folder the page is published in."""
    p = out / "report.html"
    text = page(summary, link_base or out, data_files, pages)
    atomic_write(p, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return p
