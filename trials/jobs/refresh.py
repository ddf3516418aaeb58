""" "Refresh now" from the app: check the admin password, then start a harvest in its own process.

The app only reads the database; a refresh is the one action that writes, so it needs the admin
password (``$TRIALS_ADMIN_PASSWORD`` or the Streamlit secret ``admin_password``) and runs as a
separate ``trials harvest`` process: the page stays responsive, and the harvest's own run log,
exit codes and "failed run leaves the previous data intact" rules apply unchanged.
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

from trials.settings import env_name, get_settings


def password_ok(given: str, expected: str | None) -> bool:
    """True only when a password is configured and ``given`` equals it (constant-time compare)."""
    if not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


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
