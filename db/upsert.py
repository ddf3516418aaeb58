"""Fast, dialect-native bulk writes (``INSERT ... ON CONFLICT``, ``COPY``) for SQLite and PostgreSQL.

Bulk rows go straight to the driver with positional tuples: SQLAlchemy's per-row type processing costs
more than the database itself at harvest volumes. SQLite gets one ``executemany``; PostgreSQL gets
``COPY`` for plain inserts and ``executemany`` for upserts. The SQL is the same on both databases except
for the placeholder, and values are converted here the way SQLAlchemy's own types would store them, so
rows written either way read back the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, Literal

from sqlalchemy import Connection, Date, DateTime, Table
from sqlalchemy.exc import DBAPIError

OnConflict = Literal["error", "update", "ignore"]


def _sqlite_datetime(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _sqlite_date(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _converters(conn: Connection, table: Table, columns: Sequence[str]) -> list[tuple[int, Callable[[Any], Any]]]:
    """Per-column value conversions the driver needs (SQLite stores dates as ISO text)."""
    if conn.dialect.name != "sqlite":
        return []
    out: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(columns):
        col_type = table.c[name].type
        if isinstance(col_type, DateTime):
            out.append((i, _sqlite_datetime))
        elif isinstance(col_type, Date):
            out.append((i, _sqlite_date))
    return out


def insert_sql(conn: Connection, table: Table, columns: Sequence[str], on_conflict: OnConflict,
               keep: Sequence[str] = ()) -> str:  # fmt: skip
    if conn.dialect.name not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"no bulk upsert for {conn.dialect.name!r} (SQLite and PostgreSQL only)")
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cols = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({cols}) VALUES ({", ".join(mark for _ in columns)})'
    key = [c.name for c in table.primary_key.columns]
    if on_conflict == "ignore":
        sql += " ON CONFLICT DO NOTHING"
    elif on_conflict == "update":
        sets = [f'"{c}" = excluded."{c}"' for c in columns if c not in key and c not in keep]
        target = ", ".join(f'"{k}"' for k in key)
        sql += f" ON CONFLICT ({target}) DO UPDATE SET {', '.join(sets)}" if sets else " ON CONFLICT DO NOTHING"
    return sql


def bulk_insert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    on_conflict: OnConflict = "error",
    keep: Sequence[str] = (),
) -> None:
    """Write ``rows`` (dicts with the same keys; columns left out are NULL) in one ``executemany``.

    ``on_conflict``: ``error`` (plain insert), ``update`` (overwrite every column but the key and
    ``keep``), or ``ignore`` (leave the stored row).
    """
    if not rows:
        return
    columns = [c.name for c in table.columns if c.name in rows[0]]
    convert = _converters(conn, table, columns)
    if len(columns) == 1:
        params: list[tuple[Any, ...]] = [(row[columns[0]],) for row in rows]
    else:
        getter = itemgetter(*columns)  # C speed; every row of a batch has the same keys
        params = [getter(row) for row in rows]
    if convert:
        for n, values in enumerate(params):
            fixed = list(values)
            for i, fn in convert:
                fixed[i] = fn(fixed[i])
            params[n] = tuple(fixed)
    if on_conflict == "error" and conn.dialect.name == "postgresql":
        copy_rows(conn, table, columns, params)
    else:
        conn.exec_driver_sql(insert_sql(conn, table, columns, on_conflict, keep), params)


def copy_rows(conn: Connection, table: Table, columns: Sequence[str], params: Sequence[tuple[Any, ...]]) -> None:
    """Plain inserts on PostgreSQL through ``COPY ... FROM STDIN`` (psycopg's copy), in the connection's
    transaction: a fraction of the server's work for an ``INSERT`` per row, and no statement per batch.

    A value the server refuses raises the same SQLAlchemy error as an ``INSERT`` would (``DataError``), so
    the callers' fallbacks (``db.store``) do not depend on the way rows were sent."""
    cols = ", ".join(f'"{c}"' for c in columns)
    statement = f'COPY "{table.name}" ({cols}) FROM STDIN'
    driver = conn.connection.driver_connection
    assert driver is not None
    dbapi_error: type[Exception] = conn.dialect.loaded_dbapi.Error
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in params:
                copy.write_row(row)
    except dbapi_error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi_error, dialect=conn.dialect) from exc


def upsert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, keep: Sequence[str] = ()) -> None:
    """Insert ``rows``; on a primary-key conflict overwrite every column except the key and ``keep``."""
    bulk_insert(conn, table, rows, on_conflict="update", keep=keep)


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows``, skipping those whose primary key already exists."""
    bulk_insert(conn, table, rows, on_conflict="ignore")
