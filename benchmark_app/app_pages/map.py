"""Map: cities or trial sites, sized by the number of trials, filtered like the rankings."""

from __future__ import annotations

import pydeck as pdk
import streamlit as st

from benchmark_app.common import page_frames, show_table
from benchmark_app.i18n import t
from benchmark_app.sidebar import sidebar_filters
from benchmark_app.state import lang, place_coords
from trials.analytics.mapping import map_points
from trials.analytics.rankings import rank
from trials.present.labels import level_label

LEVELS = ["site", "city"]

lg = lang()
st.title(t("map", lg))
f, _ = sidebar_filters()
fr = page_frames()
if fr is not None:
    level = st.radio(t("level", lg), LEVELS, horizontal=True, key="map_level", format_func=lambda v: level_label(v, lg))
    points = map_points(rank(fr, level, f), fr.links[level], level, place_coords())
    if points.height == 0:
        st.info(t("no_match", lg))
    else:
        st.caption(t("map_note", lg))
        data = points.select("name", "trials", "lat", "lon").to_pandas()
        layer = pdk.Layer("ScatterplotLayer", data, get_position="[lon, lat]", get_radius="trials * 150 + 400",
                          get_fill_color=[200, 30, 0, 160], pickable=True)  # fmt: skip
        view = pdk.ViewState(latitude=float(data["lat"].mean()), longitude=float(data["lon"].mean()), zoom=8)
        st.pydeck_chart(pdk.Deck(layers=[layer], initial_view_state=view, tooltip={"text": "{name}: {trials}"},
                                 map_style=None))  # fmt: skip
        show_table(points.select("name", "trials", "lat", "lon"), key="map_table")
