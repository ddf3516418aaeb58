"""Small UI helpers used by several pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import polars as pl
import streamlit as st

from benchmark_app.display import table
from benchmark_app.i18n import t
from benchmark_app.state import engine, frames, is_empty, lang, regions
from trials.analytics.metrics import Metric
from trials.analytics.rankings import Filters, Frames, is_synthetic, studies_in
from trials.present.labels import metric_help, metric_label, region_label
from trials.present.markdown import escape_markdown


def page_frames() -> Frames | None:
    """The frames, or None after showing the friendly empty state."""
    fr = frames()
    if is_empty(fr):
        st.info(t("empty", lang()))
        return None
    if is_synthetic(fr):
        st.warning(t("synthetic", lang()))
    return fr


def show_table(
    frame: pl.DataFrame,
    *,
    key: str,
    where: Any = None,
    empty: str | None = None,
    column_config: dict[str, Any] | None = None,
) -> None:
    """A polars frame as a table in the page's language (:func:`benchmark_app.display.table`)."""
    table(frame, key=key, lang=lang(), where=where, empty=empty, column_config=column_config)


def metric_tiles(row: Mapping[str, Any], metrics: Sequence[Metric], lg: str, *,
                 helps: Mapping[str, str] | None = None, extra: Sequence[tuple[str, str]] = ()) -> None:  # fmt: skip
    """One tile per metric with a value in ``row`` (a ranking row), then the ``extra`` (label, value) tiles."""
    shown = [m for m in metrics if row.get(m.column) is not None]
    cols = st.columns(len(shown) + len(extra))
    for col, m in zip(cols, shown, strict=False):
        col.metric(metric_label(m, lg), m.format(row[m.column], lg),
                   help=(helps or {}).get(m.name) or metric_help(m, lg))  # fmt: skip
    for col, (name, value) in zip(cols[len(shown) :], extra, strict=True):
        col.metric(name, value)


#: The start of every downloaded file's name when the data is synthetic.
SYNTHETIC_PREFIX = "SYNTHETIC_"


def file_stem(name: str, synthetic: bool) -> str:
    """A download's file name (without extension): marked in front when the data is synthetic."""
    return f"{SYNTHETIC_PREFIX}{name}" if synthetic else name


def download_buttons(ranking: pl.DataFrame, name: str, f: Filters, level: str) -> None:
    """CSV and XLSX downloads of a ranking (with provenance; marked when the data is synthetic)."""
    from benchmark_app.state import provenance_queries
    from trials.present.export import to_csv, to_xlsx

    lg, fr = lang(), frames()
    synthetic = is_synthetic(fr)
    name = file_stem(name, synthetic)
    c1, c2 = st.columns(2)
    c1.download_button(t("download_csv", lg), to_csv(ranking, synthetic), file_name=f"{name}.csv", mime="text/csv")
    c2.download_button(
        t("download_xlsx", lg),
        to_xlsx(ranking, f, level, fr.data_version, fr.data_timestamp, provenance_queries(), synthetic),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def deck_buttons(fr: Frames, f: Filters, region: str, peers: Sequence[str] | None = None) -> None:
    """Download buttons for the pitch deck (PPTX) and the one-page PDF, built from the current filters.

    The files are made only when a button is clicked (deferred), so the page stays fast.
    """
    from db.reader import Reader
    from trials.analytics.context import counts_state, last_harvest, latest_counts
    from trials.analytics.ties import country_data
    from trials.present.deck import build_pptx
    from trials.present.deck_data import CountsInfo, deck_data
    from trials.present.summary_pdf import build_pdf

    lg = lang()
    regs = regions()

    def data() -> Any:
        # The app only reads: it uses the stored country counts as they are (the methods slide says when they are
        # missing or older than the harvest; `trials counts`, `trials deck` and the scheduler refresh them).
        counts, harvested = latest_counts(engine()), last_harvest(engine())
        info = CountsInfo(counts_state(counts, harvested), "stored", harvested)
        sc = Reader(engine()).site_countries()  # the international-ties slide (issue 17)
        return deck_data(fr, regs, region, peers, f, lg, Reader(engine()).last_good_queries(), counts=counts,
                         counts_info=info, countries=country_data(sc.studies, sc.places, regs))  # fmt: skip

    if studies_in(fr, "region", replace(f, region=region)).height == 0:  # what deck_data would refuse
        label = next((region_label(r.name, r.label, lg) for r in regs if r.name == region), region)
        st.info(t("no_deck", lg, region=escape_markdown(label)))
        return
    c1, c2 = st.columns(2)
    c1.download_button(t("deck_pptx", lg), lambda: build_pptx(data()), file_name=f"{region}_pitch.pptx",
                       mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                       key="deck_pptx")  # fmt: skip
    c2.download_button(t("deck_pdf", lg), lambda: build_pdf(data()), file_name=f"{region}_summary.pdf",
                       mime="application/pdf", key="deck_pdf")  # fmt: skip
