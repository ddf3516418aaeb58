"""Regions to harvest, read from an editable TOML file: places, circles, country, peers, presets, default.

The registry query syntax that covers a region is in :mod:`trials.source.queries`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from trials.errors import ConfigError
from trials.settings import env_name, get_settings
from trials.source.geo import distance_km
from trials.source.queries import COUNTRY_NAMES

BUILTIN_REGIONS = "regions.toml"
#: Environment variable naming the region file every command and the app use (default: built-in).
REGIONS_ENV = env_name("regions_file")


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


@dataclass(frozen=True)
class Region:
    name: str
    label: str
    country: str  # ISO 3166 alpha-2 (the region's home country, for its national context)
    circles: tuple[Circle, ...]
    places: tuple[RegionPlace, ...] = ()
    peers: tuple[str, ...] = ()  # regions a deck compares it with by default (names in the same file)
    presets: tuple[str, ...] = ()  # published search strategies whose tables show this region's places
    default: bool = False  # the region the app and the commands start from

    @property
    def population(self) -> int:
        return sum(p.population for p in self.places)


def _line_of(text: str, key: str, occurrence: int) -> int | None:
    """Best-effort line number of the ``occurrence``-th ``[[region]]`` block (for error messages)."""
    seen = -1
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.strip() == f"[[{key}]]":
            seen += 1
            if seen == occurrence:
                return lineno
    return None


#: The keys a ``[[region]]`` and a ``[[region.place]]`` table may have (any other key is a typo: an error).
REGION_KEYS = {"name", "label", "country", "default", "peers", "presets", "circles", "place"}
PLACE_KEYS = {"id", "name", "country", "county", "lat", "lon", "population", "aliases"}


def _number(value: Any) -> bool:
    """A TOML number: true/false are not numbers here, although Python counts them as integers."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _known_keys(block: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(block) - allowed)
    if extra:
        raise ConfigError(f"{where}: unknown key {extra[0]!r} (known: {', '.join(sorted(allowed))})")


def _circle(value: Any, where: str) -> Circle:
    if not (isinstance(value, list) and len(value) == 3 and all(_number(v) for v in value)):
        raise ConfigError(f"{where}: each circle must be [lat, lon, radius_km], got {value!r}")
    lat, lon, radius = (float(v) for v in value)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < radius <= 500):
        raise ConfigError(f"{where}: circle {value!r} is out of range (lat ±90, lon ±180, 0 < radius ≤ 500 km)")
    return Circle(lat, lon, radius)


def _place(block: Any, where: str) -> RegionPlace:
    if not isinstance(block, dict):
        raise ConfigError(f"{where}: must be a table")
    _known_keys(block, PLACE_KEYS, where)
    for key in ("id", "name", "country"):
        if not isinstance(block.get(key), str) or not block[key].strip():
            raise ConfigError(f"{where}: key {key!r} is missing or not a text, got {block.get(key)!r}")
    for key, limit in (("lat", 90), ("lon", 180)):
        value = block.get(key)
        if not _number(value):
            raise ConfigError(f"{where}: key {key!r} is missing or not a number, got {value!r}")
        assert value is not None  # a number (checked above)
        if not -limit <= value <= limit:
            raise ConfigError(f"{where}: key {key!r} = {value} is out of range (-{limit} to {limit} degrees)")
    pop = block.get("population", 0)
    if not isinstance(pop, int) or isinstance(pop, bool) or pop < 0:
        raise ConfigError(f"{where}: key 'population' must be a whole number >= 0, got {pop!r}")
    if not isinstance(block.get("county", ""), str):
        raise ConfigError(f"{where}: key 'county' must be a text, got {block['county']!r}")
    aliases = block.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise ConfigError(f"{where}: key 'aliases' must be a list of strings")
    return RegionPlace(
        id=block["id"], name=block["name"], country=block["country"].upper(), lat=float(block["lat"]),
        lon=float(block["lon"]), population=pop, county=str(block.get("county", "")), aliases=tuple(aliases),
    )  # fmt: skip


