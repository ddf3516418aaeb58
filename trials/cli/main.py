"""The ``trials`` command. Each command parses options and calls one function; no logic lives here.

Exit codes: 0 success; 1 the run failed (previous data intact); 2 bad usage or configuration;
3 finished with warnings (count mismatch or quarantined records); 4 another harvest holds the lock;
130 interrupted.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from db.lock import LockHeld
from trials.errors import ConfigError, TrialsError
from trials.present.labels import counting_rules

if TYPE_CHECKING:
    from db.reader import Engine

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_WARNING, EXIT_LOCKED, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
OUTCOME_EXIT = {
    "success": EXIT_OK,
    "skipped": EXIT_OK,
    "warning": EXIT_WARNING,
    "failed": EXIT_FAILED,
    "interrupted": EXIT_INTERRUPTED,
}

db_option = click.option(
    "--db", "db_url", default=None, metavar="URL",
    help="Database URL (default: $TRIALS_DB_URL or sqlite:///data/trials.db).",
)  # fmt: skip
BASE_URL_HELP = "API base URL (default: $TRIALS_BASE_URL or the real API v2)."


def _end(report: Any) -> None:
    """Print a run's summary and exit with the code of its outcome."""
    click.echo(report.summary())
    sys.exit(OUTCOME_EXIT.get(report.outcome, EXIT_FAILED))


def _fail(exc: TrialsError, code: int = EXIT_FAILED) -> NoReturn:
    click.echo(f"error: {exc}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail.")
