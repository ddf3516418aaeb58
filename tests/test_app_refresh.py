"""The app's Refresh now (issue 13: defects 8 and 13): wrong passwords cost more and more time, a run left
``running`` by a dead process does not disable the button, a second click while a refresh runs says so instead of
"Harvest started", the database URL stays off the command line, and SIGTERM stops the refresh cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db.engine import make_engine, open_migrated
from db.lock import lock_holder
from db.store import Store
from tests.helpers import run_page
from tests.test_writers_lock import running_runs, silent_server, wait_for
from trials.jobs.refresh import STARTED


def data_page() -> AppTest:
    return run_page("data")  # type: ignore[no-any-return]


def click(at: AppTest, password: str) -> float:
    """Give the password, press the button; returns how long the app took to answer."""
    at.text_input(key="admin_pw").input(password)
    at.button(key="admin_refresh").click()
    started = time.monotonic()
    at.run()
    return time.monotonic() - started


def test_each_wrong_password_waits_longer(real_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALS_DB_URL", real_db_url)
    monkeypatch.setenv("TRIALS_ADMIN_PASSWORD", "s3cret")
    at = data_page()
    first = click(at, "guess-1")
    second = click(at, "guess-2")
    assert at.error and "Wrong password" in at.error[0].value
    assert first >= 1.0 and second >= 2.0, (first, second)
    assert "refresh_pid" not in at.session_state


def test_a_run_left_running_by_a_dead_process_does_not_disable_refresh(
    real_db_copy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(real_db_copy)
    store = Store(engine)
    run_id = store.start_run(mode="full", source="test", request={})
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    store.update_run(run_id, host=socket.gethostname(), pid=gone.pid)  # its process was killed
    engine.dispose()
    monkeypatch.setenv("TRIALS_DB_URL", real_db_copy)
    monkeypatch.setenv("TRIALS_ADMIN_PASSWORD", "s3cret")
    at = data_page()
    assert [b for b in at.button if b.key == "admin_refresh"], "the button is there"
    assert any(f"Run {run_id} is still marked running" in c.value for c in at.caption)


@pytest.mark.timeout(240)
def test_a_second_click_while_a_refresh_runs_says_so_and_sigterm_stops_it_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'refresh.db'}"
    open_migrated(url).dispose()
    with silent_server() as base_url:  # the registry does not answer: the refresh keeps running
        monkeypatch.setenv("TRIALS_DB_URL", url)
        monkeypatch.setenv("TRIALS_ADMIN_PASSWORD", "s3cret")
        monkeypatch.setenv("TRIALS_BASE_URL", base_url)
        monkeypatch.setenv("TRIALS_REFRESH_ARGS", "--region ruhr --timeout 120 --retries 1")
        monkeypatch.setenv("TRIALS_LOG_DIR", str(tmp_path / "logs"))
        first, second = data_page(), data_page()  # two sessions (or one double click): both see the button
        click(first, "s3cret")
        assert first.success and "Harvest started" in first.success[0].value
        pid = first.session_state["refresh_pid"]
        proc = STARTED[pid]
        try:
            click(second, "s3cret")
            assert not second.success
            busy = [i.value for i in second.info if "already running" in i.value]
            assert len(busy) == 1 and str(pid) in busy[0], [i.value for i in second.info]
            assert [p for p in STARTED.values() if p.poll() is None] == [proc]  # one harvest, not two

            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
            assert url not in cmdline and "--db" not in cmdline and "refresh.db" not in cmdline
            assert url not in str(proc.args)

            engine = make_engine(url)
            wait_for(lambda: running_runs(engine), what="the refresh to start its run")
            again = data_page()  # while it runs, the page says so instead of offering the button
            assert not [b for b in again.button if b.key == "admin_refresh"]
            assert any("already running" in i.value for i in again.info)

            os.kill(pid, signal.SIGTERM)  # what a service manager sends when the app's host shuts down
            assert proc.wait(timeout=60) == 143
        finally:
            if proc.poll() is None:
                proc.kill()
    run = Store(engine).runs()[0]
    assert run["outcome"] == "interrupted" and "SIGTERM" in run["error"]
    assert lock_holder(engine) is None
    log = (tmp_path / "logs" / "refresh.log").read_text()
    assert "Traceback" not in log
    engine.dispose()
