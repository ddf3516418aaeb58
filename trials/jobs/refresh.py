""" "Refresh now" from the app: check the admin password, then start a harvest in its own process.

The app only reads the database; a refresh is the one action that writes, so it needs the admin
password (``$TRIALS_ADMIN_PASSWORD`` or the Streamlit secret ``admin_password``) and runs as a
separate ``trials harvest`` process: the page stays responsive, and the harvest's own run log,
exit codes and "failed run leaves the previous data intact" rules apply unchanged.

A wrong password costs a delay that doubles with each failure of the session (:func:`wrong_password_delay`).
A refresh is not started while one started here still runs or another writer holds the lock
(:func:`busy`); a run left ``running`` by a process that died does not count.
"""

from __future__ import annotations

import hmac
import os
import shlex
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from db.lock import Holder, writer_running
from db.reader import Engine
from trials.errors import TrialsError
from trials.settings import env_name, get_settings

#: The delay after the first wrong password of a session, doubling with each further one up to the maximum.
WRONG_PASSWORD_DELAY_S = 1.0
WRONG_PASSWORD_DELAY_MAX_S = 30.0


class RefreshBusy(TrialsError):
    """A refresh (or another writer) is already running; the message says which."""


def password_ok(given: str, expected: str | None) -> bool:
    """True only when a password is configured and ``given`` equals it (constant-time compare)."""
    if not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def wrong_password_delay(failures: int) -> float:
    """Seconds to wait after the ``failures``-th wrong password of a session: 1, 2, 4, ... up to 30."""
    if failures <= 0:
        return 0.0
    return float(min(WRONG_PASSWORD_DELAY_S * 2 ** (failures - 1), WRONG_PASSWORD_DELAY_MAX_S))


def harvest_command(base_url: str | None = None, extra: str = "") -> list[str]:
    """The ``trials harvest`` command line a refresh runs: no database URL (it may hold a password and
    command lines are visible to every user of the machine), which goes in the environment instead.

    ``$TRIALS_BASE_URL`` (read by the harvest itself) points it at another API and ``$TRIALS_REFRESH_ARGS``
    adds options (e.g. ``--region ruhr --since 2026-11-01``), so an admin sets the scope once, on the server.
    """
    cmd = [sys.executable, "-m", "trials", "harvest", "--no-progress"]
    if base_url:
        cmd += ["--base-url", base_url]
    return cmd + shlex.split(extra)


#: Refreshes started by this process, by pid (a thread reaps each one when it ends).
STARTED: dict[int, subprocess.Popen[bytes]] = {}
_STARTING = threading.Lock()


def busy(engine: Engine | None) -> str | None:
    """Who is refreshing now, in words (None: nobody): a refresh this app started that still runs, or any writer
    holding the lock (a harvest, the scheduler, another app). ``engine``: None when there is no database yet."""
    for pid, proc in STARTED.items():
        if proc.poll() is None:
            return f"process {pid}, started here"
    holder: Holder | None = writer_running(engine) if engine is not None else None
    return holder.describe() if holder is not None else None


@dataclass
class Started:
    pid: int
    log: Path
    process: subprocess.Popen[bytes]


def start_refresh(db_url: str, log_dir: Path | None = None, base_url: str | None = None) -> Started:
    """Start the harvest of ``db_url`` in the background, its output going to ``log_dir/refresh.log``
    (default ``$TRIALS_LOG_DIR``); returns at once. The URL reaches the harvest as ``$TRIALS_DB_URL``."""
    settings = get_settings()
    log_dir = settings.log_dir if log_dir is None else log_dir
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / "refresh.log"
    env = {**os.environ, env_name("db_url"): db_url}
    with _STARTING:  # two clicks (or two sessions) at once start one harvest
        running = busy(None)
        if running is not None:
            raise RefreshBusy(running)
        with log.open("ab") as out:
            proc = subprocess.Popen(
                harvest_command(base_url, settings.refresh_args),
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        STARTED[proc.pid] = proc
    threading.Thread(target=proc.wait, name=f"reap-refresh-{proc.pid}", daemon=True).start()
    return Started(proc.pid, log, proc)
