"""Engine factory: one place that knows the default database and each dialect's settings."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

DEFAULT_DB_URL = "sqlite:///data/trials.db"
#: How long a writer waits for a lock held by another process before failing (SQLite).
SQLITE_BUSY_TIMEOUT_MS = 30_000


def default_db_url() -> str:
    """``TRIALS_DB_URL`` when set, else the embedded SQLite file ``./data/trials.db``."""
    return os.environ.get("TRIALS_DB_URL") or DEFAULT_DB_URL


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # Foreign keys are declared but not enforced on SQLite: the store writes a study before its
    # children in one transaction and deletes children itself; PostgreSQL (tested in CI) enforces
    # the same keys. Enforcing them here costs ~15 % of harvest write time.
    cur.execute("PRAGMA foreign_keys=OFF")
    cur.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, never corrupt
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache for bulk writes
    cur.execute("PRAGMA wal_autocheckpoint=16384")  # checkpoint every ~64 MiB of WAL, not every 4 MiB
    cur.close()


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default: :func:`default_db_url`); creates the SQLite file's folder."""
    url = normalise_url(url or default_db_url())
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)
