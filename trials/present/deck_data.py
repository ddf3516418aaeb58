"""The numbers of a pitch deck: the same analytics as the dashboard, gathered for one region and its peers.

Kept apart from the renderers (:mod:`trials.present.deck`, :mod:`trials.present.summary_pdf`) so the tests can
compare every chart's values with these numbers, and these with the analytics functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from trials.analytics.rankings import Filters, Frames, mix, rank, trend
from trials.errors import ConfigError
from trials.rules.areas import AREA_BY_CODE
from trials.rules.buckets import PHASE_BUCKET_LABELS, PHASE_BUCKETS
from trials.rules.regions import Region

#: Default comparison for the Ruhr: the four big German cities of the published city tables.
GERMAN_PEERS = ("berlin", "hamburg", "munich", "cologne")
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
    headline: pl.DataFrame  # key, name, trials, industry_trials, recruiting_now, per_100k, rank (region + peers)
    phase_mix: pl.DataFrame  # phase_bucket, then one column of trials per region key
    areas: pl.DataFrame  # area, area_name, trials (the region), rank_among_peers, peers_best
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


def default_peers(region: Region, regions: Sequence[Region]) -> list[str]:
    """Peers a sponsor would compare with: the big German cities for a German region, else 4 others."""
    if region.country == "DE":
        peers = [p for p in GERMAN_PEERS if p != region.name and any(r.name == p for r in regions)]
        if peers:
            return peers
    return [r.name for r in regions if r.name != region.name][:4]


def _context(
    counts: pl.DataFrame | None, region: Region
) -> tuple[pl.DataFrame | None, dict[str, int] | None, float | None, str]:
    """The "context" numbers from stored count-only queries, when there are any for this region."""
    from trials.jobs.counts import EUROPE, position_in_europe, ranked, share_of_country

    code = region.places[0].country if region.places else "DE"
    if counts is None or counts.height == 0 or region.name not in counts["key"].to_list():
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
    if region not in by_name:
        raise ConfigError(f"unknown region {region!r}; known regions: {', '.join(by_name)}")
    chosen = list(peers) if peers else default_peers(by_name[region], regions)
    unknown = [p for p in chosen if p not in by_name]
    if unknown:
        raise ConfigError(f"unknown peer region(s) {', '.join(unknown)}; known regions: {', '.join(by_name)}")
    chosen = [p for p in chosen if p != region]
    keys = [region, *chosen]
    f = replace(filters or Filters(), region=None, place_id=None)
    everyone = rank(frames, "region", f)
    headline = (
        everyone.filter(pl.col("key").is_in(keys))
        .sort(["trials", "name"], descending=[True, False])
        .with_columns(pl.col("trials").rank(method="min", descending=True).cast(pl.Int64).alias("rank"))
        .select("key", "name", "trials", "industry_trials", "recruiting_now", "per_100k", "rank")
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
    area_names = {c: (a.name_de if lang == "de" else a.name_en) for c, a in AREA_BY_CODE.items()}
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
    top = rank(frames, "institution", in_region).head(10).select("name", "trials", "industry_trials", "recruiting_now")
    year = (today or dt.date.today()).year
    industry = replace(f, sponsor_classes=("INDUSTRY",), year_from=year - TREND_YEARS + 1, year_to=year)
    series = trend(frames, "region", replace(industry, region=None), keys)
    by_year = {k: series.filter(pl.col("key") == k).select("year", "trials") for k in keys}
    years = list(range(year - TREND_YEARS + 1, year + 1))
    industry_by_year = _wide(by_year, "year", years)
    recruiting = (
        rank(frames, "institution", replace(in_region, statuses=("RECRUITING",)))
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
        labels={k: by_name[k].label for k in keys},
        filters=f,
        lang=lang,
        headline=headline,
        phase_mix=phase_mix.with_columns(
            pl.col("phase_bucket").replace_strict(PHASE_BUCKET_LABELS).alias("phase_label")
        ),
        areas=areas,
        top_institutions=top,
        industry_by_year=industry_by_year,
        recruiting=recruiting,
        data_timestamp=frames.data_timestamp,
        queries=list(queries),
        synthetic=bool(frames.studies["synthetic"].fill_null(False).any()),
    )
