"""Positions for the map: the registry gives city centres, not facility coordinates."""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping

import polars as pl

#: How far (degrees of latitude) sites of one city are spread around its centre, so they do not overlap.
SPREAD_DEG = 0.02


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
