"""The crawl against a hostile site on 127.0.0.1: every budget holds end to end, nothing finished is lost.

Each test serves one fault the way an attacker or a broken CMS would (tests/hostile_site.py)
and checks what a nightly job needs: the run ends, says what happened, and keeps the rest.
"""

from __future__ import annotations

import logging
import socket
import sqlite3
import tracemalloc

import httpx
import pytest

from xxgk.parsers.errors import TooLarge, TransportFailed
from xxgk.pipeline.crawl import CrawlSettings, crawl
from xxgk.pipeline.crawl.fetch import MAX_CRAWL_DELAY, Fetcher, network_failure, sane_crawl_delay
from xxgk.pipeline.pool import Limits

from .conftest import FIXTURES, REPORTS, csv_rows
from .hostile_site import HostileSite, dripped, file, gzipped_twice, html, redirect, text

FAST = {"delay": 0.0, "timeout": 1.5, "retries": 0, "backoff_base": 0.01, "backoff_max": 0.05}
TITLE = "平潭综合实验区2025年政府信息公开工作年度报告"
REPORT_PAGE = file(REPORTS / "2025-pingtan.html", "text/html; charset=utf-8")


def listing(*links: tuple[str, str]) -> str:
    items = "".join(f"<li><a href='{href}'>{title}</a></li>" for href, title in links)
    return f"<html><head><meta charset='utf-8'><title>政府信息公开年报</title></head><body><ul>{items}</ul></body></html>"


def by_path(result, site):  # type: ignore[no-untyped-def]
    return {r.source.replace(site.base, ""): r for r in result.reports}


def test_headers_dripped_one_byte_a_second_end_at_the_request_deadline(tmp_path):
    routes = {"/": html(listing(("/tarpit.html", TITLE))), "/tarpit.html": dripped(0.05)}
    with HostileSite(routes) as site:
        result = crawl([site.url("/")], tmp_path, {**FAST, "timeout": 1.0})
    tarpit = by_path(result, site)["/tarpit.html"]
    # 25,000 header bytes at 0.05 s each take 20 minutes, and httpx's per-read timeout never fires
    # (a byte comes every 0.05 s): only a deadline on the whole request ends it as a timeout.
    assert tarpit.status == "failed" and tarpit.error.startswith("timeout:")
    assert result.exit_code == 1


def test_double_gzip_is_stopped_at_the_byte_cap_while_it_inflates(tmp_path):
    bomb = gzipped_twice(100_000_000)  # 100 MB in about 300 bytes on the wire
    with HostileSite({"/bomb.html": bomb}) as site:
        fetcher = Fetcher(CrawlSettings(**{**FAST, "max_bytes": 1_000_000}), {"127.0.0.1"})
        tracemalloc.start()
        try:
            with pytest.raises(TooLarge, match="decoded"):
                fetcher.get(site.url("/bomb.html"))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            fetcher.close()
    assert peak < 10_000_000  # inflated step by step: never more than the cap and a step in memory


def test_a_bomb_attachment_costs_a_worker_not_the_crawl(tmp_path):
    page = (f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body><h1>{TITLE}</h1>"
            "<a href='/att/report.pdf'>附件：2025年度报告.pdf</a></body></html>")
    routes = {"/": html(listing(("/r.html", TITLE))), "/r.html": html(page),
              "/att/report.pdf": file(FIXTURES / "broken" / "flate-bomb.pdf", "application/pdf")}
    with HostileSite(routes) as site:
        result = crawl([site.url("/")], tmp_path, FAST, workers=1, limits=Limits(seconds=60, memory_mb=500))
    bomb = by_path(result, site)["/att/report.pdf"]
    assert bomb.status == "failed" and bomb.error.startswith("memory:"), bomb.error  # stopped in its worker
    assert (tmp_path / "reports.csv").exists() and result.exit_code == 1


