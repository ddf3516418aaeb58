"""Data: harvest runs, the registry's data timestamp, counts, quarantine, unplaced sites, counting rules."""

from __future__ import annotations

import polars as pl
import streamlit as st

from benchmark_app.admin import admin_refresh
from benchmark_app.display import registry_date, table
from benchmark_app.i18n import t
from benchmark_app.state import frames, lang, reader, regions
from trials.present.labels import region_label
from trials.rules.regions import regions_maybe_at

RUN_COLUMNS = ["id", "started_at", "finished_at", "mode", "outcome", "data_timestamp", "pages", "studies_seen",
               "inserted", "updated", "unchanged", "quarantined", "retries", "error"]  # fmt: skip
SITE_SCHEMA = {"nct_id": pl.String, "facility": pl.String, "city": pl.String, "country": pl.String,
               "flag": pl.String, "lat": pl.Float64, "lon": pl.Float64}  # fmt: skip

lg = lang()
st.title(t("data", lg))
store = reader()
runs = store.runs(limit=50)
fr = frames()
stamp = registry_date(fr.data_timestamp, lg)
st.caption(f"{t('freshness', lg)}: {stamp}")
if not runs:
    st.info(t("empty", lg))
else:
    st.subheader(t("harvest_runs", lg))
    table(pl.DataFrame([{c: r[c] for c in RUN_COLUMNS} for r in runs], infer_schema_length=None), key="runs", lang=lg)
st.subheader(t("table_counts", lg))
counts = store.table_counts()
table(pl.DataFrame(list(counts.items()), schema={"table": pl.String, "rows": pl.Int64}, orient="row"), key="counts",
      lang=lg)  # fmt: skip
q = store.quarantine()
st.subheader(t("quarantine", lg, n=len(q)))
if q:
    table(pl.DataFrame(q), key="quarantine", lang=lg)
# Unplaced sites inside a configured region first (they can change a ranking), the rest folded away.
unplaced = pl.DataFrame(store.unplaced_sites(limit=None), schema=SITE_SCHEMA, orient="row")
labels = {r.name: region_label(r.name, r.label, lg) for r in regions()}


def _where(site: dict[str, object]) -> str:
    """The configured regions the site is in (or, without coordinates, may be in), for the first table."""
    names, certain = regions_maybe_at(site, regions())
    shown = ", ".join(labels[n] for n in names)
    return shown if certain or not shown else t("same_country", lg, regions=shown)


sites = [{**s, "region": _where(s)} for s in store.unplaced_sites(limit=None)]
unplaced = pl.DataFrame(sites, schema={**SITE_SCHEMA, "region": pl.String}, orient="row")
mine = unplaced.filter(pl.col("region") != "").sort("region", "nct_id")
rest = unplaced.filter(pl.col("region") == "").drop("region", "lat", "lon")
st.subheader(t("unplaced_in_regions", lg, n=mine.height))
st.caption(t("unplaced_in_regions_help", lg))
table(mine.select("nct_id", "facility", "city", "country", "region", "flag"), key="unplaced", lang=lg,
      empty=t("none", lg))  # fmt: skip
with st.expander(t("unplaced_elsewhere", lg, n=rest.height)):
    table(rest, key="unplaced_rest", lang=lg, empty=t("none", lg))
events = store.events(limit=200)
st.subheader(f"{t('registry_changes', lg)} ({len(events)})")
st.caption(t("registry_changes_help", lg))
if events:
    table(pl.DataFrame(events).select("observed_at", "nct_id", "kind", "detail", "run_id"), key="events", lang=lg)
st.subheader(t("how_counting", lg))
st.markdown(t("counting", lg))
admin_refresh(runs)
