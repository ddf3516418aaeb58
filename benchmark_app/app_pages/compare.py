"""Compare places: two or more regions side by side (headline figures, phase, sponsor type, area, trend), ranked
within the comparison, the first region highlighted; the selection lives in the URL (``?cmp=ruhr&cmp=berlin``)
so a view can be shared."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import polars as pl
import streamlit as st

from benchmark_app.common import deck_buttons, page_frames
from benchmark_app.display import bars, chart, table, year_axis_chart
from benchmark_app.i18n import t
from benchmark_app.sections import region_sections
from benchmark_app.sidebar import sidebar_filters
from benchmark_app.state import home_region, lang, regions
from trials.analytics.metrics import HEADLINE
from trials.analytics.rankings import mix, rank, sort_and_rank
from trials.analytics.series import filled_trend, trend_window
from trials.present.labels import code_label, metric_label, region_label
from trials.present.markdown import quote_markdown
from trials.rules.regions import default_peers, find_region

lg = lang()
st.title(t("compare", lg))
f, _ = sidebar_filters()
fr = page_frames()
if fr is not None:
    regs = regions()
    labels = {r.name: region_label(r.name, r.label, lg) for r in regs}
    home = find_region(regs, f.region or home_region())
    asked = st.query_params.get_all("cmp")
    unknown = [c for c in asked if c not in labels]
    if unknown:
        st.warning(t("notice_invalid", lg, name="cmp", values=quote_markdown(", ".join(unknown))))
    default = [c for c in dict.fromkeys(asked) if c in labels] or [home.name, *default_peers(home, regs)[:2]]
    chosen = st.multiselect(t("regions", lg), list(labels), default=default, key="cmp_regions",
                            format_func=lambda n: labels[n], placeholder=t("choose", lg))  # fmt: skip
    st.query_params["cmp"] = chosen
    if len(chosen) < 2:
        st.info(t("choose_two", lg))
    else:
        base = replace(f, region=None)
        first = labels[chosen[0]]
        deck_buttons(fr, base, chosen[0], chosen[1:])
        ranking = (
            rank(fr, "region", base).with_columns(pl.col("key").cast(pl.String)).filter(pl.col("key").is_in(chosen))
        )
        ranking = sort_and_rank(ranking.drop("rank").with_columns(pl.col("key").replace_strict(labels).alias("name")))
        ranking = ranking.select("rank", *[c for c in ranking.columns if c != "rank"])
        slots = [c for _ in range(0, len(HEADLINE), 2) for c in st.columns(2)]  # two a row: names stay readable
        for col, m in zip(slots, HEADLINE, strict=False):
            spec = bars(ranking, category="name", value=m.column, lang=lg, fmt=m.fmt, highlight=first,
                        title=metric_label(m, lg))  # fmt: skip
            chart(spec, col)
        table(ranking.drop("key", "share_of_region"), key="cmp_table", lang=lg,
              column_config={"rank": st.column_config.NumberColumn(t("rank_in_comparison", lg))})  # fmt: skip
        for by, group, title in (("phase_bucket", "phase", t("phase", lg)),
                                 ("sponsor_bucket", "sponsor", t("col.sponsor_bucket", lg)),
                                 ("area", "area", t("area", lg))):  # fmt: skip
            parts = [mix(fr, "region", base, by, key=r).with_columns(pl.lit(labels[r]).alias("region")) for r in chosen]
            long = pl.concat(parts)
            if long.height == 0:
                continue
            st.subheader(title)
            wide = long.pivot(on="region", index=by, values="trials").fill_null(0)
            words = {c: code_label(group, c, lg) for c in wide[by].to_list()}
            wide = wide.with_columns(pl.col(by).replace_strict(words, return_dtype=pl.String))
            ordered = wide.select(by, *[labels[r] for r in chosen if labels[r] in wide.columns])
            table(ordered.sort(first, descending=True), key=f"cmp_{by}", lang=lg,
                  column_config={by: st.column_config.TextColumn(title),
                                 **{c: st.column_config.Column(c) for c in ordered.columns[1:]}})  # fmt: skip
        region_sections(fr, replace(base, region=chosen[0]))  # international ties of the first against its peers
        years = trend_window(f, dt.date.today().year)
        series = filled_trend(fr, "region", base, chosen, labels, years)
        st.subheader(t("trend", lg))
        st.caption(t("trend_zero_help", lg, a=years[0], b=years[1]))
        chart(year_axis_chart(series, x="year", y="trials", color="name", lang=lg, highlight=first))  # fmt: skip
