"""The numbers of a pitch deck: the same analytics as the dashboard, gathered for one region and its peers.

Kept apart from the renderers (:mod:`trials.present.deck`, :mod:`trials.present.summary_pdf`) so the tests can
compare every chart's values with these numbers, and these with the analytics functions.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from trials.analytics.context import CountsState, ahead_of, on_one_scale, position_in_europe, share_of_country
from trials.analytics.metrics import HEADLINE, PARTIAL, PER_100K
from trials.analytics.rankings import (
    DEFAULT_PRESET,
    Filters,
    Frames,
    is_synthetic,
    mix,
    rank,
    sort_and_rank,
    studies_in,
    trend,
)
from trials.analytics.series import trend_window
from trials.analytics.specialisation import location_quotients
from trials.analytics.ties import CountryData, partner_countries, peer_ties
from trials.errors import ConfigError
from trials.present.country_names import country_name
from trials.present.labels import area_label, country_label, label, metric_label, phase_label, region_label
from trials.rules.areas import AREA_BY_CODE
from trials.rules.buckets import PHASE_BUCKETS
from trials.rules.regions import Region, default_peers, find_region

#: Years shown in the "industry-sponsored trials over time" chart.
#: Bars of the European-context chart: the region, its peers and its country always, then the European
#: countries with most trials per million (the caption says how many more were counted).
CONTEXT_BARS = 24
#: Recruiting trials listed (newest start first) where the recruiting institutions leave room.
RECRUITING_TRIALS = 12
#: The "strong relative to its size" slide: areas with at least this many of the region's trials (a quotient of
#: one or two trials says little), at most this many areas.
STRONG_MIN = 2
STRONG_AREAS = 8


class NoMatch(ConfigError):
    """The filters leave the region without a single trial: there is nothing to pitch."""


@dataclass(frozen=True)
class CountsInfo:
    """Where the European-context figures come from, so the methods slide can say it (never a silent change).

    ``state`` is that of the counts the deck uses (:func:`trials.analytics.context.counts_state`); ``how`` says
    what the caller did: ``stored`` (used what the database holds: the app), ``fetched`` (asked the registry
    for this deck), ``offline`` (``trials deck --offline``: did not ask), ``failed`` (asking failed: ``error``).
    """

    state: CountsState = "missing"
    how: str = "stored"
    harvested_at: dt.datetime | None = None  # the latest harvest: counts asked before it are stale
    error: str | None = None


@dataclass
class DeckData:
    region: str
    label: str
    peers: list[str]
    labels: dict[str, str]  # region key -> its name in ``lang`` (titles, tables, the methods slide)
    filters: Filters
    lang: str
    headline: pl.DataFrame  # key, name, the HEADLINE metrics' columns, rank (region + peers)
    phase_mix: pl.DataFrame  # phase_bucket, one column of trials per region key, phase_label (in ``lang``)
    areas: pl.DataFrame  # area, area_name (in ``lang``), trials (the region), rank_among_peers, peers_best
    top_institutions: pl.DataFrame  # name, trials, industry_trials, recruiting_now
    industry_by_year: pl.DataFrame  # year, then one column per region key
    recruiting: pl.DataFrame  # name, recruiting_now (the region's institutions recruiting now)
    recruiting_trials: pl.DataFrame  # nct_id, brief_title, lead_sponsor_name: the region's trials recruiting now
    populations: dict[str, int]  # region key -> inhabitants (the denominators of per 100,000)
    data_timestamp: str | None
    queries: list[str] = field(default_factory=list)
    synthetic: bool = False  # any synthetic record in the data: every page says so
    short: dict[str, str] = field(default_factory=dict)  # region key -> short name for charts ("Ruhr")
    # The European context, from count-only queries (trials.jobs.counts), None without stored counts:
    # key, scope, name (in ``lang``), role (region | peer | home | country), total, population, per_million;
    # most per million first, at most CONTEXT_BARS rows (``context_more``: European countries left out).
    context: pl.DataFrame | None = None
    context_more: int = 0
    context_more_max: float | None = None  # the most per million among the European countries left out
    country_position: dict[str, int] | None = None  # the region's country among the European countries
    share_of_country: float | None = None  # the region's studies / its country's, same search strategy
    country_code: str = "DE"
    country_label: str = ""  # the region's country in ``lang``
    country_per_million: float | None = None
    region_ahead_of: tuple[int, int] | None = None  # European countries with fewer per million, of how many
    counts_preset: str = DEFAULT_PRESET
    counts_asked_at: dt.datetime | None = None
    counts_timestamp: str | None = None  # the registry's data timestamp when the counts were asked
    count_queries: list[str] = field(default_factory=list)  # "name (total): parameters" of every figure used
    counts_info: CountsInfo = field(default_factory=CountsInfo)
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    # Where the region is strong relative to its size (issue 17): its areas with at least STRONG_MIN trials, by
    # location quotient against the peers (trials.analytics.specialisation): area, area_name, trials_in_area,
    # trials, share, peer_share, lq; strongest first, at most STRONG_AREAS rows. None: no slide.
    strong: pl.DataFrame | None = None
    # International ties of the region and its peers (trials.analytics.ties.peer_ties; the region first), when
    # the caller gave the site countries; None: no slide.
    ties: pl.DataFrame | None = None

    @property
    def mine(self) -> dict[str, object]:
        """The region's headline row."""
        return self.headline.filter(pl.col("key") == self.region).row(0, named=True)


