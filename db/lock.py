"""One writer at a time, across processes and hosts, through the database they share.

Every command and job that writes stored studies takes the same lock, :data:`WRITER`: ``harvest``,
``update``, ``reconcile``, ``renormalize``, ``counts``, the scheduled jobs and the app's refresh
(a ``trials harvest`` process). So a re-normalisation can never write back records a harvest has
just replaced. (Schema migrations are serialised by the database itself: ``db/migrations/env.py``.)

PostgreSQL: a session advisory lock held on a dedicated connection (released by the server if the
process dies). SQLite: a row in ``run_locks``, inserted in a write transaction; a row left by a
dead process on this host, or older than ``STALE_AFTER``, is taken over. A row from another host
(a restarted container has a new host name) cannot be checked: the message names its host, process
and age, and ``trials unlock`` clears it after asking.

Whoever takes the lock knows that no other writer is running, so runs still marked ``running`` in
the run log were left by processes that died: they are marked ``interrupted`` then.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from db.models import RunLockRow, table
from db.reader import RUNS
from db.store import pid_alive
from trials.errors import TrialsError

LOCKS = table(RunLockRow)
#: The one lock of every writer (the name is historical: the harvest took it first).
WRITER = "harvest"
#: The commands that take :data:`WRITER` (for messages).
WRITERS = "harvest, update, reconcile, renormalize and counts"
#: A SQLite lock row older than this is assumed abandoned (a harvest takes minutes, not a day).
STALE_AFTER = dt.timedelta(hours=12)
POLL_S = 0.5


class LockHeld(TrialsError):
    """Another process holds the lock; the message says who, where, for how long and what to do."""


@dataclass(frozen=True)
class Holder:
    """Who holds a lock: host and process (None where the database does not say), since when."""

    host: str | None
    pid: int | None
    acquired_at: dt.datetime | None
    #: how the lock is held: ``row`` (SQLite ``run_locks``) or ``advisory`` (PostgreSQL)
    kind: str = "row"

    @property
    def local(self) -> bool:
        return self.host == socket.gethostname()

    @property
    def dead(self) -> bool:
        """True only when the holder is known to be gone: a process of this host that no longer exists."""
        return self.kind == "row" and self.local and self.pid is not None and not pid_alive(self.pid)

    def age(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        if self.acquired_at is None:
            return None
        return (now or dt.datetime.now(dt.UTC)) - _aware(self.acquired_at)

    def describe(self) -> str:
        """E.g. ``pid 4711 on host web-1, for 2 h 05 min (since 2026-11-27 03:00 UTC)``."""
        who = f"pid {self.pid if self.pid is not None else '?'} on host {self.host or '?'}"
        age = self.age()
        if age is None or self.acquired_at is None:
            return who
        return f"{who}, for {_duration(age)} (since {_aware(self.acquired_at):%Y-%m-%d %H:%M} UTC)"


def _aware(stamp: dt.datetime) -> dt.datetime:
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=dt.UTC)


def _duration(age: dt.timedelta) -> str:
    seconds = max(int(age.total_seconds()), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} days {hours % 24} h"


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock`` (crc32 is stable across processes, hash() is not)."""
    return zlib.crc32(f"trials:{name}".encode())


def held_message(name: str, holder: Holder | None, wait_s: float) -> str:
    """The one line a writer prints when the lock is taken: who holds it, what to try."""
    who = holder.describe() if holder is not None else "another process"
    hint = "Try again later, or wait longer with --lock-wait SECONDS."
    if holder is not None and holder.kind == "row" and not holder.local:
        hint += (" If that process no longer runs (a restarted container has a new host name), clear the lock with "
                 "`trials unlock`.")  # fmt: skip
    elif holder is not None and holder.kind == "advisory":
        hint += " PostgreSQL releases the lock by itself when the holding process ends."
    return (f"another {name} is running on this database ({who}; {WRITERS} take turns); waited {wait_s:.0f} s. "
            f"{hint}")  # fmt: skip


