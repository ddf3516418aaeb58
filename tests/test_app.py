"""Streamlit AppTest: every page on an empty and on a harvested database; numbers match the database."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from db.engine import make_engine, open_migrated
from db.store import Store
from tests.helpers import nct, read_ndjson, run_page, studies_in_region, write_ndjson
from trials.analytics.rankings import Filters, build_frames, rank
from trials.cli.rank import RankArgs, run_rank
from trials.jobs.refresh import STARTED
from trials.rules.regions import load_regions
from trials.source.fakeapi.server import FakeApiServer

PAGES = ["overview", "rankings", "compare", "profile", "map", "world", "data"]


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    open_migrated(url).dispose()  # what `trials db-upgrade` makes: the app itself never creates a database
    monkeypatch.setenv("TRIALS_DB_URL", url)
    return url


@pytest.fixture
def harvested_url(real_db_url: str) -> str:
    return real_db_url


def table_with(at: AppTest, column: str) -> Any:
    """The first table on the page with ``column`` (AppTest does not expose a dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_a_friendly_empty_state(page: str, empty_db: str) -> None:
    at = run_page(page)
    texts = " ".join(i.value for i in at.info) + " ".join(m.value for m in at.markdown)
    expected = "No country counts yet" if page == "world" else "No data yet"
    assert expected in texts


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


def test_profile_of_a_site_lists_its_trials_with_registry_links(harvested_url: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("TRIALS_DB_URL", harvested_url)
    fr = build_frames(make_engine(harvested_url), load_regions())
    top = rank(fr, "site", Filters(region="ruhr")).row(0, named=True)
    at = run_page("profile", region="ruhr", level="site", entity=top["key"])
    assert at.selectbox(key="prof_entity").value == top["key"]
    listing = table_with(at, "nct_id")
    assert len(listing) == top["trials"]
    assert all(u.startswith("https://clinicaltrials.gov/study/NCT") for u in listing["nct_id"])
    assert at.query_params["level"] == "site"


def test_rankings_preset_view_equals_the_cli_preset(harvested_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALS_DB_URL", harvested_url)
    at = run_page("rankings", preset="city-participation-2013-2022")
    shown = at.dataframe[0].value
    engine = make_engine(harvested_url)
    cli = run_rank(engine, RankArgs(level=None, preset="city-participation-2013-2022", fmt="json"))
    expected = [(r["name"], r["trials"]) for r in json.loads(cli)]
    assert list(zip(shown["name"], shown["trials"], strict=True)) == expected
    assert expected, "the real corpus has studies matching the preset"


def test_map_of_sites_shows_each_ranked_site_once(harvested_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALS_DB_URL", harvested_url)
    at = run_page("map", region="ruhr", by="site")  # the map opens on cities; a link can ask for sites
    shown = table_with(at, "trials")
    fr = build_frames(make_engine(harvested_url), load_regions())
    sites = rank(fr, "site", Filters(region="ruhr"))
    assert sorted(shown["trials"]) == sorted(sites["trials"].to_list())


def test_refresh_needs_the_admin_password(harvested_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALS_DB_URL", harvested_url)
    monkeypatch.delenv("TRIALS_ADMIN_PASSWORD", raising=False)
    at = run_page("data")
    assert any("TRIALS_ADMIN_PASSWORD" in c.value for c in at.caption)
    assert not [b for b in at.button if b.key == "admin_refresh"]
    monkeypatch.setenv("TRIALS_ADMIN_PASSWORD", "s3cret")
    at = run_page("data")
    at.text_input(key="admin_pw").input("wrong")
    at.button(key="admin_refresh").click()
    at.run()
    assert at.error and "Wrong password" in at.error[0].value
    assert "refresh_pid" not in at.session_state


def test_refresh_with_the_password_runs_a_real_harvest(
    tmp_path: Path, real_corpus: Path, fake_api: Callable[..., FakeApiServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'refresh.db'}"
    corpus = tmp_path / "small.ndjson.gz"
    records = read_ndjson(real_corpus)
    ruhr = studies_in_region(records, next(r for r in load_regions() if r.name == "ruhr"))
    write_ndjson(corpus, [r for r in records if nct(r) in ruhr])
    server = fake_api(corpus)
    monkeypatch.setenv("TRIALS_DB_URL", url)
    monkeypatch.setenv("TRIALS_ADMIN_PASSWORD", "s3cret")
    monkeypatch.setenv("TRIALS_BASE_URL", server.base_url)
    monkeypatch.setenv("TRIALS_REFRESH_ARGS", "--region ruhr --rate 0")
    monkeypatch.setenv("TRIALS_LOG_DIR", str(tmp_path / "logs"))
    at = run_page("data")
    at.text_input(key="admin_pw").input("s3cret")
    at.button(key="admin_refresh").click()
    at.run()
    assert at.success, [e.value for e in at.error]
    pid = at.session_state["refresh_pid"]
    code = STARTED[pid].wait(timeout=240)
    log = (tmp_path / "logs" / "refresh.log").read_text()
    assert code in (0, 3), log
    store = Store(make_engine(url))
    runs = store.runs()
    assert len(runs) == 1 and runs[0]["outcome"] in ("success", "warning")
    assert store.table_counts()["studies"] == len(ruhr)


def test_data_page_lists_registry_changes(real_db_copy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = real_db_copy
    engine = make_engine(url)
    store = Store(engine)
    gone = store.active_ids()[0]
    assert store.mark_removed([gone], store.runs()[0]["id"], "not returned by the registry (test)") == 1
    engine.dispose()
    monkeypatch.setenv("TRIALS_DB_URL", url)
    at = run_page("data")
    events = table_with(at, "kind")
    assert list(events["nct_id"]) == [f"https://clinicaltrials.gov/study/{gone}"]  # a link to the registry
    assert list(events["kind"]) == ["No longer in the registry's answer"]  # the code in words
    assert any("Registry changes" in s.value and "(1)" in s.value for s in at.subheader)


@pytest.mark.parametrize("page", ["overview", "data"])
def test_the_app_on_a_missing_database_says_what_to_run_and_creates_nothing(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere" / "trials.db"
    monkeypatch.setenv("TRIALS_DB_URL", f"sqlite:///{missing}")
    at = run_page(page)
    assert [e.value for e in at.error] == [
        f"no database at sqlite:///{missing} (no file {missing}): run `trials harvest` to fill it "
        "(or `trials db-upgrade` to create an empty one)"
    ]
    assert not missing.parent.exists()


def test_the_app_does_not_migrate_an_old_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from db.migrate import schema_revisions, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0004")
    monkeypatch.setenv("TRIALS_DB_URL", url)
    at = run_page("overview")
    assert len(at.error) == 1 and "run `trials db-upgrade`" in at.error[0].value
    assert schema_revisions(engine)[0] == "0004"
    engine.dispose()


def test_the_app_on_an_unreachable_server_shows_one_line_without_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALS_DB_URL", "postgresql://u:secret@127.0.0.1:1/x")
    at = run_page("overview")
    assert len(at.error) == 1 and "127.0.0.1" in at.error[0].value and "secret" not in at.error[0].value