def _strings(block: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = block.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: key {key!r} must be a list of names, got {value!r}")
    return tuple(value)


#: The registry's country names, back to their ISO codes (region files written before codes were required).
_CODE_OF_NAME = {name.casefold(): code for code, name in COUNTRY_NAMES.items()}


def _country(block: dict[str, Any], places: tuple[RegionPlace, ...], where: str) -> str:
    """The region's ISO country code; without the key, its first place's country."""
    value = block.get("country")
    if value is None:
        return places[0].country if places else ""
    if isinstance(value, str) and len(value) == 2 and value.isascii() and value.isalpha():
        return value.upper()
    if isinstance(value, str) and value.strip().casefold() in _CODE_OF_NAME:
        return _CODE_OF_NAME[value.strip().casefold()]
    raise ConfigError(f"{where}: key 'country' must be an ISO 3166 alpha-2 code such as \"DE\", got {value!r}")


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
    wheres: list[str] = []
    names: set[str] = set()
    for i, block in enumerate(blocks):
        line = _line_of(text, "region", i)
        where = f"{source}, line {line}, region #{i + 1}" if line else f"{source}, region #{i + 1}"
        if not isinstance(block, dict):
            raise ConfigError(f"{where}: must be a [[region]] table, got {block!r}")
        name = block.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: key 'name' is missing or empty")
        where = f"{where} ({name!r})"
        if name in names:
            raise ConfigError(f"{where}: duplicate region name")
        names.add(name)
        _known_keys(block, REGION_KEYS, where)
        if not isinstance(block.get("label", name), str):
            raise ConfigError(f"{where}: key 'label' must be a text, got {block['label']!r}")
        circles = block.get("circles")
        if not isinstance(circles, list) or not circles:
            raise ConfigError(f"{where}: key 'circles' must list at least one [lat, lon, radius_km]")
        places = block.get("place", [])
        if not isinstance(places, list):
            raise ConfigError(f"{where}: 'place' must be [[region.place]] tables")
        default = block.get("default", False)
        if not isinstance(default, bool):
            raise ConfigError(f"{where}: key 'default' must be true or false, got {default!r}")
        parsed = tuple(_place(p, f"{where}, place #{j + 1}") for j, p in enumerate(places))
        regions.append(
            Region(
                name=name,
                label=str(block.get("label", name)),
                country=_country(block, parsed, where),
                circles=tuple(_circle(c, f"{where}, key 'circles'") for c in circles),
                places=parsed,
                peers=_strings(block, "peers", where),
                presets=_strings(block, "presets", where),
                default=default,
            )
        )
        wheres.append(where)
    for region, where in zip(regions, wheres, strict=True):
        unknown = [p for p in region.peers if p not in names or p == region.name]
        if unknown:
            raise ConfigError(
                f"{where}: key 'peers' names {', '.join(map(repr, unknown))}, which must be other regions of this "
                f"file ({', '.join(r.name for r in regions)})"
            )
    defaults = [w for r, w in zip(regions, wheres, strict=True) if r.default]
    if len(defaults) > 1:
        raise ConfigError(f"{defaults[1]}: 'default = true' is already set on {defaults[0]}; only one region can be")
    return regions


def load_regions(path: Path | None = None) -> list[Region]:
    """The regions in ``path``, or the built-in file shipped with the package."""
    if path is None:
        text = resources.files("trials.data").joinpath(BUILTIN_REGIONS).read_text(encoding="utf-8")
        return parse_regions(text, f"trials/data/{BUILTIN_REGIONS}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read regions file: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}, line {line}: not UTF-8 text (byte {data[exc.start]:#04x}); save the file as "
                          "UTF-8") from None  # fmt: skip
    return parse_regions(text, str(path))


def unknown_region(name: str, regions: Sequence[Region]) -> ConfigError:
    """The one error for a region name that is not in the region file."""
    return ConfigError(f"unknown region {name!r}; known regions: {', '.join(r.name for r in regions)}")


def find_region(regions: Sequence[Region], name: str) -> Region:
    """The region called ``name`` (case-insensitive); an unknown name lists the known ones."""
    wanted = name.casefold()
    for r in regions:
        if r.name.casefold() == wanted:
            return r
    raise unknown_region(name, regions)


def select_regions(regions: list[Region], names: list[str]) -> list[Region]:
    """The regions named (all when ``names`` is empty); an unknown name lists the known ones."""
    if not names:
        return regions
    return [find_region(regions, n) for n in names]


def default_region(regions: Sequence[Region]) -> Region:
    """The region marked ``default = true`` in the file, else the first one."""
    return next((r for r in regions if r.default), regions[0])


def default_peers(region: Region, regions: Sequence[Region]) -> list[str]:
    """The peers the region file gives ``region``, else the first four other regions of the file."""
    known = {r.name for r in regions}
    if region.peers:
        return [p for p in region.peers if p in known and p != region.name]
    return [r.name for r in regions if r.name != region.name][:4]


def preset_regions(regions: Sequence[Region], preset: str) -> list[str]:
    """The regions whose places a preset's table shows: those marked ``presets = [...]`` in the region file,
    in file order; in a file that marks none, the default region and its peers."""
    marked = [r.name for r in regions if preset in r.presets]
    if marked or not regions:
        return marked
    home = default_region(regions)
    return [home.name, *default_peers(home, regions)]


def configured_regions() -> list[Region]:
    """The regions of ``$TRIALS_REGIONS_FILE``, else the built-in file: one source for harvest, places and app."""
    return load_regions(get_settings().regions_file)


def regions_at(lat: float | None, lon: float | None, regions: Sequence[Region]) -> list[str]:
    """The regions whose harvest circles hold the point (none for a missing coordinate).

    A site we could not place by its city string still counts for a region's picture when the registry's own
    coordinates put it inside the region: those are the unplaced sites worth curating first.
    """
    if lat is None or lon is None:
        return []
    return [r.name for r in regions if any(distance_km(lat, lon, c.lat, c.lon) <= c.radius_km for c in r.circles)]


def regions_maybe_at(site: Mapping[str, Any], regions: Sequence[Region]) -> tuple[list[str], bool]:
    """The regions an unplaced site may belong to, and whether that is certain.

    Certain: its coordinates lie in a region's circles. Possible: it has no coordinates, but its country is a
    configured region's country (the city string might still name one of the region's places). Neither: the
    site cannot change a configured region's ranking.
    """
    inside = regions_at(site.get("lat"), site.get("lon"), regions)
    if inside or site.get("lat") is not None:
        return inside, True
    country = site.get("country")
    return [r.name for r in regions if country and COUNTRY_NAMES.get(r.country) == country], False
