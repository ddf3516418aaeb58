"""Overview / pitch: the chosen region against its peers, strongest areas, top institutions, trend."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from benchmark_app.common import deck_buttons, page_frames
from benchmark_app.i18n import t
from benchmark_app.sidebar import sidebar_filters
from benchmark_app.state import lang, regions
from trials.analytics.rankings import mix, rank, trend
from trials.rules.areas import AREA_BY_CODE

lg = lang()
st.title(t("overview", lg))
f, _ = sidebar_filters()
fr = page_frames()
if fr is not None:
    st.caption(f"{t('freshness', lg)}: {fr.data_timestamp or 'unknown'}")
    peers = rank(fr, "region", replace(f, region=None))
    mine = peers.filter(peers["key"] == f.region)
    if mine.height == 0:
        st.info(t("no_match", lg))
    else:
        deck_buttons(fr, f, f.region or "ruhr")
        row = mine.row(0, named=True)
        c = st.columns(4)
        c[0].metric(t("trials", lg), row["trials"], help=f"rank {row['rank']} of {peers.height}")
        c[1].metric(t("industry", lg), row["industry_trials"])
        c[2].metric(t("recruiting", lg), row["recruiting_now"])
        c[3].metric(t("per_100k", lg), row["per_100k"])
        st.subheader("Regions" if lg == "en" else "Regionen")
        st.dataframe(peers.drop("key", "share_of_region").to_pandas(), hide_index=True, key="peers")
        left, right = st.columns(2)
        areas = mix(fr, "region", f, "area", key=f.region).head(8)
        left.subheader(t("area", lg))
        left.dataframe(
            areas.with_columns(
                areas["area"].replace_strict({k: a.name_en for k, a in AREA_BY_CODE.items()}, default=areas["area"])
            ).to_pandas(),
            hide_index=True,
            key="areas",
        )
        right.subheader(t("institution", lg))
        right.dataframe(rank(fr, "institution", f).head(10).drop("key").to_pandas(), hide_index=True, key="top_inst")
        keys = [f.region, *[k for k in peers["key"].head(5) if k != f.region]][:5]
        series = trend(fr, "region", replace(f, region=None), keys)
        if series.height:
            wide = series.to_pandas().pivot_table(index="year", columns="name", values="trials", fill_value=0)
            st.subheader("Trend" if lg == "en" else "Entwicklung")
            st.line_chart(wide)
    st.caption(", ".join(r.label for r in regions()))
