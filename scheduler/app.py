"""The scheduler app factory: APScheduler 3 with its job store in our own database.

Jobs have fixed ids and are registered with ``replace_existing`` (a restart keeps one copy of
each), ``coalesce`` (missed runs catch up once), ``max_instances=1`` and the misfire grace time of
the schedule file. Jobs that are no longer in the schedule file are removed from the store when
the scheduler starts. An occurrence whose run was lost (its process died or was stopped mid-job) runs
again at once when a scheduler starts (:func:`scheduler.jobs.orphaned_claims`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import time
from typing import Any

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from db.engine import make_engine, open_migrated
from db.lock import release_own
from scheduler.config import Schedule
from scheduler.jobs import interrupt_own_claims, orphaned_claims, use_database

log = logging.getLogger(__name__)
JOB_TABLE = "apscheduler_jobs"
#: The stored jobs call this with ``[job id, schedule file]`` only: no database URL, no secret.
JOB_TARGET = "scheduler.jobs:run_scheduled"


def _missed_runs(store: SQLAlchemyJobStore, now: dt.datetime) -> dict[str, dt.datetime]:
    """Stored jobs whose next run time has already passed (the scheduler was down when they were due).

    ``add_job(replace_existing=True)`` would otherwise overwrite them with the trigger's next time and
    silently drop the missed run; keeping the stored time lets coalescing catch up once.
    """
    with store.engine.connect() as conn:
        rows = conn.execute(select(store.jobs_t.c.id, store.jobs_t.c.next_run_time)).all()
    out = {}
    for job_id, stamp in rows:
        if stamp is not None and stamp <= now.timestamp():
            out[job_id] = dt.datetime.fromtimestamp(stamp, dt.UTC)
    return out


def _job_store(db_url: str) -> SQLAlchemyJobStore:
    engine = open_migrated(db_url)
    store = SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)
    for attempt in range(5):  # two schedulers starting together may race to create the table
        try:
            store.jobs_t.create(engine, checkfirst=True)
            break
        except DBAPIError:
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
    return store


def create_scheduler(db_url: str, schedule: Schedule, schedule_path: str | None = None,
                     background: bool = False) -> BaseScheduler:  # fmt: skip
    """A scheduler (blocking for ``trials schedule``; background for tests) with the schedule's jobs added."""
    cls = BackgroundScheduler if background else BlockingScheduler
    store = _job_store(db_url)
    use_database(db_url)  # the jobs find the database here at run time; the job store never holds the URL
    now = dt.datetime.now(dt.UTC)
    missed = _missed_runs(store, now)
    for job_id, slot in orphaned_claims(store.engine, schedule, now).items():
        log.warning("job %s: the run for %s did not finish (its process ended); running it now", job_id, slot)
        missed[job_id] = now
    sched: BaseScheduler = cls(
        jobstores={"default": store},
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=schedule.timezone,
    )
    wanted = {j.id for j in schedule.jobs}

    def drop_stale(event: SchedulerEvent) -> None:
        for job in sched.get_jobs():
            if job.id not in wanted:
                log.info("removing job %s: it is no longer in %s", job.id, schedule.source)
                job.remove()

    sched.add_listener(drop_stale, EVENT_SCHEDULER_STARTED)
    for spec in schedule.jobs:
        sched.add_job(
            JOB_TARGET,
            trigger=spec.trigger(schedule.timezone),
            args=[spec.id, schedule_path],
            id=spec.id,
            name=f"{spec.kind} ({spec.cron})",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=spec.misfire_grace_s,
            **({"next_run_time": missed[spec.id]} if spec.id in missed else {}),
        )
    return sched


def upcoming(schedule: Schedule, now: dt.datetime, count: int = 3) -> list[dict[str, Any]]:
    """The next ``count`` run times of each job (what ``trials schedule --list`` prints)."""
    out = []
    for spec in schedule.jobs:
        times = list(itertools.islice(spec.fire_times(schedule.timezone, now), count))
        out.append({"id": spec.id, "kind": spec.kind, "cron": spec.cron, "next": times, "weekdays": spec.weekdays(),
                    "misfire_grace_s": spec.misfire_grace_s})  # fmt: skip
    return out


def busy(sched: BaseScheduler) -> bool:
    """True while a job runs in one of the scheduler's executors."""
    return any(n for ex in sched._executors.values() for n in getattr(ex, "_instances", {}).values())


def stop_now(sched: BaseScheduler, db_url: str, reason: str) -> bool:
    """Stop at once (SIGTERM, Ctrl-C). A job still running in a worker thread is given up, as SIGKILL would, but
    cleanly: its run is marked ``interrupted`` with ``reason``, the lock released and its claim marked
    ``interrupted`` (so the next start runs it again). Returns True when a job was given up: the caller must then
    end the process without waiting for that thread (``os._exit``)."""
    running = busy(sched)
    stop_scheduler(sched, wait=False)
    if running:
        engine = make_engine(db_url)
        try:
            marked = release_own(engine, reason)
            claims = interrupt_own_claims(engine)
            log.warning("stopped during a job: %s run(s) and %s claim(s) marked interrupted", marked, claims)
        finally:
            engine.dispose()
    return running


def stop_scheduler(sched: BaseScheduler, wait: bool = True) -> None:
    """Shut down and close the job store's connections.

    APScheduler disposes the store's engine before the scheduler thread has stopped, and that
    thread can open one more connection on its way out; disposing again closes it.
    """
    stores = [s for s in sched._jobstores.values() if isinstance(s, SQLAlchemyJobStore)]
    sched.shutdown(wait=wait)
    for store in stores:
        store.engine.dispose()
