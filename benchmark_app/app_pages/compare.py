"""Compare places: two or more regions side by side by phase, sponsor class, area, per capita and trend."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import streamlit as st

from benchmark_app.common import deck_buttons, page_frames
from benchmark_app.i18n import t
from benchmark_app.sidebar import sidebar_filters
from benchmark_app.state import lang, regions
from trials.analytics.rankings import mix, rank, trend

lg = lang()
st.title(t("compare", lg))
f, _ = sidebar_filters()
fr = page_frames()
if fr is not None:
    labels = {r.name: r.label for r in regions()}
    chosen = st.multiselect("Regions", list(labels), default=[f.region or "ruhr", "berlin"], key="cmp_regions",
                            format_func=lambda n: labels[n])  # fmt: skip
    if len(chosen) < 2:
        st.info("Choose at least two regions.")
    else:
        base = replace(f, region=None)
        deck_buttons(fr, base, chosen[0], chosen[1:])
        table = rank(fr, "region", base).filter(pl.col("key").is_in(chosen))
        st.dataframe(table.drop("key", "share_of_region").to_pandas(), hide_index=True, key="cmp_table")
        for by, title in (("phase_bucket", t("phase", lg)), ("sponsor_bucket", t("sponsor_class", lg)),
                          ("area", t("area", lg))):  # fmt: skip
            parts = [mix(fr, "region", base, by, key=r).with_columns(pl.lit(labels[r]).alias("region")) for r in chosen]
            long = pl.concat(parts)
            if long.height:
                st.subheader(title)
                wide = long.to_pandas().pivot_table(index=by, columns="region", values="trials", fill_value=0)
                st.bar_chart(wide, stack=False)
        series = trend(fr, "region", base, chosen)
        if series.height:
            st.subheader("Trend")
            st.line_chart(series.to_pandas().pivot_table(index="year", columns="name", values="trials", fill_value=0))
