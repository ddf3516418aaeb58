"""Bad input ends in one line and exit code 2, never a traceback (issue 13, defect 9): database URLs, truncated
files, impossible options, unwritable outputs, full disks. Real subprocesses where the user would see the output."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from db.engine import make_engine
from db.migrate import upgrade
from db.store import Store
from tests.conftest import ROOT
from trials.cli import main


def trials(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trials", *args], capture_output=True, text=True, timeout=timeout,
                          check=False, cwd=ROOT)  # fmt: skip


def one_line(r: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode == code, (r.returncode, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    return lines[0]


BAD_URLS = [
    ("foo://x", "not 'foo'"),
    ("mysql://u:pw-4711@h/d", "not 'mysql'"),
    ("postgresql://u@[::1/x", "is not a database URL"),
    (
        "sqlite:////proc/no-such-dir/trials.db",
        "cannot create the folder /proc/no-such-dir|no database at sqlite:////proc",
    ),
    ("sqlite://", "in-memory SQLite database keeps nothing"),
    ("sqlite:///:memory:", "in-memory SQLite database keeps nothing"),
    ("postgresql://u:pw-4711@127.0.0.1:1/x", "cannot open the database postgresql://u:***@127.0.0.1:1/x"),
]
COMMANDS = [["db-upgrade"], ["renormalize"], ["runs"], ["counts", "--base-url", "http://127.0.0.1:9"], ["unlock"]]


@pytest.mark.parametrize(("url", "message"), BAD_URLS)
def test_a_bad_or_unreachable_database_url_is_one_line_and_exit_2(url: str, message: str) -> None:
    for command in COMMANDS:
        line = one_line(trials(*command, "--db", url))
        assert any(m in line for m in message.split("|")), (command, line)  # writers create, readers never do
        assert "pw-4711" not in line


def test_a_truncated_gzip_file_is_refused_in_one_line_before_anything_is_stored(tmp_path: Path) -> None:
    whole = gzip.compress(b"".join(
        b'{"protocolSection": {"identificationModule": {"nctId": "NCT%08d"}}}\n' % i for i in range(2000)))  # fmt: skip
    cut = tmp_path / "cut.ndjson.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    url = f"sqlite:///{tmp_path / 't.db'}"
    line = one_line(trials("harvest", "--from-file", str(cut), "--db", url))
    assert f"{cut} is a damaged or truncated gzip file" in line and "Aborted" not in line
    assert not (tmp_path / "t.db").exists()
    line = one_line(trials("harvest", "--from-file", str(tmp_path), "--db", url))
    assert "is not a file" in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["harvest", "--base-url", "http://127.0.0.1:9", "--timeout", "-1"], "Invalid value for '--timeout'"),
        (["harvest", "--base-url", "http://127.0.0.1:9", "--rate", "-2"], "Invalid value for '--rate'"),
        (["harvest", "--retries", "0"], "Invalid value for '--retries'"),
        (["harvest", "--lock-wait", "-5"], "Invalid value for '--lock-wait'"),
        (["update", "--base-url", "http://127.0.0.1:9", "--rate", "-1"], "Invalid value for '--rate'"),
        (["fake-api", "--corpus", "README.md", "--port", "70000"], "Invalid value for '--port'"),
    ],
)
def test_impossible_option_values_are_usage_errors(args: list[str], message: str) -> None:
    r = trials(*args)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert message in r.stderr


def test_an_unwritable_or_full_output_is_one_line_and_exit_2(tmp_path: Path) -> None:
    line = one_line(trials("synth", "--studies", "5", "--out", "/proc/synth.ndjson"))
    assert "--out: cannot write /proc/synth.ndjson" in line
    line = one_line(trials("synth", "--studies", "5", "--out", "/dev/full"))
    assert "the disk is full" in line
    url = f"sqlite:///{tmp_path / 'db.db'}"
    upgrade(make_engine(url))
    with Path("/dev/full").open("w") as full:  # `trials runs > file` on a full disk
        r = subprocess.run([sys.executable, "-m", "trials", "runs", "--db", url, "--format", "json"], stdout=full,
                           stderr=subprocess.PIPE, text=True, check=False, cwd=ROOT, timeout=120)  # fmt: skip
    assert "the disk is full" in one_line(r)


def test_a_full_database_disk_is_one_line_and_exit_2_and_the_stored_data_stays(
    tmp_path: Path, synth_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's own size limit (``max_page_count``) gives the error a full disk gives: SQLITE_FULL."""
    url = f"sqlite:///{tmp_path / 'full.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    engine.dispose()
    import db.engine

    real = db.engine._sqlite_pragmas

    def small_disk(dbapi_conn: Any, record: Any) -> None:
        real(dbapi_conn, record)
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 1800}")  # room for 1,000-odd of the 3,000 studies

    monkeypatch.setattr(db.engine, "_sqlite_pragmas", small_disk)
    result = CliRunner().invoke(main, ["harvest", "--from-file", str(synth_corpus), "--db", url])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "disk is full" in result.output and "free some space" in result.output
    monkeypatch.undo()
    engine = make_engine(url)
    counts = Store(engine).table_counts()
    assert 0 < counts["studies"] < 3000  # the pages written before the disk filled are whole and kept
    engine.dispose()
