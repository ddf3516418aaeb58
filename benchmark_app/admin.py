"""The one writing action of the app, "refresh now", behind the admin password."""

from __future__ import annotations

from typing import Any

import streamlit as st

from benchmark_app.i18n import t
from benchmark_app.state import db_url, lang
from trials.jobs.refresh import password_ok, start_refresh
from trials.settings import get_settings


def admin_password() -> str | None:
    """``$TRIALS_ADMIN_PASSWORD``, else the Streamlit secret ``admin_password``, else None (disabled)."""
    env = get_settings().admin_password
    if env:
        return env.get_secret_value()
    try:
        value = st.secrets.get("admin_password")
    except FileNotFoundError:  # no secrets.toml at all
        return None
    return str(value) if value else None


def admin_refresh(runs: list[dict[str, Any]]) -> None:
    """An expander that starts a harvest when the right password is given (never without one)."""
    lg = lang()
    with st.expander(t("refresh", lg)):
        expected = admin_password()
        if not expected:
            st.caption(t("refresh_disabled", lg))
            return
        if runs and runs[0]["outcome"] == "running":
            st.info(t("refresh_running", lg).format(run=runs[0]["id"]))
            return
        given = st.text_input(t("password", lg), type="password", key="admin_pw")
        if st.button(t("refresh_now", lg), key="admin_refresh"):
            if not password_ok(given, expected):
                st.error(t("wrong_password", lg))
                return
            started = start_refresh(db_url(), get_settings().log_dir)
            st.session_state["refresh_pid"] = started.pid
            st.success(t("refresh_started", lg).format(pid=started.pid, log=started.log))
