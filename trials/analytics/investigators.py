"""Investigators per person: who runs trials where, in how many, and whether the registry still lists them.

Pure functions over the stored investigator rows (:meth:`db.reader.Reader.investigators`), shared by ``trials
investigators`` and the Profile page so both show the same people and numbers. Rules:

- one row per person and role: a person is a normalised name (``trials.rules.investigators``: titles and degrees
  stripped, case ignored) *within one institution*; where the site or affiliation resolved to no institution,
  within the same facility or affiliation text, city and country. The same name at two institutions is two rows:
  people are never merged on a guess;
- ``trials`` counts distinct NCT IDs (a person listed at two sites of one trial counts once);
- ``still_listed``: the latest stored record of at least one of those trials lists them. Otherwise
  ``no_longer_listed_since`` is when the last of their listings disappeared (the harvest run that first missed it).
"""

from __future__ import annotations

import polars as pl

from trials.rules.institutions import TYPO_MIN, clean_facility

#: Columns of :func:`investigator_list`, in order.
COLUMNS = (
    "name", "kind", "role", "institution", "city", "country", "trials", "nct_ids", "still_listed", "first_seen",
    "first_run", "last_seen", "last_run", "no_longer_listed_since", "dropped_run", "institution_id",
)  # fmt: skip
LEVELS = ("institution", "site", "city")


def _where() -> pl.Expr:
    """The place a person is counted in: their institution, else the facility/affiliation text with its place."""
    text = pl.coalesce("facility", "affiliation").fill_null("").str.to_lowercase()
    fallback = pl.concat_str(
        [pl.lit("@"), text, pl.col("city").fill_null("").str.to_lowercase(),
         pl.col("country").fill_null("").str.to_lowercase()], separator="|",
    )  # fmt: skip
    return pl.coalesce(pl.col("institution_id"), fallback).alias("_where")


def in_region(rows: pl.DataFrame, region: str) -> pl.DataFrame:
    """Rows whose site (or an official's linked site) is in ``region``."""
    return rows.filter(pl.col("regions").fill_null("").str.split("|").list.contains(region))


def of_institution(rows: pl.DataFrame, wanted: str) -> pl.DataFrame:
    """Rows of the institution with id ``wanted``, else of institutions whose name contains ``wanted`` (any case)."""
    by_id = rows.filter(pl.col("institution_id") == wanted)
    if by_id.height:
        return by_id
    return rows.filter(pl.col("institution_name").str.to_lowercase().str.contains(wanted.lower(), literal=True))


def of_entity(rows: pl.DataFrame, level: str, key: str) -> pl.DataFrame:
    """Rows of one entity of the rankings (``level`` institution, site or city; ``key`` its ranking key).

    A site's key is ``place|facility group`` (:func:`trials.rules.institutions.site_groups`): its site
    investigators are those at a facility of that place whose cleaned name is the group's or a typo apart (the
    same test that grouped the site)."""
    if level == "institution":
        return rows.filter(pl.col("institution_id") == key)
    if level == "city":
        return rows.filter(pl.col("place_id") == key)
    if level != "site":
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    place, _, group = key.partition("|")
    here = rows.filter((pl.col("kind") == "site") & (pl.col("place_id") == place))
    facilities = here["facility"].drop_nulls().unique().to_list()
    from rapidfuzz import fuzz

    same = [
        f for f in facilities if (c := clean_facility(f) or f.casefold()) == group or fuzz.ratio(c, group) >= TYPO_MIN
    ]
    return here.filter(pl.col("facility").is_in(same))


def investigator_list(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per person and role (:data:`COLUMNS`), most trials first.

    ``nct_ids`` is the sorted list of their trials; ``first_seen``/``last_seen`` the first and last harvest that
    listed them (dates, UTC) with those runs; ``no_longer_listed_since`` and ``dropped_run`` are null while a
    record still lists them."""
    if rows.height == 0:
        return _empty()
    grouped = (
        rows.with_columns(_where())
        .group_by("name_key", "_where", "kind", "role")
        .agg(
            pl.col("person").sort().first().alias("name"),
            pl.coalesce("institution_name", "affiliation", "facility").drop_nulls().first().alias("institution"),
            pl.coalesce("place_name", "city").drop_nulls().first().alias("city"),
            pl.col("country").drop_nulls().first(),
            pl.col("nct_id").unique().sort().alias("nct_ids"),
            pl.col("listed").any().alias("still_listed"),
            pl.col("first_seen_at").min(),
            pl.col("first_run_id").min().alias("first_run"),
            pl.col("last_seen_at").max(),
            pl.col("last_run_id").max().alias("last_run"),
            pl.col("dropped_at").max(),
            pl.col("dropped_run_id").max().alias("dropped_run"),
            pl.col("institution_id").drop_nulls().first(),
        )
    )
    gone = ~pl.col("still_listed")
    out = grouped.with_columns(
        pl.col("nct_ids").list.len().cast(pl.Int64).alias("trials"),
        pl.col("first_seen_at").dt.date().alias("first_seen"),
        pl.col("last_seen_at").dt.date().alias("last_seen"),
        pl.when(gone).then(pl.col("dropped_at").dt.date()).alias("no_longer_listed_since"),
        pl.when(gone).then(pl.col("dropped_run")).alias("dropped_run"),
    )
    return out.sort(["trials", "name", "role", "institution"], descending=[True, False, False, False],
                    nulls_last=True).select(COLUMNS)  # fmt: skip


def _empty() -> pl.DataFrame:
    schema: dict[str, pl.DataType | type[pl.DataType]] = {c: pl.String for c in COLUMNS}
    schema.update(trials=pl.Int64, nct_ids=pl.List(pl.String), still_listed=pl.Boolean, first_seen=pl.Date,
                  last_seen=pl.Date, no_longer_listed_since=pl.Date, first_run=pl.Int64, last_run=pl.Int64,
                  dropped_run=pl.Int64)  # fmt: skip
    return pl.DataFrame(schema=schema)
