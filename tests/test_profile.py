"""Profile rules on a small hand-built frame, and status history written by real harvests."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine

from db.reader import STATUS_CHANGE_SCHEMA
from db.store import Store
from tests.helpers import nct, read_ndjson, write_ndjson
from trials.analytics.mapping import map_points, spread
from trials.analytics.profile import (
    competing_recruiting,
    nearby_places,
    new_since,
    peers,
    stale_active,
    status_changes_since,
)
from trials.analytics.rankings import Filters, Frames, build_frames, frames_from, rank
from trials.jobs.harvest import Harvester
from trials.rules.regions import load_regions

ESSEN, BOCHUM, BERLIN = "de:05113000", "de:05911000", "de:11000000"
COORDS = {ESSEN: (51.45584, 7.01258), BOCHUM: (51.4827, 7.21718), BERLIN: (52.51767, 13.40554)}
TODAY = dt.date(2026, 11, 25)
OLD, RECENT = dt.date(2024, 6, 1), dt.date(2026, 10, 1)

# nct, status, area, last update, first posted, sites as (place, institution)
STUDIES: list[tuple[str, str, str, dt.date, dt.date, list[tuple[str, str]]]] = [
    ("NCT00000001", "RECRUITING", "oncology", OLD, dt.date(2020, 1, 1), [(ESSEN, "uk-essen")]),
    ("NCT00000002", "RECRUITING", "oncology", RECENT, dt.date(2021, 1, 1), [(BOCHUM, "uk-bochum")]),
    ("NCT00000003", "RECRUITING", "cardiovascular", RECENT, dt.date(2021, 1, 1), [(BOCHUM, "uk-bochum")]),
    ("NCT00000004", "RECRUITING", "oncology", RECENT, dt.date(2021, 1, 1), [(BERLIN, "charite")]),
    ("NCT00000005", "COMPLETED", "oncology", OLD, dt.date(2026, 11, 1), [(ESSEN, "uk-essen")]),
    ("NCT00000006", "RECRUITING", "oncology", RECENT, dt.date(2022, 1, 1),
     [(ESSEN, "uk-essen"), (BOCHUM, "uk-bochum")]),
]  # fmt: skip
NAMES = {ESSEN: "Essen", BOCHUM: "Bochum", BERLIN: "Berlin"}


def hand_frames(changes: pl.DataFrame | None = None) -> Frames:
    studies = pl.DataFrame(
        [(n, s, "INTERVENTIONAL", dt.date(2020, 1, 1), fp, lu, "Sponsor", "INDUSTRY", 10, False, f"Title {n}")
         for n, s, _, lu, fp, _ in STUDIES],
        schema={"nct_id": pl.String, "overall_status": pl.String, "study_type": pl.String, "start_date": pl.Date,
                "first_posted_date": pl.Date, "last_update_posted_date": pl.Date, "lead_sponsor_name": pl.String,
                "lead_sponsor_class": pl.String, "enrollment": pl.Int64, "synthetic": pl.Boolean,
                "brief_title": pl.String},
        orient="row",
    )  # fmt: skip
    phases = pl.DataFrame({"nct_id": [s[0] for s in STUDIES], "phase": ["PHASE2"] * len(STUDIES)})
    areas = pl.DataFrame({"nct_id": [s[0] for s in STUDIES], "area": [s[2] for s in STUDIES]})
    sites = pl.DataFrame(
        [(n, inst.upper(), place, NAMES[place], "berlin" if place == BERLIN else "ruhr", inst, inst.upper(), False)
         for n, *_, locs in STUDIES for place, inst in locs],
        schema={"nct_id": pl.String, "facility": pl.String, "place_id": pl.String, "place_name": pl.String,
                "regions": pl.String, "institution_id": pl.String, "institution_name": pl.String,
                "placeholder": pl.Boolean},
        orient="row",
    )  # fmt: skip
    fr = frames_from(studies, phases, areas, sites)
    if changes is not None:
        fr.status_changes = changes
    return fr


def test_nearby_places_use_distance_and_never_guess() -> None:
    assert nearby_places([ESSEN], COORDS, 50) == sorted([ESSEN, BOCHUM])  # Bochum is ~14 km away
    assert nearby_places([ESSEN], COORDS, 5) == [ESSEN]
    assert nearby_places(["xx:unknown"], COORDS, 500) == ["xx:unknown"]


def test_competing_trials_are_recruiting_nearby_in_the_same_areas_and_not_the_entitys_own() -> None:
    got = competing_recruiting(hand_frames(), "institution", "uk-essen", Filters(), COORDS, radius_km=50)
    # 2: oncology, recruiting, Bochum. Not 3 (cardiology), 4 (Berlin), 5 or 6 (Essen's own), 1 (own).
    assert got["nct_id"].to_list() == ["NCT00000002"]
    assert got["places"][0] == "Bochum" and got["areas"][0] == "oncology"
    city = competing_recruiting(hand_frames(), "city", BERLIN, Filters(), COORDS, radius_km=50)
    assert city.height == 0  # nothing else recruits in oncology near Berlin


def test_stale_active_records_are_active_and_older_than_a_year() -> None:
    got = stale_active(hand_frames(), "institution", "uk-essen", TODAY)
    assert got["nct_id"].to_list() == ["NCT00000001"]  # 5 is old but completed; 6 is recent


def test_new_trials_since_a_date() -> None:
    assert new_since(hand_frames(), "city", ESSEN, dt.date(2026, 1, 1))["nct_id"].to_list() == ["NCT00000005"]
    assert new_since(hand_frames(), "city", ESSEN, dt.date(2019, 1, 1)).height == 3


def test_status_changes_since_filter_by_entity_and_date() -> None:
    at = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    changes = pl.DataFrame(
        [("NCT00000001", "NOT_YET_RECRUITING", "RECRUITING", at),
         ("NCT00000004", "RECRUITING", "COMPLETED", at),
         ("NCT00000006", "NOT_YET_RECRUITING", "RECRUITING", at - dt.timedelta(days=60))],
        schema=STATUS_CHANGE_SCHEMA, orient="row",
    )  # fmt: skip
    got = status_changes_since(hand_frames(changes), "city", ESSEN, dt.date(2026, 11, 1))
    assert got["nct_id"].to_list() == ["NCT00000001"]


def test_peers_surround_the_entity_in_the_ranking() -> None:
    fr = hand_frames()
    ranking = rank(fr, "institution", Filters())
    table = peers(ranking, "charite", around=1)
    # uk-bochum 3 trials, uk-essen 3, charite 1: charite is last, with one neighbour above
    assert table["key"].to_list() == ["uk-essen", "charite"]
    assert peers(ranking, "nowhere").height == 0


def test_map_points_put_sites_near_their_city_and_leave_unknown_places_out() -> None:
    ranking = pl.DataFrame({"key": ["a", "b"], "name": ["A", "B"], "trials": [2, 1]})
    links = pl.DataFrame({"nct_id": ["N1", "N2"], "key": ["a", "b"], "place_id": [ESSEN, "xx:unknown"]})
    points = map_points(ranking, links, "site", COORDS)
    assert points["key"].to_list() == ["a"]
    assert (points["lat"][0], points["lon"][0]) == spread("a", *COORDS[ESSEN])
    assert abs(points["lat"][0] - COORDS[ESSEN][0]) < 0.05


def _with_status(record: dict[str, Any], status: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(record))
    ps = out["protocolSection"]
    ps["statusModule"]["overallStatus"] = status
    return out


def test_a_status_change_between_harvests_is_kept_as_history(engine: Engine, real_corpus: Path,
                                                              tmp_path: Path) -> None:  # fmt: skip
    records = read_ndjson(real_corpus)[:50]
    first = tmp_path / "first.ndjson.gz"
    write_ndjson(first, records)
    store = Store(engine)
    assert Harvester(store).harvest_file(first, request={}).outcome == "success"
    target = next(r for r in records if r["protocolSection"]["statusModule"].get("overallStatus") != "WITHDRAWN")
    old = target["protocolSection"]["statusModule"]["overallStatus"]
    second = tmp_path / "second.ndjson.gz"
    write_ndjson(second, [_with_status(r, "WITHDRAWN") if r is target else r for r in records])
    assert Harvester(store).harvest_file(second, request={}).outcome == "success"
    fr = build_frames(engine, load_regions())
    changes = fr.status_changes
    assert changes.select("nct_id", "old_status", "new_status").rows() == [(nct(target), old, "WITHDRAWN")]
    assert fr.studies.filter(pl.col("nct_id") == nct(target))["overall_status"][0] == "WITHDRAWN"
    # A third, identical harvest observes no new change.
    assert Harvester(store).harvest_file(second, request={}).outcome == "success"
    assert build_frames(engine, load_regions()).status_changes.height == 1


@pytest.mark.parametrize("days", [364, 366])
def test_stale_cutoff_is_a_year(days: int) -> None:
    fr = hand_frames()
    fr.studies = fr.studies.with_columns(pl.lit(TODAY - dt.timedelta(days=days)).alias("last_update_posted_date"))
    got = stale_active(fr, "institution", "uk-essen", TODAY)
    assert (got.height > 0) == (days > 365)


def test_the_trial_list_shows_the_status_at_the_entitys_own_site(real_db_url: str) -> None:
    """Recruiting now counts by a site's own status: the trial list shows it beside the overall status, so the
    tile and the list agree (NCT01742767: overall UNKNOWN, the Essen university hospital's site RECRUITING)."""
    from db.engine import make_engine
    from trials.analytics.profile import trial_list
    from trials.analytics.rankings import Filters, build_frames, rank
    from trials.rules.regions import load_regions

    fr = build_frames(make_engine(real_db_url), load_regions())
    listing = trial_list(fr, "institution", "de-essen-uk", Filters(region="ruhr"))
    row = listing.filter(pl.col("nct_id") == "NCT01742767").row(0, named=True)
    assert (row["overall_status"], row["site_status"]) == ("UNKNOWN", "RECRUITING")
    essen = rank(fr, "institution", Filters(region="ruhr")).filter(pl.col("key") == "de-essen-uk").row(0, named=True)
    assert essen["recruiting_now"] == listing.filter(pl.col("site_status") == "RECRUITING").height