def short_name(name: str) -> str:
    """A region's name without its explanation in brackets, for charts ("Ruhr (Regionalverband Ruhr)" -> "Ruhr")."""
    head = name.split(" (", 1)[0].strip()
    return head or name


@dataclass
class _Context:
    table: pl.DataFrame | None = None
    more: int = 0
    more_max: float | None = None
    position: dict[str, int] | None = None
    share: float | None = None
    country_per_million: float | None = None
    ahead: tuple[int, int] | None = None
    asked_at: dt.datetime | None = None
    timestamp: str | None = None
    queries: list[str] = field(default_factory=list)


def _context(counts: pl.DataFrame | None, region: Region, peers: Sequence[str], short: dict[str, str],
             lang: str) -> _Context:  # fmt: skip
    """The European context from stored count-only queries, when there are any for this region and its country."""
    code = region.country
    if not code or counts is None or counts.height == 0 or region.name not in counts["key"].to_list():
        return _Context()
    scale = on_one_scale(counts, [region.name, *peers])
    roles = {region.name: "region", **{p: "peer" for p in peers}, code: "home"}
    names = {k: short.get(k, short_name(lab)) if scope == "region" else country_label(k, lang, lab)
             for k, scope, lab in scale.select("key", "scope", "label").iter_rows()}  # fmt: skip
    scale = scale.with_columns(
        pl.col("key").replace_strict(roles, default="country").alias("role"),
        pl.col("key").replace_strict(names, return_dtype=pl.String).alias("name"),
    )
    country = pl.col("role") == "country"
    room = max(CONTEXT_BARS - scale.filter(~country).height, 0)
    shown_rows = ~country | (country.cast(pl.Int64).cum_sum() <= room)  # every country up to the room, in order
    scale = scale.with_columns(shown_rows.alias("shown"))
    shown = scale.filter(pl.col("shown"))
    left_out = scale.filter(~pl.col("shown"))["per_million"].drop_nulls()
    home = scale.filter(pl.col("key") == code)["per_million"]
    stamps = counts["data_timestamp"].drop_nulls()
    return _Context(
        table=shown.select("key", "scope", "name", "role", "total", "population", "per_million"),
        more=scale.height - shown.height,
        more_max=_number(left_out.max()),
        position=position_in_europe(counts, code),
        # a share of the country only for a region within it (Medicon Valley's Swedish places are not Denmark's)
        share=share_of_country(counts, region.name, code) if all(p.country == code for p in region.places) else None,
        country_per_million=_number(home[0]) if home.len() else None,
        ahead=ahead_of(counts, region.name),
        asked_at=_when(counts["asked_at"].max()),
        timestamp=str(stamps.max()) if stamps.len() else None,
        queries=[f"{r['name']} ({r['total']:,}): {_params(r['query'])}" for r in scale.iter_rows(named=True)],
    )


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _when(value: object) -> dt.datetime | None:
    return value if isinstance(value, dt.datetime) else None


def _params(query: str) -> str:
    """A stored count query (JSON of the parameters) as ``param=value`` pairs."""
    try:
        params = json.loads(query)
    except (TypeError, ValueError):
        return str(query)
    return " ".join(f"{k}={v}" for k, v in sorted(params.items())) if isinstance(params, dict) else str(query)


def _wide(parts: dict[str, pl.DataFrame], index: str, order: Sequence[str] | Sequence[int]) -> pl.DataFrame:
    """One column of trials per region key, rows in ``order``, zeros where a region has none."""
    out = pl.DataFrame({index: list(order)})
    for key, frame in parts.items():
        out = out.join(frame.rename({"trials": key}), on=index, how="left")
    return out.fill_null(0)


