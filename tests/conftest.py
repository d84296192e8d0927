from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
REPORTS = FIXTURES / "reports"
TRUTH = FIXTURES / "truth"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
