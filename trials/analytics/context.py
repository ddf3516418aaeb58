"""The national and European context from count-only registry answers: per million, ranks, shares.

The answers are stored by ``trials counts`` (and after every good run); this module only reads and
ranks them, for the World page, the deck's context slide and ``trials counts``' table.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import polars as pl

from db.reader import GOOD_OUTCOMES, Engine, Reader
from trials.analytics.rankings import DEFAULT_PRESET, competition_rank, sort_and_rank

#: Country groupings that count as Europe (``group`` in trials/data/countries.toml).
EUROPE = ("EU", "EEA", "Europe")


def latest_counts(engine: Engine, preset: str = DEFAULT_PRESET) -> pl.DataFrame:
    """The newest stored batch for ``preset`` (empty frame when there is none)."""
    return Reader(engine).registry_counts(preset)


def ranked(counts: pl.DataFrame, scope: str | None = None) -> pl.DataFrame:
    """Counts with trials per million inhabitants and ranks (absolute and per million)."""
    df = counts if scope is None else counts.filter(pl.col("scope") == scope)
    df = df.with_columns((pl.col("total") * 1_000_000 / pl.col("population")).round(1).alias("per_million"))
    return sort_and_rank(df, "total", "label").with_columns(competition_rank("per_million").alias("rank_per_million"))


def position_in_europe(counts: pl.DataFrame, code: str = "DE") -> dict[str, int] | None:
    """A country's rank among the European countries counted (absolute and per million), and how many."""
    europe = ranked(counts.filter((pl.col("scope") == "country") & pl.col("grouping").is_in(EUROPE)))
    hit = europe.filter(pl.col("key") == code)
    if hit.height == 0:
        return None
    row = hit.row(0, named=True)
    return {"rank": row["rank"], "rank_per_million": row["rank_per_million"], "of": europe.height}


def share_of_country(counts: pl.DataFrame, region: str, code: str = "DE") -> float | None:
    """The region's count as a share of its country's (studies with a site in the region / in the country).

    A study with sites in both counts in both, so this is a share of studies, not of sites.
    """
    reg = counts.filter((pl.col("scope") == "region") & (pl.col("key") == region))
    country = counts.filter((pl.col("scope") == "country") & (pl.col("key") == code))
    if reg.height == 0 or country.height == 0 or country["total"][0] == 0:
        return None
    return float(reg["total"][0]) / float(country["total"][0])


def on_one_scale(counts: pl.DataFrame, regions: list[str]) -> pl.DataFrame:
    """The European countries and ``regions`` with trials per million inhabitants, most per million first.

    Countries and regions were counted with the same search strategy (the preset), so they share one scale.
    """
    rows = counts.filter(
        ((pl.col("scope") == "country") & pl.col("grouping").is_in(EUROPE))
        | ((pl.col("scope") == "region") & pl.col("key").is_in(regions))
    )
    return ranked(rows).sort(["per_million", "label"], descending=[True, False], nulls_last=True)


def ahead_of(counts: pl.DataFrame, region: str) -> tuple[int, int] | None:
    """How many European countries have fewer trials per million than ``region``, and how many were counted."""
    scale = on_one_scale(counts, [region])
    mine = scale.filter((pl.col("scope") == "region") & (pl.col("key") == region))["per_million"]
    if mine.len() == 0 or mine[0] is None:
        return None
    countries = scale.filter(pl.col("scope") == "country")
    return int((countries["per_million"].fill_null(0) < mine[0]).sum()), countries.height


CountsState = Literal["current", "stale", "missing"]


def counts_state(counts: pl.DataFrame, harvested_at: dt.datetime | None) -> CountsState:
    """``missing`` (none stored), ``stale`` (asked before the latest harvest started) or ``current``.

    Stale counts describe an older registry than the trials the deck counts; ``trials deck`` asks again.
    """
    if counts.height == 0:
        return "missing"
    if harvested_at is None:
        return "current"
    asked = counts["asked_at"].min()
    when = harvested_at if harvested_at.tzinfo else harvested_at.replace(tzinfo=dt.UTC)
    return "stale" if isinstance(asked, dt.datetime) and asked < when else "current"


#: Runs that change the stored trials: count-only figures asked before the latest of them are stale.
HARVEST_MODES = ("full", "incremental", "file")


def last_harvest(engine: Engine) -> dt.datetime | None:
    """When the latest good harvest (full, incremental or from a file) started (UTC)."""
    for run in Reader(engine).runs(limit=200):
        if run["outcome"] in GOOD_OUTCOMES and run["mode"] in HARVEST_MODES and run["started_at"] is not None:
            started: dt.datetime = run["started_at"]
            return started if started.tzinfo else started.replace(tzinfo=dt.UTC)
    return None
