"""The ``trials`` command. Each command parses options and calls one function; no logic lives here.

Exit codes: 0 success; 1 the run failed (previous data intact); 2 bad usage or configuration (also an
unusable database URL, an unreadable input file, an unwritable output, a full disk); 3 finished with
warnings (count mismatch or quarantined records); 4 another writer holds the lock; 130 interrupted
(Ctrl-C); 143 stopped by SIGTERM (handled like Ctrl-C: the run is marked interrupted, the lock released).
"""

from __future__ import annotations

import errno
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from db.lock import LockHeld
from trials.cli import signals
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
rate_option = click.option(
    "--rate", type=click.FloatRange(min=0), default=1.0, show_default=True, help="Requests per second (0 = no limit)."
)
lock_wait_option = click.option(
    "--lock-wait", type=click.FloatRange(min=0), default=0.0, show_default=True, metavar="SECONDS",
    help="Wait this long for a running writer (harvest, update, reconcile, renormalize, counts; scheduled or "
         "manual) to finish; then exit 4.",
)  # fmt: skip


def _end(report: Any) -> None:
    """Print a run's summary and exit with the code of its outcome (an interrupted run: 130, or 143 for SIGTERM)."""
    click.echo(report.summary())
    if report.outcome == "interrupted":
        sys.exit(signals.interrupted_exit_code())
    sys.exit(OUTCOME_EXIT.get(report.outcome, EXIT_FAILED))


def _fail(exc: TrialsError, code: int = EXIT_FAILED) -> NoReturn:
    click.echo(f"error: {exc}", err=True)
    sys.exit(code)


def _os_error(exc: OSError) -> str:
    """One line for an operating-system error (a full disk, an unwritable file, a missing folder)."""
    where = f" {exc.filename}" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return (
            f"the disk is full (no space left on device) writing{where or ' the output'}: free some space and run again"
        )
    return f"{exc.strerror or exc}{':' + where if where else ''}"


def _disk_full(exc: BaseException) -> bool:
    """A database error that means the disk (or the database's size limit) is full, on SQLite or PostgreSQL."""
    orig = getattr(exc, "orig", None)
    return "database or disk is full" in str(orig) or getattr(orig, "sqlstate", None) == "53100"


class _Main(click.Group):
    """The ``trials`` group: SIGTERM handled like Ctrl-C, and environment failures as one line, not a traceback.

    Ctrl-C (also while the options are read) exits 130, SIGTERM 143; a full disk or an unwritable file
    exits 2 with one line. Anything else unexpected still shows its traceback (a bug to report).
    """

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            sys.exit(signals.interrupted_exit_code())

    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import OperationalError

        restore = signals.install()
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a full disk or a closed pipe on stdout shows here, not at interpreter exit
            return result
        except KeyboardInterrupt as exc:
            click.echo(f"\ninterrupted: {exc or 'stopped by the user (Ctrl-C)'}", err=True)
            sys.exit(signals.interrupted_exit_code())
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # click ends quietly on a closed pipe (`trials sites | head`)
            _fail(TrialsError(_os_error(exc)), EXIT_USAGE)
        except OperationalError as exc:
            if not _disk_full(exc):
                raise
            _fail(TrialsError("the database's disk is full (database or disk is full): free some space and run "
                              "again; pages written before are intact"), EXIT_USAGE)  # fmt: skip
        finally:
            restore()


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option("--rate", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Requests per second (0 = no limit).")  # fmt: skip
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              help="Seconds per request.")  # fmt: skip
@click.option("--retries", type=click.IntRange(min=1), default=6, show_default=True,
              help="Attempts per request before failing.")  # fmt: skip
@click.option("--retry-wait", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="First backoff in seconds.")  # fmt: skip
@click.option("--retry-wait-max", type=click.FloatRange(min=0), default=30.0, show_default=True,
              help="Longest backoff in seconds.")  # fmt: skip
@click.option("--page-size", type=click.IntRange(1, 1000), default=1000, show_default=True)
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
@lock_wait_option
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


