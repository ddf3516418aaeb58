"""Map: cities or trial sites as bubbles (area = trials) on packaged outlines, German municipalities shaded by
trials per 100,000 inhabitants, filtered like the rankings.

Everything a reader needs to read the map is drawn from files that ship with the package (country outlines,
municipal boundaries), so it works where no tile server is reachable; where one is, Carto's light tiles show
through the translucent outlines (Streamlit draws the tiles beneath deck.gl's canvas).
"""

from __future__ import annotations

import base64
from html import escape
from typing import Any

import polars as pl
import pydeck as pdk
import streamlit as st

from benchmark_app.common import page_frames, show_table
from benchmark_app.i18n import t
from benchmark_app.sidebar import sidebar_filters
from benchmark_app.state import lang, place_coords, regions
from trials.analytics.mapping import (
    MAX_RADIUS_PX,
    MAX_SITE_RADIUS_PX,
    MIN_RADIUS_PX,
    NO_TRIALS_SHADE,
    Municipality,
    Shade,
    choropleth,
    country_shapes,
    map_points,
    municipality_rows,
    municipality_shapes,
    sea_shapes,
    shade_classes,
    shape_extent,
    size_legend,
    view_zoom,
    with_bubbles,
)
from trials.analytics.metrics import format_number
from trials.analytics.rankings import rank
from trials.present.labels import region_label
from trials.rules.regions import Region

LEVELS = ["city", "site"]
MAP_HEIGHT = 580
#: Bubbles: orange on the blue choropleth, translucent so overlapping sites and the shading stay visible.
BUBBLE_FILL = [230, 85, 13, 200]
BUBBLE_LINE = [255, 255, 255, 230]
#: The packaged base layer is translucent: offline it draws land and sea on the page's white, online the tiles
#: that Streamlit draws beneath deck.gl's canvas show through it.
LAND = [253, 252, 248, 150]
WATER = [170, 205, 232, 130]
BORDER = [120, 120, 120, 220]


def _svg_size_legend(largest: int, max_radius: float, lg: str) -> str:
    """Nested circles with round trial counts, drawn at the map's pixel sizes."""
    steps = size_legend(largest, max_radius)
    if not steps:
        return ""
    top = steps[0][1]
    width, height = int(2 * top + 110), int(2 * top + 16)  # room above the largest circle for its number
    base = height - 4
    parts = []
    for value, r in steps:
        cy = base - r
        parts.append(f'<circle cx="{top + 4:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="rgba(230,85,13,0.55)" '
                     f'stroke="rgb(160,60,10)" stroke-width="1"/>')  # fmt: skip
        parts.append(f'<line x1="{top + 4:.1f}" y1="{cy - r:.1f}" x2="{2 * top + 16:.1f}" y2="{cy - r:.1f}" '
                     f'stroke="#888" stroke-dasharray="2,2"/>')  # fmt: skip
        parts.append(f'<text x="{2 * top + 20:.1f}" y="{cy - r + 4:.1f}" font-size="12" fill="#333">'
                     f"{escape(format_number(value, 'int', lg))}</text>")  # fmt: skip
    svg = (f'<svg width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">'
           f'{"".join(parts)}</svg>')  # fmt: skip
    # as an image: st.html sanitises inline SVG away, a data URI of an <img> it keeps
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    title = escape(t("map.size_legend", lg))
    return f'<div style="font-size:0.85rem;color:#444">{title}</div><img src="{src}" alt="{title}">'


