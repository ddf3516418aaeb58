"""Streamlit AppTest: every page on an empty and on a harvested database; numbers match the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from db.migrate import upgrade
from db.store import Store
from trials.harvest import Harvester

APP = str(Path(__file__).resolve().parents[1] / "benchmark_app" / "streamlit_app.py")
PAGES = ["overview", "rankings", "compare", "profile", "map", "data"]


@pytest.fixture(autouse=True)
def clear_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("TRIALS_DB_URL", url)
    return url


@pytest.fixture(scope="module")
def harvested_url(tmp_path_factory: pytest.TempPathFactory, real_corpus: Path) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('app') / 'h.db'}"
    engine = make_engine(url)
    upgrade(engine)
    assert Harvester(Store(engine)).harvest_file(real_corpus, request={}).outcome == "success"
    engine.dispose()
    return url


def run_page(page: str, **params: str | list[str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page(f"app_pages/{page}.py")  # open the page directly, as a shared link does
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_a_friendly_empty_state(page: str, empty_db: str) -> None:
    at = run_page(page)
    texts = " ".join(i.value for i in at.info) + " ".join(m.value for m in at.markdown)
    assert "No data yet" in texts or page == "data"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_harvested_data(page: str, harvested_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALS_DB_URL", harvested_url)
    at = run_page(page, region="ruhr")
    assert at.title[0].value


def test_rankings_show_the_database_numbers_and_follow_url_filters(harvested_url: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("TRIALS_DB_URL", harvested_url)
    at = run_page("rankings", region="ruhr", by="city")
    table = at.dataframe[0].value
    counts = dict(zip(table["name"], table["trials"], strict=True))
    assert counts["Essen"] == 13 and counts["Bochum"] == 4  # hand count, see tests/test_rank.py
    industry = run_page("rankings", region="ruhr", by="city", sponsor_class="INDUSTRY")
    filtered = industry.dataframe[0].value
    assert (
        dict(zip(filtered["name"], filtered["trials"], strict=True))["Essen"]
        == dict(zip(table["name"], table["industry_trials"], strict=True))["Essen"]
    )


def test_invalid_url_values_are_ignored_with_a_notice(harvested_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALS_DB_URL", harvested_url)
    at = run_page("rankings", region="atlantis", by="city", phase=["phase9", "phase2"], **{"from": "abc"})
    notices = " ".join(w.value for w in at.warning)
    assert "atlantis" in notices and "phase9" in notices and "abc" in notices
    assert at.dataframe[0].value is not None
