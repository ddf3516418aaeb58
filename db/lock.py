"""One harvest at a time, across processes and hosts, through the database they share.

PostgreSQL: a session advisory lock held on a dedicated connection (released by the server if the
process dies). SQLite: a row in ``run_locks``, inserted in a write transaction; a row left by a
dead process on this host, or older than ``STALE_AFTER``, is taken over (a SQLite file is not
shared between hosts in practice, but the host is recorded anyway).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, delete, insert, select, text
from sqlalchemy.exc import IntegrityError

from db.models import RunLockRow, table
from db.store import pid_alive
from trials.errors import TrialsError

LOCKS = table(RunLockRow)
#: A SQLite lock row older than this is assumed abandoned (a harvest takes minutes, not a day).
STALE_AFTER = dt.timedelta(hours=12)
POLL_S = 0.5


class LockHeld(TrialsError):
    """Another process holds the harvest lock; the message says who and since when."""


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock`` (crc32 is stable across processes, hash() is not)."""
    return zlib.crc32(f"trials:{name}".encode())


@contextmanager
def run_lock(engine: Engine, name: str = "harvest", wait_s: float = 0.0) -> Iterator[None]:
    """Hold the named lock for the ``with`` block; wait up to ``wait_s`` seconds, then raise :class:`LockHeld`."""
    if engine.dialect.name == "postgresql":
        with _pg_lock(engine, name, wait_s):
            yield
    else:
        with _row_lock(engine, name, wait_s):
            yield


@contextmanager
def _pg_lock(engine: Engine, name: str, wait_s: float) -> Iterator[None]:
    key = lock_key(name)
    conn = engine.connect()
    try:
        deadline = time.monotonic() + wait_s
        while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            conn.rollback()
            if time.monotonic() >= deadline:
                raise LockHeld(
                    f"another {name} is running on this database (PostgreSQL advisory lock {key} is held); "
                    f"waited {wait_s:.0f} s. Try again later, or wait longer with --lock-wait SECONDS."
                )
            time.sleep(POLL_S)
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()
    finally:
        conn.close()


def _try_row(engine: Engine, name: str) -> dict[str, object] | None:
    """Insert our row (None: the lock is ours); else take over a stale row and retry, or return the holder.

    The INSERT comes first so the write lock is asked for at once (a SELECT first could deadlock two
    SQLite writers upgrading their read locks).
    """
    host, pid = socket.gethostname(), os.getpid()
    for _ in range(2):
        at = dt.datetime.now(dt.UTC)
        try:
            with engine.begin() as conn:
                conn.execute(insert(LOCKS).values(name=name, host=host, pid=pid, acquired_at=at))
            return None
        except IntegrityError:
            pass
        with engine.begin() as conn:
            holder = conn.execute(select(LOCKS).where(LOCKS.c.name == name)).mappings().first()
            if holder is None:
                continue  # released in between: try again
            acquired = holder["acquired_at"]
            if acquired.tzinfo is None:
                acquired = acquired.replace(tzinfo=dt.UTC)
            dead = holder["host"] == host and not pid_alive(int(holder["pid"]))
            if not dead and at - acquired < STALE_AFTER:
                return dict(holder)
            conn.execute(delete(LOCKS).where(LOCKS.c.name == name, LOCKS.c.pid == holder["pid"]))
    return {"host": "another process", "pid": "?", "acquired_at": "just now"}


@contextmanager
def _row_lock(engine: Engine, name: str, wait_s: float) -> Iterator[None]:
    deadline = time.monotonic() + wait_s
    while (holder := _try_row(engine, name)) is not None:
        if time.monotonic() >= deadline:
            raise LockHeld(
                f"another {name} is running on this database (pid {holder['pid']} on {holder['host']}, "
                f"since {holder['acquired_at']}); waited {wait_s:.0f} s. Try again later, or wait longer "
                "with --lock-wait SECONDS."
            )
        time.sleep(POLL_S)
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(delete(LOCKS).where(LOCKS.c.name == name, LOCKS.c.pid == os.getpid()))
