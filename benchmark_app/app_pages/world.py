"""World and Europe: trials per country and per region from count-only registry queries (same preset)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from benchmark_app.common import show_table
from benchmark_app.i18n import t
from benchmark_app.state import engine, home_region, lang, regions
from trials.analytics.context import EUROPE, latest_counts, position_in_europe, ranked, share_of_country
from trials.analytics.rankings import DEFAULT_PRESET
from trials.present.export import to_csv
from trials.present.labels import region_label
from trials.present.markdown import escape_markdown, quote_markdown

lg = lang()
st.title(t("world", lg))
counts = latest_counts(engine(), DEFAULT_PRESET)
if counts.height == 0:
    st.info(t("no_counts", lg))
else:
    asked = quote_markdown(counts["asked_at"].max())
    stamp = quote_markdown(counts["data_timestamp"][0])  # registry text: shown as text, never as markdown
    st.caption(t("counts_caption", lg, preset=escape_markdown(DEFAULT_PRESET), stamp=stamp, asked=asked))
    names = [r.name for r in regions() if r.name in counts["key"].to_list()]
    wanted = st.query_params.get("region", home_region())
    labels = {r.name: region_label(r.name, r.label, lg) for r in regions()}
    region = st.selectbox(t("region", lg), names, index=names.index(wanted) if wanted in names else 0,
                          format_func=lambda n: labels[n], key="w_region")  # fmt: skip
    c = st.columns(3)
    pos = position_in_europe(counts, "DE")
    if pos:
        c[0].metric(t("de_in_europe", lg), f"{pos['rank']} / {pos['of']}")
        c[1].metric(t("de_in_europe_pm", lg), f"{pos['rank_per_million']} / {pos['of']}")
    share = share_of_country(counts, region, "DE")
    if share is not None:
        c[2].metric(t("share_of_de", lg), f"{share:.1%}", help=t("share_help", lg))
    countries = ranked(counts, "country")
    st.subheader(t("countries", lg))
    scope = st.radio(t("scope", lg), ["europe", "all"], horizontal=True, key="w_scope",
                     format_func=lambda s: t(f"scope_{s}", lg))  # fmt: skip
    if scope == "europe":
        countries = ranked(counts.filter((pl.col("scope") == "country") & pl.col("grouping").is_in(EUROPE)))
    view = countries.select("rank", "label", "total", "per_million", "rank_per_million", "grouping")
    show_table(view, key="w_countries")
    st.bar_chart(countries.sort("per_million", descending=True).to_pandas(), x="label", y="per_million",
                 horizontal=True, sort="-per_million")  # fmt: skip
    st.subheader(t("one_scale", lg))
    both = ranked(counts).select("label", "scope", "total", "per_million", "rank_per_million")
    show_table(both, key="w_both")
    st.download_button(t("download_csv", lg), to_csv(ranked(counts).drop("asked_at")), file_name="world_counts.csv",
                       mime="text/csv", key="w_csv")  # fmt: skip
    with st.expander(t("queries", lg)):
        st.caption(t("queries_help", lg))
        show_table(counts.select("label", "total", "query"), key="w_queries")
