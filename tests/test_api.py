"""The public Python API and the CLI's help, kept true by tests."""

import re

import pytest

import xxgk
from click.testing import CliRunner

from xxgk.pipeline.cli import EXIT_STATUS, main
from xxgk.pipeline.inputs import DOCUMENT_SUFFIXES

from .conftest import REPORTS, ROOT, published


def test_public_names_are_pinned():
    assert sorted(xxgk.__all__) == ["Check", "Dataset", "DocumentError", "EXTRACTOR_VERSION", "ParseSettings", "Report", "Value",
                                    "XxgkError", "codebook_frame", "extract", "extract_report"]


def test_extract_gives_dataframes_for_files_and_folders():
    data = xxgk.extract([REPORTS / "hzq2024.pdf", str(REPORTS / "2025-pingtan.html")])
    assert list(data.reports["year"]) == [2024, 2025]
    assert set(data.reports["status"]) == {"ok"}
    new = data.values.query("table == 't3' and row == 'new' and col == 'natural'")
    assert sorted(new["value"].tolist()) == [95.0, 151.0]
    assert len(data.panel) == 2 and "t3_new_nat" in data.panel.columns


def test_the_dataframes_are_made_once_when_first_read(monkeypatch):
    from xxgk.pipeline import api

    made = []
    monkeypatch.setattr(api, "tables", lambda *a: made.append(a) or {"values": "V", "panel": "P"})
    data = xxgk.extract([REPORTS / "2025-pingtan.html"], in_process=True)
    assert made == [] and [r.status for r in data.records] == ["ok"]  # a caller of .records or .write pays nothing
    assert (data.values, data.panel, data.values) == ("V", "P", "V") and len(made) == 1


def test_every_command_has_help_with_an_example_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, cmd in main.commands.items():
        res = CliRunner().invoke(main, [name, "--help"])
        assert res.exit_code == 0 and "Example:" in res.output, name
        assert f"xxgk {name}" in readme, name


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


TIMING = re.compile(r"\d+\.\d s, \d+\.\d documents/s")


def test_the_readme_sample_run_is_what_a_real_run_prints(tmp_path, monkeypatch):
    readme = _readme()
    start = readme.index("    $ xxgk extract fixtures/reports/ --out output/\n")
    block = readme[start:readme.index("\n\n", start)].splitlines()[1:]
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(main, ["extract", "fixtures/reports/", "--out", str(tmp_path / "output")])
    assert res.exit_code == 0, res.output
    printed = res.output.replace(str(tmp_path / "output"), "output").splitlines()
    assert [TIMING.sub("T", line) for line in printed] == [TIMING.sub("T", line[4:]) for line in block]


def test_the_exit_status_table_is_the_same_in_every_help_and_the_readme():
    table = EXIT_STATUS.replace("\b\n", "")
    assert "\n".join("    " + line for line in table.splitlines()) in _readme()
    for name in [None, *main.commands]:
        res = CliRunner().invoke(main, [name, "--help"] if name else ["--help"])
        assert "\n".join("  " + line for line in table.splitlines()[1:]) in res.output, name


def test_one_list_of_file_types_for_the_code_the_help_and_the_readme():
    listed = ", ".join(f"`{s}`" for s in DOCUMENT_SUFFIXES)
    assert listed in " ".join(_readme().split())
    res = CliRunner().invoke(main, ["extract", "--help"])
    assert ", ".join(DOCUMENT_SUFFIXES) in " ".join(res.output.split())


def test_extract_reads_in_the_supervised_pool_so_a_bomb_costs_a_worker_not_the_caller():
    bomb = ROOT / "fixtures" / "broken" / "flate-bomb.pdf"
    data = xxgk.extract([bomb, REPORTS / "2025-pingtan.html"], workers=1, memory_limit=300)
    by = {r.source.rsplit("/", 1)[-1]: r for r in data.records}
    assert by["flate-bomb.pdf"].status == "failed" and by["flate-bomb.pdf"].error.startswith("memory:")
    assert by["2025-pingtan.html"].status == "ok"


@pytest.mark.parametrize("option", [{"time_limit": 0}, {"memory_limit": 255}, {"workers": 0}])
def test_extract_refuses_limits_that_would_fail_every_document(option):
    with pytest.raises(ValueError):
        xxgk.extract([REPORTS / "2025-pingtan.html"], **option)


def test_dataset_write_writes_what_the_cli_writes(tmp_path):
    inputs = [str(REPORTS / "hzq2024.pdf"), str(REPORTS / "2025-pingtan.html")]
    written = xxgk.extract(inputs).write(tmp_path / "api", formats=("csv", "parquet"))
    res = CliRunner().invoke(main, ["extract", *inputs, "--out", str(tmp_path / "cli"), "--format", "csv,parquet"])
    assert res.exit_code == 0
    cli = sorted(published(tmp_path / "cli"))
    assert sorted(p.relative_to(tmp_path / "api").as_posix() for p in written) == cli
    for name in ("reports.csv", "values.csv", "checks.csv", "panel.csv", "datapackage.json"):
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    with pytest.raises(ValueError):
        xxgk.extract(inputs[:1]).write(tmp_path / "bad", formats=("xls",))


def test_the_dataframes_built_in_memory_are_what_reading_the_written_csvs_gives(tmp_path):
    """The API builds its tables from the records (no files); a run writes CSVs. On every real fixture,
    plus a duplicate, a formula-like title and two consecutive years (cross-year checks), the two agree."""
    import pandas.testing as pdt

    from xxgk.parsers import extract
    from xxgk.pipeline.columns import TABLES, read_table
    from xxgk.pipeline.datasets import tables, write_reports

    reports = [extract(p.read_bytes(), p.name) for p in sorted(REPORTS.iterdir())]
    reports.append(reports[0])  # the same bytes twice: one report
    tricky = extract((REPORTS / "2025-pingtan.html").read_bytes(), "=HYPERLINK(\"x\").html")
    tricky.report_id, tricky.title = "r0000000000000001", "=1+1 平潭"
    reports.append(tricky)
    write_reports(reports, tmp_path, ("csv",), "utf-8")
    in_memory = tables(reports)
    assert sorted(in_memory) == sorted(TABLES)
    assert any(c.startswith("cross_year") for c in in_memory["checks"]["check"])
    assert in_memory["reports"]["title"].str.startswith("=1+1").any()  # as printed, not neutralised
    for name in TABLES:
        pdt.assert_frame_equal(in_memory[name], read_table(tmp_path, name, "utf-8"), check_dtype=True)
