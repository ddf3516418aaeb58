"""The national and European context from count-only registry answers: per million, ranks, shares.

The answers are stored by ``trials counts`` (and after every good run); this module only reads and
ranks them, for the World page, the deck's context slide and ``trials counts``' table.
"""

from __future__ import annotations

import polars as pl

from db.reader import Engine, Reader
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