@main.command("check-api")
@click.option("--base-url", default=None, metavar="URL", help=BASE_URL_HELP)
@click.option(
    "--region", "regions", multiple=True, metavar="NAME", help="Check this region (repeatable; default: all)."
)
@click.option("--regions-file", type=click.Path(path_type=Path), default=None, help="Region definitions (TOML).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=20.0, show_default=True, help="Seconds per request.")
@click.option("--rate", type=float, default=1.0, show_default=True, help="Requests per second (0 = no limit).")
@click.option("--for-run", is_flag=True, help="./run's mode: on failure, print the dashboard banner's notice on "
              "stdout and exit 3 when the database holds data, else say how to run offline and exit 1.")  # fmt: skip
@db_option
def check_api(base_url: str | None, regions: tuple[str, ...], regions_file: Path | None, timeout: float, rate: float,
              for_run: bool, db_url: str | None) -> None:  # fmt: skip
    """Can the registry be harvested from here? Asks /version, one page and one count per region and says
    in plain words what fails (DNS, proxy, TLS, a CDN block, rate limits, a changed response shape) and what
    to try. Exit 0 when everything answers as the harvester expects, 1 when not."""
    from trials.cli.checkapi import decide_for_run, run_check
    from trials.rules.regions import load_regions, select_regions
    from trials.settings import get_settings

    try:
        chosen = select_regions(load_regions(regions_file or get_settings().regions_file), list(regions))
        url = base_url or get_settings().base_url
    except TrialsError as exc:
        _fail(exc, EXIT_USAGE)
    report = run_check(url, chosen, timeout_s=timeout, rate=rate)
    for line in report.lines():
        click.echo(line, err=for_run)
    if not for_run:
        sys.exit(EXIT_OK if report.ok else EXIT_FAILED)
    decision = decide_for_run(report, *_stored_data(db_url))
    if decision.action == "harvest":
        sys.exit(EXIT_OK)
    click.echo(decision.message, err=True)
    if decision.action == "dashboard":
        click.echo(decision.notice)
        sys.exit(EXIT_WARNING)
    sys.exit(EXIT_FAILED)


def _stored_data(db_url: str | None) -> tuple[Any, int]:
    """(start of the last good harvest, stored studies) of an existing database; (None, 0) when there is none."""
    from db.engine import open_existing
    from db.reader import Reader

    try:
        engine = open_existing(db_url)
    except TrialsError:
        return None, 0
    try:
        reader = Reader(engine)
        good = [r["started_at"] for r in reader.runs(limit=100) if r["outcome"] in ("success", "warning")]
        return (good[0] if good else None), reader.table_counts().get("studies", 0)
    finally:
        engine.dispose()


@main.command("fake-api")
@click.option(
    "--corpus",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="NDJSON of v2 study records (.gz accepted).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0 = any free port.")
@click.option("--faults", default=None, metavar="SPEC", help="Fault switches, e.g. '429:2,503,drop,slow'.")
@click.option("--slow-seconds", type=click.FloatRange(min=0), default=5.0, show_default=True,
              help="Delay of the 'slow' fault.")  # fmt: skip
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

    try:
        n = write_corpus(out, studies=studies, seed=seed)
    except OSError as exc:
        _fail(TrialsError(f"--out: cannot write {out}: {_os_error(exc)}"), EXIT_USAGE)
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
@lock_wait_option
@db_option
def renormalize(progress: bool | None, lock_wait: float, db_url: str | None) -> None:
    """Re-apply normalisation, places, institutions and areas to the stored raw records (no network).

    Takes the writers' lock, so it never runs during a harvest (it would write back records the harvest replaced).
    """
    from db.lock import WRITER, run_lock
    from db.store import Store
    from trials.jobs.harvest import renormalize as run
    from trials.present.progress import LogProgress, RichProgress

    show = sys.stderr.isatty() if progress is None else progress
    engine = _engine(db_url)
    try:
        with run_lock(engine, WRITER, lock_wait):
            report = run(Store(engine), progress=RichProgress() if show else LogProgress())
    except LockHeld as exc:
        _fail(exc, EXIT_LOCKED)
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
    """Write every stored site with its place, regions and institution (CSV on stdout; cells neutralised against
    spreadsheet formulas)."""
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
    """Facility strings that need curation in trials/data/institutions.toml (CSV cells neutralised against formulas)."""
    from trials.present.curation import unresolved_csv, unresolved_institutions

    engine = _reader(db_url)
    try:
        rows = unresolved_institutions(engine, region)
    finally:
        engine.dispose()
    if fmt == "csv":
        sys.stdout.write(unresolved_csv(rows))
        return
    for r in rows:
        click.echo(f"{r['sites']:>5}  {r['place'][:24]:<24}  {r['status']:<6}  {r['facility'][:90]}")
    click.echo(f"{len(rows)} facility strings to curate", err=True)


def _filter_options(fn: Any) -> Any:
    """The study filters of ``trials rank``, ``trials studies`` and ``trials deck`` (parsed by
    :func:`trials.cli.rank.parse_filters`)."""
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
@click.option("--metric", "metrics", multiple=True, metavar="NAME",
              help="Append a site-intelligence column after key (repeatable): sponsor_hhi, multinational_share, "
                   "foreign_sponsor_share, industry_share, phase1_trials, completed_share, lq:<area> (with --region), "
                   "...; an unknown name lists them all.")  # fmt: skip
@click.option("--sort-by", default=None, metavar="COLUMN", help="Order the rows by this column, largest first "
              "(the rank column still ranks by trials).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@db_option
def rank(level: str | None, region: str | None, phases: tuple[str, ...], sponsor_classes: tuple[str, ...],
         sponsor_name: str | None, areas: tuple[str, ...], statuses: tuple[str, ...], year_from: int | None,
         year_to: int | None, date_field: str, preset: str | None, limit: int | None, metrics: tuple[str, ...],
         sort_by: str | None, fmt: str, db_url: str | None) -> None:  # fmt: skip
    """Rank institutions, sites, cities or regions by number of trials (counting rules below)."""
    from trials.cli.rank import RankArgs, run_rank

    args = RankArgs(level=level, region=region, phases=phases, sponsor_classes=sponsor_classes,
                    sponsor_name=sponsor_name, areas=areas, statuses=statuses, year_from=year_from,
                    year_to=year_to, date_field=date_field, preset=preset, limit=limit, fmt=fmt,
                    metrics=metrics, sort_by=sort_by)  # fmt: skip
    _write_read_only(db_url, lambda engine: run_rank(engine, args))


def _write_read_only(db_url: str | None, render: Callable[[Engine], str]) -> None:
    """Open the database read-only, write what ``render`` makes of it to stdout; bad options exit 2 in one line."""
    engine = _reader(db_url)
    try:
        sys.stdout.write(render(engine))
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
    _write_read_only(db_url, lambda engine: run_studies(engine, args))


@main.command()
@click.option("--region", default=None, metavar="NAME", help="Only investigators at a site in this region.")
@click.option(
    "--institution",
    default=None,
    metavar="NAME-OR-ID",
    help="Only this institution: its id (e.g. de-essen-uk), else any whose name contains the text.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@db_option
def investigators(region: str | None, institution: str | None, fmt: str, db_url: str | None) -> None:
    """Investigators per person and role: site principal and sub-investigators and overall officials, with their
    institution, city, trials (NCT IDs), first and last harvest that listed them, and since when the registry no
    longer lists them (kept: the registry deletes them when a site closes).

    A person is a name with titles and degrees stripped, within one institution: never merged across institutions
    or on a similar name. No phone numbers or e-mail addresses are stored. Read-only.
    """
    from trials.cli.investigators import InvestigatorArgs, run_investigators

    args = InvestigatorArgs(region=region, institution=institution, fmt=fmt)
    _write_read_only(db_url, lambda engine: run_investigators(engine, args))


@main.command()
@click.option("--region", required=True, metavar="NAME", help="The region the deck sells (e.g. ruhr).")
@click.option("--peers", default=None, metavar="A,B,...", help="Comparison regions (default: the region's peers in "
              "the region file; Berlin, Hamburg, Munich, Cologne for the Ruhr).")  # fmt: skip
@_filter_options
@click.option("--study-type", "study_types", multiple=True, metavar="TYPE",
              help="INTERVENTIONAL, OBSERVATIONAL or EXPANDED_ACCESS (repeatable).")  # fmt: skip
@click.option("--lang", type=click.Choice(["en", "de"]), default="en", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="deck.pptx (editable PowerPoint) or summary.pdf (one page).")  # fmt: skip
@click.option("--offline", is_flag=True, help="Never ask the registry: use the stored country counts as they are "
              "(missing or older than the harvest: the methods slide says so).")  # fmt: skip
@click.option("--base-url", default=None, metavar="URL", help=BASE_URL_HELP + " For the country counts.")
@click.option("--rate", type=float, default=1.0, show_default=True, help="Requests per second (0 = no limit).")
@db_option
def deck(region: str, peers: str | None, phases: tuple[str, ...], sponsor_classes: tuple[str, ...],
         sponsor_name: str | None, areas: tuple[str, ...], statuses: tuple[str, ...], year_from: int | None,
         year_to: int | None, date_field: str, study_types: tuple[str, ...], lang: str, out: Path, offline: bool,
         base_url: str | None, rate: float, db_url: str | None) -> None:  # fmt: skip
    """Write the pitch deck (PowerPoint) or its one-page PDF summary, with sources.

    The filters are those of `trials rank` and the app; the methods slide states them in words. The deck's
    European context comes from the stored country counts; when they are missing or older than the latest
    harvest the command asks the registry for them first (about 50 count-only requests), unless --offline.
    Exit code 3: the deck was written, but the country counts could not be fetched (the methods slide says so).
    """
    from trials.cli.deck import DeckArgs, run_deck

    if out.suffix.lower() not in (".pptx", ".pdf"):
        _fail(TrialsError(f"--out must end in .pptx or .pdf, not {out.name!r}"), EXIT_USAGE)
    args = DeckArgs(region=region, peers=peers, phases=phases, sponsor_classes=sponsor_classes,
                    sponsor_name=sponsor_name, areas=areas, statuses=statuses, year_from=year_from, year_to=year_to,
                    date_field=date_field, study_types=study_types, lang=lang, out=out, offline=offline,
                    base_url=base_url, rate=rate)  # fmt: skip
    engine = _reader(db_url)
    try:
        result = run_deck(engine, args, say=lambda line: click.echo(line, err=True))
    except TrialsError as exc:
        _fail(exc, EXIT_USAGE)
    finally:
        engine.dispose()
    click.echo(f"wrote {result.path}", err=True)
    if result.counts.how == "failed":
        sys.exit(EXIT_WARNING)


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
    from scheduler.app import create_scheduler, stop_now, upcoming
    from scheduler.config import load_schedule

    try:
        plan = load_schedule(schedule_path)
    except TrialsError as exc:
        _fail(exc, EXIT_USAGE)
    click.echo(f"schedule: {plan.source} (timezone {plan.timezone}; cron weekdays as in crontab: 0 and 7 are "
               "Sunday)", err=True)  # fmt: skip
    for job in upcoming(plan, dt.datetime.now(dt.UTC)):
        nxt = ", ".join(t.strftime("%a %Y-%m-%d %H:%M %Z") for t in job["next"])
        click.echo(f"{job['id']:<22} {job['kind']:<12} cron '{job['cron']}' ({job['weekdays']})  next: {nxt}")
    if list_only:
        return
    try:
        url = database_url(db_url)
        sched = create_scheduler(url, plan, schedule_path)
    except TrialsError as exc:
        _fail(exc, EXIT_USAGE)
    click.echo("scheduler running; Ctrl-C or SIGTERM stops it (jobs resume from the database on restart)", err=True)
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit) as exc:
        reason = str(exc) if isinstance(exc, KeyboardInterrupt) and str(exc) else "stopped by the user (Ctrl-C)"
        code = signals.interrupted_exit_code()
        if stop_now(sched, url, reason):  # a job was running in a worker thread: do not wait for it
            click.echo(f"scheduler stopped during a job: its run is marked interrupted ({reason})", err=True)
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        sys.exit(code)


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
        rate_option,
        lock_wait_option,
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
        _fail(exc, _exit_code_of(exc))
    finally:
        engine.dispose()
    _end(report)


def _exit_code_of(exc: TrialsError) -> int:
    """4 for a held lock, 2 for configuration (a region, the database), else 1 (the run failed)."""
    if isinstance(exc, LockHeld):
        return EXIT_LOCKED
    return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_FAILED


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
@rate_option
@lock_wait_option
@db_option
def counts(preset: str, countries: str | None, base_url: str | None, rate: float, lock_wait: float,
           db_url: str | None) -> None:  # fmt: skip
    """Count trials per country and per region with one count-only query each (same filters as the preset).

    Takes the writers' lock, like harvest, update, reconcile and renormalize."""
    from db.lock import WRITER, run_lock
    from trials.analytics.context import latest_counts, ranked
    from trials.jobs.counts import refresh_counts
    from trials.source.api import make_client

    engine = _engine(db_url)
    try:
        with run_lock(engine, WRITER, lock_wait), make_client(base_url, rate=rate) as client:
            codes = [c for c in (countries or "").split(",") if c.strip()]
            report = refresh_counts(engine, client, preset=preset, country_codes=codes)
        table = ranked(latest_counts(engine, preset))
    except TrialsError as exc:
        _fail(exc, _exit_code_of(exc))
    finally:
        engine.dispose()
    click.echo(f"{'scope':<8} {'name':<34} {'trials':>8} {'per 1M':>9}  rank  rank/1M")
    for r in table.iter_rows(named=True):
        per = "-" if r["per_million"] is None else f"{r['per_million']:.1f}"
        click.echo(f"{r['scope']:<8} {r['label'][:34]:<34} {r['total']:>8,} {per:>9}  {r['rank']:>4}  "
                   f"{r['rank_per_million'] or '-':>7}")  # fmt: skip
    click.echo(f"{report.rows} counts stored ({report.requests} requests, batch {report.batch})", err=True)


@main.command()
@click.option("--yes", is_flag=True, help="Clear the lock without asking.")
@db_option
def unlock(yes: bool, db_url: str | None) -> None:
    """Clear the writers' lock left by a process that no longer runs (e.g. in a container that was replaced).

    Shows who holds the lock (host, process, since when) and asks before clearing it; the holder's runs still
    marked running are marked interrupted. A live process of this host is never unlocked; on PostgreSQL the
    server releases the lock by itself when the holding process ends.
    """
    from db.lock import clear_lock, lock_holder

    engine = _reader(db_url)
    try:
        holder = lock_holder(engine)
        if holder is None:
            click.echo("no lock is held: nothing to clear", err=True)
            return
        if holder.kind == "advisory":
            why = (f"the lock is held by {holder.describe()} (PostgreSQL advisory lock): the server releases it when "
                   "that process ends; stop that process if it hangs")  # fmt: skip
            _fail(TrialsError(why), EXIT_LOCKED)
        if holder.local and not holder.dead:
            why = (f"the lock is held by {holder.describe()}, a process of this host that is still running: wait "
                   "for it, or stop it (it releases the lock as it ends)")  # fmt: skip
            _fail(TrialsError(why), EXIT_LOCKED)
        state = "has ended" if holder.dead else "cannot be checked from here"
        click.echo(f"the lock is held by {holder.describe()}; that process {state}.", err=True)
        if not yes:
            try:
                ok = click.confirm("Clear the lock? Only if that process no longer runs", default=False, err=True)
            except click.Abort:
                ok = False
            if not ok:
                click.echo("the lock was left as it is", err=True)
                sys.exit(EXIT_FAILED)
        if not clear_lock(engine, holder):
            _fail(TrialsError("the lock changed hands meanwhile: nothing was cleared; run `trials unlock` again"),
                  EXIT_LOCKED)  # fmt: skip
        click.echo(f"cleared the lock of pid {holder.pid} on host {holder.host}", err=True)
    finally:
        engine.dispose()
