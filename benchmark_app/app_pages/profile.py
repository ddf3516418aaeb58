"""Profile of an institution, site or city: trials (linked), mixes, sponsors, competition, peers, changes."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from benchmark_app.common import metric_columns, metric_tiles, page_frames, show_table, with_labels
from benchmark_app.i18n import t
from benchmark_app.sidebar import sidebar_filters
from benchmark_app.state import lang, place_coords
from trials.analytics.metrics import HEADLINE
from trials.analytics.profile import (
    NEARBY_KM,
    competing_recruiting,
    new_since,
    peers,
    stale_active,
    status_changes_since,
    trial_list,
)
from trials.analytics.rankings import mix, rank, studies_in, trend
from trials.analytics.studies import joined
from trials.present.export import to_csv
from trials.present.labels import labels_of, level_label
from trials.rules.areas import AREA_BY_CODE

LEVELS = ["institution", "site", "city"]

lg = lang()
st.title(t("profile", lg))
f, _ = sidebar_filters()
fr = page_frames()
if fr is not None:
    wanted_level = st.query_params.get("level", "institution")
    level = st.radio(t("level", lg), LEVELS, horizontal=True, key="prof_level",
                     index=LEVELS.index(wanted_level) if wanted_level in LEVELS else 0,
                     format_func=lambda v: level_label(v, lg))  # fmt: skip
    ranking = rank(fr, level, f)
    if ranking.height == 0:
        st.info(t("no_match", lg))
    else:
        options = dict(zip(ranking["key"], ranking["name"], strict=True))
        wanted = st.query_params.get("entity")
        keys = list(options)
        key = st.selectbox(level_label(level, lg), keys, index=keys.index(wanted) if wanted in options else 0,
                           format_func=lambda k: options[k], key="prof_entity")  # fmt: skip
        st.query_params["level"] = level
        st.query_params["entity"] = key
        trials = studies_in(fr, level, f, key)
        own = ranking.filter(pl.col("key") == key).row(0, named=True)
        metric_tiles(own, HEADLINE, lg, extra=[(t("rank", lg), f"{own['rank']} / {ranking.height}")])
        left, right = st.columns(2)
        left.subheader(t("area", lg))
        show_table(with_labels(mix(fr, level, f, "area", key), "area", "area", lg), key="prof_area", where=left,
                   column_config={"area": t("area", lg), **metric_columns(lg)})  # fmt: skip
        right.subheader(t("phase", lg))
        show_table(with_labels(mix(fr, level, f, "phase_bucket", key), "phase_bucket", "phase", lg), key="prof_phase",
                   where=right, column_config={"phase_bucket": t("phase", lg), **metric_columns(lg)})  # fmt: skip
        st.caption(t("overlap", lg))
        st.subheader(t("top_sponsors", lg))
        sponsors = trials.group_by("lead_sponsor_name").agg(pl.len().alias("trials"))
        show_table(sponsors.sort(["trials", "lead_sponsor_name"], descending=[True, False]).head(10),
                   key="prof_sponsors")  # fmt: skip
        series = trend(fr, level, f, [key])
        if series.height:
            st.subheader(t("trend", lg))
            st.line_chart(series.to_pandas(), x="year", y="trials")
        st.subheader(t("peers", lg))
        show_table(peers(ranking, key).drop("key"), key="prof_peers", column_config=metric_columns(lg))
        st.subheader(t("trial_list", lg))
        link = st.column_config.LinkColumn("NCT ID", display_text=r"study/(NCT\d+)")
        own_trials = trial_list(fr, level, key, f)
        area_names = labels_of("area", list(AREA_BY_CODE), lg)
        listing = own_trials.select(
            ("https://clinicaltrials.gov/study/" + pl.col("nct_id")).alias("registry"),
            "brief_title", "overall_status", "start_date", "lead_sponsor_name",
            pl.col("areas").list.eval(pl.element().replace_strict(area_names, default=pl.element())).list.join(", "),
            pl.col("area_evidence").list.join(" | "),
        )  # fmt: skip
        show_table(listing, key="prof_trials", column_config={
            "registry": link, "areas": t("areas", lg), "area_evidence": t("area_evidence", lg)})  # fmt: skip
        st.download_button(t("download_csv", lg), to_csv(joined(own_trials)), file_name=f"trials_{level}.csv",
                           mime="text/csv", key="prof_trials_csv")  # fmt: skip
        st.subheader(t("competing", lg).format(km=int(NEARBY_KM)))
        show_table(competing_recruiting(fr, level, key, f, place_coords()), key="prof_competing",
                   empty=t("none", lg))  # fmt: skip
        st.subheader(t("office", lg))
        since = st.date_input(t("changed_since", lg), value=dt.date.today() - dt.timedelta(days=30), key="prof_since")
        assert isinstance(since, dt.date)
        st.markdown(f"**{t('new_trials', lg)}**")
        show_table(new_since(fr, level, key, since), key="prof_new", empty=t("none", lg))
        st.markdown(f"**{t('status_changes', lg)}**")
        show_table(status_changes_since(fr, level, key, since), key="prof_changes", empty=t("none", lg))
        st.markdown(f"**{t('stale', lg)}**")
        show_table(stale_active(fr, level, key, dt.date.today()), key="prof_stale", empty=t("none", lg))
