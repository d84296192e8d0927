"""A registry crawl (`xxgk crawl --sites`) on two loopback hosts, with every planted publication fact.

    host A (127.0.0.1)  平潭综合实验区's own 年报 column: 2021, 2023, 2025 (real pages; each page's
                        PubDate is after 31 January, the deadline of a body that is no 人民政府: late),
                        and 2024 copied from 2023 with the year changed (内容雷同 across years)
    host B (127.0.0.2)  a county column shared by three bodies: 洪泽区人民政府's report page and PDF
                        (published 2025-01-10, before its 31 March deadline: on time), a body's report
                        copied from 平潭 2021 under its own name (内容雷同 across bodies), and 清江浦区's
                        report, a PDF cut in half (unreadable; named by its link's text)
    missing             平潭 2022, and every year but 2024 of 洪泽区 and 清江浦区
    changed             the 2025 page is edited between two runs: history.csv has both versions and both
                        versions' values stay in the datasets
"""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner

from xxgk.parsers.errors import ConfigError
from xxgk.pipeline.cli import main
from xxgk.pipeline.crawl import registry as reg
from xxgk.pipeline.crawl.coverage import deadline, parse_years

from .conftest import FIXTURES, REPORTS, csv_rows
from .hostile_site import HostileSite, file, html, send

PINGTAN, HZQ, COPY, QJP = "平潭综合实验区", "淮安市洪泽区人民政府", "福州市鼓楼区", "淮安市清江浦区人民政府"


def _page(name: str, old: str = "", new: str = "") -> bytes:
    text = (REPORTS / name).read_bytes().decode("utf-8")
    return (text.replace(old, new) if old else text).encode("utf-8")


def _bytes(body: bytes, ctype: str = "text/html; charset=utf-8"):  # type: ignore[no-untyped-def]
    return lambda h: send(h, 200, body, ctype)


def _listing(links: dict[str, str]):  # type: ignore[no-untyped-def]
    items = "".join(f"<li><a href='{u}'>{t}</a></li>" for u, t in links.items())
    return html(f"<html><head><meta charset='utf-8'><title>政府信息公开年报</title></head><body><ul>{items}</ul></body></html>")


def _sites():  # type: ignore[no-untyped-def]
    a = HostileSite({
        "/nb/": _listing({"/nb/2021.html": f"{PINGTAN}2021年度政府信息公开工作年度报告",
                          "/nb/2023.html": f"{PINGTAN}2023年度政府信息公开工作年度报告",
                          "/nb/2024.html": f"{PINGTAN}2024年度政府信息公开工作年度报告",
                          "/nb/2025.html": f"{PINGTAN}2025年度政府信息公开工作年度报告"}),
        "/nb/2021.html": _bytes(_page("2021-pingtan.html")),
        "/nb/2023.html": _bytes(_page("2023-pingtan.html")),
        "/nb/2024.html": _bytes(_page("2023-pingtan.html", "2023", "2024")),
        "/nb/2025.html": _bytes(_page("2025-pingtan.html")),
    }, host="127.0.0.1")
    truncated = (REPORTS / "hzq2023.pdf").read_bytes()[:4000]
    b = HostileSite({
        "/xxgk/nb/": _listing({"/xxgk/hzq2024.html": f"{HZQ}2024年政府信息公开工作年度报告",
                               "/xxgk/gulou2021.html": f"{COPY}2021年度政府信息公开工作年度报告",
                               "/xxgk/qjp2024.pdf": f"{QJP}2024年政府信息公开工作年度报告"}),
        "/xxgk/hzq2024.html": file(FIXTURES / "site" / "report-hzq2024.html", "text/html; charset=utf-8"),
        "/uploads/2025/01/P020250110_hzq2024.pdf": file(REPORTS / "hzq2024.pdf", "application/pdf"),
        "/xxgk/gulou2021.html": _bytes(_page("2021-pingtan.html", PINGTAN, COPY)),
        "/xxgk/qjp2024.pdf": _bytes(truncated, "application/pdf"),
    }, host="127.0.0.2")
    return a, b


def _registry(tmp_path, a, b):  # type: ignore[no-untyped-def]
    path = tmp_path / "sites.csv"
    shared = b.url("/xxgk/nb/")
    path.write_text("agency,url,adcode,aliases\n"
                    f"{PINGTAN},{a.url('/nb/')},350128,\n"
                    f"{HZQ},{shared},320813,洪泽区人民政府\n"
                    f"{COPY},{shared},350102,\n"
                    f"{QJP},{shared},320812,\n", encoding="utf-8")
    return path


