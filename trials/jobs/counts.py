"""The wider picture from count-only queries: trials per country and per region under a preset's filters.

The registry answers a count for any query (``countTotal=true``, ``pageSize=1``), so a few dozen
polite requests give the country picture under exactly the search strategy of the city tables.
A region's count is the studies with a site in one of its places (by the registry's city names,
the same name lists the harvest uses); a country's, the studies with a site in the country.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import polars as pl
from sqlalchemy import Engine, func, insert, select

from db.models import RegistryCountRow, table
from trials.analytics.rankings import PRESETS, Filters
from trials.errors import ConfigError
from trials.rules.regions import COUNTRY_NAMES, Region
from trials.source.api import CtgovClient, StudyQuery

log = logging.getLogger(__name__)
COUNTS = table(RegistryCountRow)
DEFAULT_PRESET = "city-participation-2013-2022"
EUROPE = ("EU", "EEA", "Europe")


@dataclass(frozen=True)
class Country:
    code: str
    names: tuple[str, ...]
    population: int
    group: str
    year: int


def load_countries() -> list[Country]:
    """The countries of ``trials/data/countries.toml`` (populations are documented facts with source and year)."""
    source = "trials/data/countries.toml"
    text = resources.files("trials.data").joinpath("countries.toml").read_text(encoding="utf-8")
    try:
        blocks = tomllib.loads(text)["country"]
    except (tomllib.TOMLDecodeError, KeyError) as exc:
        raise ConfigError(f"{source}: {exc}") from exc
    out = []
    for i, b in enumerate(blocks):
        try:
            out.append(Country(b["code"], tuple(b["names"]), int(b["population"]), b["group"], int(b["year"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{source}, country #{i + 1}: {exc!r}") from exc
    return out


def select_countries(countries: Sequence[Country], codes: Sequence[str]) -> list[Country]:
    """The countries with these ISO codes (``EU`` stands for every EU member); all when ``codes`` is empty."""
    if not codes:
        return list(countries)
    by_code = {c.code: c for c in countries}
    chosen: list[Country] = []
    for code in (c.strip().upper() for c in codes if c.strip()):
        if code == "EU":
            chosen += [c for c in countries if c.group == "EU" and c not in chosen]
        elif code in by_code:
            if by_code[code] not in chosen:
                chosen.append(by_code[code])
        else:
            raise ConfigError(f"unknown country code {code!r}; known: EU, {', '.join(by_code)}")
    return chosen


def _any_of(area: str, values: Sequence[str]) -> str:
    terms = [f'AREA[{area}]"{v}"' for v in values]
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def filter_params(f: Filters) -> dict[str, str]:
    """A preset's filters as API parameters (``filter.overallStatus`` and ``filter.advanced`` terms).

    Only what the registry can filter on is accepted: statuses, registry phases, lead sponsor class
    and start-date years. Our own buckets (therapeutic areas, phase buckets) have no registry
    equivalent, so a preset using them is refused rather than counted differently.
    """
    if f.phases or f.areas or f.sponsor_name or f.study_types or f.date_field != "start":
        raise ConfigError("count-only queries support statuses, registry phases, sponsor classes and start years")
    terms = []
    if f.registry_phases:
        terms.append(_any_of("Phase", f.registry_phases))
    if f.sponsor_classes:
        terms.append(_any_of("LeadSponsorClass", f.sponsor_classes))
    if f.year_from is not None or f.year_to is not None:
        lo = f"{f.year_from}-01-01" if f.year_from is not None else "MIN"
        hi = f"{f.year_to}-12-31" if f.year_to is not None else "MAX"
        terms.append(f"AREA[StartDate]RANGE[{lo},{hi}]")
    params = {"filter.advanced": " AND ".join(terms)} if terms else {}
    if f.statuses:
        params["filter.overallStatus"] = ",".join(f.statuses)
    return params


def _with_place(params: dict[str, str], place_term: str) -> dict[str, str]:
    adv = params.get("filter.advanced")
    return {**params, "filter.advanced": f"{place_term} AND {adv}" if adv else place_term}


def country_query(country: Country, f: Filters) -> StudyQuery:
    place = _any_of("LocationCountry", country.names)
    return StudyQuery(f"count {country.code}", _with_place(filter_params(f), place))


def region_query(region: Region, f: Filters) -> StudyQuery:
    """Studies with a site in one of the region's places, by name, per country (one request)."""
    by_country: dict[str, list[str]] = {}
    for p in region.places:
        names = by_country.setdefault(COUNTRY_NAMES.get(p.country, p.country), [])
        names += [n for n in (p.name, *p.aliases) if n not in names]
    parts = [f'(AREA[LocationCountry]"{c}" AND {_any_of("LocationCity", names)})' for c, names in by_country.items()]
    place = parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
    return StudyQuery(f"count region {region.name}", _with_place(filter_params(f), place))


