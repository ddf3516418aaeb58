"""Rankings: a sortable table with every filter in the sidebar (or a preset), a bar chart, CSV and XLSX."""

from __future__ import annotations

import streamlit as st

from benchmark_app.common import download_buttons, page_frames
from benchmark_app.display import bars, chart, table
from benchmark_app.i18n import t
from benchmark_app.sections import intelligence_xlsx_button
from benchmark_app.sidebar import sidebar_filters
from benchmark_app.state import lang, regions
from trials.analytics.metrics import PARTIAL, TRIALS
from trials.analytics.rankings import PRESETS, rank, rank_preset, studies_in
from trials.present.labels import level_label, metric_label
from trials.rules.regions import preset_regions

lg = lang()
st.title(t("rankings", lg))
choices = ["", *PRESETS]
# The preset is known before the sidebar is drawn, so a preset view can switch off the filters it ignores.
wanted = st.session_state.get("preset", st.query_params.get("preset", ""))
wanted = wanted if wanted in choices else ""
f, level = sidebar_filters(with_level=True, disabled=bool(wanted))
fr = page_frames()
if fr is not None:
    preset = st.selectbox(t("preset", lg), choices, index=choices.index(wanted),
                          format_func=lambda p: t(f"preset.{p}", lg) if p else t("no_preset", lg), key="preset",
                          placeholder=t("choose_one", lg))  # fmt: skip
    if preset:
        st.query_params["preset"] = preset
        st.info(t("preset_note", lg))
        st.caption(t("preset_disabled", lg))
        ranking = rank_preset(fr, preset, "city", preset_regions(regions(), preset))
        f, level = PRESETS[preset], "city"
    else:
        st.query_params.pop("preset", None)
        ranking = rank(fr, level, f)
    if ranking.height == 0:
        st.info(t("no_match", lg))
    else:
        c0, c1 = st.columns(2)
        c0.metric(t("ranked", lg, level=level_label(level, lg)), ranking.height)
        if not preset:  # a preset spans several regions; a study in two of its cities would count twice
            c1.metric(t("matching_trials", lg), studies_in(fr, level, f).height)
        table(ranking.drop("key"), key="ranking_table", lang=lg)
        if ranking[PARTIAL].any():
            st.caption(t("partial_note", lg))
        chart(bars(ranking.head(20), category="name", value="trials", lang=lg,
                             title=metric_label(TRIALS, lg)))  # fmt: skip
        download_buttons(ranking, f"ranking_{preset or level}", f, level)
        intelligence_xlsx_button(fr, ranking, f, level, f"ranking_{preset or level}")  # issue 17
