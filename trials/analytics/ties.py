"""International ties: how far an entity's trials reach beyond its own country.

Per region, city, institution or site under the filters:

- **multinational trials**: trials with sites in more than one country (every stored site counts, placed or not:
  a foreign site the gazetteer could not place still makes the trial multinational);
- **partner countries**: the other countries with sites in the entity's trials, by how many trials they share;
- **lead sponsor side**: domestic (the sponsor's country is the entity's), foreign, or unknown. The registry does
  not give a sponsor's country; it is known only where our curated institution data gives it
  (:mod:`trials.rules.sponsors`), otherwise "unknown" - never a guess from a name's language or a site list.

The entity's own (home) country is its region's configured country for a region and its place's country
(the registry's country of the sites there) for a city, institution or site. Country names are the registry's
(``Germany``, ``United States``). Pure functions over the ranking frames plus the site countries, which are
read apart from the frames (:meth:`db.reader.Reader.site_countries`) to keep the ranking's frames as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from db.reader import Engine
from trials.analytics.rankings import Filters, Frames, _links, matching_studies, sid
from trials.rules.regions import Region
from trials.rules.sponsors import SponsorCountries, default_sponsor_countries
from trials.source.queries import COUNTRY_NAMES

#: Columns of :func:`ties`.
TIES_COLUMNS = (
    "key", "name", "home_country", "trials", "multinational_trials", "multinational_share", "domestic_sponsor_trials",
    "foreign_sponsor_trials", "unknown_sponsor_trials", "foreign_sponsor_share", "top_partners",
)  # fmt: skip
#: Sponsor sides of :func:`sponsor_sides`.
SIDES = ("domestic", "foreign", "unknown")


@dataclass(frozen=True)
class CountryData:
    """The site countries the ties are counted from.

    ``studies``: sid, country (distinct, registry names); ``places``: place id -> its country (the country most of
    its stored sites name); ``regions``: region key -> its configured country (registry name).
    """

    studies: pl.DataFrame
    places: dict[str, str]
    regions: dict[str, str]
    sponsors: SponsorCountries


def country_data(study_countries: pl.DataFrame, place_countries: pl.DataFrame, regions: Sequence[Region],
                 sponsors: SponsorCountries | None = None) -> CountryData:  # fmt: skip
    """:class:`CountryData` from :meth:`db.reader.Reader.site_countries`' two frames (nct_id/place_id, country)."""
    studies = study_countries.select(sid(), pl.col("country").cast(pl.String)).unique()
    places: dict[str, str] = {}
    if place_countries.height:
        top = place_countries.sort(["place_id", "n", "country"], descending=[False, True, False]).unique(
            "place_id", keep="first"
        )
        places = dict(zip(top["place_id"].to_list(), top["country"].to_list(), strict=True))
    home = {r.name: COUNTRY_NAMES[r.country] for r in regions if r.country in COUNTRY_NAMES}
    return CountryData(studies, places, home, sponsors or default_sponsor_countries(regions))


def _pairs(frames: Frames, level: str, f: Filters, keys: Sequence[str] | None) -> pl.DataFrame:
    """Unique (sid, key, name, home_country) pairs of the level's entities under the filters."""
    studies = matching_studies(frames, f).select("sid", "lead_sponsor_name")
    links = _links(frames, level, f)
    if keys is not None:
        links = links.filter(pl.col("key").cast(pl.String).is_in(list(keys)))
    return (
        links.join(studies, on="sid")
        .unique(["sid", "key"])
        .with_columns(pl.col("key").cast(pl.String), pl.col("name").cast(pl.String))
    )


def _homes(pairs: pl.DataFrame, level: str, cd: CountryData) -> pl.DataFrame:
    """key -> home_country (null where not known)."""
    if level == "region":
        return (
            pairs.select("key")
            .unique()
            .with_columns(
                pl.col("key").replace_strict(cd.regions, default=None, return_dtype=pl.String).alias("home_country")
            )
        )
    place = "key" if level == "city" else "place_id"
    return (
        pairs.select("key", pl.col(place).cast(pl.String).alias("place"))
        .with_columns(pl.col("place").replace_strict(cd.places, default=None, return_dtype=pl.String).alias("c"))
        .group_by("key")
        .agg(pl.col("c").drop_nulls().mode().sort().first().alias("home_country"))
    )


def _sponsor_country(cd: CountryData, names: pl.Series) -> dict[str, str | None]:
    return {n: cd.sponsors.country(n) for n in names.drop_nulls().unique().to_list()}


def sponsor_sides(frames: Frames, cd: CountryData, level: str, f: Filters,
                  keys: Sequence[str] | None = None) -> pl.DataFrame:  # fmt: skip
    """One row per (entity, trial): nct_id, lead sponsor, the sponsor's country (null: unknown), the entity's home
    country and the side (domestic | foreign | unknown)."""
    pairs = _pairs(frames, level, f, keys)
    homes = _homes(pairs, level, cd)
    sponsor_country = _sponsor_country(cd, pairs["lead_sponsor_name"])
    return (
        pairs.join(homes, on="key", how="left")
        .with_columns(
            pl.col("lead_sponsor_name")
            .replace_strict(sponsor_country, default=None, return_dtype=pl.String)
            .alias("sponsor_country")
        )
        .with_columns(
            pl.when(pl.col("sponsor_country").is_null() | pl.col("home_country").is_null())
            .then(pl.lit("unknown"))
            .when(pl.col("sponsor_country") == pl.col("home_country"))
            .then(pl.lit("domestic"))
            .otherwise(pl.lit("foreign"))
            .alias("side")
        )
        .join(frames.studies.select("sid", "nct_id"), on="sid")
        .select("key", "name", "sid", "nct_id", "lead_sponsor_name", "sponsor_country", "home_country", "side")
    )


