"""One document's bytes in, one `Report` out: the pure core of xxgk.

    read (readers/) → metadata → tables → checks → status

Status: `ok` when every expected cell was read and no identity fails; `partial`
with the reasons when a cell could not be read, a table or row is missing, an
identity fails or the tables predate the national template; `not_report` when
the document is no annual report; `failed` when it cannot be read at all.
"""

from __future__ import annotations

import hashlib

from .checks import narrative_checks, prose_checks, run_checks
from .errors import DocumentError
from .metadata import extract_metadata, is_report_title
from .narrative import figures
from .pre2019 import legacy_values
from .region import region_of
from .similarity import names_of, narrative_text
from .model import Check, Report, report_id_of
from .readers import read, sniff
from .schema import TEMPLATES, expected_cells, is_canonical
from .settings import ParseSettings, extractor_version
from .tables import TableResult, read_tables

MAX_LISTED = 4  # reasons of one kind listed before "and N more"


def decide_template(evidence: dict[str, int], year: str) -> tuple[str, str]:
    """(template, note) from the labels found; the year decides only when labels cannot."""
    v19, v21 = evidence.get("v2019", 0), evidence.get("v2021", 0)
    if v19 and v21:
        pick = "v2019" if v19 > v21 else "v2021"
        return pick, f"labels of both templates (v2019: {v19}, v2021: {v21}); read as {pick}"
    if v19 or v21:
        return ("v2019" if v19 else "v2021"), ""
    if year.isdigit():
        pick = "v2019" if int(year) <= 2020 else "v2021"
        return pick, f"labels do not tell the template; {pick} from the year {year}"
    return "unknown", "labels do not tell the template and the year is unknown"


def _summarise(kind: str, items: list[str]) -> str:
    head = ", ".join(items[:MAX_LISTED])
    more = f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
    return f"{kind}: {head}{more}"


def _reasons(res: TableResult, template: str, checks: list[Check]) -> tuple[list[str], list[str]]:
    severe: list[str] = []
    notes: list[str] = []
    by_code: dict[str, list[str]] = {}
    for f in res.findings:
        by_code.setdefault(f.code, []).append(f.message)
    for code, msgs in by_code.items():
        target = severe if any(f.severe for f in res.findings if f.code == code) else notes
        target.append(_summarise(code.replace("_", " "), msgs))
    if template in TEMPLATES:
        single = "other" in res.t3_other_rows
        present = {(v.table, v.row, v.col) for v in res.values}
        missing_tables = sorted({t for t, _, _ in expected_cells(template, single)} - res.tables_seen)
        if missing_tables:
            severe.append(f"table not found: {', '.join(missing_tables)}")
        missing = sorted(
            f"{t} {r}/{c}" for t, r, c in expected_cells(template, single) - present if t not in missing_tables
        )
        if missing:
            severe.append(_summarise("missing cells", missing))
        foreign = sorted({f"{v.table} {v.row}" for v in res.values
                          if not v.row.startswith("extra_") and not is_canonical(v.table, v.row, v.col, template)})
        if foreign:
            severe.append(_summarise(f"rows not in {template}", foreign))
    failed = [f"{c.check} {c.scope}" for c in checks if c.status == "fail" and c.severity == "error"]
    if failed:
        severe.append(_summarise("identity fails", failed))
    if res.values and all(v.kind != "number" for v in res.values):
        severe.append("every value cell is blank or unreadable")
    if any(v.method == "ocr" for v in res.values):
        undecided = [f"{c.check} {c.scope}" for c in checks if c.severity == "error" and c.status == "unknown"]
        if undecided:
            severe.append(_summarise("OCR values whose identities cannot be confirmed", undecided))
    return severe, notes


# A few lines that take extract() through metadata, region and labels: see warm_up().
_WARM_UP = "洪泽区人民政府2024年政府信息公开工作年度报告\n一、总体情况\n本年新收政府信息公开申请数量 1\n".encode()


