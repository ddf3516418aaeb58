"""Small UI helpers used by several pages."""

from __future__ import annotations

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
