"""`xxgk extract` through the real CLI: the batch completes and the contract files are right."""

import shutil

from click.testing import CliRunner

from xxgk.pipeline.cli import main

from .conftest import REPORTS, csv_rows


def test_batch_with_a_corrupt_file_writes_every_other_report(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(REPORTS / "hzq2024.pdf", docs / "good.pdf")
    shutil.copy(REPORTS / "2025-pingtan.html", docs / "page.html")
    (docs / "broken.pdf").write_bytes((REPORTS / "hzq2023.pdf").read_bytes()[:3000])
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["extract", str(docs), "--out", str(out)])
    assert result.exit_code == 1, result.output  # a failed row: cron must hear of it, and the rest is written
    reports = {r["source"].split("/")[-1]: r for r in csv_rows(out / "reports.csv")}
    assert reports["good.pdf"]["status"] == "ok"
    assert reports["page.html"]["status"] == "ok"
    assert reports["broken.pdf"]["status"] == "failed" and reports["broken.pdf"]["error"]
    values = csv_rows(out / "values.csv")
    assert {v["report_id"] for v in values} == {reports["good.pdf"]["report_id"], reports["page.html"]["report_id"]}
    assert "Traceback" not in result.output
    assert "3 documents: 2 ok, 1 failed" in result.output


def test_contract_columns_are_present(tmp_path):
    out = tmp_path / "out"
    CliRunner().invoke(main, ["extract", str(REPORTS / "hzq2023.pdf"), "--out", str(out)])
    for name, cols in {
        "reports.csv": ["report_id", "source", "format", "title", "agency", "year", "template", "status", "error"],
        "values.csv": ["report_id", "table", "row", "col", "value", "raw"],
        "checks.csv": ["report_id", "check", "table", "scope", "status", "detail", "formula", "lhs", "rhs", "cells"],
        "similarity.csv": ["report_id_a", "report_id_b", "agency_a", "agency_b", "year_a", "year_b", "similarity", "kind"],
    }.items():
        header = (out / name).read_text(encoding="utf-8-sig").splitlines()[0].split(",")
        assert set(cols) <= set(header), name


def test_blank_cells_are_empty_values_with_raw_kept(tmp_path):
    out = tmp_path / "out"
    CliRunner().invoke(main, ["extract", str(REPORTS / "synthetic-2022.docx"), "--out", str(out)])
    rules = [v for v in csv_rows(out / "values.csv") if v["row"] == "rules"]
    assert len(rules) == 3 and all(v["value"] == "" and v["raw"] == "/" for v in rules)


