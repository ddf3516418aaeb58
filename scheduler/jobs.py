"""Job functions the scheduler calls by reference (``scheduler.jobs:run_job``). Nothing runs at import.

Every job first claims its occurrence (job id + scheduled time) with one INSERT into
``job_claims``: when several schedulers share a database, the first insert wins and the others
log that the occurrence is taken. The job then runs under the harvest lock, so a manual
``trials harvest`` and a scheduled one never overlap either.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, insert, update
from sqlalchemy.exc import IntegrityError

from db.engine import default_db_url, open_migrated
from db.models import JobClaimRow, table
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


def claim(engine: Engine, job_id: str, slot: dt.datetime) -> bool:
    """True if this process is the first to claim ``(job_id, slot)``."""
    try:
        with engine.begin() as conn:
            conn.execute(insert(CLAIMS).values(job_id=job_id, slot=slot, host=socket.gethostname(), pid=os.getpid(),
                                               claimed_at=dt.datetime.now(dt.UTC)))  # fmt: skip
    except IntegrityError:
        return False
    return True


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
    from trials.jobs.counts import refresh_counts

    regions = select_regions(configured_regions(), list(schedule.regions))
    with _client(schedule) as client:
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
