"""Overview, the pitch's first screen: the region's headline figures against the other regions, where it is
strong relative to its peers, its trend by year, its leading institutions, and the registry's data date."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import polars as pl
import streamlit as st

from benchmark_app.common import deck_buttons, page_frames
from benchmark_app.display import bars, chart, registry_date, table, year_axis_chart
from benchmark_app.i18n import t
from benchmark_app.sidebar import sidebar_filters
from benchmark_app.state import home_region, lang, regions
from trials.analytics.metrics import GROWTH, HEADLINE, PER_100K, format_number
from trials.analytics.rankings import rank
from trials.analytics.series import filled_trend, growth_window, trend_window
from trials.analytics.specialisation import location_quotients
from trials.present.labels import area_label, join_words, metric_help, metric_label, region_label
from trials.rules.regions import default_peers, find_region

lg = lang()
f, _ = sidebar_filters()
regs = regions()
labels = {r.name: region_label(r.name, r.label, lg) for r in regs}
home = find_region(regs, f.region or home_region())
st.title(t("overview_title", lg, region=labels[home.name]))
fr = page_frames()
if fr is not None:
    stamp = registry_date(fr.data_timestamp, lg)
    st.caption(f"{t('freshness', lg)}: {stamp}")
    everyone = replace(f, region=None)
    this_year = dt.date.today().year
    a, b = growth_window(f, this_year)
    length = b - a + 1
    table_all = rank(fr, "region", everyone).with_columns(pl.col("key").cast(pl.String))
    grown = rank(fr, "region", replace(everyone, year_from=a, year_to=b)).select(
        pl.col("key").cast(pl.String), GROWTH.column
    )
    table_all = table_all.drop(GROWTH.column).join(grown, on="key", how="left")
    mine = table_all.filter(pl.col("key") == home.name)
    if mine.height == 0:
        st.info(t("no_match", lg))
    else:
        deck_buttons(fr, f, home.name)
        row = mine.row(0, named=True)
        growth_label = t("growth_window", lg, a=a, b=b, c=a - length, d=a - 1)
        tiles = st.columns(len(HEADLINE) + 1)
        short = {PER_100K.name: t("per_100k_tile", lg)}  # the tiles are narrow: a long name would be cut
        for col, m in zip(tiles, HEADLINE, strict=False):
            col.metric(short.get(m.name, metric_label(m, lg)), m.format(row[m.column], lg), help=metric_help(m, lg))
        tiles[-1].metric(t("growth_tile", lg, a=a, b=b), GROWTH.format(row[GROWTH.column], lg),
                         help=t("growth_help", lg, a=a, b=b, c=a - length, d=a - 1))  # fmt: skip
        st.caption(t("rank_among", lg, rank=row["rank"], of=table_all.height))

        st.subheader(t("against_peers", lg))
        st.caption(t("against_peers_help", lg, region=labels[home.name]))
        named = table_all.with_columns(pl.col("key").replace_strict(labels, default=pl.col("name")).alias("name"))
        charts = [*HEADLINE, GROWTH]
        for start in range(0, len(charts), 3):
            cols = st.columns(3)
            for col, m in zip(cols, charts[start : start + 3], strict=False):
                title = growth_label if m is GROWTH else metric_label(m, lg)
                spec = bars(named, category="name", value=m.column, lang=lg, fmt=m.fmt, highlight=labels[home.name],
                            title=title)  # fmt: skip
                chart(spec, col)

        peers = default_peers(home, regs)
        st.subheader(t("strongest_relative", lg, region=labels[home.name]))
        st.caption(t("strongest_relative_help", lg, peers=join_words([labels[p] for p in peers], lg)))
        # The location quotient of each area against the peers (trials.analytics.specialisation), strongest first.
        shares = location_quotients(fr, "region", everyone, peers, [home.name]).head(8).select(
            pl.col("area").map_elements(lambda c: area_label(c, lg), return_dtype=pl.String),
            pl.col("trials_in_area").alias("trials"), "share", "peer_share", pl.col("lq").alias("ratio"),
        )  # fmt: skip
        if shares.height:
            left, right = st.columns([2, 3])
            chart(bars(shares, category="area", value="ratio", lang=lg, fmt="dec1", title=t("col.ratio", lg)), left)
            table(shares.drop("ratio"), key="areas", lang=lg, where=right,
                  column_config={"share": st.column_config.Column(t("col.share_short", lg)),
                                 "peer_share": st.column_config.Column(t("col.peer_share_short", lg))})  # fmt: skip

        years = trend_window(f, this_year)
        keys = [home.name, *peers][:6]
        series = filled_trend(fr, "region", everyone, keys, labels, years)
        st.subheader(t("trend", lg))
        st.caption(t("trend_zero_help", lg, a=years[0], b=years[1]))
        chart(year_axis_chart(series, x="year", y="trials", color="name", lang=lg,
                                        highlight=labels[home.name]))  # fmt: skip

        st.subheader(t("top_institutions", lg))
        top = rank(fr, "institution", replace(f, region=home.name)).head(10).drop("key")
        table(top, key="top_inst", lang=lg)
        with st.expander(t("all_regions", lg)):
            table(named.drop("key"), key="peers", lang=lg)
    st.caption(format_number(fr.studies.height, "int", lg) + " " + t("studies_stored", lg))
