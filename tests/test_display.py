"""How tables and series look to readers: headers, codes in words, empty columns, dates, zero-filled years."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from benchmark_app.display import header, readable
from tests.conftest import ROOT
from tests.test_injection import _cells
from trials.analytics.rankings import Filters, build_frames, rank, trend
from trials.analytics.series import filled_trend, growth_window, trend_window
from trials.present.export import SYNTHETIC_COLUMN, to_csv, to_xlsx
from trials.rules.regions import load_regions


def test_empty_columns_are_left_out_and_codes_are_words() -> None:
    frame = pl.DataFrame({"name": ["A", "B"], "per_100k": [None, None], "growth": [0.5, None],
                          "phase_bucket": ["not_applicable", "phase2"], "overall_status": ["RECRUITING", "COMPLETED"],
                          "partial": [False, False]})  # fmt: skip
    de = readable(frame, "de")
    assert "per_100k" not in de.columns and "partial" not in de.columns  # nothing to show: no "None" column
    assert "growth" in de.columns  # one value is enough to keep a column
    assert de["phase_bucket"].to_list() == ["Nicht zutreffend", "Phase 2"]
    assert de["overall_status"].to_list() == ["Rekrutierend", "Abgeschlossen"]  # a cell starts capitalised
    assert readable(frame, "en")["phase_bucket"].to_list() == ["Not applicable", "Phase 2"]


def test_dates_lose_their_time_and_timestamps_their_microseconds() -> None:
    stamp = dt.datetime(2026, 11, 27, 2, 28, 13, 85691, tzinfo=dt.UTC)
    frame = pl.DataFrame({"start_date": [dt.date(2024, 3, 1)], "observed_at": [stamp]})
    assert readable(frame, "en").row(0) == ("2024-03-01", "2026-11-27 02:28")
    assert readable(frame, "de").row(0) == ("01.03.2024", "27.11.2026, 02:28")


def test_every_header_comes_from_the_catalogue() -> None:
    assert header("per_100k", "de") == "Studien je 100.000 Einwohner"
    assert header("lead_sponsor_name", "de") == "Hauptsponsor"
    with pytest.raises(KeyError):
        header("made_up_column", "en")  # a raw column name is a bug a test catches, never a header readers see


def test_windows() -> None:
    assert trend_window(Filters(), 2026) == (2012, 2026)
    assert trend_window(Filters(year_from=2015, year_to=2020), 2026) == (2015, 2020)
    assert trend_window(Filters(year_from=2015, year_to=2020, date_field="first_posted"), 2026) == (2012, 2026)
    assert growth_window(Filters(), 2026) == (2021, 2025)  # complete years only
    assert growth_window(Filters(year_from=2010, year_to=2012), 2026) == (2010, 2012)


def test_a_trend_has_every_year_with_zeros(real_db_url: str) -> None:
    from db.engine import make_engine

    fr = build_frames(make_engine(real_db_url), load_regions())
    top = rank(fr, "institution", Filters(region="ruhr")).row(0, named=True)
    sparse = trend(fr, "institution", Filters(), [top["key"]])
    years = (2005, 2026)
    filled = filled_trend(fr, "institution", Filters(), [top["key"]], {top["key"]: top["name"]}, years)
    assert filled["year"].to_list() == list(range(2005, 2027))
    counted = dict(zip(sparse["year"], sparse["trials"], strict=True))
    assert dict(zip(filled["year"], filled["trials"], strict=True)) == {y: counted.get(y, 0) for y in range(2005, 2027)}
    assert 0 in filled["trials"].to_list(), "the real institution has years without a trial: the gap is a 0"


def test_downloads_of_synthetic_data_say_so() -> None:
    table = pl.DataFrame({"name": ["A"], "trials": [3]})
    assert SYNTHETIC_COLUMN not in to_csv(table)
    marked = to_csv(table, synthetic=True).splitlines()
    assert marked[0].startswith(SYNTHETIC_COLUMN) and "SYNTHETIC" in marked[1]
    strings, _ = _cells(to_xlsx(table, Filters(), "city", "1", synthetic=True))
    assert SYNTHETIC_COLUMN in strings  # the column on the Ranking sheet
    assert any("SYNTHETIC DATA" in s for s in strings) and "data" in strings  # rows; Provenance's first line
    plain, _ = _cells(to_xlsx(table, Filters(), "city", "1"))
    assert not [s for s in plain if "SYNTHETIC" in s]


def test_the_app_runs_as_a_viewer_without_usage_statistics() -> None:
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["browser"]["gatherUsageStats"] is False


def test_numbers_are_written_as_the_reader_writes_them() -> None:
    from benchmark_app.display import _formatter

    def cell(column: str, dtype: pl.DataType, value: object, lang: str) -> str:
        fmt = _formatter(column, dtype, lang)
        assert fmt is not None
        return fmt(value)

    assert cell("per_100k", pl.Float64(), 1234.56, "de") == "1.234,6"
    assert cell("per_100k", pl.Float64(), 1234.56, "en") == "1,234.6"
    assert cell("share_of_region", pl.Float64(), 0.3441, "de") == "34,4 %"
    assert cell("share_of_region", pl.Float64(), 0.3441, "en") == "34.4%"
    assert cell("growth", pl.Float64(), -0.1667, "de") == "-16,7 %"
    assert cell("growth", pl.Float64(), 1.4852, "en") == "+148.5%"
    assert cell("trials", pl.Int64(), 12345, "de") == "12.345"
    assert cell("pages", pl.Int64(), 12345, "en") == "12,345"
    assert cell("peer_share", pl.Float64(), 0.054, "de") == "5,4 %"