def _html_shade_legend(classes: list[Shade], lg: str) -> str:
    """Colour swatches with their ranges of trials per 100,000 inhabitants."""
    rows = [(f"rgb{NO_TRIALS_SHADE}", t("map.no_trials", lg))]
    for c in classes:
        low = format_number(c.low, "dec1", lg)
        if c.high is None and c.low == 0:  # one class only: every municipality with trials
            text = "> 0"
        elif c.high is None:
            text = t("map.and_more", lg, value=low)
        else:  # the lowest class starts above zero: no trials at all is the grey swatch
            text = f"{'> 0' if c.low == 0 else low}\u2013{format_number(c.high, 'dec1', lg)}"
        rows.append((f"rgb{c.color}", text))
    items = "".join(
        f'<span style="display:inline-flex;align-items:center;margin-right:12px">'
        f'<span style="width:16px;height:12px;background:{color};border:1px solid #999;margin-right:4px"></span>'
        f"{escape(text)}</span>"
        for color, text in rows
    )
    title = escape(t("map.shade_legend", lg))
    return f'<div style="font-size:0.85rem;color:#444">{title}</div><div style="font-size:0.85rem">{items}</div>'


def _base_layers() -> list[pdk.Layer]:
    """Sea and country outlines from the packaged Natural Earth file: the map reads without any tile server."""
    water = pdk.Layer("GeoJsonLayer", sea_shapes(), stroked=False, filled=True, get_fill_color=WATER)
    land = pdk.Layer("GeoJsonLayer", country_shapes(), stroked=True, filled=True, get_fill_color=LAND,
                     get_line_color=BORDER, line_width_min_pixels=1, pickable=False)  # fmt: skip
    return [water, land]


def _shade_layer(rows: pl.DataFrame, classes: list[Shade], lg: str) -> pdk.Layer:
    data = choropleth(rows, municipality_shapes(), classes)
    for feat in data["features"]:
        p = feat["properties"]
        per = format_number(p["per_100k"], "dec1", lg)
        feat["tip"] = t("map.tip_area", lg, name=p["name"], per_100k=per, trials=format_number(p["trials"], "int", lg))
    return pdk.Layer("GeoJsonLayer", data, stroked=True, filled=True, get_fill_color="properties.fill",
                     get_line_color=[255, 255, 255, 230], line_width_min_pixels=1, pickable=True)  # fmt: skip


def _outline_layer(places: list[Municipality]) -> pdk.Layer:
    """The region's municipal boundaries without shading (shading off, or a one-city region)."""
    wanted = {p.place_id.removeprefix("de:") for p in places}
    features = [f for f in municipality_shapes()["features"] if f["properties"]["ags"] in wanted]
    data = {"type": "FeatureCollection", "features": features}
    return pdk.Layer("GeoJsonLayer", data, stroked=True, filled=True, get_fill_color=[255, 255, 255, 90],
                     get_line_color=[90, 90, 90, 200], line_width_min_pixels=1)  # fmt: skip


def _bubble_layers(points: pl.DataFrame, max_radius: float, lg: str) -> list[pdk.Layer]:
    rows = points.to_dicts()
    for r in rows:
        r["tip"] = t("map.tip_point", lg, name=r["name"], trials=format_number(r["trials"], "int", lg))
    bubbles = pdk.Layer("ScatterplotLayer", rows, get_position="[lon, lat]", get_radius="radius",
                        radius_units="'pixels'", get_fill_color=BUBBLE_FILL, get_line_color=BUBBLE_LINE, stroked=True,
                        line_width_min_pixels=1.5, radius_min_pixels=MIN_RADIUS_PX, radius_max_pixels=max_radius,
                        pickable=True)  # fmt: skip
    labelled = [r for r in rows if r["label"]]
    labels = pdk.Layer("TextLayer", labelled, get_position="[lon, lat]", get_text="label", get_size=13,
                       get_color=[25, 25, 25, 255], get_alignment_baseline="baseline", get_text_anchor="anchor",
                       get_pixel_offset="offset",
                       font_weight=600, font_family="'Helvetica Neue, Arial, sans-serif'", background=True,
                       get_background_color=[255, 255, 255, 210], background_padding=[3, 1, 3, 1])  # fmt: skip
    # deck.gl's font atlas holds ASCII unless told otherwise ("Mülheim"); set after construction because pydeck
    # turns every string argument into a JavaScript expression
    labels.character_set = "auto"
    return [bubbles, labels]


