"""Start the dashboard as a real ``streamlit run`` server (browser tests and benchmarks use this)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

APP = Path(__file__).resolve().parent / "streamlit_app.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(db_url: str, port: int, log: Path, extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """``streamlit run`` on 127.0.0.1:``port`` reading ``db_url``; output goes to ``log``."""
    env = {**os.environ, "TRIALS_DB_URL": db_url, **(extra_env or {})}
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
        "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    """Block until ``/_stcore/health`` answers ``ok`` (or raise if the server died or never came up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.1)  # polling the health endpoint, not waiting on the UI
    raise TimeoutError(f"streamlit at {base} was not healthy within {timeout:.0f} s")


def stop_app(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
