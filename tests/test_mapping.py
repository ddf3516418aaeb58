"""The map's arithmetic and its packaged base layers (no browser: tests/test_browser_map.py looks at the pixels)."""

from __future__ import annotations

import math
from itertools import pairwise

import polars as pl
import pytest

from tests.conftest import ROOT
from trials.analytics.mapping import (
    LABEL_CHARS,
    MAX_RADIUS_PX,
    MIN_RADIUS_PX,
    NO_TRIALS_SHADE,
    SHADES,
    Municipality,
    bubble_radius,
    choropleth,
    country_shapes,
    municipality_rows,
    municipality_shapes,
    nice_floor,
    sea_shapes,
    shade_classes,
    shade_of,
    size_legend,
    view_zoom,
    with_bubbles,
)
from trials.rules.regions import load_regions


def test_bubble_area_not_radius_is_proportional_to_trials() -> None:
    largest = 10_000
    assert bubble_radius(largest, largest) == MAX_RADIUS_PX
    # four times the trials, twice the radius: four times the area
    assert bubble_radius(2_500, largest) == pytest.approx(MAX_RADIUS_PX / 2)
    a, b = bubble_radius(400, largest), bubble_radius(1_600, largest)
    assert (b / a) ** 2 == pytest.approx(4)


def test_ten_thousand_studies_stay_a_bubble_of_bounded_pixels_and_one_trial_stays_visible() -> None:
    """The old radius (trials x 150 m) made 10,000 studies a 1,500 km blob; pixels are capped whatever the count."""
    for largest in (1, 30, 10_000, 1_000_000):
        assert bubble_radius(largest, largest) == MAX_RADIUS_PX
        assert bubble_radius(1, largest) >= MIN_RADIUS_PX
    assert bubble_radius(0, 0) == MIN_RADIUS_PX


def test_only_the_top_places_get_labels_and_long_names_are_cut() -> None:
    names = ["Essen", "Bochum", "Universitätsklinikum Essen, Klinik für Dermatologie", *[f"P{i}" for i in range(9)]]
    points = pl.DataFrame({"key": names, "name": names, "trials": list(range(len(names), 0, -1)),
                           "lat": [51.4] * len(names), "lon": [7.0] * len(names)})  # fmt: skip
    out = with_bubbles(points, top=3)
    labels = out["label"].to_list()
    assert labels[:2] == ["Essen", "Bochum"]
    assert len(labels[2]) == LABEL_CHARS and labels[2].endswith("\u2026")
    assert all(label == "" for label in labels[3:])
    assert out["radius"][0] == MAX_RADIUS_PX and out["radius"].is_sorted(descending=True)
    assert all(dy < -r for (_, dy), r in zip(out["offset"].to_list(), out["radius"], strict=True))  # above by default


def test_the_size_legend_shows_round_counts_at_the_map_s_sizes() -> None:
    assert [nice_floor(v) for v in (0.5, 1, 7, 10, 2_499, 10_234)] == [0, 1, 5, 10, 2_000, 10_000]
    legend = size_legend(10_234)
    assert [v for v, _ in legend] == [10_000, 2_000, 200]
    assert all(r == pytest.approx(bubble_radius(v, 10_234)) for v, r in legend)
    assert size_legend(1) == [(1, MAX_RADIUS_PX)]
    assert size_legend(0) == []


def test_shade_classes_have_round_increasing_breaks_from_light_to_dark() -> None:
    values = [0.0, 0.0, 0.4, 0.9, 1.3, 2.2, 3.7, 5.1, 8.8, 13.0, 40.0]
    classes = shade_classes(values)
    lows = [c.low for c in classes]
    assert lows[0] == 0 and lows == sorted(set(lows))
    assert classes[-1].high is None and all(c.high == n.low for c, n in pairwise(classes))
    assert classes[0].color == SHADES[0] and classes[-1].color == SHADES[-1]
    assert shade_of(0.0, classes) == NO_TRIALS_SHADE and shade_of(None, classes) == NO_TRIALS_SHADE
    assert shade_of(40.0, classes) == SHADES[-1] and shade_of(0.4, classes) == SHADES[0]
    assert shade_classes([0.0, 0.0]) == []
    assert len(shade_classes([3.0])) == 1


def test_every_municipality_of_the_region_is_shaded_including_those_without_trials() -> None:
    ruhr = next(r for r in load_regions() if r.name == "ruhr")
    places = [Municipality(p.id, p.name, p.population) for p in ruhr.places]
    essen = next(p for p in places if p.name == "Essen")
    ranking = pl.DataFrame({"key": [essen.place_id], "trials": [58]})
    rows = municipality_rows(ranking, places)
    assert rows.height == len(places) == 53
    row = rows.filter(pl.col("name") == "Essen").row(0, named=True)
    assert row["per_100k"] == pytest.approx(58 * 100_000 / essen.population, abs=0.01)
    assert rows.filter(pl.col("trials") == 0)["per_100k"].to_list() == [0.0] * 52
    shaded = choropleth(rows, municipality_shapes(), shade_classes(rows["per_100k"].to_list()))
    assert len(shaded["features"]) == 53, "every Ruhr municipality has a packaged boundary"
    fills = {f["properties"]["name"]: f["properties"]["fill"] for f in shaded["features"]}
    assert fills["Essen"][:3] == list(SHADES[-1]) and fills["Bochum"][:3] == list(NO_TRIALS_SHADE)


def test_the_packaged_outlines_are_small_sourced_and_cover_every_configured_place() -> None:
    data = ROOT / "trials" / "data"
    assert (data / "countries.geojson").stat().st_size < 400_000
    assert (data / "de_municipality_shapes.geojson").stat().st_size < 400_000
    countries = country_shapes()
    assert "Natural Earth" in countries["source"]
    names = {f["properties"]["name"] for f in countries["features"]}
    assert {"Germany", "Netherlands", "United Kingdom", "Denmark", "Sweden", "France", "Austria"} <= names
    lon0, lat0, lon1, lat1 = countries["bbox"]
    for r in load_regions():  # every configured place is inside the offline base layer
        assert all(lon0 < p.lon < lon1 and lat0 < p.lat < lat1 for p in r.places), r.name
    sea = sea_shapes()["features"][0]["geometry"]["coordinates"]
    assert sea[0][0] == [lon0, lat0] and len(sea) > 50, "the rectangle, with the land cut out as holes"
    assert (data / "sea.geojson").stat().st_size < 400_000
    shapes = municipality_shapes()
    assert "GeoBasis-DE / BKG" in shapes["source"]
    german = {p.id.removeprefix("de:") for r in load_regions() for p in r.places if p.id.startswith("de:")}
    assert german == {f["properties"]["ags"] for f in shapes["features"]}


def test_the_view_fits_the_ruhr_and_a_single_city() -> None:
    ruhr = next(r for r in load_regions() if r.name == "ruhr")
    zoom = view_zoom([p.lat for p in ruhr.places], [p.lon for p in ruhr.places])
    assert 7.5 < zoom < 10
    assert view_zoom([52.52], [13.40]) <= 10  # one city: close, but not street level
    assert view_zoom([51.5], [-0.12], min_span=2.0) < 9  # nothing drawn around it: show the coast
    assert math.isclose(view_zoom([], []), 8.0)
