"""Compare places: two or more regions side by side by phase, sponsor class, area, per capita and trend."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import streamlit as st

from benchmark_app.common import deck_buttons, metric_columns, page_frames, with_labels
from benchmark_app.i18n import t
from benchmark_app.sidebar import sidebar_filters
from benchmark_app.state import home_region, lang, regions
from trials.analytics.rankings import mix, rank, trend
from trials.present.labels import region_label
from trials.rules.regions import default_peers, find_region

lg = lang()
st.title(t("compare", lg))
f, _ = sidebar_filters()
fr = page_frames()
if fr is not None:
    labels = {r.name: region_label(r.name, r.label, lg) for r in regions()}
    home = find_region(regions(), f.region or home_region())
    chosen = st.multiselect(t("regions", lg), list(labels), default=[home.name, *default_peers(home, regions())[:1]],
                            key="cmp_regions", format_func=lambda n: labels[n])  # fmt: skip
    if len(chosen) < 2:
        st.info(t("choose_two", lg))
    else:
        base = replace(f, region=None)
        deck_buttons(fr, base, chosen[0], chosen[1:])
        table = rank(fr, "region", base).filter(pl.col("key").is_in(chosen))
        st.dataframe(table.drop("key", "share_of_region").to_pandas(), hide_index=True, key="cmp_table",
                     column_config=metric_columns(lg))  # fmt: skip
        for by, group, title in (("phase_bucket", "phase", t("phase", lg)),
                                 ("sponsor_bucket", "sponsor", t("sponsor_class", lg)),
                                 ("area", "area", t("area", lg))):  # fmt: skip
            parts = [mix(fr, "region", base, by, key=r).with_columns(pl.lit(labels[r]).alias("region")) for r in chosen]
            long = with_labels(pl.concat(parts), by, group, lg)
            if long.height:
                st.subheader(title)
                wide = long.to_pandas().pivot_table(index=by, columns="region", values="trials", fill_value=0)
                st.bar_chart(wide, stack=False)
        series = trend(fr, "region", base, chosen)
        if series.height:
            st.subheader(t("trend", lg))
            st.line_chart(series.to_pandas().pivot_table(index="year", columns="name", values="trials", fill_value=0))
