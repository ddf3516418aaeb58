"""What follows every run that finished well, whoever started it (``trials harvest``, ``update``,
``reconcile``, the scheduler, the app's refresh): the dated count snapshot, then the count-only
country and region figures.

Neither step can fail the run: the harvested data is stored and must stay visible. A failure is
logged; the previous snapshot or counts stay, and the next good run tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from db.reader import GOOD_OUTCOMES, Engine
from trials.jobs.counts import refresh_counts
from trials.jobs.harvest import HarvestReport
from trials.jobs.snapshots import snapshot_after_run
from trials.rules.regions import Region
from trials.source.api import CtgovClient

log = logging.getLogger(__name__)


def after_good_run(
    engine: Engine,
    report: HarvestReport,
    client: CtgovClient | None = None,
    regions: Sequence[Region] | None = None,
) -> None:
    """Snapshot the counts of run ``report`` and refresh the registry counts, if the run went well.

    ``client`` asks the count-only queries (None, as for a file harvest: no counts refresh);
    ``regions`` are the regions counted (default: every configured region).
    """
    if report.outcome not in GOOD_OUTCOMES:
        return
    snapshot_after_run(engine, report.run_id)
    if client is None:
        log.info("run %s read no API: the registry counts are not refreshed", report.run_id)
        return
    try:
        refresh_counts(engine, client, regions)
    except Exception:  # the run succeeded; its result must not be lost to a failing side job
        log.exception("counts refresh after run %s failed (previous counts kept)", report.run_id)
