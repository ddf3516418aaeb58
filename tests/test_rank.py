"""Rankings on real records: hand counts, independent counts, CLI formats and the preset."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine

from trials.analytics.rankings import PRESETS, Filters, build_frames, rank
from trials.cli.rank import RankArgs, run_rank
from trials.present.export import neutralise, to_csv
from trials.rules.regions import load_regions


@pytest.fixture
def harvested(real_engine: Engine) -> Engine:
    """The real corpus, harvested once per session on SQLite and on PostgreSQL (read only here)."""
    return real_engine


def records(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def counts(table: pl.DataFrame) -> dict[str, int]:
    return dict(zip(table["name"], table["trials"], strict=True))


def test_ruhr_city_ranking_matches_the_hand_count(harvested: Engine) -> None:
    # Hand count from the corpus inventory (../shared/data/ctgov/PROVENANCE.md lists studies per raw city
    # spelling): Essen 12 + 1 record whose city field holds a street ("Hufelandstr. 26", geoPoint in
    # Essen); Bochum 4; Mülheim 2 ("Mülheim") + 1 ("Muelheim a.d. Ruhr"); Herne 2.
    table = rank(build_frames(harvested, load_regions()), "city", Filters(region="ruhr"))
    got = counts(table)
    assert got["Essen"] == 13 and got["Bochum"] == 4 and got["Mülheim an der Ruhr"] == 3 and got["Herne"] == 2
    assert table["rank"].to_list()[:2] == [1, 2]
    essen = table.filter(pl.col("name") == "Essen")
    assert essen["per_100k"][0] == round(13 * 100_000 / 586_608, 2)


def test_filtered_ranking_equals_an_independent_count(harvested: Engine, real_corpus: Path) -> None:
    f = Filters(region="berlin", phases=("phase3",), sponsor_classes=("INDUSTRY",))
    got = counts(rank(build_frames(harvested, load_regions()), "city", f))
    expected = 0
    for r in records(real_corpus):
        ps = r["protocolSection"]
        locs = ps.get("contactsLocationsModule", {}).get("locations", [])
        in_berlin = any(loc.get("country") == "Germany" and (loc.get("city") or "").lower().startswith("berlin")
                        for loc in locs)  # fmt: skip
        phase3 = "PHASE3" in ps.get("designModule", {}).get("phases", [])
        industry = ps.get("sponsorCollaboratorsModule", {}).get("leadSponsor", {}).get("class") == "INDUSTRY"
        expected += in_berlin and phase3 and industry
    assert expected > 0 and got == {"Berlin": expected}


def test_institutions_exclude_placeholders_and_count_studies_once(harvested: Engine, real_corpus: Path) -> None:
    table = rank(build_frames(harvested, load_regions()), "institution", Filters(region="ruhr"))
    names = [n.lower() for n in table["name"]]
    assert not any("research site" in n or "investigational" in n or "local institution" in n for n in names)
    uk = {"universitätsklinikum essen", "university hospital essen", "universitaetsklinikum essen",
          "universtitätsklinikum essen aör", "westdeutsches kopfschmerzzentrum",
          "westdeutches kopfschmerzzentrum"}  # fmt: skip
    expected = sum(
        any((loc.get("facility") or "").lower().split(" - ")[0] in uk for loc in
            r["protocolSection"].get("contactsLocationsModule", {}).get("locations", []))
        for r in records(real_corpus)
    )  # fmt: skip
    assert counts(table)["Universitätsklinikum Essen"] == expected


def test_window_and_growth(harvested: Engine) -> None:
    frames = build_frames(harvested, load_regions())
    window = rank(frames, "region", Filters(year_from=2015, year_to=2019))
    before = rank(frames, "region", Filters(year_from=2010, year_to=2014))
    prev = counts(before)
    compared = 0
    for name, trials, growth in window.select("name", "trials", "growth").iter_rows():
        if prev.get(name):
            # growth is the relative change against the previous window of the same length
            assert growth is not None and abs(prev[name] * (1 + growth) - trials) < 0.01 * max(trials, 1)
            compared += 1
        else:
            assert growth is None, f"{name}: no trials in the previous window, so no growth figure"
    assert compared >= 3, "the real corpus has regions with trials in both windows"


def test_cli_formats_and_errors(harvested: Engine) -> None:
    csv_text = run_rank(harvested, RankArgs(level="city", region="ruhr", fmt="csv"))
    header = next(csv.reader(io.StringIO(csv_text)))
    assert header[:3] == ["rank", "name", "trials"]
    rows = json.loads(run_rank(harvested, RankArgs(level="region", fmt="json")))
    assert {r["name"] for r in rows} >= {"Ruhr (Regionalverband Ruhr)", "Berlin"}
    from trials.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown phase bucket"):
        run_rank(harvested, RankArgs(level="city", phases=("phase9",)))
    with pytest.raises(ConfigError, match="--by is required"):
        run_rank(harvested, RankArgs(level=None))


def test_preset_shows_ruhr_cities_against_the_four_peers(harvested: Engine) -> None:
    rows = json.loads(run_rank(harvested, RankArgs(level=None, preset="city-participation-2013-2022", fmt="json")))
    keys = {r["key"] for r in rows}
    peers = {"de:11000000", "de:02000000", "de:09162000", "de:05315000"}
    ruhr = {p.id for r in load_regions() if r.name == "ruhr" for p in r.places}
    assert keys <= peers | ruhr and keys & peers and keys & ruhr
    preset = PRESETS["city-participation-2013-2022"]
    assert preset.registry_phases == ("PHASE1", "PHASE2", "PHASE3") and preset.sponsor_classes == ("INDUSTRY", "OTHER")


def test_csv_cells_are_neutralised_against_formulas() -> None:
    assert neutralise("=HYPERLINK(1)") == "'=HYPERLINK(1)" and neutralise("@x") == "'@x" and neutralise(-0.5) == -0.5
    table = pl.DataFrame({"rank": [1], "name": ["+cmd|' /C calc'!A0"], "trials": [3]})
    assert to_csv(table).splitlines()[1].startswith("1,'+cmd")
