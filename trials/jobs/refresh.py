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


def password_ok(given: str, expected: str | None) -> bool:
    """True only when a password is configured and ``given`` equals it (constant-time compare)."""
    if not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def harvest_command(db_url: str, base_url: str | None = None, extra: str = "") -> list[str]:
    """The ``trials harvest`` command line a refresh runs.

    ``$TRIALS_BASE_URL`` points it at another API and ``$TRIALS_REFRESH_ARGS`` adds options
    (e.g. ``--region ruhr --since 2026-11-01``), so an admin sets the scope once, on the server.
    """
    cmd = [sys.executable, "-m", "trials", "harvest", "--db", db_url, "--no-progress"]
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


def start_refresh(db_url: str, log_dir: Path, base_url: str | None = None) -> Started:
    """Start the harvest in the background, its output going to a log file; returns at once."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / "refresh.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            harvest_command(
                db_url, base_url or os.environ.get("TRIALS_BASE_URL"), os.environ.get("TRIALS_REFRESH_ARGS", "")
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    STARTED[proc.pid] = proc
    threading.Thread(target=proc.wait, name=f"reap-refresh-{proc.pid}", daemon=True).start()
    return Started(proc.pid, log, proc)
