"""Map: places with trials, sized by the number of trials, filtered like the rankings."""

from __future__ import annotations

import polars as pl
import pydeck as pdk
import streamlit as st

from benchmark_app.common import page_frames
from benchmark_app.i18n import t
from benchmark_app.sidebar import sidebar_filters
from benchmark_app.state import lang, regions
from trials.analytics import rank

lg = lang()
st.title(t("map", lg))
f, _ = sidebar_filters()
fr = page_frames()
if fr is not None:
    cities = rank(fr, "city", f)
    coords = {p.id: (p.lat, p.lon) for r in regions() for p in r.places}
    points = cities.filter(pl.col("key").is_in(list(coords))).with_columns(
        pl.col("key").replace_strict({k: v[0] for k, v in coords.items()}, return_dtype=pl.Float64).alias("lat"),
        pl.col("key").replace_strict({k: v[1] for k, v in coords.items()}, return_dtype=pl.Float64).alias("lon"),
    )
    if points.height == 0:
        st.info(t("no_match", lg))
    else:
        data = points.select("name", "trials", "lat", "lon").to_pandas()
        layer = pdk.Layer("ScatterplotLayer", data, get_position="[lon, lat]", get_radius="trials * 300 + 800",
                          get_fill_color=[200, 30, 0, 160], pickable=True)  # fmt: skip
        view = pdk.ViewState(latitude=float(data["lat"].mean()), longitude=float(data["lon"].mean()), zoom=8)
        st.pydeck_chart(pdk.Deck(layers=[layer], initial_view_state=view, tooltip={"text": "{name}: {trials}"},
                                 map_style=None))  # fmt: skip
        st.dataframe(data, hide_index=True, key="map_table")
