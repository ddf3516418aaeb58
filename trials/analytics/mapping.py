"""Positions, bubble sizes, labels and base layers for the map.

The registry gives city centres, not facility coordinates. The map draws each place as a bubble whose
*area* is proportional to its trials (a radius proportional to trials makes 10,000 studies one solid blob and
exaggerates differences quadratically), on country outlines and municipal boundaries that ship with the
package, so it reads the same with or without a tile server. The polygons come from
``scripts/build_map_shapes.py`` (sources and licences in ``trials/data/map_shapes.md``).
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import polars as pl

#: How far (degrees of latitude) sites of one city are spread around its centre, so they do not overlap.
SPREAD_DEG = 0.02
#: Bubble radius in screen pixels of the place with the most trials: big enough to read, small enough that the
#: Ruhr's 53 municipalities stay apart at the region's zoom.
MAX_RADIUS_PX = 36.0
#: Sites crowd on small rings around their city's centre: their largest bubble is smaller.
MAX_SITE_RADIUS_PX = 22.0
#: The smallest bubble (one trial) stays visible and clickable.
MIN_RADIUS_PX = 3.0
#: Places that may get a text label (the largest by trials, where the label fits): more would crowd the map.
LABELS_TOP = 10
#: Site names are long ("Universitätsklinikum Essen, Klinik für ..."): labels are cut to this many characters.
LABEL_CHARS = 28
#: Choropleth classes (ColorBrewer "Blues", light to dark), and the colour of municipalities without trials.
SHADES: tuple[tuple[int, int, int], ...] = ((222, 235, 247), (158, 202, 225), (107, 174, 214), (49, 130, 189),
                                            (8, 81, 156))  # fmt: skip
NO_TRIALS_SHADE = (236, 236, 236)


def spread(key: str, lat: float, lon: float, radius: float = SPREAD_DEG) -> tuple[float, float]:
    """A stable position near the city centre for one site (same key, same spot on every run).

    ClinicalTrials.gov's ``geoPoint`` is the city centre for every site of a city; drawing them all
    on one point would hide all but one, and inventing facility coordinates would be dishonest, so
    sites sit on a small circle around the centre, at an angle derived from the key.
    """
    angle = (zlib.crc32(key.encode()) % 360) * math.pi / 180
    return lat + radius * math.sin(angle), lon + radius * math.cos(angle) / max(math.cos(math.radians(lat)), 0.1)


def map_points(
    ranking: pl.DataFrame, links: pl.DataFrame, level: str, coords: Mapping[str, tuple[float, float]]
) -> pl.DataFrame:
    """Ranked entities with a position (name, trials, lat, lon); entities of unknown places are left out."""
    if level == "city":
        places = ranking.select("key", "name", "trials", pl.col("key").alias("place_id"))
    else:
        first_place = links.group_by("key").agg(pl.col("place_id").first())
        places = ranking.select("key", "name", "trials").join(first_place, on="key")
    rows = []
    for key, name, trials, place in places.iter_rows():
        if place not in coords:
            continue
        lat, lon = coords[place]
        if level != "city":
            lat, lon = spread(key, lat, lon)
        rows.append((key, name, trials, lat, lon))
    schema = {"key": pl.String, "name": pl.String, "trials": pl.Int64, "lat": pl.Float64, "lon": pl.Float64}
    return pl.DataFrame(rows, schema=schema, orient="row").sort(["trials", "name"], descending=[True, False])


def bubble_radius(trials: int, largest: int, max_radius: float = MAX_RADIUS_PX) -> float:
    """Radius in pixels whose *area* is proportional to ``trials`` (the ``largest`` place gets ``max_radius``)."""
    if largest <= 0 or trials <= 0:
        return MIN_RADIUS_PX
    return max(MIN_RADIUS_PX, max_radius * math.sqrt(trials / largest))


#: Where a label may sit around its bubble, in order of preference: (anchor, baseline, dx sign, dy sign).
_LABEL_SPOTS = (("middle", "bottom", 0, -1), ("middle", "top", 0, 1), ("start", "center", 1, 0),
                ("end", "center", -1, 0))  # fmt: skip
#: Approximate size of a label's box in pixels (13 px bold sans-serif): width per character, height.
_CHAR_PX, _LINE_PX = 7.6, 18.0
Box = tuple[float, float, float, float]


def to_pixels(lat: float, lon: float, zoom: float) -> tuple[float, float]:
    """Web Mercator pixel position at ``zoom`` (deck.gl's world is 512 pixels wide at zoom 0)."""
    size = 512 * 2**zoom
    phi = math.radians(max(min(lat, 85.0), -85.0))
    y = (1 - math.log(math.tan(phi) + 1 / math.cos(phi)) / math.pi) / 2 * size
    return (lon + 180) / 360 * size, y


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def with_bubbles(
    points: pl.DataFrame, top: int = LABELS_TOP, zoom: float | None = None, max_radius: float = MAX_RADIUS_PX
) -> pl.DataFrame:
    """``points`` plus ``radius`` (pixels, area proportional to trials) and the label columns: ``label`` (the
    name, cut to :data:`LABEL_CHARS`, of up to ``top`` places, else empty), ``offset`` (pixels from the centre),
    ``anchor`` and ``baseline`` (deck.gl's text anchor and alignment baseline).

    With the map's ``zoom``, labels are placed largest place first above, below, right or left of the bubble,
    wherever they hit neither a label already placed nor a bubble of a larger place; a label that fits nowhere
    is left out (the tooltip and the table still name it). Without ``zoom`` every label sits above its bubble.
    """
    largest = max(points["trials"].to_list(), default=0)
    radius = [bubble_radius(int(n), largest, max_radius) for n in points["trials"]]
    labels, offsets, anchors, baselines = [], [], [], []
    taken: list[Box] = []
    pixels = [to_pixels(la, lo, zoom) for la, lo in zip(points["lat"], points["lon"], strict=True)] if zoom else []
    bubbles = [(x - r, y - r, x + r, y + r) for (x, y), r in zip(pixels, radius, strict=False)]
    for i, (name, r) in enumerate(zip(points["name"], radius, strict=True)):
        text = _cut(str(name)) if i < top else ""
        spot = _LABEL_SPOTS[0]
        if text and zoom is not None:
            x, y = pixels[i]
            w, h = _CHAR_PX * len(text) + 8, _LINE_PX
            spot = next((s for s in _LABEL_SPOTS if not _blocked(_label_box(x, y, r, w, h, s), taken, bubbles[:i])),
                        None) or spot  # fmt: skip
            box = _label_box(x, y, r, w, h, spot)
            if _blocked(box, taken, bubbles[:i]):
                text = ""
            else:
                taken.append(box)
        anchor, baseline, sx, sy = spot
        labels.append(text)
        offsets.append([sx * (r + 4), sy * (r + 3)])
        anchors.append(anchor)
        baselines.append(baseline)
    return points.with_columns(
        pl.Series("radius", radius, dtype=pl.Float64),
        pl.Series("label", labels, dtype=pl.String),
        pl.Series("offset", offsets, dtype=pl.List(pl.Float64)),
        pl.Series("anchor", anchors, dtype=pl.String),
        pl.Series("baseline", baselines, dtype=pl.String),
    )


def _label_box(x: float, y: float, r: float, w: float, h: float, spot: tuple[str, str, int, int]) -> Box:
    """The pixel box of a ``w`` x ``h`` label at ``spot`` around a bubble of radius ``r`` centred at (x, y)."""
    _, _, sx, sy = spot
    if sy:  # above or below, centred
        top = y - r - 3 - h if sy < 0 else y + r + 3
        return (x - w / 2, top, x + w / 2, top + h)
    left = x + r + 4 if sx > 0 else x - r - 4 - w
    return (left, y - h / 2, left + w, y + h / 2)


def _blocked(box: Box, labels: list[Box], bubbles: list[Box]) -> bool:
    return any(_overlaps(box, b) for b in labels) or any(_overlaps(box, b) for b in bubbles)


def _cut(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1].rstrip() + "\u2026"


def nice_floor(value: float) -> int:
    """The largest 1, 2 or 5 times a power of ten that is <= ``value`` (legend values people can read)."""
    if value < 1:
        return 0
    power = 10 ** math.floor(math.log10(value))
    return int(max(m * power for m in (1, 2, 5) if m * power <= value))


def size_legend(largest: int, max_radius: float = MAX_RADIUS_PX) -> list[tuple[int, float]]:
    """Up to three round trial counts with their bubble radius (pixels), largest first, for the size legend."""
    values: list[int] = []
    for fraction in (1.0, 0.25, 1 / 25):
        v = nice_floor(largest * fraction)
        if v >= 1 and v not in values:
            values.append(v)
    return [(v, bubble_radius(v, largest, max_radius)) for v in values]


@dataclass(frozen=True)
class Shade:
    """One class of the choropleth: municipalities with ``low <= per_100k < high`` get ``color``."""

    low: float
    high: float | None  # None: open top class
    color: tuple[int, int, int]


def shade_classes(values: Sequence[float], classes: int = len(SHADES)) -> list[Shade]:
    """Classes of trials per 100,000 inhabitants with round breaks at (about) the quantiles of the positive
    values: quantiles keep one hospital town from painting every other municipality the palest blue."""
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return []
    breaks: list[float] = [0.0]
    for i in range(1, classes):
        q = positive[min(len(positive) - 1, int(len(positive) * i / classes))]
        b = _round_break(q)
        if b > breaks[-1] and b < positive[-1]:
            breaks.append(b)
    colors = _spread_colors(len(breaks))
    return [Shade(lo, breaks[i + 1] if i + 1 < len(breaks) else None, colors[i]) for i, lo in enumerate(breaks)]


def _round_break(value: float) -> float:
    """Two significant digits: 13.7 -> 14, 0.438 -> 0.44, 172 -> 170."""
    if value <= 0:
        return 0.0
    digits = 1 - math.floor(math.log10(value))
    return round(value, digits) if digits > 0 else float(round(value, digits))


def _spread_colors(n: int) -> list[tuple[int, int, int]]:
    """``n`` colours of :data:`SHADES`, light to dark, using the full range."""
    if n <= 1:
        return [SHADES[-1]][:n]
    return [SHADES[round(i * (len(SHADES) - 1) / (n - 1))] for i in range(n)]


def shade_of(value: float | None, classes: Sequence[Shade]) -> tuple[int, int, int]:
    if not value or not classes:
        return NO_TRIALS_SHADE
    for c in classes:
        if value >= c.low and (c.high is None or value < c.high):
            return c.color
    return classes[-1].color


@dataclass(frozen=True)
class Municipality:
    """A configured German place the choropleth can shade (``ags``: the 8-digit municipality key)."""

    place_id: str
    name: str
    population: int


def municipality_rows(city_ranking: pl.DataFrame, places: Sequence[Municipality]) -> pl.DataFrame:
    """Every place of the region with its trials and trials per 100,000 inhabitants (0 where none matched:
    a municipality without trials is part of the picture, not missing data)."""
    counts = dict(zip(city_ranking["key"], city_ranking["trials"], strict=True)) if city_ranking.height else {}
    rows = []
    for p in places:
        n = int(counts.get(p.place_id, 0) or 0)
        per = round(n * 100_000 / p.population, 2) if p.population > 0 else None
        rows.append((p.place_id, p.name, n, p.population, per))
    schema = {"place_id": pl.String, "name": pl.String, "trials": pl.Int64, "population": pl.Int64,
              "per_100k": pl.Float64}  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def choropleth(rows: pl.DataFrame, shapes: Mapping[str, Any], classes: Sequence[Shade]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the municipalities in ``rows`` that have a boundary, each with its
    figures and ``fill`` colour in ``properties`` (``tip`` is filled in by the page, in its language)."""
    by_ags = {f["properties"]["ags"]: f for f in shapes.get("features", [])}
    features = []
    for place_id, name, trials, population, per in rows.select(
        "place_id", "name", "trials", "population", "per_100k"
    ).iter_rows():
        shape = by_ags.get(str(place_id).removeprefix("de:"))
        if shape is None:
            continue
        props = {"place_id": place_id, "name": name, "trials": trials, "population": population,
                 "per_100k": per, "fill": [*shade_of(per, classes), 180]}  # fmt: skip
        features.append({"type": "Feature", "properties": props, "geometry": shape["geometry"]})
    return {"type": "FeatureCollection", "features": features}


@cache
def _shapes(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("trials.data").joinpath(name).read_text(encoding="utf-8"))
    return data


def country_shapes() -> dict[str, Any]:
    """Europe's country outlines (Natural Earth 1:50m, public domain): the base layer that needs no internet."""
    return _shapes("countries.geojson")


def municipality_shapes() -> dict[str, Any]:
    """Boundaries of the configured German municipalities (BKG VG250, © GeoBasis-DE / BKG 2016, dl-de/by-2-0)."""
    return _shapes("de_municipality_shapes.geojson")


def shape_extent(shapes: Mapping[str, Any], ags: set[str]) -> tuple[list[float], list[float]]:
    """Latitudes and longitudes of the corners of the boundaries of the municipalities ``ags`` (empty if none)."""
    lats: list[float] = []
    lons: list[float] = []
    for f in shapes.get("features", []):
        if f["properties"]["ags"] not in ags:
            continue
        points = [pt for poly in f["geometry"]["coordinates"] for ring in poly for pt in ring]
        lons += [min(p[0] for p in points), max(p[0] for p in points)]
        lats += [min(p[1] for p in points), max(p[1] for p in points)]
    return lats, lons


def sea_shapes() -> dict[str, Any]:
    """The sea inside the outlines' rectangle (land cut out as holes): tinted without tinting the land."""
    return _shapes("sea.geojson")


def view_zoom(
    lats: Sequence[float], lons: Sequence[float], width_px: int = 900, height_px: int = 560, min_span: float = 0.05
) -> float:
    """A Web Mercator zoom that fits the points' extent into the map (with a margin for bubbles and labels).

    pydeck's ``compute_view`` needs pandas and fits a fixed fraction of the points; this fits them all. deck.gl's
    zoom 0 shows the world 512 pixels wide (not 256 as raster tiles count). ``min_span`` (degrees) keeps a single
    place from filling the screen where nothing around it is drawn.
    """
    if not lats:
        return 8.0
    span_lon = max(max(lons) - min(lons), min_span)
    lat_rad = [math.radians(v) for v in (min(lats), max(lats))]
    merc = [math.log(math.tan(math.pi / 4 + v / 2)) for v in lat_rad]
    span_y = max(merc[1] - merc[0], min_span * math.pi / 180 * 0.6)
    zoom_x = math.log2(width_px * 360 / (512 * span_lon))
    zoom_y = math.log2(height_px * 2 * math.pi / (512 * span_y))
    return round(max(3.0, min(10.0, min(zoom_x, zoom_y) - 0.15)), 2)