def _crawl(sites, out, *more):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["crawl", "--sites", str(sites), "--years", "2021-2025", "--out", str(out),
                                     "--delay", "0.05", "--contact", "t@example.org", "--workers", "2", *more])


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("registry")
    a, b = _sites()
    with a, b:
        sites = _registry(tmp, a, b)
        first = _crawl(sites, tmp / "out")
        first_reports = csv_rows(tmp / "out" / "reports.csv")
        a.routes["/nb/2025.html"] = _bytes(_page("2025-pingtan.html", "本年新收", "本年新收 "))  # edited after publication
        second = _crawl(sites, tmp / "out", "--recheck")  # the pages send no validators: compare their sha256
    return tmp / "out", first, first_reports, second


def test_each_body_and_year_is_published_unreadable_or_missing(two_runs):
    out, first, _, second = two_runs
    assert first.exit_code == 1, first.output  # 清江浦区's PDF could not be read: cron must hear of it
    cov = {(r["agency"], int(r["year"])): r for r in csv_rows(out / "coverage.csv")}
    assert len(cov) == 4 * 5  # every registry body × every year asked for
    status = {k: v["status"] for k, v in cov.items()}
    assert [status[(PINGTAN, y)] for y in range(2021, 2026)] == ["published", "missing", "published", "published", "published"]
    assert status[(HZQ, 2024)] == "published" and status[(COPY, 2021)] == "published"
    assert status[(QJP, 2024)] == "unreadable" and cov[(QJP, 2024)]["url"].endswith("/xxgk/qjp2024.pdf")
    assert sum(s == "missing" for s in status.values()) == 20 - 7
    missing = cov[(PINGTAN, 2022)]
    assert missing["report_id"] == "" and missing["url"] == "" and missing["deadline"] == "2023-01-31"
    assert "coverage: 6 published, 1 unreadable, 13 missing (coverage.csv)" in second.output


def test_deadlines_printed_dates_and_on_time(two_runs):
    out = two_runs[0]
    cov = {(r["agency"], int(r["year"])): r for r in csv_rows(out / "coverage.csv")}
    hzq = cov[(HZQ, 2024)]  # the report page prints 发布日期 2025-01-10; its PDF prints none
    assert (hzq["published_on"], hzq["deadline"], hzq["on_time"]) == ("2025-01-10", "2025-03-31", "true")
    assert hzq["url"].endswith("P020250110_hzq2024.pdf") and hzq["adcode"] == "320813"
    late = cov[(PINGTAN, 2021)]  # PubDate 2022-02-08: after 31 January, the deadline of a body that is no 人民政府
    assert (late["published_on"], late["deadline"], late["on_time"]) == ("2022-02-08", "2022-01-31", "false")
    assert cov[(PINGTAN, 2025)]["on_time"] == "false"
    assert cov[(QJP, 2024)]["on_time"] == ""  # nothing printed, and the crawl came after its deadline
    assert cov[(PINGTAN, 2021)]["first_seen"].endswith("+00:00")


def test_a_shared_column_gives_each_report_to_the_body_it_names(two_runs):
    out = two_runs[0]
    reports = {r["report_id"]: r for r in csv_rows(out / "reports.csv")}
    cov = [r for r in csv_rows(out / "coverage.csv") if r["report_id"]]
    for row in cov:
        if row["status"] == "published":
            assert reports[row["report_id"]]["agency"] == row["agency"]
    # Only the three bodies of the shared column and 平潭 are covered; nothing was given by a fuzzy guess.
    assert {r["agency"] for r in cov} == {PINGTAN, HZQ, COPY, QJP}


def test_copies_across_bodies_and_across_years_are_found(two_runs):
    out = two_runs[0]
    reports = {r["report_id"]: r for r in csv_rows(out / "reports.csv")}
    pairs = {(reports[p["report_id_a"]]["source"].rsplit("/", 1)[-1], reports[p["report_id_b"]]["source"].rsplit("/", 1)[-1]): p
             for p in csv_rows(out / "similarity.csv")}
    named = {frozenset(k): v["kind"] for k, v in pairs.items()}
    assert named == {frozenset({"2021.html", "gulou2021.html"}): "other_agency",
                     frozenset({"2023.html", "2024.html"}): "same_agency"}


def test_a_report_changed_between_two_runs_keeps_both_versions(two_runs):
    out, _, first_reports, second = two_runs
    history = [r for r in csv_rows(out / "history.csv") if r["url"].endswith("/nb/2025.html")]
    assert len(history) == 2 and {h["status"] for h in history} == {"ok"}
    assert history[0]["first_seen"] <= history[1]["first_seen"]
    old_id = next(r["report_id"] for r in first_reports if r["source"].endswith("/nb/2025.html"))
    reports = {r["report_id"]: r for r in csv_rows(out / "reports.csv")}
    assert {h["report_id"] for h in history} <= set(reports) and old_id in reports
    assert "superseded" in reports[old_id]["notes"]
    values = {r["report_id"] for r in csv_rows(out / "values.csv")}
    assert {h["report_id"] for h in history} <= values  # both versions' values stay in the datasets
    cov = {(r["agency"], r["year"]): r for r in csv_rows(out / "coverage.csv")}
    assert cov[(PINGTAN, "2025")]["versions"] == "2"
    assert "1 report URLs have served more than one version (history.csv)" in second.output
    assert "changed" in second.output and second.exit_code == 1  # still 清江浦区's unreadable PDF


