"""Overview / pitch: the chosen region against its peers, strongest areas, top institutions, trend."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from benchmark_app.common import deck_buttons, metric_columns, metric_tiles, page_frames, with_labels
from benchmark_app.i18n import t
from benchmark_app.sidebar import sidebar_filters
from benchmark_app.state import home_region, lang, regions
from trials.analytics.metrics import HEADLINE
from trials.analytics.rankings import mix, rank, trend
from trials.present.labels import region_label
from trials.present.markdown import escape_markdown, quote_markdown

lg = lang()
st.title(t("overview", lg))
f, _ = sidebar_filters()
fr = page_frames()
if fr is not None:
    stamp = quote_markdown(fr.data_timestamp) if fr.data_timestamp else t("unknown", lg)  # registry text: as code
    st.caption(f"{t('freshness', lg)}: {stamp}")
    peers = rank(fr, "region", replace(f, region=None))
    mine = peers.filter(peers["key"] == f.region)
    if mine.height == 0:
        st.info(t("no_match", lg))
    else:
        deck_buttons(fr, f, f.region or home_region())
        row = mine.row(0, named=True)
        metric_tiles(row, HEADLINE, lg, helps={"trials": t("rank_of", lg, rank=row["rank"], of=peers.height)})
        st.subheader(t("regions", lg))
        st.dataframe(peers.drop("key", "share_of_region").to_pandas(), hide_index=True, key="peers",
                     column_config=metric_columns(lg))  # fmt: skip
        left, right = st.columns(2)
        areas = mix(fr, "region", f, "area", key=f.region).head(8)
        left.subheader(t("top_areas", lg))
        left.dataframe(with_labels(areas, "area", "area", lg).to_pandas(), hide_index=True, key="areas",
                       column_config={"area": t("area", lg), **metric_columns(lg)})  # fmt: skip
        right.subheader(t("top_institutions", lg))
        right.dataframe(rank(fr, "institution", f).head(10).drop("key").to_pandas(), hide_index=True, key="top_inst",
                        column_config=metric_columns(lg))  # fmt: skip
        keys = [f.region, *[k for k in peers["key"].head(5) if k != f.region]][:5]
        series = trend(fr, "region", replace(f, region=None), keys)
        if series.height:
            wide = series.to_pandas().pivot_table(index="year", columns="name", values="trials", fill_value=0)
            st.subheader(t("trend", lg))
            st.line_chart(wide)
    st.caption(escape_markdown(", ".join(region_label(r.name, r.label, lg) for r in regions()), max_chars=2000))