def deck_data(
    frames: Frames,
    regions: Sequence[Region],
    region: str,
    peers: Sequence[str] | None = None,
    filters: Filters | None = None,
    lang: str = "en",
    queries: Sequence[str] = (),
    today: dt.date | None = None,
    counts: pl.DataFrame | None = None,
    counts_info: CountsInfo | None = None,
    countries: CountryData | None = None,
) -> DeckData:
    """Every number of the deck; raises :class:`NoMatch` when the region has no trial under the filters.

    ``filters`` are the dashboard's (phase, sponsor, area, status, study type, years); their region is
    ignored because the deck always shows the region against its peers. ``counts`` are the stored count-only
    figures (:func:`trials.analytics.context.latest_counts`) and ``counts_info`` where they come from.
    """
    by_name = {r.name: r for r in regions}
    region = find_region(regions, region).name
    chosen = [find_region(regions, p).name for p in peers] if peers else default_peers(by_name[region], regions)
    chosen = [p for p in chosen if p != region]
    keys = [region, *chosen]
    f = replace(filters or Filters(), region=None)
    everyone = rank(frames, "region", f)
    labels = {k: region_label(k, by_name[k].label, lang) for k in keys}
    short = {k: short_name(v) for k, v in labels.items()}
    if len(set(short.values())) < len(short):  # two regions would look alike in a chart: keep the full names
        short = dict(labels)
    shown = everyone.filter(pl.col("key").is_in(keys)).with_columns(pl.col("key").cast(pl.String))
    pops = frames.populations.get("region", {})
    missing = [k for k in keys if k not in shown["key"].to_list()]  # no trial under the filters: a row of zeros
    zeros = pl.DataFrame(
        {"key": missing, **{m.column: [0.0 if m is PER_100K and pops.get(k) else None if m is PER_100K else 0
                                       for k in missing] for m in HEADLINE}},
        schema={"key": pl.String, **{m.column: shown.schema[m.column] for m in HEADLINE}},
    )  # fmt: skip
    headline = (
        pl.concat([shown.select("key", *(m.column for m in HEADLINE)), zeros])
        .with_columns(pl.col("key").replace_strict(labels).alias("name"))
        .pipe(sort_and_rank)
        .select("key", "name", *(m.column for m in HEADLINE), "rank")
    )
    if headline.filter((pl.col("key") == region) & (pl.col("trials") > 0)).height == 0:
        raise NoMatch(
            f"no trials with a site in {by_name[region].label} match these filters: nothing to put in a deck "
            "(widen the filters or choose another region)"
        )
    phase_parts = {k: mix(frames, "region", f, "phase_bucket", key=k) for k in keys}
    phase_mix = _wide(phase_parts, "phase_bucket", PHASE_BUCKETS)
    phase_mix = phase_mix.filter(pl.sum_horizontal(keys) > 0)
    area_parts = {k: mix(frames, "region", f, "area", key=k) for k in keys}
    areas = _wide(area_parts, "area", list(AREA_BY_CODE))
    peer_cols = [pl.col(k) for k in chosen]
    area_names = {c: area_label(c, lang) for c in AREA_BY_CODE}
    areas = (
        areas.with_columns(
            (1 + pl.sum_horizontal([(c > pl.col(region)).cast(pl.Int64) for c in peer_cols] or [pl.lit(0)])).alias(
                "rank_among_peers"
            ),
            pl.max_horizontal(peer_cols or [pl.lit(0)]).alias("peers_best"),
            pl.col("area").replace_strict(area_names).alias("area_name"),
            *(pl.col(k).alias(f"k:{k}") for k in keys),
        )
        .filter(pl.col(region) > 0)
        .rename({region: "trials"})
        .select("area", "area_name", "trials", "rank_among_peers", "peers_best", *(f"k:{k}" for k in keys))
        .sort(["rank_among_peers", "trials", "area"], descending=[False, True, False])
    )
    in_region = replace(f, region=region)
    # Institutions in the region only: never one outside the configured regions, whose counts would be partial
    # (trials.analytics.metrics.PARTIAL); the region filter already keeps them out, the flag makes it explicit.
    complete = ~pl.col(PARTIAL)
    top = (
        rank(frames, "institution", in_region).filter(complete).head(10)
        .select("name", "trials", "industry_trials", "recruiting_now")
    )  # fmt: skip
    year = (today or dt.date.today()).year
    # By start year: the filter's start years when it has them, else the last series.TREND_YEARS years (a window of
    # first-posted years stays a filter; the chart still runs along start years).
    first, last = trend_window(f, year)
    industry = replace(f, sponsor_classes=("INDUSTRY",))
    if f.date_field == "start":
        industry = replace(industry, year_from=first, year_to=last)
    series = trend(frames, "region", replace(industry, region=None), keys)
    by_year = {k: series.filter(pl.col("key") == k).select("year", "trials") for k in keys}
    years = list(range(first, last + 1))
    industry_by_year = _wide(by_year, "year", years)
    # Recruiting now as everywhere: by each site's own status (the study's overall status where a site has none).
    recruiting = (
        rank(frames, "institution", in_region)
        .filter(complete & (pl.col("recruiting_now") > 0))
        .sort(["recruiting_now", "name"], descending=[True, False])
        .select("name", "recruiting_now")
        .head(10)
    )
    ctx = _context(counts, by_name[region], chosen, short, lang)
    strong, ties = _strong_and_ties(frames, f, region, chosen, lang, countries)
    code = by_name[region].country
    return DeckData(
        context=ctx.table,
        context_more=ctx.more,
        context_more_max=ctx.more_max,
        country_position=ctx.position,
        share_of_country=ctx.share,
        country_code=code,
        country_label=country_label(code, lang) if code else "",
        country_per_million=ctx.country_per_million,
        region_ahead_of=ctx.ahead,
        counts_asked_at=ctx.asked_at,
        counts_timestamp=ctx.timestamp,
        count_queries=ctx.queries,
        counts_info=counts_info or CountsInfo(state="missing" if counts is None or counts.height == 0 else "current"),
        short=short,
        region=region,
        label=labels[region],
        peers=chosen,
        labels=labels,
        filters=f,
        lang=lang,
        headline=headline,
        phase_mix=phase_mix.with_columns(
            pl.col("phase_bucket").replace_strict({b: phase_label(b, lang) for b in PHASE_BUCKETS}).alias("phase_label")
        ),
        areas=areas,
        top_institutions=top,
        industry_by_year=industry_by_year,
        recruiting=recruiting,
        recruiting_trials=studies_in(frames, "region", replace(in_region, statuses=("RECRUITING",)))
        .sort(["start_date", "nct_id"], descending=[True, False], nulls_last=True)
        .select("nct_id", "brief_title", "lead_sponsor_name")
        .head(RECRUITING_TRIALS),
        populations={k: int(frames.populations.get("region", {}).get(k) or 0) for k in keys},
        data_timestamp=frames.data_timestamp,
        queries=list(queries),
        synthetic=is_synthetic(frames),
        strong=strong,
        ties=ties,
    )


