"""Profile of an institution, site or city: trials (linked), mixes, sponsors, competition, peers, changes."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from benchmark_app.common import file_stem, metric_tiles, page_frames, show_table
from benchmark_app.display import chart, table, year_axis_chart
from benchmark_app.i18n import t
from benchmark_app.sections import profile_sections
from benchmark_app.sidebar import sidebar_filters
from benchmark_app.state import investigators, lang, place_coords
from trials.analytics.investigators import investigator_list, of_entity
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
from trials.analytics.rankings import is_synthetic, mix, rank, studies_in
from trials.analytics.series import filled_trend, trend_window
from trials.analytics.studies import joined
from trials.present.export import to_csv
from trials.present.investigators import display_table
from trials.present.labels import labels_of, level_label
from trials.present.markdown import quote_markdown
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
        if wanted is not None and wanted not in options and "prof_entity" not in st.session_state:
            st.warning(t("notice_unknown_entity", lg, entity=quote_markdown(wanted)))  # a link anyone can write
        keys = list(options)
        key = st.selectbox(level_label(level, lg), keys, index=keys.index(wanted) if wanted in options else 0,
                           format_func=lambda k: options[k], key="prof_entity",
                           placeholder=t("choose_one", lg))  # fmt: skip
        st.query_params["level"] = level
        st.query_params["entity"] = key
        trials = studies_in(fr, level, f, key)
        own = ranking.filter(pl.col("key") == key).row(0, named=True)
        metric_tiles(own, HEADLINE, lg, extra=[(t("rank", lg), f"{own['rank']} / {ranking.height}")])
        left, right = st.columns(2)
        left.subheader(t("area", lg))
        table(mix(fr, level, f, "area", key), key="prof_area", where=left, lang=lg)
        right.subheader(t("phase", lg))
        table(mix(fr, level, f, "phase_bucket", key), key="prof_phase", where=right, lang=lg)
        st.caption(t("overlap", lg))
        st.subheader(t("top_sponsors", lg))
        sponsors = trials.group_by("lead_sponsor_name").agg(pl.len().alias("trials"))
        table(sponsors.sort(["trials", "lead_sponsor_name"], descending=[True, False]).head(10), key="prof_sponsors",
              lang=lg)  # fmt: skip
        years = trend_window(f, dt.date.today().year)
        series = filled_trend(fr, level, f, [key], options, years)
        st.subheader(t("trend", lg))
        st.caption(t("trend_zero_help", lg, a=years[0], b=years[1]))
        chart(year_axis_chart(series, x="year", y="trials", color="name", lang=lg, highlight=options[key]))  # fmt: skip
        st.subheader(t("peers", lg))
        table(peers(ranking, key).drop("key"), key="prof_peers", lang=lg)
        st.subheader(t("trial_list", lg))
        own_trials = trial_list(fr, level, key, f)
        area_names = labels_of("area", list(AREA_BY_CODE), lg)
        listing = own_trials.select(
            "nct_id", "brief_title", "overall_status", "site_status", "start_date", "lead_sponsor_name",
            pl.col("areas").list.eval(pl.element().replace_strict(area_names, default=pl.element())).list.join(", "),
            pl.col("area_evidence").list.join(" | "),
        )  # fmt: skip
        table(listing, key="prof_trials", lang=lg)
        synthetic = is_synthetic(fr)
        st.download_button(t("download_csv", lg), to_csv(joined(own_trials), synthetic),
                           file_name=f"{file_stem(f'trials_{level}', synthetic)}.csv",
                           mime="text/csv", key="prof_trials_csv")  # fmt: skip
        profile_sections(fr, level, key, f)  # experience, specialisation, international ties (issue 17)
        st.subheader(t("inv_title", lg))  # issue 17: who runs trials here, kept after the registry drops them
        people = display_table(investigator_list(of_entity(investigators(), level, key)), lg)
        show_table(people, key="prof_investigators", empty=t("none", lg), column_config={
            "name": t("name", lg), "role": t("inv_role", lg), "trials": t("metric.trials", lg),
            "nct_ids": t("nct_ids", lg), "listed": t("inv_listed", lg)})  # fmt: skip
        st.caption(t("inv_note", lg))
        st.subheader(t("competing", lg).format(km=int(NEARBY_KM)))
        table(competing_recruiting(fr, level, key, f, place_coords()), key="prof_competing", empty=t("none", lg),
              lang=lg)  # fmt: skip
        st.subheader(t("office", lg))
        since = st.date_input(t("changed_since", lg), value=dt.date.today() - dt.timedelta(days=30), key="prof_since")
        assert isinstance(since, dt.date)
        st.markdown(f"**{t('new_trials', lg)}**")
        table(new_since(fr, level, key, since), key="prof_new", empty=t("none", lg), lang=lg)
        st.markdown(f"**{t('status_changes', lg)}**")
        table(status_changes_since(fr, level, key, since), key="prof_changes", empty=t("none", lg), lang=lg)
        st.markdown(f"**{t('stale', lg)}**")
        table(stale_active(fr, level, key, dt.date.today()), key="prof_stale", empty=t("none", lg), lang=lg)
