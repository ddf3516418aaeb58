"""Partial coverage is visible: the harvest fetches only studies with a site in a configured region, so an entity
outside every configured region is ranked on partial counts; rankings carry ``partial`` and every reader sees it."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import replace
from typing import Any

import polars as pl
import pytest

from db.engine import make_engine
from db.reader import Reader
from tests.test_cli import trials
from trials.analytics.rankings import Filters, Frames, build_frames, rank
from trials.present.deck_data import deck_data
from trials.present.export import to_xlsx
from trials.present.labels import label
from trials.present.tables import PARTIAL_MARK, ranking_table
from trials.rules.regions import load_regions


@pytest.fixture(scope="module")
def frames(real_db_url: str) -> Frames:
    engine = make_engine(real_db_url)
    try:
        return build_frames(engine, load_regions())
    finally:
        engine.dispose()


def flag(table: pl.DataFrame, name: str) -> bool:
    rows = table.filter(pl.col("name") == name)
    assert rows.height == 1, f"{name} ranked once"
    return bool(rows["partial"][0])


def test_cities_outside_the_configured_regions_are_partial(frames: Frames) -> None:
    cities = rank(frames, "city", Filters())
    assert cities.columns[:3] == ["rank", "name", "trials"] and cities["partial"].dtype == pl.Boolean
    assert flag(cities, "Paris") and not flag(cities, "Essen")
    berlins = dict(cities.filter(pl.col("name") == "Berlin").select(pl.col("key").cast(pl.String), "partial").rows())
    assert berlins.pop("de:11000000") is False  # Berlin, Germany: a configured region
    assert all(berlins.values())  # any other Berlin (the real corpus has one in the USA) is partial
    assert cities["partial"].any() and not cities["partial"].all()
    # Within a region nothing is partial; regions themselves never are.
    assert not rank(frames, "city", Filters(region="ruhr"))["partial"].any()
    assert not rank(frames, "region", Filters())["partial"].any()


def test_institutions_are_partial_exactly_when_none_of_their_sites_is_in_a_configured_region(
    frames: Frames, real_db_url: str
) -> None:
    engine = make_engine(real_db_url)
    try:
        sites = list(Reader(engine).iter_sites())
    finally:
        engine.dispose()
    placed = [s for s in sites if s["place_id"] and s["institution_id"] and not s["placeholder"]]
    inside = {s["institution_id"] for s in placed if s["regions"]}
    everywhere = {s["institution_id"] for s in placed}
    table = rank(frames, "institution", Filters())
    partial = dict(zip(table["key"].cast(pl.String), table["partial"], strict=True))
    assert set(partial) == everywhere
    assert {k for k, p in partial.items() if not p} == inside and inside and everywhere - inside


def test_cli_table_marks_partial_rows_and_csv_json_carry_the_column(real_db_url: str) -> None:
    r = trials("rank", "--by", "city", "--db", real_db_url)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert re.search(rf"\bParis {PARTIAL_MARK}", r.stdout)
    essen = next(line for line in lines if re.search(r"\bEssen\b", line))
    assert PARTIAL_MARK not in essen
    assert lines[-1] == f"{PARTIAL_MARK} {label('partial_note', 'en')}"
    within = trials("rank", "--by", "city", "--region", "ruhr", "--db", real_db_url)
    assert within.returncode == 0 and PARTIAL_MARK not in within.stdout  # no mark, no footnote

    out = trials("rank", "--by", "city", "--format", "csv", "--db", real_db_url)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert list(rows[0])[:3] == ["rank", "name", "trials"] and "partial" in rows[0]
    by_name = {row["name"]: row["partial"] for row in rows}
    assert by_name["Paris"] == "true" and by_name["Essen"] == "false"
    data = json.loads(trials("rank", "--by", "city", "--format", "json", "--db", real_db_url).stdout)
    assert {d["name"]: d["partial"] for d in data}["Paris"] is True


def test_german_footnote() -> None:
    table = pl.DataFrame({"rank": [1], "name": ["Paris"], "trials": [3], "partial": [True], "key": ["x"]})
    text = ranking_table(table, "de")
    assert f"Paris {PARTIAL_MARK}" in text and text.rstrip().endswith(label("partial_note", "de"))


def xlsx_parts(data: bytes) -> tuple[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml").decode(), z.read("xl/sharedStrings.xml").decode()


def test_xlsx_has_the_column_and_a_provenance_line(frames: Frames) -> None:
    table = rank(frames, "city", Filters())
    sheet, strings = xlsx_parts(to_xlsx(table, Filters(), "city", frames.data_version))
    assert "<t>partial</t>" in strings and label("partial_note", "en") in strings
    assert 't="b"' in sheet  # a real boolean cell, not the text "True"


def test_the_deck_shows_only_institutions_in_configured_regions(frames: Frames) -> None:
    data = deck_data(frames, load_regions(), "ruhr")
    complete = set(rank(frames, "institution", Filters()).filter(~pl.col("partial"))["name"].cast(pl.String))
    assert data.top_institutions.height and set(data.top_institutions["name"]) <= complete
    assert set(data.recruiting["name"]) <= complete


def test_the_rankings_page_marks_partial_rows_with_a_note(real_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app always ranks within a region (no partial row); a ranking that has partial rows gets the note."""
    import streamlit as st

    from tests.helpers import run_page
    from trials.analytics import rankings

    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setenv("TRIALS_DB_URL", real_db_url)
    note = label("partial_note", "de")
    try:
        at = run_page("rankings", region="ruhr", by="city", lang="de")
        assert note not in [c.value for c in at.caption]
        original = rankings.rank

        def everywhere(fr: Any, level: str, f: Filters) -> pl.DataFrame:
            return original(fr, level, replace(f, region=None))

        monkeypatch.setattr(rankings, "rank", everywhere)
        at = run_page("rankings", region="ruhr", by="city", lang="de")
    finally:
        st.cache_resource.clear()
    shown = at.dataframe[0].value
    assert "partial" in shown.columns and shown["partial"].any()
    assert note in [c.value for c in at.caption]