@contextmanager
def run_lock(engine: Engine, name: str = WRITER, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the named lock for the ``with`` block; wait up to ``wait_s`` seconds, then raise :class:`LockHeld`."""
    if engine.dialect.name == "postgresql":
        with _pg_lock(engine, name, wait_s):
            yield
    else:
        with _row_lock(engine, name, wait_s):
            yield


def _after_acquired(engine: Engine, name: str) -> None:
    if name == WRITER:
        with engine.begin() as conn:
            interrupt_orphaned_runs(conn)


def interrupt_orphaned_runs(conn: Connection) -> int:
    """Mark ``interrupted`` every run still ``running`` that is not this process's (call it holding :data:`WRITER`:
    then no other writer runs, so those runs' processes died). Returns how many were marked."""
    me = (socket.gethostname(), os.getpid())
    rows = conn.execute(select(RUNS.c.id, RUNS.c.host, RUNS.c.pid).where(RUNS.c.outcome == "running")).all()
    marked = 0
    for run_id, host, pid in rows:
        if (host, pid) == me:
            continue
        error = f"process {pid} on {host} ended without finishing the run"
        conn.execute(
            update(RUNS)
            .where(RUNS.c.id == run_id, RUNS.c.outcome == "running")
            .values(outcome="interrupted", finished_at=dt.datetime.now(dt.UTC), error=error)
        )
        marked += 1
    return marked


@contextmanager
def _pg_lock(engine: Engine, name: str, wait_s: float) -> Iterator[None]:
    key = lock_key(name)
    conn = engine.connect()
    try:
        deadline = time.monotonic() + wait_s
        while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            conn.rollback()
            if time.monotonic() >= deadline:
                raise LockHeld(held_message(name, lock_holder(engine, name), wait_s))
            time.sleep(POLL_S)
        conn.commit()
        try:
            _after_acquired(engine, name)
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()
    finally:
        conn.close()


def _try_row(engine: Engine, name: str) -> Holder | None:
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
            row = conn.execute(select(LOCKS).where(LOCKS.c.name == name)).mappings().first()
            if row is None:
                continue  # released in between: try again
            holder = Holder(row["host"], int(row["pid"]), _aware(row["acquired_at"]))
            age = holder.age(at)
            if not holder.dead and (age is None or age < STALE_AFTER):
                return holder
            conn.execute(delete(LOCKS).where(LOCKS.c.name == name, LOCKS.c.pid == row["pid"],
                                             LOCKS.c.host == row["host"]))  # fmt: skip
    return Holder("another process", None, None)


@contextmanager
def _row_lock(engine: Engine, name: str, wait_s: float) -> Iterator[None]:
    deadline = time.monotonic() + wait_s
    while (holder := _try_row(engine, name)) is not None:
        if time.monotonic() >= deadline:
            raise LockHeld(held_message(name, holder, wait_s))
        time.sleep(POLL_S)
    try:
        _after_acquired(engine, name)
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(delete(LOCKS).where(LOCKS.c.name == name, LOCKS.c.pid == os.getpid(),
                                             LOCKS.c.host == socket.gethostname()))  # fmt: skip


def lock_holder(engine: Engine, name: str = WRITER) -> Holder | None:
    """Who holds the lock now (None: nobody). Reads only: the app and ``trials unlock`` ask this.

    SQLite: the lock row. PostgreSQL: the session holding the advisory lock; its host and process
    come from the connection's ``application_name`` (``trials:<host>:<pid>``, set by ``db.engine``).
    """
    if engine.dialect.name == "postgresql":
        return _pg_holder(engine, name)
    with engine.connect() as conn:
        row = conn.execute(select(LOCKS).where(LOCKS.c.name == name)).mappings().first()
    if row is None:
        return None
    return Holder(row["host"], int(row["pid"]), _aware(row["acquired_at"]))


def _pg_holder(engine: Engine, name: str) -> Holder | None:
    key = lock_key(name)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT a.application_name, a.client_hostname, host(a.client_addr), a.pid, a.state_change "
                "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :hi AND l.objid = :lo "
                "AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"hi": (key >> 32) & 0xFFFFFFFF, "lo": key & 0xFFFFFFFF},
        ).first()
    if row is None:
        return None
    app, client_host, client_addr, backend_pid, since = row
    parts = str(app or "").split(":")
    if len(parts) == 3 and parts[0] == "trials" and parts[2].isdigit():
        return Holder(parts[1], int(parts[2]), since, kind="advisory")
    return Holder(client_host or client_addr or "the database server", backend_pid, since, kind="advisory")


def writer_running(engine: Engine) -> Holder | None:
    """The holder of :data:`WRITER` when one is really at work (a dead process of this host does not count)."""
    holder = lock_holder(engine, WRITER)
    if holder is None or holder.dead:
        return None
    return holder


def clear_lock(engine: Engine, holder: Holder, name: str = WRITER) -> bool:
    """Remove ``holder``'s SQLite lock row (``trials unlock``) and mark its runs ``interrupted``.

    Only that exact row goes: if the lock changed hands meanwhile, nothing is removed (False).
    """
    with engine.begin() as conn:
        gone = conn.execute(
            delete(LOCKS).where(LOCKS.c.name == name, LOCKS.c.host == holder.host, LOCKS.c.pid == holder.pid)
        ).rowcount
        if gone:
            error = f"process {holder.pid} on {holder.host} stopped; its lock was cleared by trials unlock"
            conn.execute(
                update(RUNS)
                .where(RUNS.c.outcome == "running", RUNS.c.host == holder.host, RUNS.c.pid == holder.pid)
                .values(outcome="interrupted", finished_at=dt.datetime.now(dt.UTC), error=error)
            )
    return bool(gone)


def release_own(engine: Engine, reason: str) -> int:
    """Give up everything this process holds, from any thread: its lock rows go and its ``running`` runs are
    marked ``interrupted`` with ``reason`` (a scheduler stopped by SIGTERM while a job runs in another thread).
    PostgreSQL advisory locks go with the process's connections. Returns how many runs were marked."""
    host, pid = socket.gethostname(), os.getpid()
    with engine.begin() as conn:
        conn.execute(delete(LOCKS).where(LOCKS.c.host == host, LOCKS.c.pid == pid))
        return int(
            conn.execute(
                update(RUNS)
                .where(RUNS.c.outcome == "running", RUNS.c.host == host, RUNS.c.pid == pid)
                .values(outcome="interrupted", error=reason, finished_at=dt.datetime.now(dt.UTC))
            ).rowcount
        )
