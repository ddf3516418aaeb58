"""Job functions the scheduler calls by reference (``scheduler.jobs:run_job``). Nothing runs at import.

Every job first claims its occurrence (job id + scheduled time) with one INSERT into
``job_claims``: when several schedulers share a database, the first insert wins and the others
log that the occurrence is taken. The job then runs under the writers' lock, so a manual
``trials harvest`` and a scheduled one never overlap either.

A claim whose process died before finishing (killed, or stopped by SIGTERM: outcome ``interrupted``)
does not lose the occurrence: the next run of the job for that slot takes the claim over, and a
scheduler starting up runs such jobs at once (:func:`orphaned_claims`). A claim from another host
cannot be checked; it is taken over when it is older than ``db.lock.STALE_AFTER`` without a result.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from db.engine import default_db_url, open_migrated
from db.lock import STALE_AFTER, WRITER, run_lock
from db.models import JobClaimRow, table
from db.store import pid_alive
from scheduler.config import JobSpec, Schedule, load_schedule
from trials.errors import TrialsError
from trials.rules.regions import configured_regions, select_regions
from trials.source.api import CtgovClient, make_client

log = logging.getLogger(__name__)
CLAIMS = table(JobClaimRow)
#: How far back to look for the occurrence a late job belongs to (covers weekly jobs and downtime).
LOOKBACKS = (dt.timedelta(minutes=2), dt.timedelta(hours=2), dt.timedelta(days=2), dt.timedelta(days=9))


def slot_for(spec: JobSpec, timezone: str, now: dt.datetime) -> dt.datetime:
    """The scheduled time this run stands for: the latest fire time of the job's trigger at or before ``now``.

    A run that starts late (after downtime, coalesced) belongs to the latest missed occurrence, so
    every process that fires it computes the same slot and only one can claim it.
    """
    for back in LOOKBACKS:
        latest = None
        for t in spec.fire_times(timezone, now - back):
            if t > now:
                break
            latest = t
        if latest is not None:
            return latest.astimezone(dt.UTC)
    return now.astimezone(dt.UTC).replace(microsecond=0)


def _aware(stamp: dt.datetime) -> dt.datetime:
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=dt.UTC)


def claimant_gone(row: Any, now: dt.datetime | None = None) -> bool:
    """True when a claim's occurrence was lost: its run was interrupted, or its process ended (this host) or has
    given no result for ``STALE_AFTER`` (another host) without finishing it."""
    if row.finished_at is not None:
        return bool(row.outcome == "interrupted")
    if row.host == socket.gethostname():
        return int(row.pid) != os.getpid() and not pid_alive(int(row.pid))
    return (now or dt.datetime.now(dt.UTC)) - _aware(row.claimed_at) > STALE_AFTER


def claim(engine: Engine, job_id: str, slot: dt.datetime) -> bool:
    """True if this process may run ``(job_id, slot)``: it is the first to claim it, or it takes over the claim
    of a process that did not finish it (:func:`claimant_gone`)."""
    me = {"host": socket.gethostname(), "pid": os.getpid()}
    try:
        with engine.begin() as conn:
            conn.execute(insert(CLAIMS).values(job_id=job_id, slot=slot, claimed_at=dt.datetime.now(dt.UTC), **me))
        return True
    except IntegrityError:
        pass
    with engine.begin() as conn:
        row = conn.execute(select(CLAIMS).where(CLAIMS.c.job_id == job_id, CLAIMS.c.slot == slot)).first()
        if row is None or not claimant_gone(row):
            return False
        taken = conn.execute(
            update(CLAIMS)
            .where(CLAIMS.c.job_id == job_id, CLAIMS.c.slot == slot, CLAIMS.c.host == row.host,
                   CLAIMS.c.pid == row.pid)
            .values(claimed_at=dt.datetime.now(dt.UTC), finished_at=None, outcome=None, run_id=None, **me)
        ).rowcount  # fmt: skip
    if taken:
        log.warning("job %s for %s: pid %s on %s did not finish it (%s); running it again", job_id, slot, row.pid,
                    row.host, row.outcome or "process ended")  # fmt: skip
    return bool(taken)


def orphaned_claims(engine: Engine, schedule: Schedule, now: dt.datetime) -> dict[str, dt.datetime]:
    """The jobs whose latest claimed occurrence was lost (:func:`claimant_gone`) and is still within the job's
    misfire grace time: a starting scheduler runs these at once, so a lost weekly reconciliation is not skipped."""
    out: dict[str, dt.datetime] = {}
    with engine.connect() as conn:
        for spec in schedule.jobs:
            row = conn.execute(
                select(CLAIMS).where(CLAIMS.c.job_id == spec.id).order_by(CLAIMS.c.slot.desc()).limit(1)
            ).first()
            if row is None or now - _aware(row.slot) > dt.timedelta(seconds=spec.misfire_grace_s):
                continue
            if claimant_gone(row, now):
                out[spec.id] = _aware(row.slot)
    return out


def interrupt_own_claims(engine: Engine) -> int:
    """Mark this process's unfinished claims ``interrupted`` (it is stopping mid-job), so they are retried."""
    with engine.begin() as conn:
        return int(
            conn.execute(
                update(CLAIMS)
                .where(CLAIMS.c.host == socket.gethostname(), CLAIMS.c.pid == os.getpid(),
                       CLAIMS.c.finished_at.is_(None))
                .values(finished_at=dt.datetime.now(dt.UTC), outcome="interrupted")
            ).rowcount
        )  # fmt: skip


