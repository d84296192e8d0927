"""Legacy formats (.doc, .rtf, .xls; .wps and .et are the same containers) read through LibreOffice.

fixtures/make/make_legacy.py saved two fixtures as Word 97-2003, RTF and Excel 97-2003 with
LibreOffice; their truth is the source's. Reading them back needs LibreOffice too: .ci/run
installs it, and without it these tests skip saying so. What a machine without LibreOffice
does (a failed row naming the package) is tested everywhere.
"""

from __future__ import annotations


import pytest

from xxgk.parsers import extract
from xxgk.parsers.errors import ConversionFailed
from xxgk.parsers.readers import legacy, sniff
from xxgk.pipeline import truth as truthfile
from xxgk.pipeline.batch import run_batch

from .conftest import FIXTURES, TRUTH

LEGACY = FIXTURES / "legacy"
NEEDS_LO = pytest.mark.skipif(legacy.soffice() is None, reason="LibreOffice is not installed (apt-get install "
                              "libreoffice-writer-nogui libreoffice-calc-nogui; .ci/run installs it)")
FORMAT = {"synthetic-2022.doc": "doc", "synthetic-2022.rtf": "rtf", "2025-pingtan.xls": "xls", "2025-pingtan.xlsx": "xlsx"}


def test_the_legacy_containers_are_told_apart_by_their_bytes():
    assert [sniff((LEGACY / n).read_bytes()) for n in FORMAT] == ["ole", "rtf", "ole", "xlsx"]
    assert [legacy.kind_of((LEGACY / n).read_bytes()) for n in FORMAT] == ["text", "text", "sheet", "sheet"]
    assert legacy.kind_of(b"\xd0\xcf\x11\xe0" + b"\0" * 600) == "unknown"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The real path, once for the module (LibreOffice costs 2 s a file): the pool's workers run the
    converter, each with a profile of its own. (stats, reports by file name)."""
    reports = {}
    stats, _ = run_batch(sorted(LEGACY.iterdir()), tmp_path_factory.mktemp("legacy") / "out", workers=2,
                         on_done=lambda r: reports.setdefault(r.source.rsplit("/", 1)[-1], r))
    return stats, reports


@NEEDS_LO
@pytest.mark.parametrize("name", sorted(FORMAT))
def test_a_legacy_file_reads_every_truth_cell(batch, name):
    truth = truthfile.load(TRUTH / "legacy" / f"{name}.truth")
    r = batch[1][name]
    cmp = truthfile.compare(truth, {(v.table, v.row, v.col): v.as_text for v in r.values})
    assert cmp.wrong == [] and cmp.total >= 100
    assert (r.format, r.status, r.agency, r.year, r.template) == (FORMAT[name], "ok", truth.agency, truth.year, truth.template)
    assert "converted from a legacy" in r.notes


@NEEDS_LO
def test_a_batch_reads_legacy_files_in_its_workers(batch):
    stats, reports = batch
    assert (stats.documents, stats.status["ok"]) == (4, 4) and sorted(reports) == sorted(FORMAT)


@NEEDS_LO
def test_a_conversion_past_its_time_limit_is_a_named_failure():
    with pytest.raises(ConversionFailed, match="did not finish converting it in 0.01 s"):
        legacy.convert((LEGACY / "synthetic-2022.doc").read_bytes(), "a.doc", seconds=0.01)


def test_without_libreoffice_a_legacy_file_fails_naming_the_package(monkeypatch):
    monkeypatch.setattr(legacy, "soffice", lambda: None)
    for name, what in (("synthetic-2022.doc", "Word/WPS file"), ("2025-pingtan.xls", "spreadsheet")):
        r = extract((LEGACY / name).read_bytes(), name)
        assert r.status == "failed" and r.values == []
        assert r.error.startswith(f"unsupported_format: a legacy {what}") and "apt-get install libreoffice" in r.error


@NEEDS_LO
def test_damaged_legacy_bytes_are_a_conversion_failure_not_a_crash():
    """The container's header and directory intact, its streams overwritten with noise."""
    import random

    data = bytearray((LEGACY / "synthetic-2022.doc").read_bytes())
    rng = random.Random(3)
    for i in range(512, len(data) - 4096):
        data[i] = rng.randrange(256)
    r = extract(bytes(data), "damaged.doc")
    assert r.status == "failed"
    assert r.error.startswith("conversion_failed: LibreOffice could not convert it") and "damaged" in r.error


def test_a_container_holding_no_text_or_workbook_is_named_so():
    r = extract(b"\xd0\xcf\x11\xe0" + b"\0" * 600, "x.doc")
    assert r.error == "unsupported_format: a legacy Office container (OLE) holding neither a Word/WPS text nor a workbook"