@dataclass
class CountsReport:
    batch: str
    outcome: str
    requests: int
    rows: int


def refresh_counts(
    engine: Engine,
    client: CtgovClient,
    regions: Sequence[Region] | None = None,
    preset: str = DEFAULT_PRESET,
    country_codes: Sequence[str] = (),
) -> CountsReport:
    """One count-only request per country and region; stored as one batch, or not at all on failure."""
    from trials.rules.regions import configured_regions

    if preset not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r}; presets: {', '.join(PRESETS)}")
    f = PRESETS[preset]
    regions = list(regions) if regions is not None else configured_regions()
    countries = select_countries(load_countries(), country_codes)
    stamp = client.version().dataTimestamp
    asked = dt.datetime.now(dt.UTC)
    batch = f"{preset}@{asked:%Y%m%dT%H%M%S%f}"
    rows = []
    for c in countries:
        q = country_query(c, f)
        rows.append({"scope": "country", "key": c.code, "label": c.names[0], "grouping": c.group,
                     "population": c.population, "total": client.count(q), "query": dict(q.params)})  # fmt: skip
    for r in regions:
        q = region_query(r, f)
        rows.append({"scope": "region", "key": r.name, "label": r.label, "grouping": "region",
                     "population": r.population or None, "total": client.count(q),
                     "query": dict(q.params)})  # fmt: skip
    common = {"batch": batch, "asked_at": asked, "preset": preset, "data_timestamp": stamp}
    with engine.begin() as conn:
        conn.execute(insert(COUNTS), [{**row, **common} for row in rows])
    log.info("stored %s registry counts (batch %s, registry data %s)", len(rows), batch, stamp)
    return CountsReport(batch, "success", client.requests_made, len(rows))


def latest_counts(engine: Engine, preset: str = DEFAULT_PRESET) -> pl.DataFrame:
    """The newest stored batch for ``preset`` (empty frame when there is none)."""
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "scope": pl.String, "key": pl.String, "label": pl.String, "grouping": pl.String, "population": pl.Int64,
        "total": pl.Int64, "query": pl.String, "data_timestamp": pl.String, "asked_at": pl.Datetime("us", "UTC"),
    }  # fmt: skip
    with engine.connect() as conn:
        batch = conn.execute(
            select(COUNTS.c.batch).where(COUNTS.c.preset == preset).order_by(COUNTS.c.id.desc()).limit(1)
        ).scalar()
        if batch is None:
            return pl.DataFrame(schema=schema)
        rows = conn.execute(select(*(COUNTS.c[k] for k in schema)).where(COUNTS.c.batch == batch)).all()
        log.debug("%s batches stored", conn.execute(select(func.count(func.distinct(COUNTS.c.batch)))).scalar())
    data = [dict(zip(schema, r, strict=True)) for r in rows]
    for d in data:
        d["query"] = json.dumps(d["query"], ensure_ascii=False, sort_keys=True)  # exactly what was asked
        if d["asked_at"] is not None and d["asked_at"].tzinfo is None:
            d["asked_at"] = d["asked_at"].replace(tzinfo=dt.UTC)
    return pl.DataFrame(data, schema=schema)


def ranked(counts: pl.DataFrame, scope: str | None = None) -> pl.DataFrame:
    """Counts with trials per million inhabitants and ranks (absolute and per million)."""
    df = counts if scope is None else counts.filter(pl.col("scope") == scope)
    return (
        df.with_columns((pl.col("total") * 1_000_000 / pl.col("population")).round(1).alias("per_million"))
        .with_columns(
            pl.col("total").rank(method="min", descending=True).cast(pl.Int64).alias("rank"),
            pl.col("per_million").rank(method="min", descending=True).cast(pl.Int64).alias("rank_per_million"),
        )
        .sort(["total", "label"], descending=[True, False])
    )


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
