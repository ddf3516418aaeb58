"""ClinicalTrials.gov query syntax for regions and count-only questions (the one place that writes it).

The region and filter types live in ``trials.rules`` and ``trials.analytics``; this module reads them
through small protocols, so the source layer never imports the layers above it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from trials.errors import ConfigError
from trials.source.api import StudyQuery, geo_filter

#: The registry's English country names (``LocationCountry``) for the ISO codes used in the region file.
COUNTRY_NAMES = {
    "DE": "Germany", "DK": "Denmark", "SE": "Sweden", "NL": "Netherlands", "FR": "France", "AT": "Austria",
    "GB": "United Kingdom", "CH": "Switzerland", "US": "United States", "BE": "Belgium", "IT": "Italy",
    "ES": "Spain", "PL": "Poland",
}  # fmt: skip
#: How many place names go into one ``AREA[LocationCity]`` query (keeps URLs short).
NAMES_PER_QUERY = 12


class CircleLike(Protocol):
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def radius_km(self) -> float: ...


class PlaceLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def country(self) -> str: ...  # ISO 3166 alpha-2
    @property
    def aliases(self) -> Sequence[str]: ...


class RegionLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def circles(self) -> Sequence[CircleLike]: ...
    @property
    def places(self) -> Sequence[PlaceLike]: ...


class CountryLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def names(self) -> Sequence[str]: ...  # every spelling the registry uses


class CountFilters(Protocol):
    """The filters of a ranking (``trials.analytics.rankings.Filters``), as far as the registry can apply them."""

    @property
    def phases(self) -> Sequence[str]: ...
    @property
    def areas(self) -> Sequence[str]: ...
    @property
    def sponsor_name(self) -> str | None: ...
    @property
    def study_types(self) -> Sequence[str]: ...
    @property
    def date_field(self) -> str: ...
    @property
    def registry_phases(self) -> Sequence[str]: ...
    @property
    def sponsor_classes(self) -> Sequence[str]: ...
    @property
    def year_from(self) -> int | None: ...
    @property
    def year_to(self) -> int | None: ...
    @property
    def statuses(self) -> Sequence[str]: ...


def registry_country(code: str, where: str = "") -> str:
    """The registry's name for an ISO country code; an unknown code is an error, never sent as it is."""
    name = COUNTRY_NAMES.get(code.upper())
    if name is None:
        prefix = f"{where}: " if where else ""
        raise ConfigError(
            f"{prefix}unknown country code {code!r}: the registry's name for it is not known "
            f"(known: {', '.join(COUNTRY_NAMES)}; add it to COUNTRY_NAMES in trials/source/queries.py)"
        )
    return name


def _names_by_country(region: RegionLike) -> dict[str, list[str]]:
    """The region's place names and aliases, grouped by the registry's country name, in file order."""
    by_country: dict[str, list[str]] = {}
    for p in region.places:
        names = by_country.setdefault(registry_country(p.country, f"region {region.name!r}, place {p.name!r}"), [])
        for n in (p.name, *p.aliases):
            if n not in names:
                names.append(n)
    return by_country


def region_queries(region: RegionLike) -> list[StudyQuery]:
    """One geo query per circle (whole studies with any site in range), then the place names.

    The name queries catch sites whose ``geoPoint`` is wrong or missing; the API's geo filter
    cannot see them.
    """
    plan = [
        StudyQuery(
            f"{region.name} circle {i + 1} ({c.lat:.3f},{c.lon:.3f},{c.radius_km:g}km)",
            {"filter.geo": geo_filter(c.lat, c.lon, c.radius_km)},
        )
        for i, c in enumerate(region.circles)
    ]
    for country, names in _names_by_country(region).items():
        for i in range(0, len(names), NAMES_PER_QUERY):
            chunk = names[i : i + NAMES_PER_QUERY]
            cities = " OR ".join(f'AREA[LocationCity]"{n}"' for n in chunk)
            plan.append(
                StudyQuery(
                    f"{region.name} names {i // NAMES_PER_QUERY + 1} ({chunk[0]} ...)",
                    {"filter.advanced": f'AREA[LocationCountry]"{country}" AND ({cities})'},
                )
            )
    return plan


# -- count-only queries ------------------------------------------------------------------------
def _any_of(area: str, values: Sequence[str]) -> str:
    terms = [f'AREA[{area}]"{v}"' for v in values]
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def filter_params(f: CountFilters) -> dict[str, str]:
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


def country_query(country: CountryLike, f: CountFilters) -> StudyQuery:
    """Studies with a site in the country (any of its registry spellings), under the filters."""
    place = _any_of("LocationCountry", country.names)
    return StudyQuery(f"count {country.code}", _with_place(filter_params(f), place))


def region_count_query(region: RegionLike, f: CountFilters) -> StudyQuery:
    """Studies with a site in one of the region's places, by name, per country (one request)."""
    by_country = _names_by_country(region)
    if not by_country:
        raise ConfigError(f"region {region.name!r} has no places: a count-only query needs their names")
    parts = [f'(AREA[LocationCountry]"{c}" AND {_any_of("LocationCity", names)})' for c, names in by_country.items()]
    place = parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
    return StudyQuery(f"count region {region.name}", _with_place(filter_params(f), place))
