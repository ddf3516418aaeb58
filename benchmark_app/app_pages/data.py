"""Data: harvest runs, the registry's data timestamp, counts, quarantine, unplaced sites, counting rules."""

from __future__ import annotations

import polars as pl
import streamlit as st
from sqlalchemy import select

from benchmark_app.admin import admin_refresh
from benchmark_app.common import show_table
from benchmark_app.i18n import t
from benchmark_app.state import engine, frames, lang
from db.models import SiteRow, table
from db.store import Store

lg = lang()
st.title(t("data", lg))
store = Store(engine())
runs = store.runs(limit=50)
fr = frames()
st.caption(f"{t('freshness', lg)}: {fr.data_timestamp or 'unknown'}")
if not runs:
    st.info(t("empty", lg))
else:
    cols = ["id", "started_at", "finished_at", "mode", "outcome", "data_timestamp", "pages", "studies_seen",
            "inserted", "updated", "unchanged", "quarantined", "retries", "error"]  # fmt: skip
    st.subheader("Harvest runs")
    st.dataframe(pl.DataFrame([{c: r[c] for c in cols} for r in runs], infer_schema_length=None).to_pandas(),
                 hide_index=True, key="runs")  # fmt: skip
st.subheader("Counts")
st.dataframe(pl.DataFrame([store.table_counts()]).to_pandas(), hide_index=True, key="counts")
q = store.quarantine()
st.subheader(f"Quarantine ({len(q)})")
if q:
    st.dataframe(pl.DataFrame(q).to_pandas(), hide_index=True, key="quarantine")
sites = table(SiteRow)
with engine().connect() as conn:
    unplaced = conn.execute(
        select(sites.c.nct_id, sites.c.facility, sites.c.city, sites.c.country, sites.c.place_flag)
        .where(sites.c.place_id.is_(None)).limit(500)
    ).all()  # fmt: skip
st.subheader(f"Unplaced sites (first {len(unplaced)})")
if unplaced:
    st.dataframe(pl.DataFrame([tuple(r) for r in unplaced], schema=["nct_id", "facility", "city", "country", "flag"],
                              orient="row").to_pandas(), hide_index=True, key="unplaced")  # fmt: skip
events = store.events(limit=200)
st.subheader(f"{t('registry_changes', lg)} ({len(events)})")
st.caption(t("registry_changes_help", lg))
if events:
    show_table(pl.DataFrame(events).select("observed_at", "nct_id", "kind", "detail", "run_id"), key="events")
st.subheader("How counting works")
st.markdown(t("counting", lg))
admin_refresh(runs)
