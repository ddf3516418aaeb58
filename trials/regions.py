"""Regions to harvest, read from an editable TOML file, and the queries that cover them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from trials.api import StudyQuery, geo_filter
from trials.errors import ConfigError

BUILTIN_REGIONS = "regions.toml"


@dataclass(frozen=True)
class Circle:
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class Region:
    name: str
    label: str
    country: str
    circles: tuple[Circle, ...]

    def queries(self) -> list[StudyQuery]:
        """One geo query per circle; the API returns whole studies with any site in range."""
        return [
            StudyQuery(
                f"{self.name} circle {i + 1} ({c.lat:.3f},{c.lon:.3f},{c.radius_km:g}km)",
                {"filter.geo": geo_filter(c.lat, c.lon, c.radius_km)},
            )
            for i, c in enumerate(self.circles)
        ]


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
        regions.append(
            Region(
                name=name,
                label=str(block.get("label", name)),
                country=str(block.get("country", "")),
                circles=tuple(_circle(c, f"{where}, key 'circles'") for c in circles),
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
