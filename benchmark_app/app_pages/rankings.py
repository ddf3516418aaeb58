"""Rankings: a sortable table with every filter in the sidebar, a bar chart, CSV and XLSX downloads."""

from __future__ import annotations

import streamlit as st

from benchmark_app.common import page_frames
from benchmark_app.i18n import t
from benchmark_app.sidebar import sidebar_filters
from benchmark_app.state import lang
from trials.analytics import rank
from trials.export import to_csv, to_xlsx

lg = lang()
st.title(t("rankings", lg))
f, level = sidebar_filters(with_level=True)
fr = page_frames()
if fr is not None:
    table = rank(fr, level, f)
    if table.height == 0:
        st.info(t("no_match", lg))
    else:
        st.caption(f"{table.height} · {t('counting', lg)}")
        st.dataframe(table.drop("key").to_pandas(), hide_index=True, width="stretch", key="ranking_table")
        st.bar_chart(table.head(20).to_pandas(), x="name", y="trials", horizontal=True, sort="-trials")
        c1, c2 = st.columns(2)
        c1.download_button(t("download_csv", lg), to_csv(table), file_name=f"ranking_{level}.csv", mime="text/csv")
        c2.download_button(
            t("download_xlsx", lg),
            to_xlsx(table, f, level, fr.data_version, fr.data_timestamp),
            file_name=f"ranking_{level}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