def test_two_hosts_are_fetched_at_once(tmp_path):
    """Host A's list page answers only once host B has been asked for its own: a crawl that took the
    hosts one after the other would make A wait out the 5 s and B would be asked after it."""
    b_asked = threading.Event()

    def a_list(h):  # type: ignore[no-untyped-def]
        met = b_asked.wait(5)
        send(h, 200, f"<html><body>{'met' if met else 'alone'}</body></html>".encode(), "text/html")

    def b_list(h):  # type: ignore[no-untyped-def]
        b_asked.set()
        send(h, 200, b"<html><body>b</body></html>", "text/html")

    with HostileSite({"/": a_list}, host="127.0.0.1") as a, HostileSite({"/": b_list}, host="127.0.0.2") as b:
        sites = tmp_path / "sites.csv"
        sites.write_text(f"agency,url\n甲区人民政府,{a.url('/')}\n乙区人民政府,{b.url('/')}\n", encoding="utf-8")
        res = CliRunner().invoke(main, ["crawl", "--sites", str(sites), "--out", str(tmp_path / "o"), "--delay", "0",
                                        "--contact", "t@example.org", "--workers", "1"])
        assert a.hits("/") == 1 and b.hits("/") == 1, res.output
    assert b_asked.is_set()
    # And with --max-hosts 1 they are taken one at a time: A waits alone.
    met = threading.Event()
    b_asked.clear()

    def a_alone(h):  # type: ignore[no-untyped-def]
        if b_asked.wait(0.5):
            met.set()
        send(h, 200, b"<html><body>a</body></html>", "text/html")

    with HostileSite({"/": a_alone}, host="127.0.0.1") as a, HostileSite({"/": b_list}, host="127.0.0.2") as b:
        sites.write_text(f"agency,url\n甲区人民政府,{a.url('/')}\n乙区人民政府,{b.url('/')}\n", encoding="utf-8")
        CliRunner().invoke(main, ["crawl", "--sites", str(sites), "--out", str(tmp_path / "o2"), "--delay", "0",
                                  "--contact", "t@example.org", "--workers", "1", "--max-hosts", "1"])
    assert not met.is_set()


