"""What follows every run that finished well, whoever started it (``trials harvest``, ``update``,
``reconcile``, the scheduler, the app's refresh): the analytics frames built once and cached for the
new data version (:mod:`trials.analytics.frames_cache`), the dated count snapshot from those same
frames, then the count-only country and region figures.

No step can fail the run: the harvested data is stored and must stay visible. A failure is
logged; the previous snapshot or counts stay (a missing cache is built by its first reader), and the
next good run tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from db.reader import GOOD_OUTCOMES, Engine
from trials.analytics.frames_cache import store_frames
from trials.analytics.rankings import Frames
from trials.jobs.counts import refresh_counts
from trials.jobs.harvest import HarvestReport
from trials.jobs.snapshots import snapshot_after_run
from trials.rules.regions import Region, configured_regions
from trials.source.api import CtgovClient

log = logging.getLogger(__name__)


def after_good_run(
    engine: Engine,
    report: HarvestReport,
    client: CtgovClient | None = None,
    regions: Sequence[Region] | None = None,
) -> None:
    """Cache the frames, snapshot the counts of run ``report`` and refresh the registry counts, if the run went well.

    ``client`` asks the count-only queries (None, as for a file harvest: no counts refresh);
    ``regions`` are the regions counted (default: every configured region). The frames are always those of
    every configured region: the ones the app and the commands load.
    """
    if report.outcome not in GOOD_OUTCOMES:
        return
    frames = cache_frames_after_run(engine, report.run_id)
    snapshot_after_run(engine, report.run_id, frames)
    if client is None:
        log.info("run %s read no API: the registry counts are not refreshed", report.run_id)
        return
    try:
        refresh_counts(engine, client, regions)
    except Exception:  # the run succeeded; its result must not be lost to a failing side job
        log.exception("counts refresh after run %s failed (previous counts kept)", report.run_id)


def cache_frames_after_run(engine: Engine, run_id: int) -> Frames | None:
    """Build the frames of the data as run ``run_id`` left it and write them as the cache of the new data
    version; None (logged) when that fails: the snapshot then builds its own, and the first reader the cache."""
    try:
        return store_frames(engine, configured_regions())
    except Exception:  # the run succeeded; its result must not be lost to a failing side job
        log.exception("building the analytics frames after run %s failed (the harvested data is intact)", run_id)
        return None
