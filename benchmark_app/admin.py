"""The one writing action of the app, "refresh now", behind the admin password."""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from benchmark_app.i18n import t
from benchmark_app.state import db_url, engine, lang
from trials.errors import TrialsError
from trials.jobs.refresh import RefreshBusy, busy, password_ok, start_refresh, wrong_password_delay
from trials.present.markdown import escape_markdown
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


def _engine_or_none() -> Any:
    """The database's engine, or None when there is none yet (the first harvest can still be started)."""
    try:
        return engine()
    except TrialsError:
        return None


def admin_refresh(runs: list[dict[str, Any]]) -> None:
    """An expander that starts a harvest when the right password is given (never without one).

    A wrong password waits longer each time in the session; while a refresh or another writer runs, nothing is
    started (a run left ``running`` by a process that died does not block the button).
    """
    lg = lang()
    with st.expander(t("refresh", lg)):
        expected = admin_password()
        if not expected:
            st.caption(t("refresh_disabled", lg))
            return
        running = busy(_engine_or_none())
        if running is not None:
            st.info(t("refresh_busy", lg, who=escape_markdown(running)))
            return
        if runs and runs[0]["outcome"] == "running":  # nobody holds the lock: its process has ended
            st.caption(t("refresh_orphaned", lg, run=runs[0]["id"]))
        given = st.text_input(t("password", lg), type="password", key="admin_pw")
        if st.button(t("refresh_now", lg), key="admin_refresh"):
            if not password_ok(given, expected):
                failures = int(st.session_state.get("admin_failures", 0)) + 1
                st.session_state["admin_failures"] = failures
                time.sleep(wrong_password_delay(failures))  # guessing gets slower with every wrong password
                st.error(t("wrong_password", lg))
                return
            st.session_state["admin_failures"] = 0
            try:
                started = start_refresh(db_url(), get_settings().log_dir)
            except RefreshBusy as exc:  # a second click while the first refresh still runs
                st.info(t("refresh_busy", lg, who=escape_markdown(exc)))
                return
            st.session_state["refresh_pid"] = started.pid
            st.success(t("refresh_started", lg, pid=started.pid, log=escape_markdown(started.log)))