def _municipalities(region: Region | None) -> list[Municipality]:
    """The region's German municipalities that have a packaged boundary (all 53 for the Ruhr)."""
    if region is None:
        return []
    shaped = {f["properties"]["ags"] for f in municipality_shapes()["features"]}
    return [Municipality(p.id, p.name, p.population) for p in region.places
            if p.id.startswith("de:") and p.id.removeprefix("de:") in shaped]  # fmt: skip


def _view(points: pl.DataFrame, region: Region | None, places: list[Municipality]) -> pdk.ViewState:
    """A view that fits every bubble, every place of the region and the boundaries of its municipalities (a
    one-city region such as Berlin is a large area, not a point); without boundaries (London) wide enough to show
    the coast and borders around it."""
    lats = points["lat"].to_list() + ([p.lat for p in region.places] if region else [])
    lons = points["lon"].to_list() + ([p.lon for p in region.places] if region else [])
    shape_lats, shape_lons = shape_extent(municipality_shapes(), {p.place_id.removeprefix("de:") for p in places})
    lats, lons = lats + shape_lats, lons + shape_lons
    zoom = view_zoom(lats, lons, height_px=MAP_HEIGHT, min_span=0.05 if places else 3.0)
    return pdk.ViewState(latitude=(min(lats) + max(lats)) / 2, longitude=(min(lons) + max(lons)) / 2, zoom=zoom)


def render() -> None:
    lg = lang()
    st.title(t("map", lg))
    f, url_level = sidebar_filters(default_level="city")
    fr = page_frames()
    if fr is None:
        return
    names = {"city": t("map.show_city", lg), "site": t("map.show_site", lg)}
    level = st.radio(t("map.show", lg), LEVELS, index=LEVELS.index(url_level) if url_level in LEVELS else 0,
                     horizontal=True, key="map_level", format_func=names.__getitem__)  # fmt: skip
    if st.query_params.get("by") != level:  # the view is shareable: the link keeps cities or sites
        st.query_params["by"] = level
    region = next((r for r in regions() if r.name == f.region), None)
    ranking = rank(fr, level, f)
    points = map_points(ranking, fr.links[level], level, place_coords())
    places = _municipalities(region)
    # shading compares municipalities: a one-city region (Berlin) gets its boundary only
    shade = len(places) > 1 and st.toggle(t("map.shade", lg), value=True, key="map_shade")
    if not places and region is not None:
        st.caption(t("map.no_shapes", lg, region=region_label(region.name, region.label, lg)))
    if points.height == 0:
        st.info(t("no_match", lg))
        return
    if level == "site":
        st.caption(t("map_note", lg))
    layers: list[Any] = _base_layers()
    classes: list[Shade] = []
    if shade:
        city_ranking = ranking if level == "city" else rank(fr, "city", f)
        rows = municipality_rows(city_ranking, places)
        classes = shade_classes([v for v in rows["per_100k"].to_list() if v is not None])
        layers.append(_shade_layer(rows, classes, lg))
    elif places:
        layers.append(_outline_layer(places))
    view = _view(points, region, places)
    max_radius = MAX_RADIUS_PX if level == "city" else MAX_SITE_RADIUS_PX
    points = with_bubbles(points, zoom=view.zoom, max_radius=max_radius)
    layers += _bubble_layers(points, max_radius, lg)
    deck = pdk.Deck(layers=layers, initial_view_state=view, tooltip={"text": "{tip}"},
                    map_provider="carto", map_style=pdk.map_styles.CARTO_LIGHT)  # fmt: skip
    st.pydeck_chart(deck, height=MAP_HEIGHT, key="map_deck")
    left, right = st.columns([1, 2])
    left.html(_svg_size_legend(max(points["trials"].to_list(), default=0), max_radius, lg))
    if shade and classes:
        right.html(_html_shade_legend(classes, lg))
    st.caption(t("map.attribution", lg))
    table = points.select("key", "name", "trials")
    if level == "city":
        table = table.join(ranking.select(pl.col("key").cast(pl.String), "per_100k"), on="key", how="left")
    show_table(table.drop("key"), key="map_table")


render()
