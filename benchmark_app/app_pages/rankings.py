"""Rankings: a sortable table with every filter in the sidebar (or a preset), a bar chart, CSV and XLSX."""

from __future__ import annotations

import streamlit as st

from benchmark_app.common import metric_columns, page_frames
from benchmark_app.i18n import t
from benchmark_app.sidebar import sidebar_filters
from benchmark_app.state import lang, provenance_queries, regions
from trials.analytics.metrics import PARTIAL
from trials.analytics.rankings import PRESETS, rank, rank_preset, studies_in
from trials.present.export import to_csv, to_xlsx
from trials.present.labels import level_label
from trials.rules.regions import preset_regions

lg = lang()
st.title(t("rankings", lg))
f, level = sidebar_filters(with_level=True)
fr = page_frames()
if fr is not None:
    choices = ["", *PRESETS]
    wanted = st.query_params.get("preset", "")
    preset = st.selectbox(t("preset", lg), choices, index=choices.index(wanted) if wanted in choices else 0,
                          format_func=lambda p: p or t("no_preset", lg), key="preset")  # fmt: skip
    if preset:
        st.query_params["preset"] = preset
        st.info(t("preset_note", lg))
        table = rank_preset(fr, preset, "city", preset_regions(regions(), preset))
        f, level = PRESETS[preset], "city"
    else:
        st.query_params.pop("preset", None)
        table = rank(fr, level, f)
    if table.height == 0:
        st.info(t("no_match", lg))
    else:
        c0, c1 = st.columns(2)
        c0.metric(t("ranked", lg, level=level_label(level, lg)), table.height)
        if not preset:  # a preset spans several regions; a study in two of its cities would count twice
            c1.metric(t("matching_trials", lg), studies_in(fr, level, f).height)
        st.caption(t("counting", lg))
        st.dataframe(table.drop("key").to_pandas(), hide_index=True, width="stretch", key="ranking_table",
                     column_config=metric_columns(lg))  # fmt: skip
        if table[PARTIAL].any():
            st.caption(t("partial_note", lg))
        st.bar_chart(table.head(20).to_pandas(), x="name", y="trials", horizontal=True, sort="-trials")
        name = f"ranking_{preset or level}"
        c1, c2 = st.columns(2)
        c1.download_button(t("download_csv", lg), to_csv(table), file_name=f"{name}.csv", mime="text/csv")
        c2.download_button(
            t("download_xlsx", lg),
            to_xlsx(table, f, level, fr.data_version, fr.data_timestamp, provenance_queries()),
            file_name=f"{name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
