"""Entry point: ``streamlit run benchmark_app/streamlit_app.py`` (database from $TRIALS_DB_URL)."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from benchmark_app.admin import admin_refresh
from benchmark_app.i18n import t
from benchmark_app.state import database_problem, lang

st.set_page_config(page_title=t("app_title", lang()), layout="wide")
lg = lang()
problem = database_problem()
if problem is not None:  # the app never creates or migrates a database: say which one and what to run
    st.error(problem)
    admin_refresh([])  # an admin can still start the first harvest from here
    st.stop()
pages = Path(__file__).parent / "app_pages"
nav = st.navigation(
    [
        st.Page(pages / "overview.py", title=t("overview", lg), default=True),  # served at /
        st.Page(pages / "rankings.py", title=t("rankings", lg), url_path="rankings"),
        st.Page(pages / "compare.py", title=t("compare", lg), url_path="compare"),
        st.Page(pages / "profile.py", title=t("profile", lg), url_path="profile"),
        st.Page(pages / "map.py", title=t("map", lg), url_path="map"),
        st.Page(pages / "world.py", title=t("world", lg), url_path="world"),
        st.Page(pages / "data.py", title=t("data", lg), url_path="data"),
    ]
)
nav.run()