def main(verbose: bool) -> None:
    """Harvest ClinicalTrials.gov and benchmark trial sites, institutions, cities and regions."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@main.command()
@click.option(
    "--region", "regions", multiple=True, metavar="NAME", help="Region to harvest (repeatable; default: all)."
)
@click.option("--since", metavar="DATE", help="Only records updated on or after DATE (YYYY-MM-DD): incremental.")
@click.option("--base-url", default=None, metavar="URL", help=BASE_URL_HELP)
@click.option(
    "--from-file",
    "from_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Load a saved API response or NDJSON of study records instead of the network.",
)
@click.option("--regions-file", type=click.Path(path_type=Path), default=None, help="Region definitions (TOML).")
@click.option("--rate", type=float, default=1.0, show_default=True, help="Requests per second (0 = no limit).")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds per request.")
@click.option("--retries", type=int, default=6, show_default=True, help="Attempts per request before failing.")
@click.option("--retry-wait", type=float, default=1.0, show_default=True, help="First backoff in seconds.")
@click.option("--retry-wait-max", type=float, default=30.0, show_default=True, help="Longest backoff in seconds.")
@click.option("--page-size", type=click.IntRange(1, 1000), default=1000, show_default=True)
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
@click.option("--lock-wait", type=float, default=0.0, show_default=True, metavar="SECONDS",
              help="Wait this long for a running harvest (scheduled or manual) to finish; then exit 4.")  # fmt: skip
@db_option
def harvest(
    regions: tuple[str, ...],
    since: str | None,
    base_url: str | None,
    from_file: Path | None,
    regions_file: Path | None,
    rate: float,
    timeout: float,
    retries: int,
    retry_wait: float,
    retry_wait_max: float,
    page_size: int,
    progress: bool | None,
    lock_wait: float,
    db_url: str | None,
) -> None:
    """Harvest the configured regions into the database."""
    from trials.jobs.run_harvest import HarvestArgs, run_harvest

    args = HarvestArgs(
        regions=list(regions), since=since, base_url=base_url, from_file=from_file, regions_file=regions_file,
        rate=rate, timeout=timeout, retries=retries, page_size=page_size, db_url=db_url,
        retry_wait_initial=retry_wait, retry_wait_max=retry_wait_max, lock_wait=lock_wait,
        progress=sys.stderr.isatty() if progress is None else progress,
    )  # fmt: skip
    try:
        report = run_harvest(args)
    except LockHeld as exc:
        _fail(exc, EXIT_LOCKED)
    except TrialsError as exc:
        _fail(exc, EXIT_USAGE)
    _end(report)


@main.command("fake-api")
@click.option(
    "--corpus",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="NDJSON of v2 study records (.gz accepted).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8765, show_default=True)
@click.option("--faults", default=None, metavar="SPEC", help="Fault switches, e.g. '429:2,503,drop,slow'.")
@click.option("--slow-seconds", type=float, default=5.0, show_default=True, help="Delay of the 'slow' fault.")
@click.option("--data-timestamp", default=None, help="Fixed /version dataTimestamp (default: corpus mtime).")
def fake_api(corpus: Path, host: str, port: int, faults: str | None, slow_seconds: float,
             data_timestamp: str | None) -> None:  # fmt: skip
    """Serve a local fake of the ClinicalTrials.gov API v2 over a corpus file."""
    from trials.source.fakeapi.server import FakeApiServer

    try:
        server = FakeApiServer(corpus, host=host, port=port, faults=faults, slow_seconds=slow_seconds,
                               data_timestamp=data_timestamp)  # fmt: skip
    except TrialsError as exc:
        _fail(exc, EXIT_USAGE)
    except OSError as exc:
        _fail(TrialsError(f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port"), EXIT_USAGE)
    click.echo(
        f"fake ClinicalTrials.gov API on {server.base_url} ({len(server.api.corpus.studies)} studies)",
        err=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()


@main.command()
@click.option("--studies", type=click.IntRange(1), required=True, help="How many records to write.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="NDJSON (.gz) to write.")
def synth(studies: int, seed: int, out: Path) -> None:
    """Write a synthetic corpus of v2 records (marked synthetic) with realistic shapes."""
    from trials.source.synth import write_corpus

    n = write_corpus(out, studies=studies, seed=seed)
    click.echo(f"wrote {n} synthetic studies to {out}", err=True)


@main.command("db-upgrade")
@db_option
def db_upgrade(db_url: str | None) -> None:
    """Create or migrate the database schema."""
    _engine(db_url).dispose()
    click.echo("database schema is up to date", err=True)


def _engine(db_url: str | None) -> Engine:
    """For commands that write: the database, created or migrated to the current schema."""
    from db.engine import open_migrated

    try:
        return open_migrated(db_url)
    except TrialsError as exc:
        _fail(exc, EXIT_USAGE)


def _reader(db_url: str | None) -> Engine:
    """For commands that only read: the existing database, never created or migrated (else one line, exit 2)."""
    from db.engine import open_existing

    try:
        return open_existing(db_url)
    except TrialsError as exc:
        _fail(exc, EXIT_USAGE)


@main.command()
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
@db_option
def renormalize(progress: bool | None, db_url: str | None) -> None:
    """Re-apply normalisation, places, institutions and areas to the stored raw records (no network)."""
    from db.store import Store
    from trials.jobs.harvest import renormalize as run
    from trials.present.progress import LogProgress, RichProgress

    show = sys.stderr.isatty() if progress is None else progress
    engine = _engine(db_url)
    try:
        report = run(Store(engine), progress=RichProgress() if show else LogProgress())
    except TrialsError as exc:
        _fail(exc)
    finally:
        engine.dispose()
    _end(report)


@main.command()
@click.option("--region", default=None, metavar="NAME", help="Only sites in this region.")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@db_option
def sites(region: str | None, fmt: str, db_url: str | None) -> None:
    """Write every stored site with its place, regions and institution (CSV on stdout)."""
    from trials.present.curation import iter_sites, sites_csv

    engine = _reader(db_url)
    try:
        for chunk in sites_csv(iter_sites(engine, region)):
            sys.stdout.write(chunk)
    finally:
        engine.dispose()


@main.command()
@click.option("--unresolved", is_flag=True, required=True, help="List unresolved and low-confidence matches.")
@click.option("--region", default=None, metavar="NAME", help="Only sites in this region.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@db_option
def institutions(unresolved: bool, region: str | None, fmt: str, db_url: str | None) -> None:
    """Facility strings that need curation in trials/data/institutions.toml."""
    import csv as csv_mod

    from trials.present.curation import unresolved_institutions

    engine = _reader(db_url)
    try:
        rows = unresolved_institutions(engine, region)
    finally:
        engine.dispose()
    if fmt == "csv":
        w = csv_mod.DictWriter(sys.stdout, fieldnames=["place", "facility", "status", "institution_id",
                                                       "institution_name", "sites"], lineterminator="\n")  # fmt: skip
        w.writeheader()
        w.writerows(rows)
        return
    for r in rows:
        click.echo(f"{r['sites']:>5}  {r['place'][:24]:<24}  {r['status']:<6}  {r['facility'][:90]}")
    click.echo(f"{len(rows)} facility strings to curate", err=True)


def _filter_options(fn: Any) -> Any:
    """The study filters of ``trials rank`` and ``trials studies`` (parsed by :func:`trials.cli.rank.parse_filters`)."""
    for option in reversed([
        click.option("--phase", "phases", multiple=True, metavar="BUCKET",
                     help="early, phase2, phase3, phase4, not_applicable, observational, unknown (repeatable)."),
        click.option("--sponsor-class", "sponsor_classes", multiple=True, metavar="CLASS",
                     help="Lead sponsor class: INDUSTRY, OTHER, NIH, FED, OTHER_GOV, NETWORK, INDIV, ... "
                          "(repeatable)."),
        click.option("--sponsor", "sponsor_name", default=None, help="Lead sponsor name contains this text."),
        click.option("--area", "areas", multiple=True, metavar="AREA", help="Therapeutic area code (repeatable)."),
        click.option("--status", "statuses", multiple=True, metavar="STATUS", help="Overall status, e.g. RECRUITING."),
        click.option("--from", "year_from", type=int, default=None, help="First start year (inclusive)."),
        click.option("--to", "year_to", type=int, default=None, help="Last start year (inclusive)."),
        click.option("--date-field", type=click.Choice(["start", "first_posted"]), default="start",
                     show_default=True),
    ]):  # fmt: skip
        fn = option(fn)
    return fn


@main.command(epilog=counting_rules("en"))
@click.option("--by", "level", type=click.Choice(["institution", "site", "city", "region"]), default=None)
@click.option("--region", default=None, metavar="NAME", help="Only sites in this region.")
@_filter_options
@click.option(
    "--preset",
    type=click.Choice(["city-participation-2013-2022"]),
    default=None,
    help="A published search strategy (its own filters; shows Ruhr cities against the peers).",
)
@click.option("--limit", type=int, default=None, help="Show the first N rows.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@db_option
def rank(level: str | None, region: str | None, phases: tuple[str, ...], sponsor_classes: tuple[str, ...],
         sponsor_name: str | None, areas: tuple[str, ...], statuses: tuple[str, ...], year_from: int | None,
         year_to: int | None, date_field: str, preset: str | None, limit: int | None, fmt: str,
         db_url: str | None) -> None:  # fmt: skip
    """Rank institutions, sites, cities or regions by number of trials (counting rules below)."""
    from trials.cli.rank import RankArgs, run_rank

    args = RankArgs(level=level, region=region, phases=phases, sponsor_classes=sponsor_classes,
                    sponsor_name=sponsor_name, areas=areas, statuses=statuses, year_from=year_from,
                    year_to=year_to, date_field=date_field, preset=preset, limit=limit, fmt=fmt)  # fmt: skip
    engine = _reader(db_url)
    try:
        sys.stdout.write(run_rank(engine, args))
    except TrialsError as exc:
        _fail(exc, EXIT_USAGE)
    finally:
        engine.dispose()


@main.command()
@click.option("--region", default=None, metavar="NAME", help="Only studies with a site in this region.")
@_filter_options
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@db_option
def studies(region: str | None, phases: tuple[str, ...], sponsor_classes: tuple[str, ...], sponsor_name: str | None,
            areas: tuple[str, ...], statuses: tuple[str, ...], year_from: int | None, year_to: int | None,
            date_field: str, fmt: str, db_url: str | None) -> None:  # fmt: skip
    """Write one row per stored study (not removed) with its phases, sponsor, areas and the areas' evidence.

    Columns: nct_id, brief_title, overall_status, start_date, phases, lead_sponsor, sponsor_class, areas,
    area_evidence (lists |-separated; one evidence text "term -> tree/rule -> area" per area, in the order of
    areas). The filters are those of `trials rank`.
    """
    from trials.cli.studies import StudiesArgs, run_studies

    args = StudiesArgs(region=region, phases=phases, sponsor_classes=sponsor_classes, sponsor_name=sponsor_name,
                       areas=areas, statuses=statuses, year_from=year_from, year_to=year_to, date_field=date_field,
                       fmt=fmt)  # fmt: skip
    engine = _reader(db_url)
    try:
        sys.stdout.write(run_studies(engine, args))
    except TrialsError as exc:
        _fail(exc, EXIT_USAGE)
    finally:
        engine.dispose()


@main.command()
@click.option("--region", required=True, metavar="NAME", help="The region the deck sells (e.g. ruhr).")
@click.option("--peers", default=None, metavar="A,B,...", help="Comparison regions (default: Berlin, Hamburg, "
              "Munich, Cologne for a German region).")  # fmt: skip
@click.option("--area", default=None, metavar="AREA", help="Only trials in this therapeutic area (code).")
@click.option("--lang", type=click.Choice(["en", "de"]), default="en", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="deck.pptx (editable PowerPoint) or summary.pdf (one page).")  # fmt: skip
@db_option
def deck(region: str, peers: str | None, area: str | None, lang: str, out: Path, db_url: str | None) -> None:
    """Write the pitch deck (PowerPoint) or its one-page PDF summary, with sources."""
    from trials.cli.deck import run_deck

    if out.suffix.lower() not in (".pptx", ".pdf"):
        _fail(TrialsError(f"--out must end in .pptx or .pdf, not {out.name!r}"), EXIT_USAGE)
    engine = _reader(db_url)
    try:
        click.echo(f"wrote {run_deck(engine, region, peers, area, lang, out)}", err=True)
    except TrialsError as exc:
        _fail(exc, EXIT_USAGE)
    finally:
        engine.dispose()


@main.command()
@click.option(
    "--config",
    "schedule_path",
    default=None,
    metavar="FILE",
    help="Schedule file (default: $TRIALS_SCHEDULE_FILE or the built-in trials/data/schedule.toml).",
)
@click.option("--list", "list_only", is_flag=True, help="Show the jobs and when they run next, then exit.")
@db_option
def schedule(schedule_path: str | None, list_only: bool, db_url: str | None) -> None:
    """Run the scheduled refreshes (incremental harvest, reconciliation) until stopped."""  # fmt: skip
    import datetime as dt

    from db.engine import database_url
    from scheduler.app import create_scheduler, stop_scheduler, upcoming
    from scheduler.config import load_schedule

    try:
        plan = load_schedule(schedule_path)
    except TrialsError as exc:
        _fail(exc, EXIT_USAGE)
    click.echo(f"schedule: {plan.source} (timezone {plan.timezone})", err=True)
    for job in upcoming(plan, dt.datetime.now(dt.UTC)):
        nxt = ", ".join(t.strftime("%a %Y-%m-%d %H:%M %Z") for t in job["next"])
        click.echo(f"{job['id']:<22} {job['kind']:<12} cron '{job['cron']}'  next: {nxt}")
    if list_only:
        return
    try:
        sched = create_scheduler(database_url(db_url), plan, schedule_path)
    except TrialsError as exc:
        _fail(exc, EXIT_USAGE)
    click.echo("scheduler running; Ctrl-C stops it (jobs resume from the database on restart)", err=True)
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        stop_scheduler(sched, wait=False)
        sys.exit(EXIT_INTERRUPTED)


@main.command()
@click.option("--limit", type=int, default=30, show_default=True, help="Newest runs to show.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@db_option
def runs(limit: int, fmt: str, db_url: str | None) -> None:
    """The run log: every harvest, incremental run, skip and reconciliation, newest first."""
    import json

    from db.reader import Reader

    engine = _reader(db_url)
    rows = Reader(engine).runs(limit=limit)
    engine.dispose()
    if fmt == "json":
        click.echo(json.dumps(rows, default=str, indent=1))
        return
    if not rows:
        click.echo("no runs yet", err=True)
        return
    click.echo(f"{'id':>5}  {'started (UTC)':<19}  {'finished':<19}  {'mode':<11}  {'outcome':<11}  "
               f"{'data timestamp':<19}  {'req':>5}  {'new':>6}  {'upd':>6}  error")  # fmt: skip
    for r in rows:
        started = f"{r['started_at']:%Y-%m-%d %H:%M:%S}" if r["started_at"] else ""
        ended = f"{r['finished_at']:%Y-%m-%d %H:%M:%S}" if r["finished_at"] else "-"
        click.echo(f"{r['id']:>5}  {started:<19}  {ended:<19}  {r['mode']:<11}  {r['outcome']:<11}  "
                   f"{(r['data_timestamp'] or '-')[:19]:<19}  {r['requests'] or 0:>5}  {r['inserted'] or 0:>6}  "
                   f"{r['updated'] or 0:>6}  {(r['error'] or '')[:80]}")  # fmt: skip


def _api_options(fn: Any) -> Any:
    for option in reversed([
        click.option("--base-url", default=None, metavar="URL", help=BASE_URL_HELP),
        click.option("--rate", type=float, default=1.0, show_default=True, help="Requests per second (0 = no limit)."),
        click.option("--lock-wait", type=float, default=0.0, show_default=True, metavar="SECONDS",
                     help="Wait this long for a running harvest to finish; then exit 4."),
        db_option,
    ]):  # fmt: skip
        fn = option(fn)
    return fn


def _refresh_run(kind: str, base_url: str | None, rate: float, lock_wait: float, db_url: str | None) -> None:
    from trials.jobs.refresh_runs import incremental_harvest, reconcile
    from trials.rules.regions import configured_regions
    from trials.source.api import make_client

    engine = _engine(db_url)
    try:
        with make_client(base_url, rate=rate) as client:
            if kind == "update":
                report = incremental_harvest(engine, client, configured_regions(), lock_wait_s=lock_wait)
            else:
                report, marked = reconcile(engine, client, lock_wait_s=lock_wait)
                click.echo(f"{marked} stored studies are no longer returned by the registry (marked, kept)")
    except TrialsError as exc:
        _fail(exc, EXIT_LOCKED if isinstance(exc, LockHeld) else EXIT_FAILED)
    finally:
        engine.dispose()
    _end(report)


@main.command()
@_api_options
def update(base_url: str | None, rate: float, lock_wait: float, db_url: str | None) -> None:
    """The scheduled incremental harvest, now: skipped if the registry's data timestamp has not changed,
    else everything updated since the last good run (minus two days of overlap)."""
    _refresh_run("update", base_url, rate, lock_wait, db_url)


@main.command()
@_api_options
def reconcile(base_url: str | None, rate: float, lock_wait: float, db_url: str | None) -> None:
    """Re-fetch every stored study by NCT ID; mark (never delete) what the registry no longer returns."""
    _refresh_run("reconcile", base_url, rate, lock_wait, db_url)


@main.command()
@click.option("--preset", default="city-participation-2013-2022", show_default=True, help="The search strategy.")
@click.option("--countries", default=None, metavar="EU,US,...",
              help="ISO codes (EU = every member state); default: EU/EEA, UK, CH, US, CA, CN, JP, AU.")  # fmt: skip
@click.option("--base-url", default=None, metavar="URL", help=BASE_URL_HELP)
@click.option("--rate", type=float, default=1.0, show_default=True, help="Requests per second (0 = no limit).")
@db_option
def counts(preset: str, countries: str | None, base_url: str | None, rate: float, db_url: str | None) -> None:
    """Count trials per country and per region with one count-only query each (same filters as the preset)."""
    from trials.analytics.context import latest_counts, ranked
    from trials.jobs.counts import refresh_counts
    from trials.source.api import make_client

    engine = _engine(db_url)
    try:
        with make_client(base_url, rate=rate) as client:
            codes = [c for c in (countries or "").split(",") if c.strip()]
            report = refresh_counts(engine, client, preset=preset, country_codes=codes)
        table = ranked(latest_counts(engine, preset))
    except TrialsError as exc:
        _fail(exc, EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_FAILED)
    finally:
        engine.dispose()
    click.echo(f"{'scope':<8} {'name':<34} {'trials':>8} {'per 1M':>9}  rank  rank/1M")
    for r in table.iter_rows(named=True):
        per = "-" if r["per_million"] is None else f"{r['per_million']:.1f}"
        click.echo(f"{r['scope']:<8} {r['label'][:34]:<34} {r['total']:>8,} {per:>9}  {r['rank']:>4}  "
                   f"{r['rank_per_million'] or '-':>7}")  # fmt: skip
    click.echo(f"{report.rows} counts stored ({report.requests} requests, batch {report.batch})", err=True)
