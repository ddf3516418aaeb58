"""The import contracts in pyproject.toml hold, and they catch a violation (so they are not vacuous).

``./test`` runs ``lint-imports`` on the tree; these tests run it on a copy of the packages, once as is and
once with one forbidden import added, and check that the named contract breaks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("trials", "db", "scheduler", "benchmark_app")
LINT = Path(sys.executable).parent / "lint-imports"


def _copy_tree(dest: Path) -> Path:
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, dest / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT), "--no-cache", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def lint_available() -> None:
    if not LINT.exists():
        pytest.fail(f"lint-imports not installed next to {sys.executable} (dev group: import-linter)")


@pytest.mark.parametrize(
    ("module", "source", "contract"),
    [
        ("trials/rules/_probe.py", "import db.store\n", "Rules import neither db"),
        ("benchmark_app/app_pages/_probe.py", "import sqlalchemy\n", "never import SQLAlchemy"),
        ("benchmark_app/app_pages/_probe.py", "import db.reader\n", "never the database modules"),
        ("trials/jobs/_probe.py", "import scheduler.app\n", "Nothing imports an entry point"),
        ("trials/source/_probe.py", "import trials.rules.places\n", "Data flows one way"),
    ],
)
def test_contract_catches_a_violation(
    lint_available: None, tmp_path: Path, module: str, source: str, contract: str
) -> None:
    tree = _copy_tree(tmp_path)
    (tree / module).write_text(source, encoding="utf-8")
    result = _lint(tree)
    assert result.returncode != 0, result.stdout
    broken = [line for line in result.stdout.splitlines() if line.rstrip().endswith("BROKEN")]
    assert any(contract in line for line in broken) or contract in result.stdout.split("Broken contracts")[-1], (
        result.stdout
    )


def test_cycle_is_caught(lint_available: None, tmp_path: Path) -> None:
    """A module that imports a module which imports it back breaks the acyclic contract."""
    tree = _copy_tree(tmp_path)
    (tree / "trials/rules/_cycle_a.py").write_text("import trials.rules._cycle_b\n", encoding="utf-8")
    (tree / "trials/rules/_cycle_b.py").write_text("import trials.rules._cycle_a\n", encoding="utf-8")
    result = _lint(tree)
    assert result.returncode != 0
    assert "No cycles are allowed in trials.rules" in result.stdout, result.stdout


def test_tree_keeps_its_contracts(lint_available: None, tmp_path: Path) -> None:
    result = _lint(_copy_tree(tmp_path))
    assert result.returncode == 0, result.stdout
    assert "broken" not in result.stdout.split("Contracts:")[-1].replace("0 broken", ""), result.stdout
