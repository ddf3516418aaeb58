"""Every read of the database, in one place: plain rows (dicts, small dataclasses) or polars frames.

Code outside ``db/`` never writes SQL: analytics, jobs, curation and the app's pages call these
methods. :class:`db.store.Store` (the writes) is a :class:`Reader` too, so a writer reads the same way.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import polars as pl
from sqlalchemy import ColumnElement, Connection, Integer, String, and_, cast, func, select, true
from sqlalchemy import Engine as Engine  # noqa: PLC0414 (re-exported: callers outside db/ need no SQLAlchemy)

from db.models import (
    CONTENT_TABLES,
    Base,
    HarvestQueryRow,
    HarvestRunRow,
    InvestigatorRow,
    PhaseRow,
    QuarantineRow,
    RawRecordRow,
    RegistryCountRow,
    SiteRow,
    StatusChangeRow,
    StudyAreaRow,
    StudyEventRow,
    StudyRow,
    table,
)

log = logging.getLogger(__name__)

#: Run outcomes that leave the run's data stored and complete: what "the last good run" means.
GOOD_OUTCOMES = ("success", "warning")

RUNS = table(HarvestRunRow)
QUERIES = table(HarvestQueryRow)
STUDIES = table(StudyRow)
RAW = table(RawRecordRow)
QUARANTINE = table(QuarantineRow)
EVENTS = table(StudyEventRow)
SITES = table(SiteRow)
COUNTS = table(RegistryCountRow)
#: Columns that say *when/which run* rather than *what*; a digest leaves them out.
_BOOKKEEPING = {"first_run_id", "last_changed_run_id", "fetched_at", "run_id", "body",
                "first_seen_at", "last_run_id", "last_seen_at", "dropped_run_id", "dropped_at"}  # fmt: skip
#: Rows fetched per round trip while reading the frames: bounds the memory of Python row objects.
READ_BATCH = 50_000

Schema = dict[str, pl.DataType | type[pl.DataType]]
STATUS_CHANGE_SCHEMA: Schema = {
    "nct_id": pl.String, "old_status": pl.String, "new_status": pl.String, "observed_at": pl.Datetime("us", "UTC"),
}  # fmt: skip
#: Every stored site column, in the order ``trials sites`` writes them.
SITE_COLUMNS = (
    "nct_id", "ordinal", "facility", "city", "zip", "country", "lat", "lon", "place_id", "place_name", "place_method",
    "place_flag", "regions", "institution_id", "institution_name", "institution_status", "institution_confidence",
    "placeholder",
)  # fmt: skip
#: The stored investigators (:meth:`Reader.investigators`); no contact details exist to read.
_UTC = pl.Datetime("us", "UTC")
INVESTIGATOR_SCHEMA: Schema = {
    "nct_id": pl.String, "kind": pl.String, "role": pl.String, "name": pl.String, "person": pl.String,
    "name_key": pl.String, "affiliation": pl.String, "facility": pl.String, "city": pl.String, "country": pl.String,
    "place_id": pl.String, "place_name": pl.String, "regions": pl.String, "institution_id": pl.String,
    "institution_name": pl.String, "listed": pl.Boolean, "first_run_id": pl.Int64, "first_seen_at": _UTC,
    "last_run_id": pl.Int64, "last_seen_at": _UTC, "dropped_run_id": pl.Int64, "dropped_at": _UTC,
}  # fmt: skip
COUNT_SCHEMA: Schema = {
    "scope": pl.String, "key": pl.String, "label": pl.String, "grouping": pl.String, "population": pl.Int64,
    "total": pl.Int64, "query": pl.String, "data_timestamp": pl.String, "asked_at": pl.Datetime("us", "UTC"),
}  # fmt: skip


@dataclass
class LastRun:
    id: int
    started_at: dt.datetime
    data_timestamp: str | None


@dataclass
class FrameTables:
    """The tables the analytics frames are built from, as typed polars frames (see :meth:`Reader.frame_tables`)."""

    studies: pl.DataFrame
    phases: pl.DataFrame
    areas: pl.DataFrame
    sites: pl.DataFrame
    status_changes: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=STATUS_CHANGE_SCHEMA))
    data_version: str = ""
    data_timestamp: str | None = None


def _read(conn: Connection, model: type[Base], schema: Schema,
          where: ColumnElement[bool] | None = None, categorical: Sequence[str] = ()) -> pl.DataFrame:  # fmt: skip
    """A typed frame of some columns of a table: through a columnar driver when there is one, else row by row.

    Why columnar: the frames read millions of site rows, and SQLAlchemy row objects cost ~10 µs each
    (a 600,000-study database: ~20 s of its frame build). A columnar driver (ConnectorX) hands whole Arrow
    columns to polars instead. Should the driver be missing or refuse the query, the SQLAlchemy path gives the
    same frame (same columns, types and rows), only slower.
    """
    frame = _read_columnar(conn, model, schema, where, categorical)
    if frame is not None:
        return frame
    return _read_rows(conn, model, schema, where, categorical)


def _read_rows(conn: Connection, model: type[Base], schema: Schema,
               where: ColumnElement[bool] | None = None, categorical: Sequence[str] = ()) -> pl.DataFrame:  # fmt: skip
    """:func:`_read` through SQLAlchemy rows, in batches (the fallback without a columnar driver).

    Dates arrive as ISO text and booleans as integers (cast in SQL), so the driver hands over plain
    values without per-row Python conversion; polars converts whole columns afterwards. Columns in
    ``categorical`` become categoricals batch by batch, so millions of repeated facility and place
    strings are never held as separate strings at once.
    """
    t = table(model)
    cols: list[ColumnElement[Any]] = []
    raw: Schema = {}
    for name, dtype in schema.items():
        if dtype == pl.Date:
            cols.append(cast(t.c[name], String).label(name))
            raw[name] = pl.String
        elif dtype == pl.Boolean:
            cols.append(cast(t.c[name], Integer).label(name))
            raw[name] = pl.Int64
        else:
            cols.append(t.c[name])
            raw[name] = dtype
    q = select(*cols).order_by(*_order(model))
    if where is not None:
        q = q.where(where)
    result = conn.execution_options(yield_per=READ_BATCH).execute(q)
    parts = [
        pl.DataFrame([tuple(r) for r in part], schema=raw, orient="row").with_columns(
            pl.col(c).cast(pl.Categorical) for c in categorical
        )
        for part in result.partitions()
    ]
    if not parts:
        parts = [pl.DataFrame(schema=raw).with_columns(pl.col(c).cast(pl.Categorical) for c in categorical)]
    frame = pl.concat(parts)
    return frame.with_columns(
        [pl.col(n).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False) for n, d in schema.items() if d == pl.Date]
        + [pl.col(n).cast(pl.Boolean) for n, d in schema.items() if d == pl.Boolean]
    )


def _order(model: type[Base]) -> list[ColumnElement[Any]]:
    """The order :func:`_read` returns a child table in: its primary key (study, then ordinal, phase or area), so
    both paths and both databases give the same rows in the same order and "the first site of a study" is always
    the same one. Free on SQLite (the tables are stored in that order); a study table is read as stored (ordering
    it by its index would cost more than the rows are worth)."""
    key: list[ColumnElement[Any]] = list(table(model).primary_key.columns)
    return key if len(key) > 1 else []


#: Whether :func:`_read` may use a columnar driver (tests switch it off to check the fallback gives the same).
COLUMNAR = True
_columnar_warned: set[str] = set()


def columnar_uri(conn: Connection) -> str | None:
    """The ConnectorX URI of the connection's database, or None where the columnar path does not apply
    (an in-memory SQLite database, another backend)."""
    url = conn.engine.url
    backend = url.get_backend_name()
    if backend == "sqlite":
        if url.database in (None, "", ":memory:") or str(url.database).startswith("file:"):
            return None
        from pathlib import Path
        from urllib.parse import quote

        return "sqlite://" + quote(str(Path(url.database).resolve()))
    if backend == "postgresql":
        return url.set(drivername="postgresql").render_as_string(hide_password=False)
    return None


#: How many slices of NCT numbers a columnar read splits a table into. Each slice is read, typed and its repeated
#: strings made categorical on its own, so only a few slices' raw strings are in memory at once (reading 5 million
#: sites in one piece peaked at twice the memory).
READ_SLICES = 16
#: Slices read at the same time (one connection each; the driver releases the GIL).
READ_THREADS = max(1, min(4, os.cpu_count() or 1))


def _partitions(conn: Connection, model: type[Base], where: ColumnElement[bool] | None) -> list[ColumnElement[bool]]:
    """Conditions that split a table into :data:`READ_SLICES` slices of NCT numbers (one condition, or none, for a
    table without ``nct_id`` or a small range); in NCT order, so the slices concatenate in order."""
    t = table(model)
    if READ_SLICES < 2 or "nct_id" not in t.c:
        return [where] if where is not None else []
    # Two queries: each is one index lookup, where SQLite answers min and max together with a full scan.
    lo = conn.execute(select(func.min(t.c.nct_id))).scalar()
    hi = conn.execute(select(func.max(t.c.nct_id))).scalar()
    try:
        first, last = int(str(lo)[3:]), int(str(hi)[3:])
    except ValueError:  # no rows, or an ID that is not NCT + digits: one slice
        return [where] if where is not None else []
    step = (last - first) // READ_SLICES
    if step < 5000:
        return [where] if where is not None else []
    bounds = [f"NCT{first + step * i:08d}" for i in range(1, READ_SLICES)]
    slices: list[ColumnElement[bool]] = []
    for i in range(READ_SLICES):
        cond: ColumnElement[bool] = true()
        if i > 0:
            cond = and_(cond, t.c.nct_id >= bounds[i - 1])
        if i < READ_SLICES - 1:
            cond = and_(cond, t.c.nct_id < bounds[i])
        slices.append(and_(where, cond) if where is not None else cond)
    return slices


def _read_columnar(conn: Connection, model: type[Base], schema: Schema, where: ColumnElement[bool] | None,
                   categorical: Sequence[str] = ()) -> pl.DataFrame | None:  # fmt: skip
    """The columns of ``schema`` of a table, read by ConnectorX in slices (in parallel) and cast to ``schema``, the
    ``categorical`` ones as categoricals; None when the driver is missing or fails (warned once), so the caller
    reads row by row."""
    uri = columnar_uri(conn) if COLUMNAR else None
    if uri is None:
        return None
    try:
        import connectorx  # noqa: F401  (only db.reader imports a database driver)
    except ImportError:
        _warn_once("connectorx", "connectorx is not installed: the analytics frames are read row by row (slower)")
        return None
    t = table(model)
    plain = select(*(t.c[name] for name in schema)).order_by(*_order(model))

    def one(sql: str) -> pl.DataFrame:
        frame = _conform(pl.read_database_uri(sql, uri, engine="connectorx"), schema)
        return frame.with_columns(pl.col(c).cast(pl.Categorical) for c in categorical)

    try:
        slices = _partitions(conn, model, where)
        queries = [plain.where(c) for c in slices] or [plain]
        sql = [str(q.compile(dialect=conn.engine.dialect, compile_kwargs={"literal_binds": True})) for q in queries]
        if conn.engine.url.get_backend_name() == "sqlite":
            session = _SESSION.get()
            if session is not None:
                return _with_categoricals(_conform(session.read(uri, sql, categorical), schema), categorical)
            with _columnar_session():
                child = _SESSION.get()
                assert child is not None
                return _with_categoricals(_conform(child.read(uri, sql, categorical), schema), categorical)
        # The slices are joined in NCT order, as one query would return them (ConnectorX's own list-of-queries
        # mode returns them in any order).
        with ThreadPoolExecutor(min(READ_THREADS, len(sql))) as pool:
            parts = list(pool.map(one, sql))
        return pl.concat(parts, rechunk=False)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a Rust panic in the driver is a BaseException: fall back, never fail
        _warn_once(f"fail:{type(exc).__name__}", f"columnar read failed ({type(exc).__name__}: {str(exc)[:200]}); "
                   "reading row by row")  # fmt: skip
        return None


def _with_categoricals(frame: pl.DataFrame, categorical: Sequence[str]) -> pl.DataFrame:
    return frame.with_columns(pl.col(c).cast(pl.Categorical) for c in categorical)


#: The program of the child process that reads a SQLite file for :func:`_read_columnar`: one JSON job a line on
#: stdin (``uri``, ``sql`` slices, ``categorical`` columns, ``threads``, ``out``), the frame written to ``out`` as
#: Arrow IPC, one answer a line on stdout (``ok`` or ``error <json message>``).
_CHILD = r"""
import json, sys
from concurrent.futures import ThreadPoolExecutor
import polars as pl
for line in sys.stdin:
    job = json.loads(line)
    try:
        def one(sql):
            frame = pl.read_database_uri(sql, job["uri"], engine="connectorx")
            return frame.with_columns(pl.col(c).cast(pl.Categorical) for c in job["categorical"])
        with ThreadPoolExecutor(max(1, min(job["threads"], len(job["sql"])))) as pool:
            parts = list(pool.map(one, job["sql"]))
        pl.concat(parts, rechunk=False).write_ipc(job["out"])
        print("ok", flush=True)
    except BaseException as exc:
        print("error " + json.dumps(f"{type(exc).__name__}: {exc}"), flush=True)
