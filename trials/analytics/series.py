"""Trials by year with every year of the window present: a year without trials is a 0, not a gap.

A line drawn straight from 2016 to 2020 over years without a trial reads as a steady rise; the app and the
deck therefore both take their year series from here, with zeros filled in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import polars as pl

from trials.analytics.rankings import Filters, Frames, trend

#: Years a trend shows when the filters set no start-year window.
TREND_YEARS = 15
#: Years of the default growth window (and of the window it is compared with) when the filters set none.
GROWTH_YEARS = 5


def trend_window(f: Filters, this_year: int, span: int = TREND_YEARS) -> tuple[int, int]:
    """The first and last start year a trend shows: the filters' start-year window when they set one, else the
    last ``span`` years up to ``this_year`` (a first-posted window stays a filter; the chart runs along start
    years)."""
    last = f.year_to if f.date_field == "start" and f.year_to else this_year
    first = f.year_from if f.date_field == "start" and f.year_from else last - span + 1
    return first, last


def growth_window(f: Filters, this_year: int, span: int = GROWTH_YEARS) -> tuple[int, int]:
    """The window growth compares with the one before it: the filters' when they set both ends, else the last
    ``span`` complete years (the current year is not over, so it would always look like a fall)."""
    if f.year_from is not None and f.year_to is not None:
        return f.year_from, f.year_to
    return this_year - span, this_year - 1


def filled_trend(frames: Frames, level: str, f: Filters, keys: Sequence[str], names: Mapping[str, str],
                 years: tuple[int, int]) -> pl.DataFrame:  # fmt: skip
    """Trials per start year for each of ``keys`` over every year of ``years`` (inclusive), 0 where there were
    none. Long format: key, name (from ``names``), year, trials; keys in the given order, years ascending."""
    first, last = years
    window = replace(f, year_from=first, year_to=last, date_field="start")
    counts = trend(frames, level, window, keys).select(
        pl.col("key").cast(pl.String), pl.col("year").cast(pl.Int64), "trials"
    )
    grid = pl.DataFrame(
        [(k, names.get(k, k), y) for k in keys for y in range(first, last + 1)],
        schema={"key": pl.String, "name": pl.String, "year": pl.Int64},
        orient="row",
    )
    return grid.join(counts, on=["key", "year"], how="left").with_columns(pl.col("trials").fill_null(0))
