"""The harvester survives the faults a public API has, and fails cleanly when a fault persists."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import make_engine
from db.migrate import upgrade
from db.models import StudyRow
from db.store import Store
from tests.test_harvest import harvest
from trials.source.fakeapi.server import FakeApiServer, running_fake_api

Start = Callable[..., FakeApiServer]
REGIONS = ["ruhr", "berlin"]


@pytest.fixture(scope="module")
def reference(real_corpus: Path) -> Iterator[tuple[str, dict[str, int]]]:
    """Digest and row counts of a fault-free harvest (SQLite in memory; the digest is dialect-free)."""
    engine = make_engine("sqlite://")
    upgrade(engine)
    store = Store(engine)
    with running_fake_api(real_corpus) as server:
        report = harvest(store, server, REGIONS)
    assert report.outcome == "success" and not report.faults
    yield store.digest(), store.table_counts()
    engine.dispose()


@pytest.mark.parametrize(
    "faults",
    ["429:2", "429-no-retry-after:2", "500:2", "503:3", "slow", "drop", "truncate", "empty-last-page",
     "429,500,503,slow,drop,truncate,empty-last-page"],
)  # fmt: skip
def test_every_fault_switch_ends_with_the_fault_free_digest(
    faults: str, store: Store, real_corpus: Path, fake_api: Start, reference: tuple[str, dict[str, int]]
) -> None:
    server = fake_api(real_corpus, faults=faults, slow_seconds=3.0)
    report = harvest(store, server, REGIONS)
    assert report.outcome == "success", report.summary()
    digest, counts = reference
    assert store.digest() == digest
    assert store.table_counts() == counts  # no duplicate rows
    run = store.runs()[0]
    if faults != "empty-last-page":
        assert run["retries"] >= 1 and run["faults"], "the run record must say which faults were retried"
        assert run["requests"] > run["pages"]
    else:
        assert run["pages"] > len(store.queries(run["id"]))  # the extra empty pages were followed


def test_a_persistent_fault_fails_the_run_and_keeps_the_previous_data(
    store: Store, real_corpus: Path, fake_api: Start, reference: tuple[str, dict[str, int]]
) -> None:
    ok = harvest(store, fake_api(real_corpus), REGIONS)
    assert ok.outcome == "success"
    before = store.digest()
    broken = fake_api(real_corpus, faults="500:*@4")
    report = harvest(store, broken, REGIONS)
    assert report.outcome == "failed"
    assert report.error is not None
    assert "page" in report.error and "HTTP 500" in report.error and "ruhr circle" in report.error
    assert "earlier data is unchanged" in report.error
    assert store.digest() == before == reference[0]
    run = store.runs()[0]
    assert run["outcome"] == "failed" and run["error"] == report.error and run["finished_at"] is not None
    assert any(q["outcome"] == "failed" for q in store.queries(run["id"]))


def _count_studies(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(StudyRow)) or 0)
    except Exception:
        return 0
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_sigkill_mid_run_then_rerun_gives_the_same_digest(
    db_url: str, real_corpus: Path, fake_api: Start, reference: tuple[str, dict[str, int]], sig: signal.Signals
) -> None:
    """A harvest killed (SIGKILL) or stopped (SIGTERM, what systemd and docker send) mid-run, then run again,
    stores exactly what a clean run stores; a SIGTERM exits 143 after marking its run interrupted."""
    server = fake_api(real_corpus)
    cmd = [sys.executable, "-m", "trials", "harvest", "--db", db_url, "--base-url", server.base_url,
           "--region", "ruhr", "--region", "berlin", "--page-size", "3", "--no-progress"]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([*cmd, "--rate", "4"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while _count_studies(db_url) < 5:
            assert proc.poll() is None, "the harvester ended before it could be killed"
            assert time.monotonic() < deadline, "no studies written within 60 s"
            time.sleep(0.1)
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == (143 if sig == signal.SIGTERM else -signal.SIGKILL)
    partial = _count_studies(db_url)
    assert 0 < partial < reference[1]["studies"]

    rerun = subprocess.run([*cmd, "--rate", "0"], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert rerun.returncode == 0, rerun.stderr + rerun.stdout
    engine = make_engine(db_url)
    store = Store(engine)
    try:
        assert store.digest() == reference[0]
        outcomes = [r["outcome"] for r in store.runs()]
        assert outcomes == ["success", "interrupted"]
    finally:
        engine.dispose()
