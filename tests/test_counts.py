"""Count-only queries per country and region: totals, replay, request count, page and deck."""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
import streamlit as st
from click.testing import CliRunner
from pptx import Presentation
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from db.migrate import upgrade
from db.store import Store
from tests.helpers import read_ndjson, run_page
from trials.analytics.context import latest_counts, position_in_europe, ranked, share_of_country
from trials.analytics.rankings import PRESETS, build_frames
from trials.cli import main
from trials.jobs.counts import load_countries, refresh_counts, select_countries
from trials.jobs.harvest import Harvester
from trials.present.deck import build_pptx
from trials.present.deck_data import deck_data
from trials.rules.regions import load_regions
from trials.source.api import CtgovClient
from trials.source.fakeapi.server import FakeApiServer
from trials.source.queries import COUNTRY_NAMES, country_query

PRESET = PRESETS["city-participation-2013-2022"]


def plain(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()


def passes_preset(record: dict[str, Any]) -> bool:
    """The preset's rules, evaluated on the raw record (independently of the query builder)."""
    ps = record["protocolSection"]
    status = ps.get("statusModule", {})
    start = (status.get("startDateStruct") or {}).get("date", "")
    return (
        status.get("overallStatus") in PRESET.statuses
        and bool(set(ps.get("designModule", {}).get("phases", [])) & {"PHASE1", "PHASE2", "PHASE3"})
        and (ps.get("sponsorCollaboratorsModule", {}).get("leadSponsor", {}).get("class") in ("INDUSTRY", "OTHER"))
        and "2013-01-01" <= start[:10] <= "2022-12-31"
        and start != ""
    )


def locations(record: dict[str, Any]) -> list[dict[str, Any]]:
    return list(record["protocolSection"].get("contactsLocationsModule", {}).get("locations", []))


def expected_country(records: list[dict[str, Any]], names: tuple[str, ...]) -> int:
    return sum(1 for r in records if passes_preset(r) and any(loc.get("country") in names for loc in locations(r)))


def expected_region(records: list[dict[str, Any]], region: Any) -> int:
    wanted = [(COUNTRY_NAMES.get(p.country, p.country), plain(n)) for p in region.places for n in (p.name, *p.aliases)]

    def hit(loc: dict[str, Any]) -> bool:
        city = plain(loc.get("city") or "")
        return any(loc.get("country") == c and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", city) for c, n in wanted)

    return sum(1 for r in records if passes_preset(r) and any(hit(loc) for loc in locations(r)))


@pytest.fixture
def refreshed(
    engine: Engine, real_corpus: Path, fake_api: Callable[..., FakeApiServer]
) -> tuple[Engine, FakeApiServer]:
    server = fake_api(real_corpus)
    with CtgovClient(server.base_url, rate_per_second=0) as client:
        report = refresh_counts(engine, client, load_regions())
    assert report.outcome == "success"
    return engine, server


def test_country_and_region_totals_follow_the_preset(refreshed: tuple[Engine, FakeApiServer],
                                                     real_corpus: Path) -> None:  # fmt: skip
    engine, _ = refreshed
    records = read_ndjson(real_corpus)
    counts = latest_counts(engine)
    got = {(r["scope"], r["key"]): r["total"] for r in counts.iter_rows(named=True)}
    for c in load_countries():
        assert got[("country", c.code)] == expected_country(records, c.names), c.code
    for region in load_regions():
        assert got[("region", region.name)] == expected_region(records, region), region.name
    assert got[("country", "DE")] > 0 and got[("country", "US")] > got[("country", "DE")]
    assert got[("region", "ruhr")] > 0


def test_a_stored_query_replayed_against_the_api_gives_the_same_count(refreshed: tuple[Engine, FakeApiServer]) -> None:
    engine, server = refreshed
    counts = latest_counts(engine)
    for row in counts.filter(pl.col("key").is_in(["DE", "FR", "ruhr", "berlin"])).iter_rows(named=True):
        params = {**json.loads(row["query"]), "countTotal": "true", "pageSize": "1", "format": "json"}
        body = httpx.get(f"{server.base_url}/studies", params=params, timeout=30).json()
        assert body["totalCount"] == row["total"], row["label"]


def test_a_refresh_makes_one_request_per_country_and_region(
    engine: Engine, real_corpus: Path, fake_api: Callable[..., FakeApiServer]
) -> None:
    server = fake_api(real_corpus)
    regions = load_regions()
    before = len(server.api.requests)
    with CtgovClient(server.base_url, rate_per_second=0) as client:
        refresh_counts(engine, client, regions)
    paths = server.api.requests[before:]
    studies = [p for p in paths if p.startswith("/api/v2/studies")]
    assert len(studies) == len(load_countries()) + len(regions)
    assert len(paths) == len(studies) + 1  # and one GET /version for the data timestamp


def test_rankings_position_and_share_are_computed_from_the_counts() -> None:
    counts = pl.DataFrame({
        "scope": ["country", "country", "country", "region"], "key": ["DE", "FR", "US", "ruhr"],
        "label": ["Germany", "France", "United States", "Ruhr"], "grouping": ["EU", "EU", "World", "region"],
        "population": [80_000_000, 60_000_000, 300_000_000, 5_000_000], "total": [800, 900, 3000, 100],
    })  # fmt: skip
    table = ranked(counts, "country")
    assert table["label"].to_list() == ["United States", "France", "Germany"]
    assert table.filter(pl.col("key") == "DE")["per_million"][0] == 10.0
    assert position_in_europe(counts, "DE") == {"rank": 2, "rank_per_million": 2, "of": 2}
    assert share_of_country(counts, "ruhr", "DE") == pytest.approx(100 / 800)
    assert share_of_country(counts, "atlantis", "DE") is None


def test_country_selection_and_query_text() -> None:
    countries = load_countries()
    assert len(select_countries(countries, ["EU"])) == 27
    assert [c.code for c in select_countries(countries, ["de", "US"])] == ["DE", "US"]
    cz = next(c for c in countries if c.code == "CZ")
    adv = country_query(cz, PRESET).params["filter.advanced"]
    assert 'AREA[LocationCountry]"Czechia"' in adv and 'AREA[LocationCountry]"Czech Republic"' in adv
    assert "AREA[StartDate]RANGE[2013-01-01,2022-12-31]" in adv
    with pytest.raises(Exception, match="unknown country code 'XX'"):
        select_countries(countries, ["XX"])


def test_cli_counts_stores_and_prints(db_url: str, real_corpus: Path, fake_api: Callable[..., FakeApiServer]) -> None:
    server = fake_api(real_corpus)
    result = CliRunner().invoke(main, ["counts", "--db", db_url, "--base-url", server.base_url, "--rate", "0",
                                       "--countries", "DE,FR,US"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Germany" in result.output and "Ruhr" in result.output
    engine = make_engine(db_url)
    assert set(latest_counts(engine).filter(pl.col("scope") == "country")["key"]) == {"DE", "FR", "US"}
    engine.dispose()


@pytest.fixture
def app_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = make_engine(url)
    upgrade(engine)  # what `trials db-upgrade` makes: the app itself never creates a database
    engine.dispose()
    monkeypatch.setenv("TRIALS_DB_URL", url)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield url
    st.cache_resource.clear()


def run_world() -> AppTest:
    return run_page("world")  # type: ignore[no-any-return]


def test_world_page_without_counts_explains_how_to_get_them(app_db: str) -> None:
    at = run_world()
    assert any("trials counts" in i.value for i in at.info)


def test_world_page_shows_the_stored_counts(app_db: str, real_corpus: Path,
                                            fake_api: Callable[..., FakeApiServer]) -> None:  # fmt: skip
    engine = make_engine(app_db)
    upgrade(engine)
    server = fake_api(real_corpus)
    with CtgovClient(server.base_url, rate_per_second=0) as client:
        refresh_counts(engine, client, load_regions())
    counts = latest_counts(engine)
    engine.dispose()
    at = run_world()
    shown = at.dataframe[0].value
    europe = ranked(counts.filter((pl.col("scope") == "country") & pl.col("grouping").is_in(["EU", "EEA", "Europe"])))
    assert list(shown["total"]) == europe["total"].to_list()
    pos = position_in_europe(counts, "DE")
    assert pos and at.metric[0].value == f"{pos['rank']} / {pos['of']}"
    share = share_of_country(counts, "ruhr", "DE")
    assert share is not None and at.metric[2].value == f"{share:.1%}"


def test_the_deck_gets_a_context_slide_only_when_counts_exist(
    engine: Engine, real_corpus: Path, fake_api: Callable[..., FakeApiServer]
) -> None:
    assert Harvester(Store(engine)).harvest_file(real_corpus, request={}).outcome == "success"
    frames = build_frames(engine, load_regions())
    plain_deck = Presentation(io.BytesIO(build_pptx(deck_data(frames, load_regions(), "ruhr"))))
    assert not any("context" in s.shapes.title.text for s in plain_deck.slides)
    methods = next(s for s in plain_deck.slides if s.shapes.title.text == "Methods and sources")
    assert "no country counts are stored yet" in " ".join(sh.text_frame.text for sh in methods.shapes
                                                           if sh.has_text_frame)  # fmt: skip
    server = fake_api(real_corpus)
    with CtgovClient(server.base_url, rate_per_second=0) as client:
        refresh_counts(engine, client, load_regions())
    counts = latest_counts(engine)
    data = deck_data(frames, load_regions(), "ruhr", counts=counts)
    prs = Presentation(io.BytesIO(build_pptx(data)))
    assert len(prs.slides) == len(plain_deck.slides) + 1
    slide = next(s for s in prs.slides if s.shapes.title.text.startswith("European context"))
    chart = next(sh.chart for sh in slide.shapes if sh.has_chart)
    cats = [str(c) for c in chart.plots[0].categories]
    values = list(chart.plots[0].series[0].values)
    assert data.context is not None
    shown = dict(zip(data.context["name"], data.context["per_million"], strict=True))
    assert dict(zip(cats, values, strict=True)) == {c: float(shown[c] or 0) for c in cats}
    # the figures are the per-million values of the stored counts, on one scale, most per million first
    per = dict(zip(ranked(counts)["key"], ranked(counts)["per_million"], strict=True))
    assert dict(zip(data.context["key"], data.context["per_million"], strict=True)) == {
        k: per[k] for k in data.context["key"]
    }
    assert values == sorted(values)  # drawn bottom-up: the most per million at the top
    # Germany, the region and its peers are always there; the region in the accent colour, Germany in ink
    assert {"Germany", "Ruhr", "Berlin", "Hamburg", "Munich", "Cologne"} <= set(cats)
    fills = {c: str(chart.plots[0].series[0].points[i].format.fill.fore_color.rgb) for i, c in enumerate(cats)}
    assert fills["Ruhr"] == "E36C0A" and fills["Germany"] == "1F2A44" and fills["Berlin"] != fills["Ruhr"]
    boxes = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
    pos = position_in_europe(counts, "DE")
    assert pos is not None
    assert (f"Germany: trials per million inhabitants, rank {pos['rank_per_million']} of {pos['of']} in Europe "
            f"(rank {pos['rank']} by number of trials)") in boxes  # fmt: skip
    germany = float(ranked(counts).filter(pl.col("key") == "DE")["per_million"][0])
    assert f"{germany:,.1f}" in boxes  # the value itself, not its rank
