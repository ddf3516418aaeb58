"""Entry point: ``streamlit run benchmark_app/streamlit_app.py`` (database from $TRIALS_DB_URL)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from benchmark_app.admin import admin_refresh
from benchmark_app.i18n import t
from benchmark_app.state import database_problem, engine, lang
from db.reader import Reader
from trials.settings import get_settings


def registry_banner(notice: str, runs: list[dict[str, Any]], lg: str) -> str:
    """The banner of a dashboard opened without a harvest: the last good harvest and what failed.

    The texts from outside (the failure, the registry's timestamp) go into code spans: no markdown, link,
    image or HTML in them can take effect.
    """
    last = next((r for r in runs if r["outcome"] in ("success", "warning") and r["started_at"]), None)
    when = (
        t(
            "registry_unreachable_when",
            lg,
            at=f"{last['started_at']:%Y-%m-%d %H:%M}",
            ts=_code(last["data_timestamp"] or "?"),
        )
        if last
        else t("registry_unreachable_never", lg)
    )
    return t("registry_unreachable", lg, when=when, what=_code(notice[:500]))


def _code(text: str) -> str:
    """Outside text as an inline code span (shown as it is; backticks and line breaks cannot end the span)."""
    return "`" + " ".join(str(text).replace("`", "'").split()) + "`"


st.set_page_config(page_title=t("app_title", lang()), layout="wide")
lg = lang()
problem = database_problem()
if problem is not None:  # the app never creates or migrates a database: say which one and what to run
    st.error(problem)
    admin_refresh([])  # an admin can still start the first harvest from here
    st.stop()
if notice := get_settings().registry_notice:  # ./run found the registry unreachable and opened the stored data
    st.warning(registry_banner(notice, Reader(engine()).runs(limit=100), lg), icon="⚠️")
pages = Path(__file__).parent / "app_pages"
nav = st.navigation(
    [
        st.Page(pages / "overview.py", title=t("overview", lg), default=True),  # served at /
        st.Page(pages / "rankings.py", title=t("rankings", lg), url_path="rankings"),
        st.Page(pages / "compare.py", title=t("compare", lg), url_path="compare"),
        st.Page(pages / "profile.py", title=t("profile", lg), url_path="profile"),
        st.Page(pages / "find_sites.py", title=t("find_sites", lg), url_path="find-sites"),
        st.Page(pages / "map.py", title=t("map", lg), url_path="map"),
        st.Page(pages / "world.py", title=t("world", lg), url_path="world"),
        st.Page(pages / "data.py", title=t("data", lg), url_path="data"),
    ]
)
nav.run()
