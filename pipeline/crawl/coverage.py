"""Publication facts of a crawl: who published which year, when, on time or not, and every version.

    coverage_rows   registry agency × year: published / unreadable / missing, the report and its URL,
                    first_seen, published_on, the statutory deadline, on_time, versions
    history_rows    every distinct body seen at a report URL, with its first and last fetch
    deadline        31 March of the next year for a 人民政府's own report (条例 第四十九条: its 主管部门
                    publishes it), 31 January for departments and every other body, 乡镇/街道 included

The columns are the contract of schema/README.md ("Many sites at once"); template-spec §10.1 has
the law. A report is attributed to a body by its printed agency (registry.body_of); one that could
not be read has none, so its link's text names it, else the seed it was found on if that seed
belongs to one body only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone

from xxgk.parsers import EXTRACTOR_VERSION, Report
from xxgk.parsers.errors import ConfigError
from xxgk.parsers.metadata import extract_metadata
from xxgk.parsers.model import READ, report_id_of

from .registry import Body, Registry
from .state import State



def deadline(body: Body, year: int) -> date:
    """The last day the report of `year` may be published (template-spec §10.1)."""
    government = body.agency.endswith("人民政府") and not body.is_town
    return date(year + 1, 3, 31) if government else date(year + 1, 1, 31)


def iso_time(epoch: float | None) -> str:
    return "" if epoch is None else datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="seconds")


def parse_years(value: str | None) -> list[int] | None:
    """--years: 2019-2025, 2021,2023 or a mix; None when not given."""
    if not value:
        return None
    years: set[int] = set()
    for part in value.split(","):
        m = re.fullmatch(r"\s*((?:19|20)\d{2})\s*(?:-\s*((?:19|20)\d{2})\s*)?", part)
        if not m:
            raise ConfigError(f"--years {value!r}: write years as 2019-2025 or 2021,2023")
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        years.update(range(min(first, last), max(first, last) + 1))
    return sorted(years)


@dataclass
class Found:
    """A report of a registry body for a year, as the crawl found it."""

    body: Body
    year: int
    report: Report
    url: str
    first_seen: float | None
    published_on: str

    def rank(self) -> tuple[int, float]:
        return (0 if self.report.status in READ else 1, self.first_seen or 0.0)


def attribute(registry: Registry, reports: Iterable[Report], state: State) -> list[Found]:
    """Each report found, with the registry body and year it belongs to (reports of no listed body are left out)."""
    docs = {d["url"]: d for d in state.documents()}
    out: list[Found] = []
    for r in reports:
        if r.status not in (*READ, "failed"):
            continue  # not_report: nothing was published here
        doc = docs.get(r.source)
        agency, year = r.agency, r.year
        if r.status == "failed" and doc is not None:  # nothing read: the link's text, or the seed of one body
            meta = extract_metadata([doc["title"] or ""], "", r.source)
            agency = agency or meta.agency
            year = year if year is not None else (int(meta.year) if meta.year else None)
        body = registry.body_of(agency)
        if body is None and r.status == "failed" and doc is not None and doc["seed"]:
            body = registry.only_body_at(doc["seed"])
        if body is None or year is None:
            continue
        published = r.published_on or _page_date(r, docs, state)
        out.append(Found(body, year, r, r.source, doc["first_seen"] if doc is not None else None, published))
    return out


def _page_date(r: Report, docs: dict, state: State) -> str:  # type: ignore[type-arg]
    """An attachment's publication date from the page that links it (发布日期 is printed there)."""
    page = docs.get(r.found_on) if r.found_on else None
    if page is None or not page["sha256"]:
        return ""
    read = state.extraction_any(page["sha256"], EXTRACTOR_VERSION)
    return (read or {}).get("published_on", "") or ""


def coverage_rows(registry: Registry, reports: list[Report], state: State, years: list[int] | None,
                  versions: Counter[str]) -> list[list[str]]:
    """`versions`: distinct bodies seen at each report URL (versions_per_url of the history)."""
    found = attribute(registry, reports, state)
    if years is None:
        years = sorted({r.year for r in reports if r.year is not None and r.status in (*READ, "failed")})
    best: dict[tuple[str, int], Found] = {}
    for f in found:
        key = (f.body.agency, f.year)
        if key not in best or f.rank() < best[key].rank():
            best[key] = f
    rows = []
    for body in registry.bodies.values():
        for year in years:
            f = best.get((body.agency, year))
            due = deadline(body, year).isoformat()
            if f is None:
                rows.append([body.agency, body.adcode, str(year), "missing", "", "", "", "", due, "", ""])
                continue
            status = "published" if f.report.status in READ else "unreadable"
            rows.append([body.agency, body.adcode or f.report.adcode, str(year), status, f.report.report_id, f.url,
                         iso_time(f.first_seen), f.published_on, due, _on_time(f, due), str(versions[f.url])])
    return rows


def _on_time(f: Found, due: str) -> str:
    """true/false by the printed date; without one, true only if a crawl found it by the deadline."""
    if f.published_on:
        return "true" if f.published_on <= due else "false"
    if f.first_seen is not None and iso_time(f.first_seen)[:10] <= due:
        return "true"
    return ""


def history_rows(state: State) -> list[list[str]]:
    """One row per distinct body seen at a report or attachment URL, oldest first."""
    rows = []
    for url, sha, first, last in state.versions():
        read = state.extraction_any(sha, EXTRACTOR_VERSION)
        rows.append([url, sha, report_id_of(sha), iso_time(first), iso_time(last), (read or {}).get("status", "")])
    return rows


def versions_per_url(history: list[list[str]]) -> Counter[str]:
    """Distinct bodies each report URL has served over all runs (history_rows has one row per body)."""
    return Counter(row[0] for row in history)
