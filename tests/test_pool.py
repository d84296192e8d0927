"""Batches at scale: per-document limits, ordered streaming, and Dask giving the same outputs."""

from __future__ import annotations

import shutil
import time

import pytest

from xxgk.pipeline.batch import run_batch
from xxgk.pipeline.pool import Job, Limits, Pool

from .conftest import REPORTS, published
from .pool_jobs import hang_or_explode, mark_start, no_warm_up, slow_or_quick

GOOD = ["hzq2024.pdf", "2025-pingtan.html", "000_72ada0ed4d86cbfe.txt", "synthetic-2022.docx"]


def _jobs(tmp_path, names):
    jobs = []
    for name in names:
        src = REPORTS / name if (REPORTS / name).exists() else REPORTS / "hzq2024.pdf"
        dst = tmp_path / name
        shutil.copy(src, dst)
        jobs.append(Job(str(dst), str(dst)))
    return jobs


def test_hanging_exploding_and_crashing_documents_are_stopped_and_the_batch_completes(tmp_path):
    names = ["hang.pdf", GOOD[0], "bomb.pdf", GOOD[1], "crash.pdf", GOOD[2]]
    with Pool(workers=2, limits=Limits(seconds=3, memory_mb=400), fn=hang_or_explode) as pool:
        reports = list(pool.map_ordered(_jobs(tmp_path, names)))  # returns at all: the hang was stopped
    assert [r.source.rsplit("/", 1)[-1] for r in reports] == names  # in input order
    by = {r.source.rsplit("/", 1)[-1]: r for r in reports}
    assert by["hang.pdf"].status == "failed" and by["hang.pdf"].error.startswith("timeout:")
    assert by["bomb.pdf"].status == "failed" and by["bomb.pdf"].error.startswith("memory:")
    assert by["crash.pdf"].status == "failed" and "exit code 3" in by["crash.pdf"].error
    assert all(by[n].status == "ok" for n in GOOD[:3])
    assert pool.stats == {"timeouts": 1, "memory": 1, "crashes": 1}


def test_results_come_in_input_order_with_many_workers():
    # Pool mechanics only: a trivial document function, the slowest first, so that later jobs finish first.
    names = [f"{i:02d}-{'slow' if i % 4 == 0 else 'quick'}" for i in range(12)]
    with Pool(workers=3, fn=slow_or_quick, warm_up=no_warm_up) as pool:
        reports = list(pool.map_ordered([Job(name, name) for name in names]))
    assert [r.source for r in reports] == names


def test_the_next_document_is_being_read_while_the_caller_writes_the_last(tmp_path):
    # One worker: while the caller holds result 1 (writing it out), document 2 must already be in
    # the worker's hands. Were it handed out only after the caller came back, it would never start here.
    with Pool(workers=1, fn=mark_start, warm_up=no_warm_up) as pool:
        results = pool.map_ordered([Job(str(tmp_path), f"doc{i}") for i in (1, 2, 3)])
        assert next(results).source == "doc1"
        deadline = time.monotonic() + 60  # generous for a loaded machine; it starts in milliseconds
        while not (tmp_path / "doc2.started").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert (tmp_path / "doc2.started").exists()
        assert [r.source for r in results] == ["doc2", "doc3"]


PATHS = sorted(p for p in REPORTS.iterdir() if p.is_file())
FORMATS = ("csv", "parquet", "dta")


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """Every report through a local pool of two workers: what the runs below must give byte for byte."""
    out = tmp_path_factory.mktemp("pool") / "two"
    run_batch(PATHS, out, formats=FORMATS, workers=2)
    return published(out)


def _same_files(out, expected: dict[str, bytes]) -> None:
    got = published(out)
    assert sorted(got) == sorted(expected)
    for name, data in expected.items():
        assert got[name] == data, name


def test_batch_streams_to_the_same_files_whatever_the_worker_count(tmp_path, two_workers):
    run_batch(PATHS, tmp_path / "one", formats=FORMATS, workers=1)
    assert {"reports.csv", "values.parquet", "panel.dta", "report.html"} <= set(two_workers)
    _same_files(tmp_path / "one", two_workers)


def test_dask_local_cluster_gives_the_same_outputs_byte_for_byte(tmp_path, two_workers):
    pytest.importorskip("dask.distributed", reason="the Dask extra is not installed: pip install 'xxgk[dask]'")
    run_batch(PATHS, tmp_path / "dask", formats=FORMATS, workers=2, dask="local")
    _same_files(tmp_path / "dask", two_workers)
