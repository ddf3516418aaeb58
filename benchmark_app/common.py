"""Small UI helpers used by several pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import polars as pl
import streamlit as st

from benchmark_app.i18n import t
from benchmark_app.state import engine, frames, is_empty, lang, regions, synthetic_share
from trials.analytics.rankings import Filters, Frames, studies_in


def page_frames() -> Frames | None:
    """The frames, or None after showing the friendly empty state."""
    fr = frames()
    if is_empty(fr):
        st.info(t("empty", lang()))
        return None
    if synthetic_share(fr) > 0:
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
    """A polars frame as a Streamlit table (or the ``empty`` message when it has no rows)."""
    target = where if where is not None else st
    if frame.height == 0 and empty is not None:
        target.caption(empty)
        return
    target.dataframe(frame.to_pandas(), hide_index=True, key=key, column_config=column_config)


def deck_buttons(fr: Frames, f: Filters, region: str, peers: Sequence[str] | None = None) -> None:
    """Download buttons for the pitch deck (PPTX) and the one-page PDF, built from the current filters.

    The files are made only when a button is clicked (deferred), so the page stays fast.
    """
    from db.store import Store
    from trials.present.deck import build_pptx
    from trials.present.deck_data import NoMatch, deck_data
    from trials.present.summary_pdf import build_pdf

    lg = lang()
    regs = regions()

    def data() -> Any:
        from trials.jobs.counts import latest_counts

        return deck_data(fr, regs, region, peers, f, lg, Store(engine()).last_good_queries(),
                         counts=latest_counts(engine()))  # fmt: skip

    if studies_in(fr, "region", replace(f, region=region)).height == 0:  # what deck_data would refuse
        st.info(str(NoMatch(f"no trials in {region} match these filters: no deck to make")))
        return
    c1, c2 = st.columns(2)
    c1.download_button(t("deck_pptx", lg), lambda: build_pptx(data()), file_name=f"{region}_pitch.pptx",
                       mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                       key="deck_pptx")  # fmt: skip
    c2.download_button(t("deck_pdf", lg), lambda: build_pdf(data()), file_name=f"{region}_summary.pdf",
                       mime="application/pdf", key="deck_pdf")  # fmt: skip