@pytest.mark.parametrize("delay", ["1e308", "999999", "inf", "nan", "-5"])
def test_an_absurd_crawl_delay_is_capped_or_ignored_and_logged(tmp_path, delay, caplog):
    routes = {"/robots.txt": text(f"User-agent: *\nCrawl-delay: {delay}\n"), "/": html(listing(("/r.html", TITLE))),
              "/r.html": REPORT_PAGE}
    slept: list[float] = []
    with HostileSite(routes) as site, caplog.at_level(logging.WARNING, logger="xxgk"):
        result = crawl([site.url("/")], tmp_path, {**FAST, "delay": 0.5}, sleep=slept.append)
    assert by_path(result, site)["/r.html"].status == "ok"
    assert slept and max(slept) <= MAX_CRAWL_DELAY
    if delay in ("1e308", "999999"):
        assert max(slept) > MAX_CRAWL_DELAY - 1  # capped, not ignored: the site asked for slowness
        assert any("capped at 60" in r.getMessage() for r in caplog.records)
    else:
        assert max(slept) <= 0.5  # nonsense is ignored (protego drops it already): --delay holds


@pytest.mark.parametrize("value, seconds, logged", [
    (60, 60.0, False), (60.5, 60.0, True), (1e308, 60.0, True), (0, 0.0, False), (2.5, 2.5, False),
    (float("inf"), 0.0, True), (float("nan"), 0.0, True), (-1, 0.0, True), (None, 0.0, False), ("x", 0.0, False),
])
def test_crawl_delay_sanity_on_both_sides_of_the_cap(value, seconds, logged, caplog):
    with caplog.at_level(logging.WARNING, logger="xxgk"):
        assert sane_crawl_delay(value, "http://h") == seconds
    assert bool(caplog.records) == logged


def test_a_robots_txt_that_redirects_off_host_is_not_followed_and_the_host_is_not_crawled(tmp_path):
    routes = {"/robots.txt": redirect("http://robots.elsewhere.invalid/robots.txt"), "/": html(listing(("/r.html", TITLE))),
              "/r.html": REPORT_PAGE}
    with HostileSite(routes) as site:
        result = crawl([site.url("/")], tmp_path, FAST)
        assert site.hits("/r.html") == 0 and site.hits("/") == 0
    assert result.fetch["blocked"] == {"offsite": 1, "robots": 1}  # the redirect hop, then the seed
    assert result.counts["seed_failed"] == 1 and result.exit_code == 1  # a seed that cannot be read: cron hears of it


def test_a_robots_txt_past_its_size_cap_blocks_the_host(tmp_path):
    routes = {"/robots.txt": text("# padding\n" * 60_000), "/": html(listing(("/r.html", TITLE)))}
    with HostileSite(routes) as site:
        crawl([site.url("/")], tmp_path, FAST)
        assert site.hits("/") == 0


def test_a_list_of_20000_dead_report_links_is_bounded_per_seed_and_the_good_reports_are_kept(tmp_path):
    links = [("/r.html", TITLE)] + [(f"/dead/{i}.html", f"示例县{2000 + i % 25}年政府信息公开工作年度报告{i}") for i in range(20_000)]
    routes = {"/": html(listing(*links)), "/r.html": REPORT_PAGE}
    with HostileSite(routes) as site:
        result = crawl([site.url("/")], tmp_path, {**FAST, "max_documents": 40})
        dead_fetched = sum(site.hits(f"/dead/{i}.html") for i in range(20_000))
    assert dead_fetched == 39  # the good report and 39 dead links: the bound is per seed
    assert any("--max-documents 40 reached" in s and "19961 report links left" in s for s in result.stopped)
    assert "stopped early: --max-documents 40 reached" in result.summary()
    assert by_path(result, site)["/r.html"].status == "ok"
    assert result.exit_code == 1  # the dead links failed: cron hears of it