def _strong_and_ties(frames: Frames, f: Filters, region: str, peers: Sequence[str], lang: str,
                     countries: CountryData | None) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:  # fmt: skip
    """The region's location quotients against the deck's peers (areas with at least STRONG_MIN trials, strongest
    first), and the ties of the region and its peers when the site countries are given."""
    strong = None
    if peers:
        lq = location_quotients(frames, "region", f, peers, [region])
        strong = (
            lq.filter((pl.col("trials_in_area") >= STRONG_MIN) & pl.col("lq").is_not_null())
            .with_columns(pl.col("area").replace_strict({c: area_label(c, lang) for c in AREA_BY_CODE},
                                                        default=pl.col("area")).alias("area_name"))
            .select("area", "area_name", "trials_in_area", "trials", "share", "peer_share", "lq")
            .head(STRONG_AREAS)
        )  # fmt: skip
    ties = None
    if countries is not None:
        ties = peer_ties(frames, countries, f, region, peers)
        partners = {}
        for k in ties["key"].to_list():
            top = partner_countries(frames, countries, "region", f, k).head(3).select("country", "trials").rows()
            partners[k] = "; ".join(f"{country_name(c, lang)} ({n})" for c, n in top)
        ties = ties.with_columns(pl.col("key").replace_strict(partners, default="").alias("top_partners"))
    return strong, ties


def headline_header(lang: str) -> list[str]:
    """The headline table's header as the deck and the PDF show it: rank, region, the headline metrics."""
    return [label("rank", lang), label("region", lang), *(metric_label(m, lang) for m in HEADLINE)]


def headline_rows(data: DeckData) -> list[list[str]]:
    """The headline table's rows (region and peers), each metric in its number format and the deck's language."""
    return [[str(r["rank"]), str(r["name"]), *(m.format(r[m.column], data.lang) for m in HEADLINE)]
            for r in data.headline.iter_rows(named=True)]  # fmt: skip
