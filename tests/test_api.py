"""The public Python API and the CLI's help, kept true by tests."""

import xxgk
from click.testing import CliRunner

from xxgk.pipeline.cli import main

from .conftest import REPORTS, ROOT


def test_public_names_are_pinned():
    assert sorted(xxgk.__all__) == ["Check", "Dataset", "DocumentError", "EXTRACTOR_VERSION", "Report", "Value",
                                    "XxgkError", "codebook_frame", "extract", "extract_report"]


def test_extract_gives_dataframes_for_files_and_folders():
    data = xxgk.extract([REPORTS / "hzq2024.pdf", str(REPORTS / "2025-pingtan.html")])
    assert list(data.reports["year"]) == [2024, 2025]
    assert set(data.reports["status"]) == {"ok"}
    new = data.values.query("table == 't3' and row == 'new' and col == 'natural'")
    assert sorted(new["value"].tolist()) == [95.0, 151.0]
    assert len(data.panel) == 2 and "t3_new_nat" in data.panel.columns


def test_every_command_has_help_with_an_example_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, cmd in main.commands.items():
        res = CliRunner().invoke(main, [name, "--help"])
        assert res.exit_code == 0 and "Example:" in res.output, name
        assert f"xxgk {name}" in readme, name
