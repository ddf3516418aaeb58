"""The numbers of a pitch deck: the same analytics as the dashboard, gathered for one region and its peers.

Kept apart from the renderers (:mod:`trials.present.deck`, :mod:`trials.present.summary_pdf`) so the tests can
compare every chart's values with these numbers, and these with the analytics functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from trials.analytics.context import EUROPE, position_in_europe, ranked, share_of_country
from trials.analytics.metrics import HEADLINE, PARTIAL
from trials.analytics.rankings import Filters, Frames, mix, rank, sort_and_rank, trend
from trials.errors import ConfigError
from trials.present.labels import area_label, label, metric_label, phase_label, region_label
from trials.rules.areas import AREA_BY_CODE
from trials.rules.buckets import PHASE_BUCKETS
from trials.rules.regions import Region, default_peers, find_region

#: Years shown in the "industry-sponsored trials over time" chart.
TREND_YEARS = 15


class NoMatch(ConfigError):
    """The filters leave the region without a single trial: there is nothing to pitch."""


@dataclass
class DeckData:
    region: str
    label: str
    peers: list[str]
    labels: dict[str, str]
    filters: Filters
    lang: str
    headline: pl.DataFrame  # key, name, the HEADLINE metrics' columns, rank (region + peers)
    phase_mix: pl.DataFrame  # phase_bucket, one column of trials per region key, phase_label (in ``lang``)
    areas: pl.DataFrame  # area, area_name (in ``lang``), trials (the region), rank_among_peers, peers_best
    top_institutions: pl.DataFrame  # name, trials, industry_trials, recruiting_now
    industry_by_year: pl.DataFrame  # year, then one column per region key
    recruiting: pl.DataFrame  # name, recruiting_now (the region's institutions recruiting now)
    data_timestamp: str | None
    queries: list[str] = field(default_factory=list)
    synthetic: bool = False  # any synthetic record in the data: every page says so
    context: pl.DataFrame | None = None  # European countries + the region per million (count-only queries)
    country_position: dict[str, int] | None = None  # the region's country among the European countries
    share_of_country: float | None = None  # the region's studies / its country's, same search strategy
    country_code: str = "DE"
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def mine(self) -> dict[str, object]:
        """The region's headline row."""
        return self.headline.filter(pl.col("key") == self.region).row(0, named=True)


def _context(
    counts: pl.DataFrame | None, region: Region
) -> tuple[pl.DataFrame | None, dict[str, int] | None, float | None, str]:
    """The "context" numbers from stored count-only queries, when there are any for this region."""
    code = region.country
    if not code or counts is None or counts.height == 0 or region.name not in counts["key"].to_list():
        return None, None, None, code
    europe = counts.filter(
        ((pl.col("scope") == "country") & pl.col("grouping").is_in(EUROPE))
        | ((pl.col("scope") == "region") & (pl.col("key") == region.name))
    )
    context = ranked(europe).sort("per_million", descending=True, nulls_last=True)
    return context, position_in_europe(counts, code), share_of_country(counts, region.name, code), code


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
) -> DeckData:
    """Every number of the deck; raises :class:`NoMatch` when the region has no trial under the filters.

    ``filters`` are the dashboard's (phase, sponsor, area, status, years); their region is ignored
    because the deck always shows the region against its peers.
    """
    by_name = {r.name: r for r in regions}
    region = find_region(regions, region).name
    chosen = [find_region(regions, p).name for p in peers] if peers else default_peers(by_name[region], regions)
    chosen = [p for p in chosen if p != region]
    keys = [region, *chosen]
    f = replace(filters or Filters(), region=None)
    everyone = rank(frames, "region", f)
    labels = {k: region_label(k, by_name[k].label, lang) for k in keys}
    headline = (
        sort_and_rank(everyone.filter(pl.col("key").is_in(keys)))
        .with_columns(pl.col("key").cast(pl.String).replace_strict(labels).alias("name"))
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
        )
        .filter(pl.col(region) > 0)
        .rename({region: "trials"})
        .select("area", "area_name", "trials", "rank_among_peers", "peers_best")
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
    industry = replace(f, sponsor_classes=("INDUSTRY",), year_from=year - TREND_YEARS + 1, year_to=year)
    series = trend(frames, "region", replace(industry, region=None), keys)
    by_year = {k: series.filter(pl.col("key") == k).select("year", "trials") for k in keys}
    years = list(range(year - TREND_YEARS + 1, year + 1))
    industry_by_year = _wide(by_year, "year", years)
    recruiting = (
        rank(frames, "institution", replace(in_region, statuses=("RECRUITING",)))
        .filter(complete)
        .select("name", pl.col("trials").alias("recruiting_now"))
        .head(10)
    )
    context, position, share, code = _context(counts, by_name[region])
    return DeckData(
        context=context,
        country_position=position,
        share_of_country=share,
        country_code=code,
        region=region,
        label=by_name[region].label,
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
        data_timestamp=frames.data_timestamp,
        queries=list(queries),
        synthetic=bool(frames.studies["synthetic"].fill_null(False).any()),
    )


def headline_header(lang: str) -> list[str]:
    """The headline table's header as the deck and the PDF show it: rank, region, the headline metrics."""
    return [label("rank", lang), label("region", lang), *(metric_label(m, lang) for m in HEADLINE)]


def headline_rows(data: DeckData) -> list[list[str]]:
    """The headline table's rows (region and peers), each metric in its number format and the deck's language."""
    return [[str(r["rank"]), str(r["name"]), *(m.format(r[m.column], data.lang) for m in HEADLINE)]
            for r in data.headline.iter_rows(named=True)]  # fmt: skip