def test_missing_input_is_a_clear_error_not_a_traceback(tmp_path):
    result = CliRunner().invoke(main, ["extract", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0
    assert "no such file or folder" in result.output and "Traceback" not in result.output


def test_same_bytes_twice_are_one_report(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(REPORTS / "hzq2024.pdf", docs / "a.pdf")
    shutil.copy(REPORTS / "hzq2024.pdf", docs / "b.pdf")
    out = tmp_path / "out"
    CliRunner().invoke(main, ["extract", str(docs), "--out", str(out)])
    reports = csv_rows(out / "reports.csv")
    assert len(reports) == 1 and "same bytes also at" in reports[0]["notes"]


def test_help_teaches_with_an_example():
    result = CliRunner().invoke(main, ["extract", "--help"])
    assert "Example:" in result.output and "xxgk extract fixtures/" in result.output


def test_on_a_terminal_the_progress_bar_stays_below_the_lines_of_reports_that_are_not_ok(tmp_path):
    import os
    import pty
    import subprocess
    import sys

    from .conftest import ROOT

    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("hzq2023.pdf", "2025-pingtan.html", "2019-pingtan.html"):
        shutil.copy(REPORTS / name, docs / name)
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal 100 columns wide
    proc = subprocess.Popen([sys.executable, "-m", "xxgk", "extract", str(docs), "--out", str(tmp_path / "out"), "-j", "1"],
                            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0, screen
    shown = [line.rsplit("\r", 1)[-1] for line in screen.split("\r\n")]  # what the terminal keeps of each line
    assert any("100%" in line and "3/3" in line for line in shown), shown  # drawn to the end and left, not cleared
    assert screen.count("PARTIAL") == 1 and "2025-pingtan" not in screen  # only the report that is not ok
    assert "open " in screen.splitlines()[-1] and "report.html" in screen.splitlines()[-1]


def test_on_a_pipe_there_is_no_bar(tmp_path):
    res = CliRunner().invoke(main, ["extract", str(REPORTS / "hzq2024.pdf"), str(REPORTS / "2025-pingtan.html"),
                                    "--out", str(tmp_path / "out")])
    assert res.exit_code == 0
    assert "doc/s" not in res.output and "%|" not in res.output
    assert res.output.count("\n") == 1  # both ok: the summary alone


def test_an_option_can_come_from_the_environment_and_the_command_line_wins(tmp_path):
    page = str(REPORTS / "2025-pingtan.html")
    env = {"XXGK_FORMAT": "parquet", "XXGK_OUT": str(tmp_path / "env")}
    res = CliRunner().invoke(main, ["extract", page], env=env)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "env" / "reports.parquet").exists() and not (tmp_path / "env" / "reports.csv").exists()
    res = CliRunner().invoke(main, ["extract", page, "--format", "csv"], env=env)
    assert res.exit_code == 0 and (tmp_path / "env" / "reports.csv").exists()
    assert not (tmp_path / "env" / "reports.parquet").exists()  # and the format not written this run is gone


def test_an_environment_value_out_of_range_is_refused_like_the_option():
    res = CliRunner().invoke(main, ["extract", str(REPORTS / "2025-pingtan.html")], env={"XXGK_WORKERS": "0"})
    assert res.exit_code == 2 and "--workers" in res.output


def test_every_option_of_every_command_names_its_environment_variable():
    for name, command in main.commands.items():
        text = CliRunner().invoke(main, [name, "--help"], terminal_width=200).output
        for param in command.params:
            if getattr(param, "envvar", None) and not param.hidden:
                assert f"env var: {param.envvar}" in text, (name, param.name)
    assert main.commands["crawl"].params and any(p.envvar == "XXGK_CONTACT" for p in main.commands["crawl"].params)


def test_a_crawl_without_a_contact_warns_and_one_from_the_environment_reaches_the_user_agent(tmp_path):
    from .hostile_site import HostileSite, send

    agents: list[str] = []

    def robots(h):  # type: ignore[no-untyped-def]
        agents.append(h.headers.get("User-Agent", ""))
        send(h, 404, b"")

    with HostileSite({"/robots.txt": robots}) as site:
        bare = CliRunner().invoke(main, ["crawl", site.url("/"), "--out", str(tmp_path / "a"), "--retries", "0"])
        named = CliRunner().invoke(main, ["crawl", site.url("/"), "--out", str(tmp_path / "b"), "--retries", "0"],
                                   env={"XXGK_CONTACT": "me@example.org"})
    assert "warning: no --contact" in bare.output and "warning: no --contact" not in named.output
    assert "contact: set one with --contact" in agents[0] and "contact: me@example.org" in agents[1]


def test_a_run_that_writes_csv_never_loads_pandas_the_qa_page_included(tmp_path):
    # pandas is for the other formats: loading it cost each `xxgk extract` 0.35 s of CPU (issue 10).
    import subprocess
    import sys

    code = ("import sys\nfrom xxgk.pipeline.cli import main\n"
            "try:\n    main(['extract', sys.argv[1], '--out', sys.argv[2], '-q'])\n"
            "except SystemExit as end:\n    assert end.code == 0, end.code\n"
            "print('pandas loaded' if 'pandas' in sys.modules else 'no pandas')")
    run = subprocess.run([sys.executable, "-c", code, str(REPORTS / "2025-pingtan.html"), str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "no pandas"
    assert "平潭综合实验区" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
