import csv
import os
from pathlib import Path

import pytest

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


# The OCR modules take most of the suite's time; collected first, they start first, so that the
# other modules fill the remaining test processes around them instead of waiting behind them.
HEAVY_FIRST = ("test_scans.py", "test_images.py")


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.path.name not in HEAVY_FIRST)  # stable: order within kept


def csv_rows(path: Path) -> list[dict]:
    """A CSV xxgk wrote (UTF-8 with a BOM, for Excel), as dicts of text."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))
