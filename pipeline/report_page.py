"""OUT/pages/<report_id>.html: one report as read, for a reviewer to check every number against its source.

    the three tables     in the template's layout (keys.csv order); each cell its value, its text as
                         printed, a reviewer's correction, and a link to where it was printed
                         (file.pdf#page=N with the bbox, the HTML/DOCX table, row and column)
    the identities       each check with its formula, both sides, the difference and its cells; the
                         cells of a failing identity are marked on the tables
    the narrative        the numbers the text states, beside the table cell they should agree with

Static, no scripts: it opens from disk. Written as each report arrives (datasets.Sink), so a run's
memory does not grow with its pages.
"""

from __future__ import annotations

import re
from pathlib import Path

from xxgk.parsers import Report
from xxgk.parsers.checks import cell_name, fmt_number
from xxgk.parsers.schema import TABLES, keys

from .corrections import Correction
from .qa import escape as _e
from .qa import source_href

PAGES = "pages"  # the folder inside OUT
_PAGE_REF = re.compile(r"^p(\d+)\b")
# tables.py's note for a label read by fuzzy match: "t3 row '…' read as withheld_law (similarity 92.9)".
_FUZZY = re.compile(r"(t\d) row '[^']*' read as (\w+) \(similarity ([\d.]+)\)")
# The table cell a narrative figure should agree with (S5 compares applications; the others are shown beside it).
FIGURE_CELLS = {"applications": [("t3", "new", "total")], "reviews": [("t4", "review", "total")],
                "suits": [("t4", "suit_direct", "total"), ("t4", "suit_after_review", "total")]}
CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .4rem;vertical-align:top}
th{background:#f4f4f4;text-align:left;font-weight:normal}td.v{text-align:right;min-width:3.5rem}
td.fail{background:#ffe5e5;outline:2px solid #cf222e}td.unknown{background:#fff6d6}.ref{display:block;color:#666;font-size:.7rem}
.fix{display:block;color:#0550ae;font-weight:bold}.pass{color:#1a7f37}.fail,.failed{color:#cf222e}.muted{color:#666;font-size:.85rem}
"""


def _squash(label: str) -> str:
    """A label compared without its spaces, punctuation and numbering ((一) 1. 一、)."""
    return re.sub(r"[\s\W\d_一二三四五六七八九十]+", "", label)


def page_name(report_id: str) -> str:
    return f"{PAGES}/{report_id}.html"


def cell_href(document: str, ref: str) -> str:
    """Where a cell was printed: a PDF's page (#page=N) of the document's href, else the document."""
    m = _PAGE_REF.match(ref)
    return document + (f"#page={m.group(1)}" if document and m else "")


def _layout(table: str, template: str, present: set[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Rows and columns of a table as the template prints them (key, label), then rows no template has."""
    rows: dict[str, str] = {}
    cols: dict[str, str] = {}
    for k in keys():
        if k.table == table and k.template == template:
            rows.setdefault(k.row, k.row_label)
            cols.setdefault(k.col, k.col_label)
    for row, _ in sorted(present):
        rows.setdefault(row, row)
    for _, col in sorted(present):
        cols.setdefault(col, col)
    return list(rows.items()), list(cols.items())


def render(r: Report, out: Path, fixes: dict[tuple[str, str, str], Correction] | None = None,
           corrected: list | None = None, verdicts: dict | None = None) -> str:  # type: ignore[type-arg]
    fixes = fixes or {}
    cells = {(v.table, v.row, v.col): v for v in r.values}
    document = source_href(r.source, out / PAGES)  # once a report: it resolves paths on disk (once a cell: 1.7 s for 36 PDFs)
    marks: dict[str, str] = {}
    for c in r.checks:
        if c.status in ("fail", "unknown"):
            for name in c.cells.split():
                if "/" not in name and marks.get(name) != "fail":
                    marks[name] = c.status
    parts = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{_e(r.agency)} {_e(r.year)} · xxgk</title>"
             f"<style>{CSS}</style></head><body>",
             f"<p class='muted'><a href='../report.html'>← all reports</a></p>",
             f"<h1>{_e(r.title) or _e(r.source)}</h1>",
             f"<p>{_e(r.agency)} · {_e(r.year)} · {_e(r.template)} · <span class='{_e(r.status)}'>{_e(r.status)}</span> · "
             f"<a href='{_e(document)}'>{_e(r.source)}</a> · {_e(r.report_id)}</p>"]
    if r.error:
        parts.append(f"<p class='fail'>{_e(r.error)}</p>")
    if r.notes:
        parts.append(f"<p class='muted'>notes: {_e(r.notes)}</p>")
    template = r.template if r.template in ("v2019", "v2021") else "v2021"
    for table, title in TABLES.items():
        present = {(t[1], t[2]) for t in cells if t[0] == table}
        if not present:
            continue
        rows, cols = _layout(table, template, present)
        parts.append(f"<h2>{table} {_e(title)}</h2><table><tr><th></th>" + "".join(f"<th>{_e(label)}<br><code>{_e(col)}</code></th>"
                                                                               for col, label in cols) + "</tr>")
        fuzzy = {row: score for t, row, score in _FUZZY.findall(r.notes) if t == table}
        printed_rows = {}
        for (t, row, _), v in cells.items():  # the row's label as this report prints it, where it is not the template's
            if t == table and v.row_label and row not in printed_rows:
                printed_rows[row] = v.row_label
        for row, label in rows:
            tds = []
            printed = printed_rows.get(row, "")
            # A label read as a variant, by fuzzy match, or a row no template has: said beside the row.
            how = f" (fuzzy match, similarity {fuzzy[row]})" if row in fuzzy else ""
            note = (f"<br><span class='ref'>printed: {_e(printed)}{_e(how)}</span>"
                    if printed and _squash(printed) != _squash(label.split(" ")[-1]) and _squash(printed) != _squash(label) else "")
            for col, _ in cols:
                v = cells.get((table, row, col))
                name = cell_name(table, row, col)
                if v is None:
                    tds.append("<td></td>")
                    continue
                shown = v.as_text if v.value is not None else (v.raw or "&nbsp;")
                # A PDF cell links to its page; in a web page or a DOCX the place is its table, row and column
                # (the document's link is at the top: repeated on every cell it would make the page heavy).
                href = cell_href(document, v.source_ref) if _PAGE_REF.match(v.source_ref) else ""
                ref = f"<a class='ref' href='{_e(href)}'>{_e(v.source_ref)}</a>" if href else f"<span class='ref'>{_e(v.source_ref)}</span>"
                fix = fixes.get((table, row, col))
                fixed = f"<span class='fix'>→ {_e(fmt_number(fix.value) if fix.value is not None else 'blank')}</span>" if fix else ""
                # A tooltip only where the text shows more than the number (a page per report: kept small).
                tip = (f"printed: {v.raw}" if v.raw != shown else "") + (f"; corrected by {fix.who}: {fix.reason}" if fix else "")
                title = f" title='{_e(tip)}'" if tip else ""
                tds.append(f"<td id='{_e(name)}' class='v {marks.get(name, '')}'{title}>{_e(shown)}{fixed}{ref}</td>")
            parts.append(f"<tr><th>{_e(label)}<br><code>{_e(row)}</code>{note}</th>{''.join(tds)}</tr>")
        parts.append("</table>")
    parts.append(_checks(r, corrected or [], verdicts or {}))
    parts.append(_figures(r, cells))
    parts.append("</body></html>")
    return "\n".join(parts)


def _checks(r: Report, corrected: list, verdicts: dict) -> str:  # type: ignore[type-arg]
    if not r.checks:
        return ""
    rows = []
    for basis, checks in (("printed", r.checks), ("corrected", corrected)):
        for c in sorted(checks, key=lambda c: (c.status == "pass", c.check_id)):
            diff = fmt_number(c.lhs - c.rhs) if c.lhs is not None and c.rhs is not None else ""
            # The cells of a check that does not pass link to the table; a passing one's formula names them.
            links = "" if c.status == "pass" else " ".join(f"<a href='#{_e(n)}'>{_e(n)}</a>" if "/" not in n else _e(n)
                                                           for n in c.cells.split())
            v = verdicts.get(c.check_id) if basis == "printed" else None
            said = f"<br><span class='muted'>{_e(v.verdict)} by {_e(v.who)}: {_e(v.reason)}</span>" if v is not None else ""
            rows.append(f"<tr><td class='{_e(c.status)}'>{_e(c.status)}{said}</td><td>{_e(c.check_id)} ({_e(c.rule)}, {_e(c.severity)}, "
                        f"{basis})</td><td><code>{_e(c.formula)}</code></td><td>{_e(fmt_number(c.lhs) if c.lhs is not None else '')}</td>"
                        f"<td>{_e(fmt_number(c.rhs) if c.rhs is not None else '')}</td><td>{_e(diff)}</td>"
                        f"<td class='cells'>{links}</td></tr>")
    return ("<h2>Identities (勾稽关系)</h2><p class='muted'>The cells of a failing identity are marked red on the tables "
            "(yellow: a cell it needs is blank). Values are as printed; a reviewer's corrections are judged again (basis corrected).</p>"
            "<table><tr><th>status</th><th>check</th><th>formula</th><th>left</th><th>right</th><th>difference</th><th>cells</th></tr>"
            + "".join(rows) + "</table>")


def _figures(r: Report, cells: dict) -> str:  # type: ignore[type-arg]
    if not r.figures:
        return ""
    rows = []
    for f in r.figures:
        beside = ", ".join(f"<a href='#{_e(cell_name(*key))}'>{_e(cell_name(*key))}</a> = {_e(cells[key].as_text or cells[key].raw)}"
                           for key in FIGURE_CELLS.get(f.figure, []) if key in cells)
        rows.append(f"<tr><td>{_e(f.figure)}</td><td>{_e(fmt_number(f.value))} {_e(f.unit)}</td><td>{beside}</td>"
                    f"<td>{_e(f.sentence)}</td></tr>")
    return ("<h2>What the text says</h2><table><tr><th>figure</th><th>value</th><th>table cell</th><th>sentence</th></tr>"
            + "".join(rows) + "</table>")


def write(r: Report, stage: Path, out: Path, fixes: dict | None = None, corrected: list | None = None,  # type: ignore[type-arg]
          verdicts: dict | None = None) -> str:  # type: ignore[type-arg]
    """Write a report's page into the staging folder; its name relative to OUT."""
    name = page_name(r.report_id)
    (stage / PAGES).mkdir(exist_ok=True)
    (stage / name).write_text(render(r, out, fixes, corrected, verdicts), encoding="utf-8")
    return name