def _finish_claim(engine: Engine, job_id: str, slot: dt.datetime, outcome: str, run_id: int | None) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(CLAIMS)
            .where(CLAIMS.c.job_id == job_id, CLAIMS.c.slot == slot)
            .values(finished_at=dt.datetime.now(dt.UTC), outcome=outcome, run_id=run_id)
        )


def _client(schedule: Schedule) -> CtgovClient:
    """The schedule file's ``base_url``, else ``$TRIALS_BASE_URL``, else the real API; the schedule's rate."""
    return make_client(schedule.base_url, rate=schedule.rate)


@dataclass
class JobResult:
    outcome: str
    run_id: int | None = None


def _incremental(engine: Engine, schedule: Schedule) -> JobResult:
    """The incremental harvest, then (when it went well) the snapshot and counts refresh of ``after_good_run``."""
    from trials.jobs.refresh_runs import incremental_harvest

    regions = select_regions(configured_regions(), list(schedule.regions))
    with _client(schedule) as client:
        report = incremental_harvest(engine, client, regions, lock_wait_s=schedule.lock_wait_s)
    return JobResult(report.outcome, report.run_id)


def _reconcile(engine: Engine, schedule: Schedule) -> JobResult:
    """Reconciliation, then (when it went well) the snapshot and counts refresh of ``after_good_run``."""
    from trials.jobs.refresh_runs import reconcile

    regions = select_regions(configured_regions(), list(schedule.regions))
    with _client(schedule) as client:
        report, _ = reconcile(engine, client, lock_wait_s=schedule.lock_wait_s, regions=regions)
    return JobResult(report.outcome, report.run_id)


def _counts(engine: Engine, schedule: Schedule) -> JobResult:
    """The count-only figures, under the writers' lock like every other writer."""
    from trials.jobs.counts import refresh_counts

    regions = select_regions(configured_regions(), list(schedule.regions))
    with run_lock(engine, WRITER, schedule.lock_wait_s), _client(schedule) as client:
        return JobResult(refresh_counts(engine, client, regions).outcome)


KINDS: dict[str, Callable[[Engine, Schedule], JobResult]] = {
    "incremental": _incremental,
    "reconcile": _reconcile,
    "counts": _counts,
}


#: The database the scheduler of this process works on, set by :func:`scheduler.app.create_scheduler`.
#: The job store keeps only a job's id and schedule file, never this URL (it may hold a password).
_database: dict[str, str] = {}


def use_database(db_url: str | None) -> None:
    """Make the scheduled jobs of this process run against ``db_url`` (None: ``$TRIALS_DB_URL``)."""
    _database.clear()
    if db_url is not None:
        _database["url"] = db_url


def current_database() -> str:
    """The database scheduled jobs run against: the scheduler's own, else ``$TRIALS_DB_URL`` or the default."""
    return _database.get("url") or default_db_url()


def run_scheduled(job_id: str, schedule_path: str | None = None) -> str:
    """What the job store calls (``scheduler.jobs:run_scheduled``): the database is found at run time."""
    return run_job(job_id, current_database(), schedule_path)


def run_job(job_id: str, db_url: str, schedule_path: str | None = None) -> str:
    """Run one scheduled occurrence of ``job_id`` unless another process already claimed it.

    Returns the outcome (``claimed-elsewhere`` when another scheduler took this occurrence).
    """
    schedule = load_schedule(schedule_path)
    spec = schedule.job(job_id)
    engine = open_migrated(db_url)
    try:
        slot = slot_for(spec, schedule.timezone, dt.datetime.now(dt.UTC))
        if not claim(engine, job_id, slot):
            log.info("job %s for %s: already claimed by another scheduler; not running it twice", job_id, slot)
            return "claimed-elsewhere"
        log.info("job %s for %s: started", job_id, slot)
        try:
            result = KINDS[spec.kind](engine, schedule)
        except TrialsError as exc:
            log.error("job %s for %s failed: %s", job_id, slot, exc)
            _finish_claim(engine, job_id, slot, "failed", None)
            return "failed"
        except Exception:
            log.exception("job %s for %s crashed", job_id, slot)
            _finish_claim(engine, job_id, slot, "failed", None)
            raise
        _finish_claim(engine, job_id, slot, result.outcome, result.run_id)
        log.info("job %s for %s: %s (run %s)", job_id, slot, result.outcome, result.run_id)
        return result.outcome
    finally:
        engine.dispose()
