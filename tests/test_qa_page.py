"""The QA page (report.html) in a real headless browser.

Needs Chromium (Debian package `chromium`; .ci/run installs it). Without it the browser
test is skipped with that reason; the page's content is still tested without a browser.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from xxgk.parsers import extract
from xxgk.pipeline.datasets import write_reports
from xxgk.pipeline.qa import outcome_group

from .conftest import REPORTS, csv_rows

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0"]


@pytest.fixture(scope="module")
def qa(tmp_path_factory):
    out = tmp_path_factory.mktemp("qa")
    reports = [extract(p.read_bytes(), str(p)) for p in sorted(REPORTS.iterdir()) if p.is_file()]
    reports.append(extract(b"", "empty.pdf"))  # a failed row: no agency, no year
    site_list = REPORTS.parent / "site" / "list-2.html"
    reports.append(extract(site_list.read_bytes(), str(site_list)))  # not a report: a year, no agency
    write_reports(reports, out)
    return out / "report.html", reports, out


def test_page_lists_counts_failing_checks_and_charts(qa):
    path, reports, out = qa
    text = path.read_text(encoding="utf-8")
    assert "<script" not in text
    assert "&lt;NA&gt;" not in text and "nan<" not in text  # missing values show as empty cells
    assert f"{len(reports)} documents" in text
    assert text.count("<svg") == 4  # reports per year, outcomes, failing identities per report, applications over the years
    def chart(title: str) -> str:
        start = text.index(title)
        return text[start:text.index("</svg>", start)]

    assert "淮安市洪泽区人民政府 2023</text>" in chart("Failing identities per report")
    # 平潭 2019-2025 and 洪泽区 2023-2024 have 表三 in two years or more: one line each.
    over_years = chart("Applications received per year")
    assert over_years.count("<polyline") == 2 and "平潭综合实验区 2025: " in over_years
    assert "t4_total (H4)" in text and "narrative_applications (S5)" in text
    assert "hzq2023.pdf" in text  # a link to the source of a failing check


def test_outcome_groups_cover_every_outcome_row():
    from xxgk.parsers.schema import OUTCOMES, T3_OTHER_ROWS

    assert all(outcome_group(r) for r in OUTCOMES + T3_OTHER_ROWS)
    assert outcome_group("total") is None and outcome_group("new") is None


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium); .ci/run installs it")
def test_page_renders_in_headless_chromium_without_console_errors(qa, tmp_path):
    path, _, _ = qa
    shot = tmp_path / "qa.png"
    # One browser start does both: the screenshot, and the page as Chromium parsed it on stdout.
    run = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,2400",
                          f"--screenshot={shot}", "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 20_000, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line]
    assert console == []
    assert "xxgk QA: which reports to trust" in run.stdout and "Failing checks" in run.stdout


def test_years_in_order_reasons_grouped_and_a_report_read_twice_flagged_and_counted_once(qa):
    import re

    from xxgk.pipeline.columns import typed_row
    from xxgk.pipeline.qa import counted_once

    path, _, out = qa
    text = path.read_text(encoding="utf-8")
    year_table = text.split("<h3>year</h3>")[1].split("</table>")[0]
    years = re.findall(r"<td class='(\d{4})'>", year_table)
    assert years == sorted(years) and len(years) >= 6
    # The three pre-2019 Pingtan pages share one reason: one row that counts them.
    assert text.count("pre2019: the statistical table predates") == 1
    assert re.search(r"<td class='partial'>partial</td><td>3</td><td>pre2019:", text)
    # 2023-pingtan.html and its GBK copy, synthetic-2022 as DOCX and PDF: one agency and year read
    # twice, each flagged and counted once.
    assert "Same agency and year more than once (2)" in text and "2023-pingtan-gbk.html" in text
    reps = [typed_row("reports", list(row.values())) for row in csv_rows(out / "reports.csv")]  # as the page has them
    twice = [r["report_id"] for r in reps if r["agency"] == "平潭综合实验区" and r["year"] == 2023]
    assert len(twice) == 2 and len(set(twice) & counted_once(reps)) == 1
    unknown = [r["report_id"] for r in reps if r["agency"] is None]
    assert unknown and set(unknown) <= counted_once(reps)  # unknown agency: each counted
