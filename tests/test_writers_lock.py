"""One lock for every writer, atomic migrations, clean stops (SIGTERM like Ctrl-C), stale locks a person can see
and clear, and lost scheduled occurrences run again (issue 13: defects 1, 7 and 8). Real processes, real signals,
SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, insert, select, text, update

from db.engine import make_engine
from db.lock import LOCKS, LockHeld, lock_holder, run_lock
from db.migrate import schema_revisions, upgrade
from db.models import JobClaimRow, table
from db.reader import RUNS
from db.store import Store
from scheduler.app import create_scheduler, stop_scheduler
from scheduler.config import load_schedule
from scheduler.jobs import claim, orphaned_claims, slot_for
from tests.conftest import ROOT
from trials.cli import main
from trials.source.fakeapi.server import FakeApiServer

CLAIMS = table(JobClaimRow)


def trials(*args: str, timeout: float = 120, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trials", *args], capture_output=True, text=True, timeout=timeout,
                          check=False, cwd=ROOT, input=input)  # fmt: skip


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """An API base URL whose server accepts connections and never answers: a request hangs until its timeout."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/api/v2"


def wait_for(condition: Callable[[], object], timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)  # polling the database for a state change, not timing anything


def dead_pid() -> int:
    """The pid of a process that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def running_runs(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(select(RUNS.c.id).where(RUNS.c.outcome == "running"))]


# -- defect 1: one lock for every writer ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["renormalize", "--no-progress"], ["counts", "--base-url", "http://127.0.0.1:9"]])
def test_renormalize_and_counts_wait_for_a_running_harvest(command: list[str], engine: Engine) -> None:
    """A re-normalisation during a harvest wrote freshly updated studies back to their old records: it now takes
    the writers' lock (as do the count-only figures) and exits 4 while a harvest holds it."""
    url = engine.url.render_as_string(hide_password=False)
    with run_lock(engine, "harvest"):  # a harvest is running
        result = CliRunner().invoke(main, [*command, "--db", url, "--lock-wait", "0.6"])
        assert result.exit_code == 4, result.output
        assert "another harvest is running" in result.output and "--lock-wait" in result.output
    assert Store(engine).runs() == []  # nothing ran
    if command[0] == "renormalize":
        result = CliRunner().invoke(main, [*command, "--db", url])
        assert result.exit_code == 0, result.output


# -- defect 7: atomic, serialised migrations ------------------------------------------------------------------------

MIGRATE_AT = """
import sys, time
from db.engine import open_migrated
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
open_migrated(sys.argv[1]).dispose()   # what `trials db-upgrade` does
"""


