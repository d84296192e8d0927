"""Nothing is written outside the output and state folders; a killed run loses nothing it had."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from click.testing import CliRunner

from xxgk.pipeline.cli import main
from xxgk.pipeline.crawl import crawl
from xxgk.pipeline.demo import SiteServer

from .conftest import REPORTS, ROOT, killed_env

TRAVERSAL = {
    "/evil/list.html": {"body": textwrap.dedent("""\
        <html><head><meta charset="utf-8"></head><body>
        <a href="../../../../../../tmp/xxgk-escape/2024年政府信息公开工作年度报告.html">某县2024年政府信息公开工作年度报告</a>
        <a href="/evil/%2e%2e/%2e%2e/etc/passwd">某县2023年政府信息公开工作年度报告</a>
        <a href="/evil/report.html">..\\\\..\\\\windows 2022年政府信息公开工作年度报告</a>
        </body></html>""")},
    "/evil/report.html": {"body": "<html><body><a href='/uploads/../../../x.pdf'>附件.pdf</a></body></html>"},
}


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_urls_with_dot_dot_write_only_inside_the_output_folder(tmp_path):
    out = tmp_path / "out"
    outside = tmp_path / "outside-marker"
    outside.mkdir()
    before_tmp = set(Path("/tmp").glob("xxgk-escape*"))
    with SiteServer(extra_routes=TRAVERSAL) as site:
        crawl([site.url("/evil/list.html")], out, {"delay": 0, "timeout": 5, "retries": 0})
    assert set(Path("/tmp").glob("xxgk-escape*")) == before_tmp
    assert _files(outside) == set()
    written = _files(out)
    assert written and all(out in p.parents for p in written)
    stored = [p for p in written if "store" in p.parts]
    assert all(len(p.name) == 64 and all(c in "0123456789abcdef" for c in p.name) for p in stored)  # sha256 names only


def _cached(out) -> int:
    try:
        with sqlite3.connect(out / ".xxgk" / "results.sqlite", timeout=1) as db:
            return db.execute("SELECT count(*) FROM results").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_killed_extract_leaves_the_previous_outputs_whole_and_the_next_run_redoes_nothing_finished(tmp_path):
    out = tmp_path / "out"
    first = CliRunner().invoke(main, ["extract", str(REPORTS / "hzq2024.pdf"), "--out", str(out), "-q"])  # the run before
    assert first.exit_code == 0, first.output
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}
    # A batch of distinct copies, killed once a few of them are finished.
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(20):
        (docs / f"{i:02d}.html").write_bytes((REPORTS / "2025-pingtan.html").read_bytes() + f"<!-- {i} -->".encode())
    proc = subprocess.Popen([sys.executable, "-m", "xxgk", "extract", str(docs), "--out", str(out), "-q", "-j", "1"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=killed_env(tmp_path))
    deadline = time.time() + 60
    while time.time() < deadline and _cached(out) < 4:  # the first file, then three of the batch
        time.sleep(0.05)
    assert proc.poll() is None, "the batch finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert after == before  # every file a reader sees is the previous run's, whole
    finished = _cached(out) - 1
    # The next run, here in this process: a process of its own proves no more (the killed one was).
    again = CliRunner().invoke(main, ["extract", str(docs), "--out", str(out), "-q"])
    assert again.exit_code == 0, again.output
    assert f"{finished} finished by an earlier run" in again.stdout  # read once, never twice
    left = [p.name for p in out.iterdir() if p.name.startswith((".staging-", ".publish")) or p.name.endswith(".tmp")]
    assert left == []  # the killed run's staging folder is gone
    assert (out / "reports.csv").read_text(encoding="utf-8-sig").count("\n") == 21


KILLED_BETWEEN_RENAMES = '''
import os, sys
from xxgk.pipeline import publish

def first_rename_then_killed(stage, out, files, remove):
    os.replace(stage / files[0], out / files[0])  # reports.csv is new, the rest still old
    os._exit(9)

publish._apply = first_rename_then_killed
if __name__ == "__main__":
    from xxgk.pipeline.cli import main
    main(["extract", sys.argv[1], "--out", sys.argv[2], "-q"])
'''


def test_a_run_killed_between_two_renames_is_finished_by_the_next_one_on_that_folder(tmp_path):
    from xxgk.pipeline.columns import read_table
    from xxgk.pipeline.publish import JOURNAL, OutputLock

    out = tmp_path / "out"
    first = CliRunner().invoke(main, ["extract", str(REPORTS / "hzq2024.pdf"), "--out", str(out), "-q"])  # the run before
    assert first.exit_code == 0, first.output
    script = tmp_path / "killed.py"
    script.write_text(KILLED_BETWEEN_RENAMES, encoding="utf-8")
    killed = subprocess.run([sys.executable, str(script), str(REPORTS / "2025-pingtan.html"), str(out)], cwd=ROOT,
                            capture_output=True, text=True, env=killed_env(tmp_path))
    assert killed.returncode == 9 and (out / JOURNAL).exists()
    ids = lambda name: set(read_table(out, name)["report_id"])  # noqa: E731
    assert ids("reports") != ids("values")  # half new, half old: what the journal is for
    with OutputLock(out):  # what the next run does first
        pass
    assert not (out / JOURNAL).exists() and not list(out.glob(".staging-*"))
    assert ids("reports") == ids("values") == ids("panel")
    assert read_table(out, "reports")["source"].str.endswith("2025-pingtan.html").all()