def ties(frames: Frames, cd: CountryData, level: str, f: Filters, keys: Sequence[str] | None = None,
         top: int = 3) -> pl.DataFrame:  # fmt: skip
    """Per entity (:data:`TIES_COLUMNS`): trials, multinational trials and share, lead sponsors by side, the share
    of foreign lead sponsors among all its trials (unknown ones included in the denominator, so the share never
    overstates), and its ``top`` partner countries as text ("United States (12); France (7)")."""
    sides = sponsor_sides(frames, cd, level, f, keys)
    n_countries = cd.studies.group_by("sid").agg(pl.len().alias("countries"))
    base = sides.join(n_countries, on="sid", how="left").with_columns(pl.col("countries").fill_null(0))
    out = base.group_by("key").agg(
        pl.col("name").first(),
        pl.col("home_country").first(),
        pl.len().cast(pl.Int64).alias("trials"),
        (pl.col("countries") > 1).sum().cast(pl.Int64).alias("multinational_trials"),
        *((pl.col("side") == s).sum().cast(pl.Int64).alias(f"{s}_sponsor_trials") for s in SIDES),
    )
    partners = (
        base.select("key", "sid", "home_country")
        .join(cd.studies, on="sid")
        .filter(pl.col("home_country").is_null() | (pl.col("country") != pl.col("home_country")))
        .group_by("key", "country")
        .agg(pl.len().alias("n"))
        .sort(["key", "n", "country"], descending=[False, True, False])
        .group_by("key", maintain_order=True)
        .agg(
            (pl.col("country") + " (" + pl.col("n").cast(pl.String) + ")").head(top).str.join("; ")
            .alias("top_partners")
        )
    )  # fmt: skip
    return (
        out.join(partners, on="key", how="left")
        .with_columns(
            (pl.col("multinational_trials") / pl.col("trials")).round(4).alias("multinational_share"),
            (pl.col("foreign_sponsor_trials") / pl.col("trials")).round(4).alias("foreign_sponsor_share"),
            pl.col("top_partners").fill_null(""),
        )
        .sort(["trials", "name"], descending=[True, False])
        .select(TIES_COLUMNS)
    )


def partner_countries(frames: Frames, cd: CountryData, level: str, f: Filters, key: str) -> pl.DataFrame:
    """The countries other than the entity's own with sites in its trials, most shared trials first: country,
    trials, nct_ids (the trials behind the number)."""
    sides = sponsor_sides(frames, cd, level, f, [key])
    home = sides["home_country"].drop_nulls()
    home_country = home[0] if home.len() else None
    rows = sides.select("sid", "nct_id").join(cd.studies, on="sid")
    if home_country is not None:
        rows = rows.filter(pl.col("country") != home_country)
    return (
        rows.group_by("country")
        .agg(pl.len().cast(pl.Int64).alias("trials"), pl.col("nct_id").sort().alias("nct_ids"))
        .sort(["trials", "country"], descending=[True, False])
    )


def study_ties(frames: Frames, cd: CountryData, nct_id: str, home_country: str) -> dict[str, object]:
    """One study's ties seen from ``home_country``: its site countries, whether it is multinational, its lead
    sponsor, the sponsor's country (None: unknown) and the side (for checking a figure by hand)."""
    row = frames.studies.filter(pl.col("nct_id") == nct_id)
    if row.height == 0:
        raise KeyError(nct_id)
    number = row["sid"][0]
    countries = sorted(cd.studies.filter(pl.col("sid") == number)["country"].to_list())
    sponsor = row["lead_sponsor_name"][0]
    country = cd.sponsors.country(sponsor)
    side = "unknown" if country is None else "domestic" if country == home_country else "foreign"
    return {"countries": countries, "multinational": len(countries) > 1, "lead_sponsor": sponsor,
            "sponsor_country": country, "side": side}  # fmt: skip


def peer_ties(frames: Frames, cd: CountryData, f: Filters, region: str, peers: Sequence[str]) -> pl.DataFrame:
    """:func:`ties` of the region and its peers (region rows, the region first), for "compared with the peers"."""
    from dataclasses import replace

    table = ties(frames, cd, "region", replace(f, region=None), [region, *peers])
    order = {k: i for i, k in enumerate([region, *peers])}
    return table.with_columns(pl.col("key").replace_strict(order, default=len(order)).alias("_o")).sort("_o").drop("_o")


def ties_by_key(table: pl.DataFrame) -> Mapping[str, dict[str, object]]:
    """The rows of a :func:`ties` table by entity key."""
    return {r["key"]: r for r in table.iter_rows(named=True)}


def stored_country_data(engine: Engine, regions: Sequence[Region]) -> CountryData:
    """The site countries of a database as :class:`CountryData`, read once per data version and kept beside the
    analytics frames (:func:`trials.analytics.frames_cache.cached_tables`): a deck or a first visit then does
    not read every site again."""
    from db.reader import Reader
    from trials.analytics.frames_cache import cached_tables

    def read() -> dict[str, pl.DataFrame]:
        sc = Reader(engine).site_countries()
        return {"studies": sc.studies, "places": sc.places}

    tables = cached_tables(engine, regions, "site_countries", read)
    return country_data(tables["studies"], tables["places"], regions)