def test_three_upgrades_of_a_new_database_at_once_all_succeed(db_url: str, tmp_path: Path) -> None:
    rounds = [db_url] if db_url.startswith("postgresql") else [f"sqlite:///{tmp_path / f'new{i}.db'}" for i in range(3)]
    for url in rounds:
        start = time.time() + 2.5  # all three past their imports, then released together
        procs = [subprocess.Popen([sys.executable, "-c", MIGRATE_AT, url, str(start)], cwd=ROOT,
                                  stderr=subprocess.PIPE, text=True) for _ in range(3)]  # fmt: skip
        errors = [p.communicate(timeout=120)[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], errors
        engine = make_engine(url)
        current, head, _ = schema_revisions(engine)
        engine.dispose()
        assert current == head
    cmd = [sys.executable, "-m", "trials", "db-upgrade", "--db", rounds[-1]]  # the command itself, three at once
    procs = [subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors


KILL_MID_MIGRATION = """
import os, signal, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine
from db.engine import open_migrated
created = []

@event.listens_for(Engine, "after_cursor_execute")
def _kill(conn, cursor, statement, *args):
    if statement.lstrip().upper().startswith("CREATE TABLE"):
        created.append(statement)
        if len(created) == 6:   # half-way through the first migration
            os.kill(os.getpid(), signal.SIGKILL)

open_migrated(sys.argv[1])
"""


def test_a_sigkill_during_the_first_migration_leaves_a_database_every_command_can_use(db_url: str) -> None:
    killed = subprocess.run([sys.executable, "-c", KILL_MID_MIGRATION, db_url], cwd=ROOT, check=False, timeout=120)
    assert killed.returncode == -signal.SIGKILL
    engine = make_engine(db_url)
    with engine.connect() as conn:
        tables = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'table'")
            if engine.dialect.name == "sqlite"
            else text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).all()
    assert tables == []  # the half-done migration left nothing behind
    r = trials("db-upgrade", "--db", db_url)
    assert r.returncode == 0, r.stderr
    r = trials("runs", "--db", db_url)
    assert r.returncode == 0 and "no runs yet" in r.stderr, r.stderr
    engine.dispose()


# -- defect 8: SIGTERM, stale runs and locks, lost occurrences ------------------------------------------------------


@pytest.mark.timeout(180)
def test_sigterm_ends_a_harvest_like_ctrl_c_run_interrupted_lock_released_exit_143(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    with silent_server() as base_url:
        proc = subprocess.Popen(
            [sys.executable, "-m", "trials", "harvest", "--db", db_url, "--base-url", base_url, "--region", "ruhr",
             "--timeout", "90", "--retries", "1", "--no-progress"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            wait_for(lambda: running_runs(engine), what="the harvest to start its run")
            proc.send_signal(signal.SIGTERM)  # what systemd and docker send
            out, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
    assert proc.returncode == 143, err
    assert "Traceback" not in err and "INTERRUPTED" in out
    run = Store(engine).runs()[0]
    assert run["outcome"] == "interrupted" and "SIGTERM" in run["error"] and run["finished_at"] is not None
    assert lock_holder(engine) is None
    with run_lock(engine, "harvest", wait_s=0):  # the next writer gets the lock at once
        pass
    engine.dispose()


@pytest.mark.timeout(180)
def test_sigterm_stops_the_scheduler_during_a_job_and_the_occurrence_is_run_again(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'sched.db'}"
    engine = make_engine(db_url)
    upgrade(engine)
    with silent_server() as base_url:
        schedule = tmp_path / "s.toml"
        schedule.write_text(f'[harvest]\nbase_url = "{base_url}"\nrate = 0\nregions = ["ruhr"]\nlock_wait_s = 1\n'
                            '[[job]]\nid = "reconcile"\nkind = "reconcile"\ncron = "* * * * *"\nsecond = "*/2"\n'
                            "misfire_grace_s = 3600\n", encoding="utf-8")  # fmt: skip
        proc = subprocess.Popen([sys.executable, "-m", "trials", "schedule", "--db", db_url, "--config", str(schedule)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            wait_for(lambda: running_runs(engine), what="the scheduled reconciliation to start")
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)  # does not wait for the job's hanging request
        finally:
            proc.kill()
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    run = Store(engine).runs()[0]
    assert run["outcome"] == "interrupted" and "SIGTERM" in run["error"]
    assert lock_holder(engine) is None
    with engine.connect() as conn:
        claims = conn.execute(select(CLAIMS.c.outcome, CLAIMS.c.finished_at)).all()
    assert [c.outcome for c in claims] == ["interrupted"] and claims[0].finished_at is not None
    assert list(orphaned_claims(engine, load_schedule(schedule), dt.datetime.now(dt.UTC))) == ["reconcile"]
    engine.dispose()


def _insert_lock(engine: Engine, host: str, pid: int, age: dt.timedelta) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(LOCKS).values(name="harvest", host=host, pid=pid, acquired_at=dt.datetime.now(dt.UTC) - age)
        )


def _left_running(engine: Engine, host: str, pid: int) -> int:
    """A run row left 'running' by process ``pid`` on ``host``."""
    store = Store(engine)
    run_id = store.start_run(mode="full", source="test", request={})
    store.update_run(run_id, host=host, pid=pid)
    return run_id


def test_a_lock_left_by_another_host_names_host_pid_and_age_and_trials_unlock_clears_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    engine = make_engine(url)
    upgrade(engine)
    _insert_lock(engine, "old-container-7f3a", 4242, dt.timedelta(hours=3, minutes=5))
    run_id = _left_running(engine, "old-container-7f3a", 4242)
    records = tmp_path / "one.ndjson"
    records.write_text('{"protocolSection": {"identificationModule": {"nctId": "NCT00000001"}}}\n')

    r = trials("harvest", "--from-file", str(records), "--db", url)
    assert r.returncode == 4 and len(r.stderr.splitlines()) == 1, r.stderr
    for part in ("old-container-7f3a", "pid 4242", "3 h 05 min", "`trials unlock`"):
        assert part in r.stderr, (part, r.stderr)

    r = trials("unlock", "--db", url, input="n\n")
    assert r.returncode == 1 and "left as it is" in r.stderr
    assert "old-container-7f3a" in r.stderr and "Clear the lock?" in r.stderr
    assert lock_holder(engine) is not None
    r = trials("unlock", "--db", url, input="y\n")
    assert r.returncode == 0 and "cleared the lock of pid 4242" in r.stderr, r.stderr
    assert lock_holder(engine) is None
    run = next(x for x in Store(engine).runs() if x["id"] == run_id)
    assert run["outcome"] == "interrupted" and "trials unlock" in run["error"]
    assert trials("harvest", "--from-file", str(records), "--db", url).returncode in (0, 3)

    _insert_lock(engine, "another-host", 99, dt.timedelta(minutes=1))
    r = trials("unlock", "--db", url, "--yes")
    assert r.returncode == 0 and lock_holder(engine) is None
    assert trials("unlock", "--db", url).returncode == 0  # nothing held: nothing to do
    engine.dispose()


def test_unlock_never_clears_the_lock_of_a_live_process(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    with run_lock(engine, "harvest"):
        result = CliRunner().invoke(main, ["unlock", "--db", url, "--yes"])
        assert result.exit_code == 4, result.output
        assert f"pid {os.getpid()}" in result.output
        assert ("still running" in result.output) or ("PostgreSQL" in result.output)
        with pytest.raises(LockHeld), run_lock(engine, "harvest", wait_s=0):
            pass


def test_runs_left_running_by_dead_processes_are_marked_interrupted_when_the_lock_is_next_taken(engine: Engine) -> None:
    mine = _left_running(engine, socket.gethostname(), dead_pid())
    theirs = _left_running(engine, "replaced-container", 1234)  # another host: only the lock can tell it is gone
    with run_lock(engine, "harvest"):
        pass
    runs = {r["id"]: r for r in Store(engine).runs()}
    assert runs[mine]["outcome"] == runs[theirs]["outcome"] == "interrupted"
    assert "replaced-container" in runs[theirs]["error"] and runs[theirs]["finished_at"] is not None


WEEKLY = '[[job]]\nid = "reconcile"\nkind = "reconcile"\ncron = "30 3 * * 0"\nmisfire_grace_s = 604800\n'


def test_an_occurrence_claimed_by_a_process_that_died_is_run_again(
    tmp_path: Path, synth_corpus: Path, fake_api: Callable[..., FakeApiServer]
) -> None:
    server = fake_api(synth_corpus)
    db_url = f"sqlite:///{tmp_path / 'c.db'}"
    engine = make_engine(db_url)
    upgrade(engine)
    path = tmp_path / "s.toml"
    path.write_text(f'[harvest]\nbase_url = "{server.base_url}"\nrate = 0\nregions = ["ruhr"]\n{WEEKLY}',
                    encoding="utf-8")  # fmt: skip
    schedule = load_schedule(path)
    now = dt.datetime.now(dt.UTC)
    slot = slot_for(schedule.job("reconcile"), schedule.timezone, now)
    with engine.begin() as conn:  # the weekly reconciliation was claimed by a scheduler that was then killed
        conn.execute(insert(CLAIMS).values(job_id="reconcile", slot=slot, host=socket.gethostname(), pid=dead_pid(),
                                           claimed_at=slot))  # fmt: skip
    assert orphaned_claims(engine, schedule, now) == {"reconcile": slot}

    import queue

    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

    results: queue.Queue[object] = queue.Queue()
    sched = create_scheduler(db_url, schedule, str(path), background=True)
    job = sched.get_job("reconcile")
    assert job is not None and job.next_run_time <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    sched.add_listener(lambda e: results.put(e.exception or e.retval), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    sched.start()
    try:
        assert results.get(timeout=120) == "success"  # run, not "claimed-elsewhere"
    finally:
        stop_scheduler(sched)
    with engine.connect() as conn:
        row = conn.execute(select(CLAIMS).where(CLAIMS.c.job_id == "reconcile")).one()
    assert row.pid == os.getpid() and row.outcome == "success" and row.run_id is not None
    assert not claim(engine, "reconcile", slot)  # finished: nobody runs it a third time
    with engine.begin() as conn:  # a claim another host holds without a result is left alone for 12 hours
        conn.execute(update(CLAIMS).values(host="elsewhere", finished_at=None, outcome=None))
    assert not claim(engine, "reconcile", slot)
    engine.dispose()


@pytest.mark.parametrize(
    "delay_s",
    [0.4, 3.0],
    ids=["while-the-command-starts", "while-waiting-for-the-lock"],  # importing modules / in the lock wait
)
def test_ctrl_c_exits_130_without_a_traceback(tmp_path: Path, delay_s: float) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = make_engine(url)
    upgrade(engine)
    records = tmp_path / "one.ndjson"
    records.write_text('{"protocolSection": {"identificationModule": {"nctId": "NCT00000001"}}}\n')
    with run_lock(engine, "harvest"):  # the command cannot get past the lock: the signal always lands before
        proc = subprocess.Popen([sys.executable, "-m", "trials", "harvest", "--from-file", str(records), "--db", url,
                                 "--lock-wait", "60"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)  # fmt: skip
        try:
            time.sleep(delay_s)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=30)
        finally:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Aborted!" not in err
    engine.dispose()
