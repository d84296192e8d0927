import csv
import gc
import os
import sys
from pathlib import Path

import pytest

# Each test process, and each xxgk process a test starts (CLI runs, pool workers), imports xxgk
# and the test modules; with PYTHONDONTWRITEBYTECODE (set by many CI images) every one of them
# compiled those sources again, and pytest rewrote every test module's asserts again: 14 of the
# suite's 241 CPU seconds. The suite writes the usual __pycache__ folders (git ignores them).
if sys.dont_write_bytecode:
    sys.dont_write_bytecode = False
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
REPORTS = FIXTURES / "reports"
TRUTH = FIXTURES / "truth"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


def pytest_configure(config):
    # Under pytest-xdist each test process is one of several sharing the cores: in-process OCR
    # (tests/test_images.py) takes one onnxruntime thread, as the pool gives each of its workers.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        from xxgk.parsers import ocr

        ocr.set_threads(1)


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: the suite also runs without it (-o addopts= -p no:xdist)
def pytest_xdist_auto_num_workers(config):
    # One test process more than there are cores (-n auto in pyproject's addopts): about 30 core
    # seconds of a run are tests waiting on real time (a signal or a kill sent mid-batch, a server
    # dripping its bytes, crawl delays), and the extra process fills them. Measured on 2 cores:
    # 117 s with 2 processes (31 idle core-s), 99 s with 3 (5 idle), 104 s with 4.
    return (os.cpu_count() or 1) + 1


# The longest modules first (measured, longest first), the short ones after in their own order:
# each test process takes the next module when it is free, so the short ones fill in around the
# long ones at the end instead of one long module running alone. pyproject's addopts pass
# --no-loadscope-reorder, else xdist would order the modules by their number of tests.
HEAVY_FIRST = ("test_scans.py", "test_images.py", "test_crawl.py", "test_datasets.py", "test_unattended.py",
               "test_pool.py", "test_hostile.py", "test_crawl_images.py", "test_registry.py", "test_packaging.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(HEAVY_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: order within kept


def pytest_collection_finish(session):
    # A test process holds every test module and the libraries they import (pandas, pyarrow,
    # pdfplumber…): the garbage collector walked them all again and again, 4.8 CPU s of a run
    # in 5,600 collections. Frozen after collection, and collected less often, it spends 1.4 s.
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def killed_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a process a test kills: the temporary folder it can no longer remove
    (multiprocessing's forkserver socket) is made in the test's own folder, not left in /tmp."""
    return {**os.environ, "TMPDIR": str(tmp_path)}


def published(out: Path) -> dict[str, bytes]:
    """What a run published in OUT, by path (the report pages in pages/ too), not its own lock and
    result cache (.xxgk.lock, .xxgk/)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)}


def csv_rows(path: Path) -> list[dict]:
    """A CSV xxgk wrote (UTF-8 with a BOM, for Excel), as dicts of text."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))
