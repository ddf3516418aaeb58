"""Data: harvest runs, the registry's data timestamp, counts, quarantine, unplaced sites, counting rules."""

from __future__ import annotations

import polars as pl
import streamlit as st

from benchmark_app.admin import admin_refresh
from benchmark_app.common import show_table
from benchmark_app.i18n import t
from benchmark_app.state import frames, lang, reader
from trials.present.markdown import quote_markdown

lg = lang()
st.title(t("data", lg))
store = reader()
runs = store.runs(limit=50)
fr = frames()
stamp = quote_markdown(fr.data_timestamp) if fr.data_timestamp else t("unknown", lg)  # registry text: as code
st.caption(f"{t('freshness', lg)}: {stamp}")
if not runs:
    st.info(t("empty", lg))
else:
    cols = ["id", "started_at", "finished_at", "mode", "outcome", "data_timestamp", "pages", "studies_seen",
            "inserted", "updated", "unchanged", "quarantined", "retries", "error"]  # fmt: skip
    st.subheader(t("harvest_runs", lg))
    st.dataframe(pl.DataFrame([{c: r[c] for c in cols} for r in runs], infer_schema_length=None).to_pandas(),
                 hide_index=True, key="runs")  # fmt: skip
st.subheader(t("table_counts", lg))
st.dataframe(pl.DataFrame([store.table_counts()]).to_pandas(), hide_index=True, key="counts")
q = store.quarantine()
st.subheader(t("quarantine", lg, n=len(q)))
if q:
    st.dataframe(pl.DataFrame(q).to_pandas(), hide_index=True, key="quarantine")
unplaced = store.unplaced_sites(limit=500)
st.subheader(t("unplaced", lg, n=len(unplaced)))
if unplaced:
    st.dataframe(pl.DataFrame(unplaced, schema=["nct_id", "facility", "city", "country", "flag"]).to_pandas(),
                 hide_index=True, key="unplaced")  # fmt: skip
events = store.events(limit=200)
st.subheader(f"{t('registry_changes', lg)} ({len(events)})")
st.caption(t("registry_changes_help", lg))
if events:
    show_table(pl.DataFrame(events).select("observed_at", "nct_id", "kind", "detail", "run_id"), key="events")
st.subheader(t("how_counting", lg))
st.markdown(t("counting", lg))
admin_refresh(runs)
