"""Unattended refreshes: incremental harvest (skipped when the registry has not changed), reconciliation
of every stored study, and the dated count snapshot that follows each successful run.

Each function takes the lock, runs, and leaves a row in the run log whatever happens; the
scheduler's jobs (``scheduler.jobs``) and the CLI call the same functions.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, select

from db.lock import run_lock
from db.models import HarvestRunRow, table
from db.store import Store
from trials.jobs.harvest import Harvester, HarvestReport, plan_queries
from trials.jobs.snapshots import snapshot_after_run
from trials.present.progress import HarvestProgress, LogProgress
from trials.rules.regions import Region
from trials.source.api import CtgovClient, StudyQuery

log = logging.getLogger(__name__)
RUNS = table(HarvestRunRow)
#: Incremental windows overlap the last successful run by this much: the registry posts updates
#: with a date, not a time, and a record updated late on the day of our run would otherwise be missed.
OVERLAP = dt.timedelta(days=2)
#: NCT IDs per ``filter.ids`` request in reconciliation (12 characters each: URLs stay short).
RECONCILE_BATCH = 200
GOOD = ("success", "warning")


@dataclass
class LastRun:
    id: int
    started_at: dt.datetime
    data_timestamp: str | None


def last_successful_harvest(engine: Engine) -> LastRun | None:
    """The latest full or incremental run that finished well (reconciliations do not move the window)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(RUNS.c.id, RUNS.c.started_at, RUNS.c.data_timestamp)
            .where(RUNS.c.outcome.in_(GOOD), RUNS.c.mode.in_(("full", "incremental")))
            .order_by(RUNS.c.id.desc())
            .limit(1)
        ).first()
    return LastRun(int(row[0]), row[1], row[2]) if row else None


def incremental_since(last: LastRun | None) -> str | None:
    """The ``--since`` date of the next incremental run: the last good run's day minus the overlap.

    None (a full harvest) when nothing has been harvested yet.
    """
    if last is None:
        return None
    return (last.started_at.date() - OVERLAP).isoformat()


def _record_skip(store: Store, client: CtgovClient, stamp: str | None, last: LastRun) -> HarvestReport:
    run_id = store.start_run(mode="incremental", source=client.base_url, request={"skipped": True})
    note = f"registry data timestamp {stamp} unchanged since run {last.id}: nothing to fetch"
    store.finish_run(run_id, outcome="skipped", error=note, data_timestamp=stamp, requests=client.requests_made)
    log.info("incremental harvest skipped: %s", note)
    report = HarvestReport(run_id=run_id, outcome="skipped", data_timestamp=stamp, requests=client.requests_made)
    report.error = note
    return report


def incremental_harvest(
    engine: Engine,
    client: CtgovClient,
    regions: Sequence[Region],
    *,
    lock_wait_s: float = 0.0,
    progress: HarvestProgress | None = None,
    snapshot: bool = True,
) -> HarvestReport:
    """Fetch what changed since the last good run, or skip (and log the skip) if the registry has not changed."""
    store = Store(engine)
    with run_lock(engine, "harvest", lock_wait_s):
        last = last_successful_harvest(engine)
        stamp = client.version().dataTimestamp
        if last is not None and last.data_timestamp is not None and last.data_timestamp == stamp:
            return _record_skip(store, client, stamp, last)
        since = incremental_since(last)
        harvester = Harvester(store, progress=progress or LogProgress())
        report = harvester.harvest(
            client,
            plan_queries(regions, since),
            request={"scheduled": True, "since": since, "regions": [r.name for r in regions]},
            mode="incremental" if since else "full",
        )
        if snapshot and report.outcome in GOOD:
            snapshot_after_run(engine, report.run_id)
    return report


def reconcile(
    engine: Engine,
    client: CtgovClient,
    *,
    lock_wait_s: float = 0.0,
    batch: int = RECONCILE_BATCH,
    progress: HarvestProgress | None = None,
    snapshot: bool = True,
) -> tuple[HarvestReport, int]:
    """Re-fetch every stored study by ID; mark those the registry no longer returns (never deleted).

    Removed sites and studies that left a region are recorded by the store as the updated records
    are written. Nothing is marked when the run did not finish: a study missing from a failed
    batch is not evidence of anything. Returns the run's report and how many studies were marked.
    """
    store = Store(engine)
    with run_lock(engine, "harvest", lock_wait_s):
        ids = store.active_ids()
        chunks = [ids[i : i + batch] for i in range(0, len(ids), batch)]
        queries = [
            StudyQuery(f"reconcile {n + 1}/{len(chunks)}", {"filter.ids": ",".join(chunk)})
            for n, chunk in enumerate(chunks)
        ]
        harvester = Harvester(store, progress=progress or LogProgress())
        report = harvester.harvest(client, queries, request={"scheduled": True, "stored_ids": len(ids)},
                                   mode="reconcile")  # fmt: skip
        marked = 0
        if report.outcome in GOOD:
            missing = sorted(set(ids) - report.seen_ids)
            reason = f"not returned by the registry for its NCT ID (reconciliation run {report.run_id})"
            marked = store.mark_removed(missing, report.run_id, reason)
            if snapshot:
                snapshot_after_run(engine, report.run_id)
        log.info("reconciliation run %s: %s stored studies re-fetched, %s newly marked removed",
                 report.run_id, len(ids), marked)  # fmt: skip
    return report, marked
