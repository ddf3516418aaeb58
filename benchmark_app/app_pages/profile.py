"""Profile of an institution or city: its trials (linked), area and phase mix, sponsors, recruiting now."""

from __future__ import annotations

import polars as pl
import streamlit as st

from benchmark_app.common import page_frames
from benchmark_app.i18n import t
from benchmark_app.sidebar import sidebar_filters
from benchmark_app.state import lang
from trials.analytics import mix, rank, studies_in

lg = lang()
st.title(t("profile", lg))
f, _ = sidebar_filters()
fr = page_frames()
if fr is not None:
    level = st.radio(t("level", lg), ["institution", "city"], horizontal=True, key="prof_level",
                     format_func=lambda v: t(v, lg))  # fmt: skip
    ranking = rank(fr, level, f)
    if ranking.height == 0:
        st.info(t("no_match", lg))
    else:
        options = dict(zip(ranking["key"], ranking["name"], strict=True))
        wanted = st.query_params.get("entity")
        keys = list(options)
        key = st.selectbox(level, keys, index=keys.index(wanted) if wanted in options else 0,
                           format_func=lambda k: options[k], key="prof_entity")  # fmt: skip
        st.query_params["entity"] = key
        trials = studies_in(fr, level, f, key)
        c = st.columns(3)
        c[0].metric(t("trials", lg), trials.height)
        c[1].metric(t("recruiting", lg), int(trials["overall_status"].is_in(["RECRUITING"]).sum()))
        c[2].metric(t("industry", lg), int((trials["sponsor_bucket"] == "industry").sum()))
        left, right = st.columns(2)
        left.dataframe(mix(fr, level, f, "area", key).to_pandas(), hide_index=True, key="prof_area")
        right.dataframe(mix(fr, level, f, "phase_bucket", key).to_pandas(), hide_index=True, key="prof_phase")
        sponsors = trials.group_by("lead_sponsor_name").len().sort("len", descending=True).head(10)
        st.dataframe(sponsors.to_pandas(), hide_index=True, key="prof_sponsors")
        listing = trials.select(
            ("https://clinicaltrials.gov/study/" + pl.col("nct_id")).alias("registry"),
            "overall_status", "start_date", "lead_sponsor_name",
        ).sort("start_date", descending=True, nulls_last=True)  # fmt: skip
        link = st.column_config.LinkColumn("NCT ID", display_text=r"study/(NCT\d+)")
        st.dataframe(listing.to_pandas(), hide_index=True, key="prof_trials", column_config={"registry": link})
