"""The wheel as a user gets it: one import name, the demo site inside, no clash with a project's own modules."""

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # --no-build-isolation: the test venv already has setuptools (the test extra), so no download is needed.
    # Built from a copy, so the checkout gets no build/ or egg-info of the test's making.
    src = tmp_path_factory.mktemp("src") / "xxgk"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "output",
                                                             "__pycache__", ".pytest_cache", ".hypothesis"))
    dist = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "PIP_NO_INDEX": "1"}
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(src)],
                   check=True, cwd=src, env=env, capture_output=True, timeout=300)
    (whl,) = dist.glob("xxgk-*.whl")
    return whl


def test_the_wheel_installs_one_top_level_name_and_ships_the_demo_site(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"xxgk"}
    for needed in ("xxgk/py.typed", "xxgk/__main__.py", "xxgk/parsers/keys.csv", "xxgk/fixtures/site/site.json",
                   "xxgk/fixtures/reports/hzq2024.pdf"):
        assert needed in names, needed
    assert not any(n.startswith("xxgk/fixtures/broken/") for n in names)  # bombs are for tests, not for users


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The wheel in a venv that sees this interpreter's packages (no downloads), without the checkout on sys.path."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    # The dependencies come from the test venv: a .pth file points at its site-packages, minus the editable xxgk.
    site = next(Path(p) for p in sys.path if p.endswith("site-packages") and Path(p, "pandas").exists())
    target = next((env_dir / "lib").glob("python*/site-packages"))
    (target / "deps.pth").write_text(str(site) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    return py


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def test_import_and_demo_work_from_the_wheel_beside_a_projects_own_pipeline_and_parsers(installed, tmp_path):
    project = tmp_path / "research"
    (project / "parsers").mkdir(parents=True)
    (project / "parsers" / "__init__.py").write_text("raise ImportError('the research project parsers')\n")
    (project / "pipeline.py").write_text("raise ImportError('the research project pipeline')\n")
    # `import xxgk` is light: pandas and the PDF stack load only when a name that needs them is used.
    code = ("import sys, xxgk; assert 'pandas' not in sys.modules, 'import xxgk loaded pandas'; "
            "import xxgk.pipeline.cli; print(xxgk.__file__)")
    probe = subprocess.run([str(installed), "-c", code], cwd=project, env=_clean_env(), capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr
    assert "site-packages" in probe.stdout.splitlines()[0]  # the installed copy, not the checkout
    version = subprocess.run([str(installed), "-m", "xxgk", "--version"], cwd=project, env=_clean_env(),
                             capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and "xxgk, version" in version.stdout, version.stderr
    demo = subprocess.run([str(installed), "-m", "xxgk", "demo", "--out", str(project / "out"), "--quiet", "--delay", "0"],
                          cwd=project, env=_clean_env(), capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "Traceback" not in demo.stderr
    assert (project / "out" / "reports.csv").read_text(encoding="utf-8-sig").count("\n") > 5
