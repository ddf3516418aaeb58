"""World and Europe: trials per country and per region from count-only registry queries (same preset)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from benchmark_app.common import file_stem
from benchmark_app.display import bars, chart, registry_date, table
from benchmark_app.i18n import t
from benchmark_app.state import engine, frames, home_region, lang, regions
from trials.analytics.context import EUROPE, latest_counts, position_in_europe, ranked, share_of_country
from trials.analytics.rankings import DEFAULT_PRESET, is_synthetic
from trials.present.export import to_csv
from trials.present.labels import country_label, format_date, region_label
from trials.present.markdown import escape_markdown

lg = lang()
st.title(t("world", lg))
synthetic = is_synthetic(frames())
if synthetic:  # the counts were asked of the same source as the harvest: a synthetic one
    st.warning(t("synthetic", lg))
counts = latest_counts(engine(), DEFAULT_PRESET)
if counts.height == 0:
    st.info(t("no_counts", lg))
else:
    asked = format_date(counts["asked_at"].cast(pl.Date).max(), lg, long=True)  # type: ignore[arg-type]
    stamp = registry_date(counts["data_timestamp"][0], lg)  # registry text: never markdown
    counts = counts.with_columns(  # country names in the reader's language; regions by their labels
        pl.struct("scope", "key", "label").map_elements(
            lambda r: country_label(r["key"], lg, r["label"]) if r["scope"] == "country"
            else region_label(r["key"], r["label"], lg), return_dtype=pl.String).alias("label")
    )  # fmt: skip
    st.caption(t("counts_caption", lg, preset=escape_markdown(DEFAULT_PRESET), stamp=stamp, asked=asked))
    names = [r.name for r in regions() if r.name in counts["key"].to_list()]
    wanted = st.query_params.get("region", home_region())
    labels = {r.name: region_label(r.name, r.label, lg) for r in regions()}
    region = st.selectbox(t("region", lg), names, index=names.index(wanted) if wanted in names else 0,
                          format_func=lambda n: labels[n], key="w_region",
                          placeholder=t("choose_one", lg))  # fmt: skip
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
    table(view, key="w_countries", lang=lg)
    home_label = country_label("DE", lg)
    chart(bars(countries, category="label", value="per_million", lang=lg, fmt="dec1", highlight=home_label,
                         title=t("col.per_million", lg)))  # fmt: skip
    st.subheader(t("one_scale", lg))
    both = ranked(counts).select("label", "scope", "total", "per_million", "rank_per_million")
    table(both, key="w_both", lang=lg)
    name = file_stem("world_counts", synthetic)
    st.download_button(t("download_csv", lg), to_csv(ranked(counts).drop("asked_at"), synthetic),
                       file_name=f"{name}.csv", mime="text/csv", key="w_csv")  # fmt: skip
    with st.expander(t("queries", lg)):
        st.caption(t("queries_help", lg))
        table(counts.select("label", "total", "query"), key="w_queries", lang=lg)
