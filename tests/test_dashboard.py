"""The dashboard's behaviour (Streamlit's AppTest on real records): shareable comparisons ranked within
themselves, notices for links that name nothing, a preset view that switches off what it ignores, unplaced sites
of the configured regions first, and synthetic data marked wherever it is shown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from benchmark_app.common import file_stem
from db.engine import make_engine
from db.reader import Reader
from tests.helpers import run_page
from trials.cli.main import main
from trials.rules.regions import load_regions
from trials.source.fakeapi.server import FakeApiServer
from trials.source.geo import distance_km
from trials.source.queries import COUNTRY_NAMES


def test_compare_takes_its_regions_from_the_link_and_ranks_within_them(
    real_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIALS_DB_URL", real_db_url)
    at = run_page("compare", cmp=["hamburg", "ruhr", "vienna"])
    assert at.multiselect(key="cmp_regions").value == ["hamburg", "ruhr", "vienna"]
    assert at.query_params["cmp"] == ["hamburg", "ruhr", "vienna"]
    ranking = at.dataframe[0].value
    assert len(ranking) == 3
    trials = dict(zip(ranking["name"], ranking["trials"], strict=True))
    for _, row in ranking.iterrows():  # competition ranks within the three, not the global ranks
        assert row["rank"] == 1 + sum(v > row["trials"] for v in trials.values())
    at.multiselect(key="cmp_regions").unselect("vienna").run()
    assert at.query_params["cmp"] == ["hamburg", "ruhr"]  # the new selection is in the link to share


def test_compare_ignores_an_unknown_region_in_the_link_with_a_notice(
    real_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIALS_DB_URL", real_db_url)
    at = run_page("compare", cmp=["ruhr", "atlantis", "berlin"])
    assert any("atlantis" in w.value for w in at.warning)
    assert at.multiselect(key="cmp_regions").value == ["ruhr", "berlin"]


def test_profile_says_when_the_link_names_an_unknown_entity(real_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALS_DB_URL", real_db_url)
    at = run_page("profile", region="ruhr", entity="no-such-institution", lang="de")
    assert any("no-such-institution" in w.value and "Link" in w.value for w in at.warning)
    fine = run_page("profile", region="ruhr")
    assert not fine.warning


def test_a_preset_switches_off_the_filters_it_ignores(real_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALS_DB_URL", real_db_url)
    at = run_page("rankings", preset="city-participation-2013-2022")
    assert at.multiselect(key="f_phase").disabled and at.sidebar.radio(key="f_level").disabled
    assert at.selectbox(key="f_region").disabled
    free = run_page("rankings", region="ruhr")
    assert not free.multiselect(key="f_phase").disabled


def test_data_page_lists_unplaced_sites_of_the_configured_regions_first(
    real_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIALS_DB_URL", real_db_url)
    regions = load_regions()
    countries = {COUNTRY_NAMES[r.country] for r in regions}
    sites = Reader(make_engine(real_db_url)).unplaced_sites(limit=None)
    first = [s for s in sites if (s["lat"] is None and s["country"] in countries) or (s["lat"] is not None and any(
        distance_km(s["lat"], s["lon"], c.lat, c.lon) <= c.radius_km for r in regions for c in r.circles))]  # fmt: skip
    at = run_page("data")
    shown = next(d.value for d in at.dataframe if "region" in d.value.columns)
    assert sorted(shown["nct_id"].str.removeprefix("https://clinicaltrials.gov/study/")) == sorted(
        s["nct_id"] for s in first
    )
    assert any(f"({len(first)})" in h.value for h in at.subheader), "the heading gives their count"
    assert len(sites) > len(first) > 0, "the real corpus has unplaced sites in and outside the regions' countries"
    assert any(f"({len(sites) - len(first)})" in e.label for e in at.expander), "the rest, folded away"


@pytest.fixture(scope="module")
def synthetic_db(tmp_path_factory: pytest.TempPathFactory, synth_corpus: Path) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('synthetic') / 's.db'}"
    result = CliRunner().invoke(main, ["harvest", "--from-file", str(synth_corpus), "--db", url, "--no-progress"])
    assert result.exit_code == 0, result.output
    return url


def test_world_page_and_downloads_carry_the_synthetic_mark(synthetic_db: str, synth_corpus: Path,
                                                           fake_api: Callable[..., FakeApiServer],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    server = fake_api(synth_corpus)
    result = CliRunner().invoke(main, ["counts", "--db", synthetic_db, "--base-url", server.base_url, "--rate", "0",
                                       "--countries", "DE,FR"])  # fmt: skip
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("TRIALS_DB_URL", synthetic_db)
    world = run_page("world", lang="de")
    assert any("SYNTHETISCHE DATEN" in w.value for w in world.warning)
    assert file_stem("world_counts", True) == "SYNTHETIC_world_counts"  # the download's name (see test_display)


def test_overview_shows_the_region_against_every_region(real_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALS_DB_URL", real_db_url)
    at = run_page("overview", region="berlin", lang="de")
    assert "Berlin" in at.title[0].value
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Studien"] and any(k.startswith("Wachstum 20") for k in tiles)
    everyone = next(d.value for d in at.dataframe if "per_100k" in d.value.columns)
    assert len(everyone) == len(load_regions())
    assert pl.Series(everyone["trials"]).is_sorted(descending=True)


LEGACY: dict[str, str | list[str]] = {
    "region": "ruhr", "by": "city", "from": "2010", "to": "2024", "phase": ["phase2", "phase3"],
    "sponsor_class": "INDUSTRY", "area": "oncology", "status": "COMPLETED", "sponsor": "a", "type": "INTERVENTIONAL",
    "date": "start", "lang": "de",
}  # fmt: skip


@pytest.mark.parametrize("page", ["overview", "rankings", "compare", "profile", "map", "world", "data"])
def test_every_existing_link_parameter_still_works(
    page: str, real_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Links shared before this version open without an error or an "ignored" notice, filters applied."""
    monkeypatch.setenv("TRIALS_DB_URL", real_db_url)
    extra: dict[str, str | list[str]] = {"level": "institution", "entity": "de-essen-uk"} if page == "profile" else {}
    at = run_page(page, **LEGACY, **extra)
    assert not at.exception, [e.value for e in at.exception]
    assert not [w.value for w in at.warning if "ignoriert" in w.value or "nicht in der Rangliste" in w.value]
    if page not in ("world", "data"):
        assert at.query_params["phase"] == ["phase2", "phase3"] and at.query_params["from"] == "2010"
