"""Tables. One row per study and per site, child tables for the multi-valued parts, the raw
record (compressed) for re-normalisation, harvest runs with their per-query counts, and a quarantine.

Change a table only together with a new Alembic migration in ``db/migrations/versions``.
Content tables carry no secondary indexes on purpose: rankings run on a polars frame built from
them, and every index would slow the harvest's bulk writes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def table(model: type[Base]) -> Table:
    """The Core table of a model, typed as such (for bulk statements)."""
    t = model.__table__
    assert isinstance(t, Table)
    return t


class StudyRow(Base):
    __tablename__ = "studies"
    nct_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    brief_title: Mapped[str | None] = mapped_column(Text)
    official_title: Mapped[str | None] = mapped_column(Text)
    acronym: Mapped[str | None] = mapped_column(Text)
    overall_status: Mapped[str | None] = mapped_column(String(40))
    study_type: Mapped[str | None] = mapped_column(String(40))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    start_date_precision: Mapped[str | None] = mapped_column(String(8))
    primary_completion_date: Mapped[dt.date | None] = mapped_column(Date)
    completion_date: Mapped[dt.date | None] = mapped_column(Date)
    first_posted_date: Mapped[dt.date | None] = mapped_column(Date)
    last_update_posted_date: Mapped[dt.date | None] = mapped_column(Date)
    enrollment: Mapped[int | None] = mapped_column(Integer)
    enrollment_type: Mapped[str | None] = mapped_column(String(16))
    lead_sponsor_name: Mapped[str | None] = mapped_column(Text)
    lead_sponsor_class: Mapped[str | None] = mapped_column(String(16))
    has_results: Mapped[bool] = mapped_column(Boolean, default=False)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    first_run_id: Mapped[int | None] = mapped_column(Integer)
    last_changed_run_id: Mapped[int | None] = mapped_column(Integer)
    # Set by reconciliation when the registry stops returning the study; cleared if it comes back.
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    removed_reason: Mapped[str | None] = mapped_column(Text)


#: SQLite: store child rows in their primary-key B-tree (WITHOUT ROWID), one tree instead of two;
#: halves the work of bulk inserts. Other databases ignore it.
CLUSTERED = {"sqlite_with_rowid": False}


def _child_fk() -> Mapped[str]:
    return mapped_column(String(16), ForeignKey("studies.nct_id", ondelete="CASCADE"), primary_key=True)


class SiteRow(Base):
    __tablename__ = "sites"
    __table_args__ = CLUSTERED
    nct_id: Mapped[str] = _child_fk()
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(Text)
    zip: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    # Derived (trials.rules.enrich): re-computed by `trials renormalize` from the raw record.
    place_id: Mapped[str | None] = mapped_column(String(32))
    place_name: Mapped[str | None] = mapped_column(Text)
    place_method: Mapped[str | None] = mapped_column(String(16))
    place_flag: Mapped[str | None] = mapped_column(String(32))
    regions: Mapped[str | None] = mapped_column(Text)  # "ruhr|..." region names
    institution_id: Mapped[str | None] = mapped_column(Text)
    institution_name: Mapped[str | None] = mapped_column(Text)
    institution_status: Mapped[str | None] = mapped_column(String(16))
    institution_confidence: Mapped[float | None] = mapped_column(Float)
    placeholder: Mapped[bool | None] = mapped_column(Boolean)


class PhaseRow(Base):
    __tablename__ = "study_phases"
    __table_args__ = CLUSTERED
    nct_id: Mapped[str] = _child_fk()
    phase: Mapped[str] = mapped_column(String(16), primary_key=True)


class ConditionRow(Base):
    __tablename__ = "conditions"
    __table_args__ = CLUSTERED
    nct_id: Mapped[str] = _child_fk()
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True)
    condition: Mapped[str] = mapped_column(Text)


class MeshTermRow(Base):
    """``kind`` is ``mesh`` (the study's own MeSH terms) or ``ancestor`` (their tree ancestors)."""

    __tablename__ = "mesh_terms"
    __table_args__ = CLUSTERED
    nct_id: Mapped[str] = _child_fk()
    mesh_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    term: Mapped[str | None] = mapped_column(Text)


class BrowseLeafRow(Base):
    __tablename__ = "browse_leaves"
    __table_args__ = CLUSTERED
    nct_id: Mapped[str] = _child_fk()
    leaf_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    relevance: Mapped[str | None] = mapped_column(String(8))


class BrowseBranchRow(Base):
    __tablename__ = "browse_branches"
    __table_args__ = CLUSTERED
    nct_id: Mapped[str] = _child_fk()
    abbrev: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)