# ---- the registry file and its rules --------------------------------------------------------
def test_registry_names_match_exactly_after_normalising_or_by_alias_never_fuzzily(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("agency,url,aliases\n淮安市洪泽区人民政府,http://a.example/,洪泽区人民政府|洪泽区政府\n"
                    "淮安市清江浦区人民政府,http://a.example/,\n", encoding="utf-8-sig")
    r = reg.load(path)
    assert r.seeds == ["http://a.example/"] and r.only_body_at("http://a.example/") is None  # a shared column
    assert r.body_of("淮安市洪泽区人民政府").agency == "淮安市洪泽区人民政府"
    assert r.body_of(" 淮安市 洪泽区人民政府 ").agency == "淮安市洪泽区人民政府"  # spaces a PDF puts in
    assert r.body_of("洪泽区政府").agency == "淮安市洪泽区人民政府"  # the registry's alias
    assert r.body_of("淮安市洪泽区人民政府办公室") is None  # one character more is another body
    assert r.body_of("淮安市清江浦区") is None and r.body_of("") is None


@pytest.mark.parametrize("text, message", [
    ("name,url\n甲,http://a/\n", "needs the columns agency, url"),
    ("agency,url\n甲,\n", "line 2: agency and url are both needed"),
    ("agency,url\n甲,ftp://a/\n", "line 2: 'ftp://a/' is not an http(s) URL"),
    ("agency,url,adcode\n甲,http://a/,3201\n", "line 2: adcode '3201' is not 6 digits"),
    ("agency,url\n", "no sites listed"),
])
def test_a_bad_registry_is_named_with_its_line(tmp_path, text, message):
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        reg.load(path)
    assert str(raised.value).startswith(str(path)) and message in str(raised.value)


def test_a_registry_saved_as_gbk_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes("agency,url\n甲区人民政府,http://a/\n".encode("gbk"))
    res = CliRunner().invoke(main, ["crawl", "--sites", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "is not UTF-8" in res.output and "Traceback" not in res.output


def test_shards_split_a_registry_by_host_and_together_cover_it(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("agency,url\n" + "".join(f"机构{i},http://h{i % 7}.example/col{i}/\n" for i in range(40)), encoding="utf-8")
    whole = reg.load(path)
    parts = [whole.shard(i, 3) for i in (1, 2, 3)]
    assert sorted(s for p in parts for s in p.seeds) == sorted(whole.seeds)
    for p in parts:  # one host is never split between two shards
        hosts = {reg.host_of(s) for s in p.seeds}
        assert all(reg.host_of(s) not in hosts for q in parts if q is not p for s in q.seeds)
    assert [s.seeds for s in (whole.shard(2, 3),)] == [parts[1].seeds]  # the same split every time
    with pytest.raises(ConfigError):
        reg.parse_shard("4/3")
    assert reg.parse_shard("2/3") == (2, 3)


def test_deadline_by_kind_of_body_and_years():
    assert deadline(reg.Body("淮安市洪泽区人民政府"), 2024).isoformat() == "2025-03-31"
    assert deadline(reg.Body("淮安市洪泽区财政局"), 2024).isoformat() == "2025-01-31"
    assert deadline(reg.Body("上海市人民政府办公厅"), 2024).isoformat() == "2025-01-31"  # a department
    assert deadline(reg.Body("高良涧街道办事处"), 2024).isoformat() == "2025-01-31"
    assert deadline(reg.Body("岔河镇人民政府"), 2024).isoformat() == "2025-01-31"  # a town: not 第四十九条's 人民政府
    assert deadline(reg.Body("某乡人民政府", level="乡镇街道"), 2024).isoformat() == "2025-01-31"
    assert parse_years("2019-2021,2023") == [2019, 2020, 2021, 2023]
    with pytest.raises(ConfigError):
        parse_years("last year")


def test_the_crawl_tables_are_in_the_data_package_and_it_validates(two_runs):
    import json

    from frictionless import validate

    out = two_runs[0]
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    names = {r["name"] for r in package["resources"]}
    assert {"coverage", "history", "similarity"} <= names
    report = validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_the_qa_page_shows_coverage_changed_reports_and_copies(two_runs):
    text = (two_runs[0] / "report.html").read_text(encoding="utf-8")
    assert "Coverage: who published which year (6 published, 1 unreadable, 13 missing)" in text
    grid = text.split("Coverage: who published")[1].split("</table>")[0]
    assert grid.count("late") >= 3 and "on time" in grid and "unreadable" in grid and "missing" in grid
    assert "Reports changed after publication (1)" in text and "/nb/2025.html" in text
    assert "内容雷同 (2 pairs)" in text and "other_agency" in text and "same_agency" in text


def test_shards_of_a_registry_crawled_apart_merge_into_the_whole(tmp_path, two_runs):
    """--shard 1/2 and 2/2 (here: one host each) in two folders, merged: the same reports, coverage
    and copies as the registry crawled whole, the copy across the two shards included."""
    a, b = _sites()
    with a, b:
        sites = _registry(tmp_path, a, b)
        for i in (1, 2):
            res = _crawl(sites, tmp_path / f"shard{i}", "--shard", f"{i}/2")
            assert res.exit_code in (0, 1), res.output
    parts = [csv_rows(tmp_path / f"shard{i}" / "reports.csv") for i in (1, 2)]
    assert all(parts) and {r["source"].split("/")[2] for r in parts[0]}.isdisjoint({r["source"].split("/")[2] for r in parts[1]})
    merged = CliRunner().invoke(main, ["merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"), "--out", str(tmp_path / "all")])
    assert merged.exit_code == 1 and "merged 2 folders" in merged.output  # 清江浦区's PDF is still a failed row
    whole, first = two_runs[0], two_runs[2]
    ids = lambda rows: sorted(r["report_id"] for r in rows)  # noqa: E731
    assert ids(csv_rows(tmp_path / "all" / "reports.csv")) == ids(first)  # the whole registry's first run
    cov = {(r["agency"], r["year"]): r["status"] for r in csv_rows(tmp_path / "all" / "coverage.csv")}
    assert cov == {(r["agency"], r["year"]): r["status"] for r in csv_rows(whole / "coverage.csv")}
    kinds = sorted(p["kind"] for p in csv_rows(tmp_path / "all" / "similarity.csv"))
    assert kinds == ["other_agency", "same_agency"]  # 平潭 2021 (shard of host A) and its copy on host B
    assert len(csv_rows(tmp_path / "all" / "values.csv")) == sum(len(csv_rows(tmp_path / f"shard{i}" / "values.csv")) for i in (1, 2))
    refused = CliRunner().invoke(main, ["merge", str(tmp_path / "shard1"), str(tmp_path / "nope"), "--out", str(tmp_path / "x")])
    assert refused.exit_code == 2 and "no such folder" in refused.output
