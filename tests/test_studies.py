"""``trials studies`` (one row per stored study with its areas and their evidence) and the Profile's trial list,
on the real records: columns, one row per study, evidence that matches its area, filters against counts made
directly in SQL, spreadsheet formulas neutralised."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import polars as pl
import pytest

from db.engine import make_engine
from tests.test_cli import trials
from trials.analytics.profile import trial_list
from trials.analytics.rankings import Filters, build_frames, rank
from trials.analytics.studies import STUDY_COLUMNS
from trials.cli.studies import StudiesArgs, run_studies
from trials.errors import ConfigError
from trials.rules.areas import AREA_BY_CODE
from trials.rules.regions import load_regions

HEADER = ["nct_id", "brief_title", "overall_status", "start_date", "phases", "lead_sponsor", "sponsor_class", "areas",
          "area_evidence"]  # fmt: skip


def sql(url: str, query: str, *params: object) -> list[tuple[object, ...]]:
    """A query straight on the SQLite file (not through the code under test)."""
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return conn.execute(query, params).fetchall()


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def exported(real_db_url: str) -> str:
    """``trials studies`` as a user runs it (a subprocess), on the real corpus."""
    r = trials("studies", "--db", real_db_url)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_columns_in_order_and_one_row_per_stored_study(exported: str, real_db_url: str) -> None:
    assert next(csv.reader(io.StringIO(exported))) == HEADER == list(STUDY_COLUMNS)
    rows = rows_of(exported)
    stored = {str(r[0]) for r in sql(real_db_url, "SELECT nct_id FROM studies WHERE removed_at IS NULL")}
    assert len(stored) > 1000, "the real corpus"
    assert len(rows) == len(stored) and {r["nct_id"] for r in rows} == stored
    assert [r["nct_id"] for r in rows] == sorted(stored)


def test_fields_match_the_stored_study(exported: str, real_db_url: str) -> None:
    rows = {r["nct_id"]: r for r in rows_of(exported)}
    phases: dict[str, list[str]] = {}
    for nct_id, phase in sql(real_db_url, "SELECT nct_id, phase FROM study_phases ORDER BY nct_id, phase"):
        phases.setdefault(str(nct_id), []).append(str(phase))
    studies = sql(real_db_url, "SELECT nct_id, brief_title, overall_status, lead_sponsor_name, lead_sponsor_class, "
                               "start_date FROM studies WHERE removed_at IS NULL")  # fmt: skip
    for nct_id, title, status, sponsor, cls, start in studies:
        row = rows[str(nct_id)]
        assert (row["brief_title"], row["overall_status"], row["lead_sponsor"]) == (title or "", status or "",
                                                                                    sponsor or "")  # fmt: skip
        assert row["sponsor_class"] == (cls or "UNKNOWN")
        assert row["start_date"] == (str(start)[:10] if start else "")
        assert row["phases"] == "|".join(sorted(phases.get(str(nct_id), [])))
    assert any("|" in r["phases"] for r in rows.values()), "some real studies are Phase 1/2"


def test_areas_and_their_evidence_agree(exported: str, real_db_url: str) -> None:
    rows = rows_of(exported)
    stored: dict[str, set[str]] = {}
    for nct_id, area in sql(real_db_url, "SELECT nct_id, area FROM study_areas"):
        stored.setdefault(str(nct_id), set()).add(str(area))
    multi = 0
    for r in rows:
        areas = r["areas"].split("|") if r["areas"] else []
        evidence = r["area_evidence"].split("|") if r["area_evidence"] else []
        assert set(areas) == stored.get(r["nct_id"], set()) and set(areas) <= set(AREA_BY_CODE)
        assert len(evidence) == len(areas), r
        for area, why in zip(areas, evidence, strict=True):
            assert why.endswith(f" -> {area}") and why.count(" -> ") >= 2, (r["nct_id"], area, why)
        multi += len(areas) > 1
    assert multi > 10, "multi-area studies list each area with its own evidence"
    ed = next(r for r in rows if r["nct_id"] == "NCT00042536")  # yohimbine/naltrexone for sexual function
    assert "Erectile Dysfunction -> " in ed["area_evidence"]


def test_region_filter_against_an_independent_count(real_db_url: str) -> None:
    engine = make_engine(real_db_url)
    try:
        ruhr = rows_of(run_studies(engine, StudiesArgs(region="ruhr")))
        berlin_industry = rows_of(run_studies(engine, StudiesArgs(region="berlin", sponsor_classes=("industry",))))
        oncology = json.loads(run_studies(engine, StudiesArgs(areas=("oncology",), fmt="json")))
        with pytest.raises(ConfigError, match="unknown area"):
            run_studies(engine, StudiesArgs(areas=("astrology",)))
    finally:
        engine.dispose()

    def with_site_in(region: str, extra: str = "") -> set[str]:
        return {str(r[0]) for r in sql(
            real_db_url,
            "SELECT DISTINCT s.nct_id FROM sites s JOIN studies t ON t.nct_id = s.nct_id "
            f"WHERE t.removed_at IS NULL AND ('|' || s.regions || '|') LIKE ? {extra}", f"%|{region}|%",
        )}  # fmt: skip

    expected = with_site_in("ruhr")
    assert len(expected) >= 15, "the real corpus has Ruhr studies"
    assert {r["nct_id"] for r in ruhr} == expected and len(ruhr) == len(expected)
    industry = with_site_in("berlin", "AND t.lead_sponsor_class = 'INDUSTRY'")
    assert {r["nct_id"] for r in berlin_industry} == industry and industry
    in_oncology = {str(r[0]) for r in sql(real_db_url, "SELECT DISTINCT nct_id FROM study_areas WHERE area = ?",
                                          "oncology")}  # fmt: skip
    assert {r["nct_id"] for r in oncology} == in_oncology
    assert all("oncology" in r["areas"] and isinstance(r["area_evidence"], list) for r in oncology)


def test_formula_titles_are_neutralised_and_removed_studies_left_out(real_db_copy: str) -> None:
    first, second = (str(r[0]) for r in sql(real_db_copy, "SELECT nct_id FROM studies ORDER BY nct_id LIMIT 2"))
    with sqlite3.connect(real_db_copy.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE studies SET brief_title = ? WHERE nct_id = ?", ('=HYPERLINK("http://x","y")', first))
        conn.execute("UPDATE studies SET removed_at = '2026-01-01 00:00:00' WHERE nct_id = ?", (second,))
    r = trials("studies", "--db", real_db_copy)
    assert r.returncode == 0, r.stderr
    rows = {row["nct_id"]: row for row in rows_of(r.stdout)}
    assert rows[first]["brief_title"] == '\'=HYPERLINK("http://x","y")'
    assert second not in rows


def test_missing_database_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "none" / "trials.db"
    r = trials("studies", "--db", f"sqlite:///{missing}")
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "trials harvest" in r.stderr
    assert not missing.parent.exists()


def test_profile_trial_list_shows_each_trials_areas_and_evidence(real_db_url: str) -> None:
    fr = build_frames(make_engine(real_db_url), load_regions())
    essen = rank(fr, "city", Filters(region="ruhr")).filter(pl.col("name") == "Essen").row(0, named=True)
    listing = trial_list(fr, "city", essen["key"], Filters(region="ruhr"))
    assert listing.height == essen["trials"]
    assert listing.columns == ["nct_id", "brief_title", "overall_status", "site_status", "start_date",
                               "lead_sponsor_name", "areas", "area_evidence"]  # fmt: skip
    assert listing["areas"].list.len().sum() > 0
    for areas, evidence in listing.select("areas", "area_evidence").iter_rows():
        assert len(areas) == len(evidence) and all(e.endswith(f" -> {a}") for a, e in zip(areas, evidence, strict=True))


def test_profile_page_lists_the_area_evidence(real_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st

    from tests.helpers import run_page
    from tests.test_app import table_with

    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setenv("TRIALS_DB_URL", real_db_url)
    try:
        at = run_page("profile", region="ruhr", level="city", lang="de")
    finally:
        st.cache_resource.clear()
    listing = table_with(at, "area_evidence")
    assert len(listing) and any(" -> " in text for text in listing["area_evidence"])
    assert any("Onkologie" in text or "Neurologie" in text for text in listing["areas"])  # area names in German