"""


class _ChildReader:
    """A child process that reads SQLite files with ConnectorX, for this process.

    Why a child: ConnectorX carries its own copy of SQLite. Two copies of SQLite in one process that open the
    same database file break each other's POSIX locks (closing one's file handle drops the other's locks:
    "How To Corrupt An SQLite Database File", section 2.2.1) -- seen here as "disk I/O error" in the next
    connection of the harvest that had just built the frames. In its own process the driver's locks are its own.
    """

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="trials-read-"))
        self.proc: subprocess.Popen[str] | None = None
        self.jobs = 0

    def read(self, uri: str, sql: list[str], categorical: Sequence[str]) -> pl.DataFrame:
        if self.proc is None:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
        self.jobs += 1
        out = self.folder / f"{self.jobs}.arrow"
        job = {"uri": uri, "sql": sql, "categorical": list(categorical), "threads": READ_THREADS, "out": str(out)}
        stdin: IO[str] | None = self.proc.stdin
        stdout: IO[str] | None = self.proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps(job) + "\n")
        stdin.flush()
        answer = stdout.readline().strip()
        if answer != "ok":
            raise RuntimeError(answer[6:] if answer.startswith("error ") else "the reading process stopped")
        try:
            return pl.read_ipc(out)
        finally:
            out.unlink(missing_ok=True)

    def close(self) -> None:
        if self.proc is not None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            if self.proc.stdout is not None:
                self.proc.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)


_SESSION: contextvars.ContextVar[_ChildReader | None] = contextvars.ContextVar("columnar_child", default=None)


@contextlib.contextmanager
def _columnar_session() -> Iterator[None]:
    """One reading child process for all the SQLite reads inside (started on the first read, stopped at the end)."""
    if _SESSION.get() is not None:
        yield
        return
    child = _ChildReader()
    token = _SESSION.set(child)
    try:
        yield
    finally:
        _SESSION.reset(token)
        child.close()


def _conform(frame: pl.DataFrame, schema: Schema) -> pl.DataFrame:
    """``frame`` with exactly the columns and types of ``schema`` (drivers differ: SQLite dates may come as text,
    PostgreSQL integers as Int32, timestamps without their zone)."""
    exprs: list[pl.Expr] = []
    for name, want in schema.items():
        have = frame.schema[name]
        col = pl.col(name)
        if have == want or (isinstance(have, pl.Categorical) and want == pl.String):  # made categorical already
            exprs.append(col)
        elif want == pl.Date and have == pl.String:
            exprs.append(col.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
        elif want == pl.Date and isinstance(have, pl.Datetime):
            exprs.append(col.dt.date())
        elif isinstance(want, pl.Datetime) and have == pl.String:
            exprs.append(col.str.to_datetime(time_unit=want.time_unit, time_zone=want.time_zone, strict=False))
        elif isinstance(want, pl.Datetime) and isinstance(have, pl.Datetime):
            moved = col.dt.replace_time_zone(want.time_zone) if have.time_zone is None else col
            if have.time_zone is not None and want.time_zone is not None:
                moved = col.dt.convert_time_zone(want.time_zone)
            exprs.append(moved.dt.cast_time_unit(want.time_unit or "us"))
        elif have == pl.Null:
            exprs.append(col.cast(want))
        else:
            exprs.append(col.cast(want, strict=True))
    return frame.select(exprs)


def _warn_once(key: str, message: str) -> None:
    if key not in _columnar_warned:
        _columnar_warned.add(key)
        log.warning(message)


class Reader:
    """Reads of one database (the engine comes from :mod:`db.engine`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- analytics --------------------------------------------------------------------------
    def frame_tables(self) -> FrameTables:
        """Everything the analytics frames need, read once: studies (not removed), phases, areas (with their
        evidence texts), placed sites, status changes, and the data version (newest run) and registry data
        timestamp."""
        text = pl.String
        with self.engine.connect() as conn, _columnar_session():
            studies = _read(conn, StudyRow, {
                "nct_id": text, "overall_status": text, "study_type": text, "start_date": pl.Date,
                "first_posted_date": pl.Date, "last_update_posted_date": pl.Date, "lead_sponsor_name": text,
                "lead_sponsor_class": text, "enrollment": pl.Int64, "synthetic": pl.Boolean,
                "brief_title": text}, where=STUDIES.c.removed_at.is_(None))  # fmt: skip
            phases = _read(conn, PhaseRow, {"nct_id": text, "phase": text})
            areas = _read(conn, StudyAreaRow, {"nct_id": text, "area": text, "evidence": text},
                          categorical=("evidence",))  # fmt: skip
            sites = _read(conn, SiteRow, {
                "nct_id": text, "facility": text, "place_id": text, "place_name": text, "regions": text,
                "institution_id": text, "institution_name": text, "placeholder": pl.Boolean, "status": text},
                where=SITES.c.place_id.is_not(None),
                categorical=("facility", "place_id", "place_name", "regions", "institution_id",
                             "institution_name", "status"))  # fmt: skip
            changes = _read(conn, StatusChangeRow, STATUS_CHANGE_SCHEMA)
            version = conn.execute(select(func.max(RUNS.c.id))).scalar()
            stamp = conn.execute(
                select(RUNS.c.data_timestamp).where(RUNS.c.data_timestamp.is_not(None)).order_by(RUNS.c.id.desc())
                .limit(1)
            ).scalar()  # fmt: skip
        return FrameTables(studies, phases, areas, sites, changes, data_version=str(version), data_timestamp=stamp)

    def data_version(self) -> tuple[int, int]:
        """(newest finished run, number of studies): changes whenever a run finishes or studies come or go."""
        with self.engine.connect() as conn:
            last = conn.execute(select(func.max(RUNS.c.id)).where(RUNS.c.finished_at.is_not(None))).scalar() or 0
            n = conn.execute(select(func.count()).select_from(STUDIES)).scalar() or 0
        return int(last), int(n)

    def registry_counts(self, preset: str) -> pl.DataFrame:
        """The newest stored batch of count-only answers for ``preset`` (empty frame when there is none)."""
        with self.engine.connect() as conn:
            batch = conn.execute(
                select(COUNTS.c.batch).where(COUNTS.c.preset == preset).order_by(COUNTS.c.id.desc()).limit(1)
            ).scalar()
            if batch is None:
                return pl.DataFrame(schema=COUNT_SCHEMA)
            rows = conn.execute(select(*(COUNTS.c[k] for k in COUNT_SCHEMA)).where(COUNTS.c.batch == batch)).all()
        data = [dict(zip(COUNT_SCHEMA, r, strict=True)) for r in rows]
        for d in data:
            d["query"] = json.dumps(d["query"], ensure_ascii=False, sort_keys=True)  # exactly what was asked
            if d["asked_at"] is not None and d["asked_at"].tzinfo is None:
                d["asked_at"] = d["asked_at"].replace(tzinfo=dt.UTC)
        return pl.DataFrame(data, schema=COUNT_SCHEMA)

    # -- sites ------------------------------------------------------------------------------
    def iter_sites(self, region: str | None = None) -> Iterator[dict[str, Any]]:
        """Every stored site (optionally only those in ``region``), in NCT ID and site order."""
        q = select(*(SITES.c[c] for c in SITE_COLUMNS)).order_by(SITES.c.nct_id, SITES.c.ordinal)
        with self.engine.connect() as conn:
            for row in conn.execution_options(yield_per=5000).execute(q).mappings():
                if region and region not in (row["regions"] or "").split("|"):
                    continue
                yield dict(row)

    def unplaced_sites(self, limit: int | None = 500) -> list[dict[str, Any]]:
        """Sites no place was found for (nct_id, facility, city, country, flag, lat, lon), in NCT ID order, the
        first ``limit`` (None: all; they are few, as placing works for nearly every site)."""
        q = (
            select(SITES.c.nct_id, SITES.c.facility, SITES.c.city, SITES.c.country, SITES.c.place_flag.label("flag"),
                   SITES.c.lat, SITES.c.lon)
            .where(SITES.c.place_id.is_(None)).order_by(SITES.c.nct_id, SITES.c.ordinal).limit(limit)
        )  # fmt: skip
        with self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        return [dict(r) for r in rows]

    # -- runs -------------------------------------------------------------------------------
    def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(RUNS).order_by(RUNS.c.id.desc()).limit(limit)).mappings().all()
            return [dict(r) for r in rows]

    def queries(self, run_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = select(QUERIES).where(QUERIES.c.run_id == run_id).order_by(QUERIES.c.ordinal)
            return [dict(r) for r in conn.execute(q).mappings().all()]

    def last_good_harvest(self) -> LastRun | None:
        """The latest full or incremental run that finished well (reconciliations do not move the window)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(RUNS.c.id, RUNS.c.started_at, RUNS.c.data_timestamp)
                .where(RUNS.c.outcome.in_(GOOD_OUTCOMES), RUNS.c.mode.in_(("full", "incremental")))
                .order_by(RUNS.c.id.desc())
                .limit(1)
            ).first()
        return LastRun(int(row[0]), row[1], row[2]) if row else None

    def last_good_queries(self) -> list[str]:
        """The queries of the latest run that finished (success or warning), as ``label: param=value ...``.

        Exports cite these, so a reader can re-run the exact registry searches behind a figure.
        """
        with self.engine.connect() as conn:
            run_id = conn.execute(select(func.max(RUNS.c.id)).where(RUNS.c.outcome.in_(GOOD_OUTCOMES))).scalar()
        if run_id is None:
            return []
        return [
            f"{q['label']}: " + " ".join(f"{k}={v}" for k, v in sorted(q["params"].items()))
            for q in self.queries(int(run_id))
        ]

    # -- content ----------------------------------------------------------------------------
    def active_ids(self) -> list[str]:
        """Stored studies not marked removed, in NCT order (what reconciliation re-fetches)."""
        with self.engine.connect() as conn:
            q = select(STUDIES.c.nct_id).where(STUDIES.c.removed_at.is_(None)).order_by(STUDIES.c.nct_id)
            return [r[0] for r in conn.execute(q)]

    def update_dates(self) -> dict[str, str]:
        """Stored studies not marked removed -> their LastUpdatePostDate (ISO, "" when none): what a harvest
        compares with the registry's ID pass to fetch only new or changed studies."""
        with self.engine.connect() as conn:
            q = select(STUDIES.c.nct_id, STUDIES.c.last_update_posted_date).where(STUDIES.c.removed_at.is_(None))
            return {n: d.isoformat() if d else "" for n, d in conn.execute(q)}

    def events(self, limit: int = 200) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = select(EVENTS).order_by(EVENTS.c.id.desc()).limit(limit)
            return [dict(r) for r in conn.execute(q).mappings().all()]

    def table_counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in (*CONTENT_TABLES, QUARANTINE)
            }

    def digest(self) -> str:
        """A SHA-256 over every content row (run bookkeeping excluded), equal across SQLite and PostgreSQL."""
        h = hashlib.sha256()
        with self.engine.connect() as conn:
            for tbl in CONTENT_TABLES:
                cols = [c for c in tbl.columns if c.name not in _BOOKKEEPING]
                order = list(tbl.primary_key.columns)
                h.update(f"[{tbl.name}]".encode())
                for row in conn.execute(select(*cols).order_by(*order)):
                    h.update(repr(tuple(_canonical(v) for v in row)).encode())
                    h.update(b"\n")
        return h.hexdigest()

    def quarantine(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = select(QUARANTINE.c.content_hash, QUARANTINE.c.nct_id, QUARANTINE.c.reason, QUARANTINE.c.run_id)
            return [dict(r) for r in conn.execute(q).mappings().all()]

    def investigators(self) -> pl.DataFrame:
        """Every stored investigator row (:data:`INVESTIGATOR_SCHEMA`), listed or not, of every study, removed ones
        included: investigators are kept because the registry deletes them (see ``db.models.InvestigatorRow``)."""
        with self.engine.connect() as conn:
            return _read(conn, InvestigatorRow, INVESTIGATOR_SCHEMA)

    def raw_records(self, batch: int = 1000) -> Iterable[tuple[str, bytes]]:
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=batch).execute(
                select(RAW.c.nct_id, RAW.c.body).order_by(RAW.c.nct_id)
            )
            for nct_id, body in result:
                yield nct_id, zlib.decompress(body)

    # -- site intelligence (issue 17): read on demand, never part of the ranking frames -------------
    def site_countries(self) -> SiteCountries:
        """The distinct countries of every stored site, placed or not (a foreign site without a place still makes
        a trial multinational), per study and per place; read apart from :meth:`frame_tables` so the rankings'
        frames and their build time stay as they are. (Removed studies are dropped by the analytics, which join
        on the frames' studies.) Read like the frames, whole columns at a time, and made distinct in polars."""
        text = pl.String
        with self.engine.connect() as conn:
            sites = _read(conn, SiteRow, {"nct_id": text, "place_id": text, "country": text},
                          where=SITES.c.country.is_not(None) & (SITES.c.country != ""),
                          categorical=("place_id", "country"))  # fmt: skip
        studies = sites.select("nct_id", pl.col("country").cast(pl.String)).unique()
        places = (
            sites.filter(pl.col("place_id").is_not_null())
            .group_by("place_id", "country").agg(pl.len().cast(pl.Int64).alias("n"))
            .select(pl.col("place_id").cast(pl.String), pl.col("country").cast(pl.String), "n")
        )  # fmt: skip
        return SiteCountries(studies, places)

    def why_stopped(self, nct_ids: Sequence[str]) -> dict[str, str]:
        """The registry's reason for stopping (``statusModule.whyStopped``) of the given studies, where it gives one.

        Read from the stored raw records (the studies table keeps no such column), so only a handful of closed
        trials are decoded when a profile asks."""
        out: dict[str, str] = {}
        wanted = sorted(set(nct_ids))
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                rows = conn.execute(
                    select(RAW.c.nct_id, RAW.c.body).where(RAW.c.nct_id.in_(wanted[start : start + 500]))
                )
                for nct_id, body in rows:
                    try:
                        status = json.loads(zlib.decompress(body)).get("protocolSection", {}).get("statusModule", {})
                    except (ValueError, zlib.error, AttributeError):
                        continue
                    reason = status.get("whyStopped") if isinstance(status, dict) else None
                    if isinstance(reason, str) and reason.strip():
                        out[nct_id] = reason.strip()
        return out


@dataclass
class SiteCountries:
    """Countries of the stored sites (:meth:`Reader.site_countries`): ``studies`` (nct_id, country: the registry's
    country names, distinct) and ``places`` (place_id, country, n: how many sites of the place name it)."""

    studies: pl.DataFrame
    places: pl.DataFrame


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value