class CollaboratorRow(Base):
    __tablename__ = "collaborators"
    __table_args__ = CLUSTERED
    nct_id: Mapped[str] = _child_fk()
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    agency_class: Mapped[str | None] = mapped_column(String(16))


class StudyAreaRow(Base):
    """Therapeutic areas (trials.rules.areas); a study may have several.

    ``evidence`` says why: ``term -> MeSH tree number or rule -> area`` (or ``phrase -> phrase -> area``).
    """

    __tablename__ = "study_areas"
    __table_args__ = CLUSTERED
    nct_id: Mapped[str] = _child_fk()
    area: Mapped[str] = mapped_column(String(32), primary_key=True)
    evidence: Mapped[str | None] = mapped_column(Text)


class InvestigatorRow(Base):
    """A site's principal or sub-investigator, or a study's overall official (trials.rules.investigators).

    Unlike the other child tables these rows are merged, never replaced: the registry deletes investigators
    when a site or study closes, so a row the latest record no longer lists is kept with ``listed`` false and
    the run and time it was first missed. ``key`` is built from the listing as the registry gives it (kind,
    role, name, site), so ``trials renormalize`` rewrites the derived columns without losing the history.
    No phone number or e-mail address is ever stored (they are not even decoded).
    """

    __tablename__ = "investigators"
    __table_args__ = CLUSTERED
    nct_id: Mapped[str] = _child_fk()
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # site | official
    role: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(Text)  # as given (white space folded)
    person: Mapped[str] = mapped_column(Text)  # titles and degrees stripped
    name_key: Mapped[str] = mapped_column(Text)  # case-folded comparison key of ``person``
    affiliation: Mapped[str | None] = mapped_column(Text)  # officials: as given, contact details cut out
    site_ordinal: Mapped[int | None] = mapped_column(Integer)  # position of the site in the latest record
    facility: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(Text)
    # Derived from the site (trials.rules.enrich): re-computed by `trials renormalize`.
    place_id: Mapped[str | None] = mapped_column(String(32))
    place_name: Mapped[str | None] = mapped_column(Text)
    regions: Mapped[str | None] = mapped_column(Text)
    institution_id: Mapped[str | None] = mapped_column(Text)
    institution_name: Mapped[str | None] = mapped_column(Text)
    listed: Mapped[bool] = mapped_column(Boolean, default=True)  # in the latest stored record
    # History (bookkeeping: left out of the content digest).
    first_run_id: Mapped[int | None] = mapped_column(Integer)
    first_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_run_id: Mapped[int | None] = mapped_column(Integer)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    dropped_run_id: Mapped[int | None] = mapped_column(Integer)  # the run whose record no longer listed it
    dropped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class RawRecordRow(Base):
    """The record exactly as the API sent it (zlib), so normalisation can be re-run offline."""

    __tablename__ = "raw_records"
    nct_id: Mapped[str] = _child_fk()
    content_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[int | None] = mapped_column(Integer)


class HarvestRunRow(Base):
    __tablename__ = "harvest_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    mode: Mapped[str] = mapped_column(String(16))  # full | incremental | file
    source: Mapped[str] = mapped_column(Text)  # base URL or file path
    request: Mapped[dict[str, object]] = mapped_column(JSON)  # regions, since, options
    data_timestamp: Mapped[str | None] = mapped_column(String(32))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    studies_seen: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    #: the transient faults met and retried (first 50), e.g. "query ... page 3: HTTP 503"
    faults: Mapped[list[str] | None] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(16), index=True)  # running|success|warning|failed|interrupted
    error: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)


