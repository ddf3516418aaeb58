"""Unattended refreshes: incremental harvest (skipped when the registry has not changed) and reconciliation
of every stored study, each followed by :func:`trials.jobs.after.after_good_run` when it went well.

Each function takes the lock, runs, and leaves a row in the run log whatever happens; the
scheduler's jobs (``scheduler.jobs``) and the CLI (``trials update``, ``trials reconcile``) call the
same functions, so a run started by hand does exactly what the scheduled one does.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from db.lock import run_lock
from db.reader import GOOD_OUTCOMES, Engine, LastRun
from db.store import Store
from trials.jobs.after import after_good_run
from trials.jobs.harvest import Harvester, HarvestReport, plan_queries, run_log
from trials.present.progress import HarvestProgress, LogProgress
from trials.rules.regions import Region
from trials.source.api import CtgovClient, StudyQuery

log = logging.getLogger(__name__)
#: Incremental windows overlap the last successful run by this much: the registry posts updates
#: with a date, not a time, and a record updated late on the day of our run would otherwise be missed.
OVERLAP = dt.timedelta(days=2)
#: NCT IDs per ``filter.ids`` request in reconciliation (12 characters each: URLs stay short).
RECONCILE_BATCH = 200


def last_successful_harvest(engine: Engine) -> LastRun | None:
    """The latest full or incremental run that finished well (reconciliations do not move the window)."""
    return Store(engine).last_good_harvest()


def incremental_since(last: LastRun | None) -> str | None:
    """The ``--since`` date of the next incremental run: the last good run's day minus the overlap.

    None (a full harvest) when nothing has been harvested yet.
    """
    if last is None:
        return None
    return (last.started_at.date() - OVERLAP).isoformat()


def _record_skip(store: Store, client: CtgovClient, stamp: str | None, last: LastRun) -> HarvestReport:
    with run_log(store, mode="incremental", source=client.base_url, request={"skipped": True}) as report:
        report.outcome = "skipped"
        report.error = f"registry data timestamp {stamp} unchanged since run {last.id}: nothing to fetch"
        report.data_timestamp, report.requests = stamp, client.requests_made
    log.info("incremental harvest skipped: %s", report.error)
    return report


def incremental_harvest(
    engine: Engine,
    client: CtgovClient,
    regions: Sequence[Region],
    *,
    lock_wait_s: float = 0.0,
    progress: HarvestProgress | None = None,
    after: bool = True,
) -> HarvestReport:
    """Fetch what changed since the last good run, or skip (and log the skip) if the registry has not changed.

    ``after``: run :func:`after_good_run` (snapshot, then the counts of ``regions``) when the run went well.
    """
    store = Store(engine)
    with run_lock(engine, "harvest", lock_wait_s):
        last = store.last_good_harvest()
        stamp = client.version().dataTimestamp
        if last is not None and last.data_timestamp is not None and last.data_timestamp == stamp:
            return _record_skip(store, client, stamp, last)
        since = incremental_since(last)
        harvester = Harvester(store, progress=progress or LogProgress())
        report = harvester.harvest_once(
            client,
            plan_queries(regions),
            request={"scheduled": True, "since": since, "regions": [r.name for r in regions]},
            since=since,
            mode="incremental" if since else "full",
        )
        if after:
            after_good_run(engine, report, client, regions)
    return report


def provably_missing(report: HarvestReport, queries: Sequence[StudyQuery],
                     chunks: Sequence[Sequence[str]]) -> list[str]:  # fmt: skip
    """The asked-for IDs the registry positively did not return, batch by batch.

    A study that came back counts as returned even when it went to quarantine. A batch proves
    nothing when it came back short of (or beyond) its ``totalCount``, without one, or with a record
    whose NCT ID cannot be read (it could be any of the missing ones): its missing studies are
    logged and kept as they are.
    """
    results = {q.label: q for q in report.queries}
    returned: set[str] = set().union(*(q.returned for q in report.queries))
    missing: list[str] = []
    for query, chunk in zip(queries, chunks, strict=True):
        gone = [nct_id for nct_id in chunk if nct_id not in returned]
        if not gone:
            continue
        result = results.get(query.label)
        if result is None:
            doubt = "the batch was not fetched"
        elif result.total_count is None:
            doubt = "the API sent no totalCount"
        elif result.received != result.total_count:
            doubt = f"the API announced {result.total_count} studies and sent {result.received}"
        elif result.unnamed:
            doubt = f"{result.unnamed} record(s) came back without a readable NCT ID"
        else:
            missing.extend(gone)
            continue
        log.warning("%s: %s, so this batch removes nothing (%d stored studies not returned, e.g. %s)",
                    query.label, doubt, len(gone), ", ".join(gone[:5]))  # fmt: skip
    return sorted(missing)


def reconcile(
    engine: Engine,
    client: CtgovClient,
    *,
    lock_wait_s: float = 0.0,
    batch: int = RECONCILE_BATCH,
    progress: HarvestProgress | None = None,
    regions: Sequence[Region] | None = None,
    after: bool = True,
) -> tuple[HarvestReport, int]:
    """Re-fetch every stored study by ID; mark those the registry no longer returns (never deleted).

    Only what the registry positively did not return is marked (:func:`provably_missing`). Removed
    sites and studies that left a region are recorded by the store as the updated records are
    written. Nothing is marked when the run did not finish: a study missing from a failed
    batch is not evidence of anything. ``after``: then run :func:`after_good_run` (the counts of
    ``regions``, default every configured region). Returns the run's report and how many studies
    were marked.
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
        if report.outcome in GOOD_OUTCOMES:
            missing = provably_missing(report, queries, chunks)
            reason = f"not returned by the registry for its NCT ID (reconciliation run {report.run_id})"
            marked = store.mark_removed(missing, report.run_id, reason)
            if after:
                after_good_run(engine, report, client, regions)
        log.info("reconciliation run %s: %s stored studies re-fetched, %s newly marked removed",
                 report.run_id, len(ids), marked)  # fmt: skip
    return report, marked