def warm_up() -> None:
    """Load now what the first document would load on its own clock: jieba's dictionary, cpca's place
    index, the label tables. A worker calls this before it says it is ready."""
    from .region import region_of

    extract(_WARM_UP, "warm-up.txt")
    region_of("江苏省淮安市洪泽区人民政府")  # a name outside places.csv, so cpca loads


def extract(data: bytes, source: str = "", settings: ParseSettings | dict | None = None,
            images: tuple[bytes, ...] = ()) -> Report:
    """Read one document (bytes) into a Report; never raises for a bad document.

    `settings` (a ParseSettings, or a dict of the fields to change) holds every threshold;
    ConfigError for a bad one. `images`: an HTML page's linked images, fetched by the caller
    (read by OCR when the page has no table of numbers)."""
    settings = ParseSettings.resolve(settings)
    sha = hashlib.sha256(data).hexdigest()
    fmt = sniff(data) if data else "empty"
    report = Report(report_id=report_id_of(sha), source=source, format=fmt, sha256=sha,
                    extractor_version=extractor_version(settings))
    try:
        doc = read(data, source, settings, images)
    except DocumentError as exc:
        report.status, report.error = "failed", f"{exc.kind}: {exc.message}"
        return report
    report.format, report.pages = doc.format, doc.pages
    meta = extract_metadata(doc.lines, doc.title_hint, source, doc.published_hint, doc.source_hint)
    report.title, report.agency, report.published_on = meta.title, meta.agency, meta.published_on
    report.year = int(meta.year) if meta.year.isdigit() else None
    place = region_of(meta.agency)
    report.province, report.city, report.county, report.adcode = place.province, place.city, place.county, place.adcode
    report.level, report.agency_kind = place.level, place.kind
    report.figures = figures(doc.lines)
    report.narrative = narrative_text(doc.lines, doc.grids, names_of(meta.agency, [place.province, place.city, place.county]))
    res = read_tables(doc.grids, settings)
    if not res.values:
        looks_like_report = is_report_title(meta.title)
        if res.evidence.get("pre2019"):
            report.template, report.status = "pre2019", "partial"
            report.legacy = legacy_values(doc.grids)
            report.error = ("pre2019: the statistical table predates the national templates of 2019/2021 "
                            "(指标名称/计量单位 rows); it has no canonical keys: its cells are in legacy_values.csv as printed")
        elif looks_like_report or doc.notes or doc.problems:
            report.template, report.status = "unknown", "failed"
            report.error = ("no_tables: the document reads as an annual report but no statistical table was found "
                            "(the tables may be images, or printed without ruling lines)")
            if doc.notes or doc.problems:
                report.error = "no_tables: " + "; ".join(doc.problems + doc.notes)
            if doc.image_links and not doc.images:
                report.error = (f"no_tables: the page reads as an annual report and shows {len(doc.image_links)} "
                                "linked image(s): its tables may be pictures; `xxgk crawl` fetches the images on the "
                                "page's own site and reads them by OCR (pip install 'xxgk[ocr]')")
            if doc.attachments:
                report.error = (f"no_tables: the page reads as an annual report and links {len(doc.attachments)} "
                                f"attachment(s) ({doc.attachments[0].rsplit('/', 1)[-1]}): the tables are probably there; "
                                "`xxgk crawl` reads attachments, or pass the attachment's URL to `xxgk extract`")
        else:
            report.status = "not_report"
            report.error = "not_report: no report title and none of the statistical tables (表二/表三/表四)"
        return report
    template, template_note = decide_template(res.evidence, meta.year)
    report.template = template
    report.values = res.values
    report.checks = run_checks(res.values) + narrative_checks(res.values, report.figures) + prose_checks(res.values, report.figures)
    severe, notes = _reasons(res, template, report.checks)
    severe = doc.problems + severe
    if template_note:
        notes.insert(0, template_note)
    notes = doc.notes + notes
    report.status = "partial" if severe else "ok"
    report.error = "; ".join(severe)
    report.notes = "; ".join(notes)
    return report