class HarvestQueryRow(Base):
    """One planned query of a run: what was asked, what the API said it had, what arrived."""

    __tablename__ = "harvest_queries"
    run_id: Mapped[int] = mapped_column(ForeignKey("harvest_runs.id", ondelete="CASCADE"), primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, str]] = mapped_column(JSON)
    total_count: Mapped[int | None] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(16))  # ok|mismatch|failed|running
    note: Mapped[str | None] = mapped_column(Text)


class StatusChangeRow(Base):
    """A study's overall status as it changed between two harvests: the registry keeps no history.

    Written when an updated record arrives with a different ``overall_status`` than the stored one,
    so trial offices can see "what changed since" a date.
    """

    __tablename__ = "status_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nct_id: Mapped[str] = mapped_column(String(16), index=True)
    old_status: Mapped[str | None] = mapped_column(String(40))
    new_status: Mapped[str | None] = mapped_column(String(40))
    observed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_update_posted_date: Mapped[dt.date | None] = mapped_column(Date)
    run_id: Mapped[int | None] = mapped_column(Integer)


class StudyEventRow(Base):
    """Something the registry changed that a plain upsert would hide: a site removed, a study that left a
    region, a study the registry no longer returns (or that came back). Kept as history, never deleted."""

    __tablename__ = "study_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nct_id: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # site_removed | left_region | removed | reappeared
    detail: Mapped[str | None] = mapped_column(Text)
    observed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[int | None] = mapped_column(Integer)


class JobClaimRow(Base):
    """One row per scheduled occurrence of a job: the first process to insert it runs the job."""

    __tablename__ = "job_claims"
    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    claimed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))
    run_id: Mapped[int | None] = mapped_column(Integer)


class RunLockRow(Base):
    """The harvest lock on SQLite (PostgreSQL uses an advisory lock): one row while a run holds it."""

    __tablename__ = "run_locks"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CountSnapshotRow(Base):
    """Dated counts per region, city and institution after each successful run (the registry keeps no history).

    ``dimension`` is ``all``, ``phase``, ``sponsor`` or ``area``; ``bucket`` its value (``all`` for all).
    """

    __tablename__ = "count_snapshots"
    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(32), primary_key=True)
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    name: Mapped[str | None] = mapped_column(Text)
    trials: Mapped[int] = mapped_column(Integer)


class RegistryCountRow(Base):
    """A count-only answer of the registry (``countTotal``) for a country or region under a preset's filters.

    ``batch`` groups one refresh; ``query`` holds the exact parameters, so the number can be replayed.
    """

    __tablename__ = "registry_counts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch: Mapped[str] = mapped_column(String(80), index=True)
    asked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    preset: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(16))  # country | region
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(Text)
    grouping: Mapped[str | None] = mapped_column(String(16))  # EU | EEA | Europe | World | region
    population: Mapped[int | None] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    query: Mapped[dict[str, str]] = mapped_column(JSON)
    data_timestamp: Mapped[str | None] = mapped_column(String(32))


class QuarantineRow(Base):
    """A record that could not be decoded or normalised, kept whole with the reason."""

    __tablename__ = "quarantine"
    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    nct_id: Mapped[str | None] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(Text)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    run_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


#: Tables holding the harvested content (everything a digest covers), in dependency order.
CONTENT_TABLES = (
    table(StudyRow),
    table(SiteRow),
    table(PhaseRow),
    table(ConditionRow),
    table(MeshTermRow),
    table(BrowseLeafRow),
    table(BrowseBranchRow),
    table(CollaboratorRow),
    table(StudyAreaRow),
    table(InvestigatorRow),
    table(RawRecordRow),
)
#: Investigators are merged with their history (``db.store``), never replaced with the other child rows.
MERGED_TABLES = (table(InvestigatorRow),)
#: The child tables replaced whole whenever a study is written (the raw record is upserted).
CHILD_TABLES = tuple(t for t in CONTENT_TABLES[1:] if t not in MERGED_TABLES)
