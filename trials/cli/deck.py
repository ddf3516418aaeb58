"""``trials deck``: the app's filters, fresh European-context counts, the numbers, then the PowerPoint or the PDF."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from db.reader import Engine, Reader
from trials.analytics.context import counts_state, last_harvest, latest_counts
from trials.analytics.frames_cache import load_frames
from trials.analytics.rankings import studies_in
from trials.analytics.ties import CountryData, stored_country_data
from trials.cli.rank import FilterArgs, parse_filters
from trials.errors import TrialsError
from trials.present.deck_data import CountsInfo, NoMatch, deck_data
from trials.present.output import write_deck
from trials.rules.regions import Region, configured_regions, find_region


@dataclass
class DeckArgs(FilterArgs):
    """The options of ``trials deck``: the filters of ``trials rank`` (and the app), peers, language, output,
    and how the European-context counts may be refreshed."""

    peers: str | None = None
    lang: str = "en"
    out: Path = Path("deck.pptx")
    offline: bool = False  # never ask the registry: use the stored counts as they are (the methods slide says so)
    base_url: str | None = None
    rate: float = 1.0


@dataclass
class DeckResult:
    path: Path
    counts: CountsInfo


def fresh_counts(engine: Engine, args: DeckArgs, say: Callable[[str], None]) -> CountsInfo:
    """Make sure the stored count-only figures are there and not older than the latest harvest: when they are
    missing or stale, ask the registry (one count-only query per country and region) unless ``--offline``.

    A failed request leaves the stored counts as they were; the result says what happened, so the deck's
    methods slide can say it (a deck never silently loses or keeps an out-of-date context slide).
    """
    harvested = last_harvest(engine)
    state = counts_state(latest_counts(engine), harvested)
    if state == "current":
        return CountsInfo(state, "stored", harvested)
    if args.offline:
        say(f"country counts are {state} (offline: not asking the registry; the methods slide says so)")
        return CountsInfo(state, "offline", harvested)
    from db.lock import WRITER, run_lock
    from trials.jobs.counts import refresh_counts
    from trials.source.api import make_client

    say(f"country counts are {state}: asking the registry for them (one count-only query per country and region; "
        "--offline skips this)")  # fmt: skip
    try:
        # Storing counts is a write: it takes the writers' lock, and a running harvest means "not now".
        with run_lock(engine, WRITER, 0), make_client(args.base_url, rate=args.rate) as client:
            report = refresh_counts(engine, client)
    except (TrialsError, OSError) as exc:  # LockHeld is a TrialsError: the deck says the counts are stale
        say(f"warning: could not fetch the country counts: {exc}")
        return CountsInfo(state, "failed", harvested, str(exc))
    say(f"{report.rows} country and region counts stored ({report.requests} requests)")
    return CountsInfo("current", "fetched", harvested)


def run_deck(engine: Engine, args: DeckArgs, say: Callable[[str], None] = lambda _: None) -> DeckResult:
    """Check the options, refresh the European-context counts if needed, build the numbers, write the file."""
    regions = configured_regions()
    if not args.region:
        raise TrialsError("--region is required")
    f = parse_filters(args, regions)  # checks every value (and the region) before anything slow happens
    wanted = [p.strip() for p in args.peers.split(",") if p.strip()] if args.peers else None
    for p in wanted or []:
        find_region(regions, p)
    frames = load_frames(engine, regions)
    region = f.region or args.region
    if studies_in(frames, "region", f).height == 0:  # refuse before asking the registry for anything
        label = next(r.label for r in regions if r.name == region)
        raise NoMatch(f"no trials with a site in {label} match these filters: nothing to put in a deck "
                      "(widen the filters or choose another region)")  # fmt: skip
    info = fresh_counts(engine, args, say)
    data = deck_data(frames, regions, region, wanted, replace(f, region=None), args.lang,
                     Reader(engine).last_good_queries(), counts=latest_counts(engine), counts_info=info,
                     countries=_site_countries(engine, regions))  # fmt: skip
    return DeckResult(write_deck(data, args.out), info)


def _site_countries(engine: Engine, regions: list[Region]) -> CountryData:
    """The site countries for the deck's international-ties slide (cached beside the frames)."""
    return stored_country_data(engine, regions)
