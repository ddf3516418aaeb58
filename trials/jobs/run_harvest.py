"""Wire a harvest together from command-line arguments (kept out of the CLI so tests can call it)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from db.engine import open_migrated
from db.lock import run_lock
from db.store import Store
from trials.errors import ConfigError
from trials.jobs.after import after_good_run
from trials.jobs.harvest import Harvester, HarvestReport, plan_queries
from trials.present.progress import HarvestProgress, LogProgress, RichProgress
from trials.rules.regions import REGIONS_ENV, configured_regions, select_regions
from trials.source.api import DEFAULT_RATE, CtgovClient, make_client
from trials.source.files import check_input_file
from trials.source.retry import RetryPolicy


@dataclass
class HarvestArgs:
    regions: list[str] = field(default_factory=list)
    since: str | None = None
    base_url: str | None = None
    from_file: Path | None = None
    regions_file: Path | None = None
    rate: float = DEFAULT_RATE
    timeout: float = 60.0
    retries: int = 6
    page_size: int = 1000
    db_url: str | None = None
    progress: bool = False
    retry_wait_initial: float = 1.0
    retry_wait_max: float = 30.0
    lock_wait: float = 0.0


def _check_since(since: str | None) -> None:
    if since is None:
        return
    try:
        dt.date.fromisoformat(since)
    except ValueError as exc:
        raise ConfigError(f"--since: {since!r} is not a date (YYYY-MM-DD)") from exc


def run_harvest(args: HarvestArgs) -> HarvestReport:
    _check_since(args.since)
    if args.from_file is not None:
        check_input_file(args.from_file)  # a missing, unreadable or truncated file stops here (exit 2), not mid-run
    if args.regions_file is not None:
        # Every part of the harvest (queries, and place assignment in the decoder process) uses this file.
        os.environ[REGIONS_ENV] = str(args.regions_file)
    regions = select_regions(configured_regions(), args.regions)
    engine = open_migrated(args.db_url)
    progress: HarvestProgress = RichProgress() if args.progress else LogProgress()
    harvester = Harvester(Store(engine), progress=progress)
    request = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(args).items() if k != "db_url"}
    try:
        with run_lock(engine, "harvest", args.lock_wait):
            if args.from_file is not None:
                report = harvester.harvest_file(args.from_file, request=request)
                after_good_run(engine, report)  # no API: snapshot only
                return report
            with client_for(args) as client:
                report = harvester.harvest_once(
                    client,
                    plan_queries(regions),
                    request=request,
                    since=args.since,
                    mode="incremental" if args.since else "full",
                    page_size=args.page_size,
                )
                after_good_run(engine, report, client)  # the counts of every configured region: a whole batch
            return report
    finally:
        engine.dispose()


def client_for(args: HarvestArgs) -> CtgovClient:
    """The API client the options describe (base URL, rate, timeout, retry policy)."""
    policy = RetryPolicy(
        attempts=max(args.retries, 1), wait_initial_s=args.retry_wait_initial, wait_max_s=args.retry_wait_max
    )
    return make_client(args.base_url, rate=args.rate, timeout_s=args.timeout, retry=policy)
