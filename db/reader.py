"""Every read of the database, in one place: plain rows (dicts, small dataclasses) or polars frames.

Code outside ``db/`` never writes SQL: analytics, jobs, curation and the app's pages call these
methods. :class:`db.store.Store` (the writes) is a :class:`Reader` too, so a writer reads the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import ColumnElement, Connection, Integer, String, cast, func, select
from sqlalchemy import Engine as Engine  # noqa: PLC0414 (re-exported: callers outside db/ need no SQLAlchemy)

from db.models import (
    CONTENT_TABLES,
    Base,
    HarvestQueryRow,
    HarvestRunRow,
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
_BOOKKEEPING = {"first_run_id", "last_changed_run_id", "fetched_at", "run_id", "body"}
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
    """A typed frame of some columns of a table, read in batches.

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
    q = select(*cols)
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
        with self.engine.connect() as conn:
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
                "institution_id": text, "institution_name": text, "placeholder": pl.Boolean},
                where=SITES.c.place_id.is_not(None),
                categorical=("facility", "place_id", "place_name", "regions", "institution_id",
                             "institution_name"))  # fmt: skip
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

    def unplaced_sites(self, limit: int = 500) -> list[dict[str, Any]]:
        """Sites no place was found for (nct_id, facility, city, country, flag), the first ``limit``."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(SITES.c.nct_id, SITES.c.facility, SITES.c.city, SITES.c.country,
                       SITES.c.place_flag.label("flag")).where(SITES.c.place_id.is_(None)).limit(limit)
            ).mappings().all()  # fmt: skip
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

    def raw_records(self, batch: int = 1000) -> Iterable[tuple[str, bytes]]:
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=batch).execute(
                select(RAW.c.nct_id, RAW.c.body).order_by(RAW.c.nct_id)
            )
            for nct_id, body in result:
                yield nct_id, zlib.decompress(body)


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value