def test_a_time_budget_stops_fetching_and_publishes_what_was_fetched(tmp_path):
    ticks = iter(range(10**6))  # a clock that moves one second per look: the budget ends after a known number of steps
    # 200 links, not the 20000 above: the budget ends after the fourth step whatever the list's length
    links = [("/r.html", TITLE)] + [(f"/dead/{i}.html", f"示例县{2000 + i % 25}年政府信息公开工作年度报告{i}") for i in range(200)]
    routes = {"/": html(listing(*links)), "/r.html": REPORT_PAGE}
    with HostileSite(routes) as site:
        result = crawl([site.url("/")], tmp_path, {**FAST, "time_budget": 5.0}, clock=lambda: float(next(ticks)))
        dead_fetched = sum(site.hits(f"/dead/{i}.html") for i in range(200))
    assert dead_fetched == 2  # start 0; the seed at 1, the report at 2, two dead links at 3 and 4; 5 is the end
    assert any("--time-budget of 5 s reached" in s for s in result.stopped)
    rows = csv_rows(tmp_path / "reports.csv")
    assert sorted(r["status"] for r in rows) == ["failed", "failed", "ok"]  # the two dead links, and the report:
    assert next(r for r in rows if r["status"] == "ok")["agency"] == "平潭综合实验区"  # read and published though cut


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_an_unreachable_seed_is_a_connect_failure_and_exit_1_never_robots(tmp_path):
    seed = f"http://127.0.0.1:{_closed_port()}/zwgk/zfxxgknb/"
    result = crawl([seed], tmp_path, FAST)
    assert result.counts["seed_failed"] == 1 and result.exit_code == 1
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        status, error = db.execute("SELECT status, error FROM documents WHERE url = ?", (seed,)).fetchone()
    assert status == "failed" and error.startswith("connect: "), error
    assert "could not be reached" in error and "Connection refused" in error and "disallow" not in error


def test_network_failures_are_named_for_what_they_are():
    def refuse(exc):  # type: ignore[no-untyped-def]
        def handler(request):  # type: ignore[no-untyped-def]
            raise exc
        return httpx.MockTransport(handler)

    dns = httpx.ConnectError("[Errno -2] Name or service not known")
    dns.__cause__ = socket.gaierror(-2, "Name or service not known")
    cases = {"dns": dns, "connect": httpx.ConnectError("[Errno 111] Connection refused"),
             "timeout": httpx.ConnectTimeout("timed out"), "tls": httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]"),
             "transport": httpx.RemoteProtocolError("peer closed connection")}
    for kind, exc in cases.items():
        assert network_failure(exc) == kind
        fetcher = Fetcher(CrawlSettings(**FAST), {"www.example.gov.cn"}, transport=refuse(exc), sleep=lambda s: None)
        with pytest.raises(TransportFailed) as err:
            fetcher.get("http://www.example.gov.cn/zwgk/")
        assert err.value.kind == kind and "disallow" not in err.value.message


def test_a_report_url_turned_maintenance_page_keeps_its_last_good_version(tmp_path, caplog):
    routes = {"/": html(listing(("/r.html", TITLE))), "/r.html": REPORT_PAGE}
    with HostileSite(routes) as site:
        first = crawl([site.url("/")], tmp_path, FAST)
        good = by_path(first, site)["/r.html"]
        assert good.status == "ok"
        site.routes["/r.html"] = html("<html><head><meta charset='utf-8'><title>系统维护</title></head>"
                                      "<body>系统维护中，请稍后访问。</body></html>")
        with caplog.at_level(logging.WARNING, logger="xxgk"):
            second = crawl([site.url("/")], tmp_path, {**FAST, "recheck": True})
    kept = by_path(second, site)["/r.html"]
    assert second.counts["changed"] == 1  # the new body is fetched, stored and recorded
    assert kept.status == "ok" and kept.report_id == good.report_id and len(kept.values) == len(good.values)
    assert "last good version kept" in kept.notes and "now not_report" in kept.notes
    assert "1 report URLs now serve no report" in second.summary()
    assert any("no longer serves a report" in r.getMessage() for r in caplog.records)
    values = (tmp_path / "values.csv").read_text(encoding="utf-8-sig")
    assert values.count(good.report_id) == len(good.values)
