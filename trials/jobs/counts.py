"""Refresh the wider picture: one count-only query per country and per region under a preset's filters.

The registry answers a count for any query (``countTotal=true``, ``pageSize=1``), so a few dozen
polite requests give the country picture under exactly the search strategy of the city tables.
A region's count is the studies with a site in one of its places (by the registry's city names,
the same name lists the harvest uses); a country's, the studies with a site in the country.
The query syntax is in :mod:`trials.source.queries`, the ranking of the answers in :mod:`trials.analytics.context`.
"""

from __future__ import annotations

import datetime as dt
import logging
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from db.reader import Engine
from db.store import Store
from trials.analytics.rankings import DEFAULT_PRESET, PRESETS
from trials.errors import ConfigError
from trials.rules.regions import Region, configured_regions
from trials.source.api import CtgovClient
from trials.source.queries import country_query, region_count_query

log = logging.getLogger(__name__)


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
    """One count-only request per country and region; stored as one batch, or not at all on failure.

    Regions without places (nothing to name in a query) are left out.
    """
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
    for r in (r for r in regions if r.places):
        q = region_count_query(r, f)
        rows.append({"scope": "region", "key": r.name, "label": r.label, "grouping": "region",
                     "population": r.population or None, "total": client.count(q),
                     "query": dict(q.params)})  # fmt: skip
    common = {"batch": batch, "asked_at": asked, "preset": preset, "data_timestamp": stamp}
    Store(engine).add_counts([{**row, **common} for row in rows])
    log.info("stored %s registry counts (batch %s, registry data %s)", len(rows), batch, stamp)
    return CountsReport(batch, "success", client.requests_made, len(rows))
