"""Regions to harvest, read from an editable TOML file, and the queries that cover them."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from trials.errors import ConfigError
from trials.source.api import StudyQuery, geo_filter

BUILTIN_REGIONS = "regions.toml"
#: Environment variable naming the region file every command and the app use (default: built-in).
REGIONS_ENV = "TRIALS_REGIONS_FILE"


@dataclass(frozen=True)
class Circle:
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class RegionPlace:
    id: str
    name: str
    country: str  # ISO 3166 alpha-2
    lat: float
    lon: float
    population: int
    county: str = ""
    aliases: tuple[str, ...] = ()


#: How many place names go into one ``AREA[LocationCity]`` query (keeps URLs short).
NAMES_PER_QUERY = 12


@dataclass(frozen=True)
class Region:
    name: str
    label: str
    country: str
    circles: tuple[Circle, ...]
    places: tuple[RegionPlace, ...] = ()

    @property
    def population(self) -> int:
        return sum(p.population for p in self.places)

    def queries(self) -> list[StudyQuery]:
        """One geo query per circle (whole studies with any site in range), then the place names.

        The name queries catch sites whose ``geoPoint`` is wrong or missing; the API's geo filter
        cannot see them.
        """
        plan = [
            StudyQuery(
                f"{self.name} circle {i + 1} ({c.lat:.3f},{c.lon:.3f},{c.radius_km:g}km)",
                {"filter.geo": geo_filter(c.lat, c.lon, c.radius_km)},
            )
            for i, c in enumerate(self.circles)
        ]
        by_country: dict[str, list[str]] = {}
        for p in self.places:
            names = by_country.setdefault(COUNTRY_NAMES.get(p.country, p.country), [])
            for n in (p.name, *p.aliases):
                if n not in names:
                    names.append(n)
        for country, names in by_country.items():
            for i in range(0, len(names), NAMES_PER_QUERY):
                chunk = names[i : i + NAMES_PER_QUERY]
                cities = " OR ".join(f'AREA[LocationCity]"{n}"' for n in chunk)
                plan.append(
                    StudyQuery(
                        f"{self.name} names {i // NAMES_PER_QUERY + 1} ({chunk[0]} ...)",
                        {"filter.advanced": f'AREA[LocationCountry]"{country}" AND ({cities})'},
                    )
                )
        return plan


#: The registry's English country names for the ISO codes used in the region file.
COUNTRY_NAMES = {
    "DE": "Germany", "DK": "Denmark", "SE": "Sweden", "NL": "Netherlands", "FR": "France", "AT": "Austria",
    "GB": "United Kingdom", "CH": "Switzerland", "US": "United States", "BE": "Belgium", "IT": "Italy",
    "ES": "Spain", "PL": "Poland",
}  # fmt: skip


def _line_of(text: str, key: str, occurrence: int) -> int | None:
    """Best-effort line number of the ``occurrence``-th ``[[region]]`` block (for error messages)."""
    seen = -1
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.strip() == f"[[{key}]]":
            seen += 1
            if seen == occurrence:
                return lineno
    return None


def _circle(value: Any, where: str) -> Circle:
    if not (isinstance(value, list) and len(value) == 3 and all(isinstance(v, int | float) for v in value)):
        raise ConfigError(f"{where}: each circle must be [lat, lon, radius_km], got {value!r}")
    lat, lon, radius = (float(v) for v in value)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < radius <= 500):
        raise ConfigError(f"{where}: circle {value!r} is out of range (lat ±90, lon ±180, 0 < radius ≤ 500 km)")
    return Circle(lat, lon, radius)


def _place(block: Any, where: str) -> RegionPlace:
    if not isinstance(block, dict):
        raise ConfigError(f"{where}: must be a table")
    for key, kind in (("id", str), ("name", str), ("country", str), ("lat", (int, float)), ("lon", (int, float))):
        if not isinstance(block.get(key), kind):
            raise ConfigError(f"{where}: key {key!r} is missing or of the wrong type")
    pop = block.get("population", 0)
    if not isinstance(pop, int) or pop < 0:
        raise ConfigError(f"{where}: key 'population' must be a whole number >= 0")
    aliases = block.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise ConfigError(f"{where}: key 'aliases' must be a list of strings")
    return RegionPlace(
        id=block["id"], name=block["name"], country=block["country"].upper(), lat=float(block["lat"]),
        lon=float(block["lon"]), population=pop, county=str(block.get("county", "")), aliases=tuple(aliases),
    )  # fmt: skip


def parse_regions(text: str, source: str) -> list[Region]:
    """Validate and load region definitions; errors name ``source``, the region and its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: {exc}") from exc
    blocks = data.get("region")
    if not isinstance(blocks, list) or not blocks:
        raise ConfigError(f"{source}: no [[region]] tables found")
    regions: list[Region] = []
    names: set[str] = set()
    for i, block in enumerate(blocks):
        line = _line_of(text, "region", i)
        where = f"{source}, line {line}, region #{i + 1}" if line else f"{source}, region #{i + 1}"
        name = block.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: key 'name' is missing or empty")
        where = f"{where} ({name!r})"
        if name in names:
            raise ConfigError(f"{where}: duplicate region name")
        names.add(name)
        circles = block.get("circles")
        if not isinstance(circles, list) or not circles:
            raise ConfigError(f"{where}: key 'circles' must list at least one [lat, lon, radius_km]")
        places = block.get("place", [])
        if not isinstance(places, list):
            raise ConfigError(f"{where}: 'place' must be [[region.place]] tables")
        regions.append(
            Region(
                name=name,
                label=str(block.get("label", name)),
                country=str(block.get("country", "")),
                circles=tuple(_circle(c, f"{where}, key 'circles'") for c in circles),
                places=tuple(_place(p, f"{where}, place #{j + 1}") for j, p in enumerate(places)),
            )
        )
    return regions


def load_regions(path: Path | None = None) -> list[Region]:
    """The regions in ``path``, or the built-in file shipped with the package."""
    if path is None:
        text = resources.files("trials.data").joinpath(BUILTIN_REGIONS).read_text(encoding="utf-8")
        return parse_regions(text, f"trials/data/{BUILTIN_REGIONS}")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read regions file: {exc}") from exc
    return parse_regions(text, str(path))


def select_regions(regions: list[Region], names: list[str]) -> list[Region]:
    """The regions named (all when ``names`` is empty); an unknown name lists the known ones."""
    if not names:
        return regions
    by_name = {r.name.casefold(): r for r in regions}
    chosen = []
    for n in names:
        r = by_name.get(n.casefold())
        if r is None:
            known = ", ".join(r.name for r in regions)
            raise ConfigError(f"unknown region {n!r}; known regions: {known}")
        chosen.append(r)
    return chosen


def configured_regions() -> list[Region]:
    """The regions of ``$TRIALS_REGIONS_FILE``, else the built-in file: one source for harvest, places and app."""
    path = os.environ.get(REGIONS_ENV)
    return load_regions(Path(path) if path else None)
