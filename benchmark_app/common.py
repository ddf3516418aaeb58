"""Small UI helpers used by several pages."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from benchmark_app.i18n import t
from benchmark_app.state import frames, is_empty, lang, synthetic_share
from trials.analytics import Frames


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
