"""A bug in xxgk's own reading is an `internal_error` row with its traceback in the log,
never blamed on the document (`corrupt:`, `no_tables:` …). Each case breaks a function of
xxgk's that runs after the document's bytes were parsed by the format library."""

from __future__ import annotations

import logging

import pytest

from xxgk.pipeline.runner import extract_bytes

from .conftest import REPORTS


def _bug(*args, **kwargs):
    raise KeyError("a bug planted by the test")


@pytest.mark.parametrize("name, target", [
    ("hzq2024.pdf", "xxgk.parsers.lattice.grid_of"),
    ("synthetic-2022.docx", "xxgk.parsers.readers.docx._table_grid"),
    ("2025-pingtan.html", "xxgk.parsers.readers.html.expand"),
    ("000_72ada0ed4d86cbfe.txt", "xxgk.parsers.report.read_tables"),  # the label stage, for any format
])
def test_an_xxgk_bug_is_an_internal_error_with_its_traceback_in_the_log(monkeypatch, caplog, name, target):
    monkeypatch.setattr(target, _bug)
    with caplog.at_level(logging.ERROR, logger="xxgk"):
        r = extract_bytes((REPORTS / name).read_bytes(), name)
    assert r.status == "failed"
    assert r.error.startswith("internal_error: KeyError: 'a bug planted by the test' (at test_internal_error.py:"), r.error
    assert r.error.endswith("please report it")
    [record] = [rec for rec in caplog.records if rec.name == "xxgk.runner"]
    assert name in record.getMessage() and record.exc_info is not None
    assert "_bug" in caplog.text and "Traceback" in caplog.text


def test_the_same_document_unbroken_is_ok():
    """The other side of the cases above: without the planted bug each reads."""
    for name in ("hzq2024.pdf", "synthetic-2022.docx", "2025-pingtan.html", "000_72ada0ed4d86cbfe.txt"):
        assert extract_bytes((REPORTS / name).read_bytes(), name).status == "ok", name
