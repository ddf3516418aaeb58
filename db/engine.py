"""Engine factory: one place that knows the default database and each dialect's settings."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from db.migrate import schema_revisions, upgrade
from trials.errors import ConfigError
from trials.settings import get_settings

#: How long a writer waits for a lock held by another process before failing (SQLite).
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: What to run when a read-only command finds no database, or one with an old schema.
CREATE_HINT = "run `trials harvest` to fill it (or `trials db-upgrade` to create an empty one)"
UPGRADE_HINT = "run `trials db-upgrade`"


class DatabaseUnavailable(ConfigError):
    """The database a read-only command or the app asked for is missing, unreachable or too old."""


def default_db_url() -> str:
    """``$TRIALS_DB_URL`` when set, else the embedded SQLite file ``./data/trials.db``."""
    return get_settings().db_url


def database_url(url: str | None = None) -> str:
    """``url`` (a ``--db`` option) when given, else :func:`default_db_url`; an empty ``url`` is an error."""
    if url is None:
        return default_db_url()
    if not url.strip():
        raise ConfigError("--db: the database URL is empty; give a URL or leave --db out to use $TRIALS_DB_URL")
    return url


#: The database backends trials runs on (SQLAlchemy dialect names).
BACKENDS = ("sqlite", "postgresql")


def _parse(url: str) -> URL:
    """``url`` parsed; anything that is not a SQLite or PostgreSQL URL is a :class:`ConfigError` (one line)."""
    try:
        u = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(f"{safe_url(url)!r} is not a database URL (e.g. sqlite:///data/trials.db or "
                          "postgresql://user@host/db)") from None  # fmt: skip
    backend = u.get_backend_name()
    if backend == "postgres":
        backend = "postgresql"
    if backend not in BACKENDS:
        raise ConfigError(f"{safe_url(url)}: trials works with SQLite (sqlite:///path/to/file.db) and PostgreSQL "
                          f"(postgresql://user@host/db) databases, not {backend!r}")  # fmt: skip
    return u


def _file_database(url: str) -> None:
    """A command's database must keep what it writes: a SQLite URL needs a file, not memory."""
    u = _parse(normalise_url(url))
    if u.get_backend_name() == "sqlite" and u.database in (None, "", ":memory:"):
        raise ConfigError(f"{safe_url(url)}: an in-memory SQLite database keeps nothing; give a file, "
                          "e.g. sqlite:///data/trials.db")  # fmt: skip


def safe_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and logs)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unreadable database URL>"


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    u = _parse(url)
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
    """An engine for ``url`` (default: :func:`default_db_url`); creates the SQLite file's folder.

    For writers (harvest, update, db-upgrade, ...); readers use :func:`open_existing`.
    """
    given = database_url(url)
    url = normalise_url(given)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            folder = Path(u.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"{safe_url(given)}: cannot create the folder {folder} for the database file: "
                                  f"{exc.strerror or exc}") from None  # fmt: skip
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        # The session says which process it serves: a held advisory lock can then be traced to it (db.lock).
        name = f"trials:{socket.gethostname()}:{os.getpid()}"[:63]
        return create_engine(url, pool_pre_ping=True, connect_args={"application_name": name})
    except ImportError as exc:  # the URL names a driver that is not installed (e.g. postgresql+asyncpg)
        raise ConfigError(f"{safe_url(given)}: the database driver is not installed ({exc.name or exc}); "
                          "use postgresql://... (psycopg 3)") from None  # fmt: skip


def _reason(exc: DBAPIError, url: str) -> str:
    """The driver's short reason for a failed connection, on one line and without the password."""
    lines = [ln.strip() for ln in str(exc.orig).splitlines() if ln.strip()]
    reason = lines[0] if lines else type(exc.orig).__name__
    password = make_url(url).password
    if password:
        reason = reason.replace(str(password), "***")
    return reason


def open_existing(url: str | None = None) -> Engine:
    """An engine on a database that exists and has the current schema: the readers' way in.

    Never creates a file, a folder or a table and never migrates. A missing SQLite file, an
    unreachable server or an old schema raises :class:`DatabaseUnavailable` with one line that
    names the database (password hidden) and what to run.
    """
    url = database_url(url)
    _file_database(url)
    u = _parse(normalise_url(url))
    shown = safe_url(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
        path = Path(str(u.database))
        if not path.is_file():
            raise DatabaseUnavailable(f"no database at {shown} (no file {path.resolve()}): {CREATE_HINT}")
    engine = make_engine(url)
    try:
        current, head, known = schema_revisions(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise DatabaseUnavailable(f"cannot open the database {shown}: {_reason(exc, url)}") from None
    if current != head:
        engine.dispose()
        if current is None:
            raise DatabaseUnavailable(f"the database {shown} has no trials tables yet: {CREATE_HINT}")
        if not known:
            raise DatabaseUnavailable(f"the database {shown} has schema {current}, newer than this version of "
                                      f"trials knows ({head}): update the software")  # fmt: skip
        raise DatabaseUnavailable(f"the database {shown} has an older schema ({current}, this version needs "
                                  f"{head}): {UPGRADE_HINT}")  # fmt: skip
    return engine


def open_migrated(url: str | None = None) -> Engine:
    """An engine on ``url`` with the schema created or brought up to date: the writers' way in.

    A server that cannot be reached, or a schema that cannot be brought up to date (a full disk, a
    read-only file), raises :class:`DatabaseUnavailable` (one line, no password). The migration is
    atomic and waits for another process migrating the same database (:func:`db.migrate.upgrade`).
    """
    url = database_url(url)
    _file_database(url)
    engine = make_engine(url)
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        raise DatabaseUnavailable(f"cannot open the database {safe_url(url)}: {_reason(exc, url)}") from None
    try:
        upgrade(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise DatabaseUnavailable(f"cannot create or upgrade the schema of {safe_url(url)}: {_reason(exc, url)} "
                                  "(nothing was changed)") from None  # fmt: skip
    return engine
