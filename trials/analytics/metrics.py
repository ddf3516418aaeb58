"""The metric table: every number a ranking reports, defined once.

A metric is a column of :func:`trials.analytics.rankings.rank` (and so of ``trials rank`` CSV/JSON, the
app's tables, the Overview and Profile tiles, the deck's headline table and the PDF). Each entry says

- ``column``: its column name in the ranking (the CSV/JSON column users' scripts read: never rename);
- ``expr``: how it is computed, as a polars expression. ``stage="count"`` expressions aggregate the
  (study, entity) pairs of a ranking (one row per study and entity, with the study columns listed in
  ``needs``); ``stage="derived"`` expressions run on the aggregated table, which also carries the context
  columns of :data:`CONTEXT` (``population``, ``region_total``, ``prev_trials``; null where they do not
  apply, which makes the metric null);
- ``label`` and ``unit``: keys of the label catalogue (:mod:`trials.present.labels`, English and German);
- ``fmt``: its number format (see :func:`format_number`).

Adding a metric means one entry in :data:`METRICS` plus its label (and unit) in the catalogue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import polars as pl

#: Statuses (a site's own, else the trial's overall one) that count as "recruiting now".
RECRUITING_NOW = ("RECRUITING",)
#: Columns the aggregated ranking table carries for derived metrics (null where a column does not apply):
#: inhabitants of the entity (cities, regions), distinct studies of the filtered region (shares), and the
#: entity's trials in the previous window of the same length (growth).
CONTEXT = ("population", "region_total", "prev_trials")

NumberFormat = Literal["int", "dec1", "dec2", "pct", "pct_signed"]
#: ``extra``: a metric of :data:`EXTRA`, computed only on request (:mod:`trials.analytics.extras`), never by a plain
#: ranking; its ``expr`` just names its column.
Stage = Literal["count", "derived", "extra"]
LANGS = ("en", "de")


@dataclass(frozen=True)
class Metric:
    name: str  # short id used in code (trials, industry, ...)
    column: str  # column of the ranking and of `trials rank` CSV/JSON
    label: str  # label-catalogue key of its name
    unit: str  # label-catalogue key of its unit
    fmt: NumberFormat
    stage: Stage
    expr: pl.Expr
    needs: tuple[str, ...] = ()  # study columns a "count" expression reads from the pairs

    def format(self, value: object, lang: str = "en") -> str:
        """``value`` in this metric's number format, in ``lang`` (``-`` for a missing value)."""
        return format_number(value, self.fmt, lang)


TRIALS = Metric(
    "trials", "trials", "metric.trials", "unit.trials", "int", "count", pl.len().cast(pl.Int64).alias("trials")
)
INDUSTRY = Metric(
    "industry", "industry_trials", "metric.industry_trials", "unit.trials", "int", "count",
    (pl.col("sponsor_bucket") == "industry").sum().alias("industry_trials"), needs=("sponsor_bucket",),
)  # fmt: skip
#: Recruiting now at the entity: the site's own status where the registry gives one for the entity's site in that
#: trial (``site_status`` of the links: RECRUITING if any of its sites there recruits), else the trial's overall
#: status. A trial recruiting overall but whose site here is not (yet) recruiting does not count here.
RECRUITING = Metric(
    "recruiting", "recruiting_now", "metric.recruiting_now", "unit.recruiting_now", "int", "count",
    pl.when(pl.col("site_status").is_null()).then(pl.col("overall_status").is_in(list(RECRUITING_NOW)))
    .otherwise(pl.col("site_status").is_in(list(RECRUITING_NOW))).sum().alias("recruiting_now"),
    needs=("overall_status",),
)  # fmt: skip
PER_100K = Metric(
    "per_100k", "per_100k", "metric.per_100k", "unit.per_100k", "dec1", "derived",
    (pl.col("trials") * 100_000 / pl.col("population")).round(2).alias("per_100k"),
)  # fmt: skip
SHARE = Metric(
    "share", "share_of_region", "metric.share_of_region", "unit.share_of_region", "pct", "derived",
    (pl.col("trials") / pl.col("region_total")).round(4).alias("share_of_region"),
)  # fmt: skip
GROWTH = Metric(
    "growth", "growth", "metric.growth", "unit.growth", "pct_signed", "derived",
    ((pl.col("trials") - pl.col("prev_trials")) / pl.col("prev_trials")).round(4).alias("growth"),
)  # fmt: skip

#: Every metric, in the column order of a ranking (after ``rank`` and ``name``).
METRICS: tuple[Metric, ...] = (TRIALS, INDUSTRY, RECRUITING, PER_100K, SHARE, GROWTH)
BY_NAME = {m.name: m for m in METRICS}
BY_COLUMN = {m.column: m for m in METRICS}
#: The headline figures: the Overview and Profile tiles, the deck's headline table and the PDF.
HEADLINE: tuple[Metric, ...] = (TRIALS, INDUSTRY, RECRUITING, PER_100K)

#: A ranking's flag column after the metrics (a yes/no, not a number: nothing to format or sum): true for an
#: entity none of whose places is in a configured region. The harvest fetches only studies with a site in a
#: configured region, so such an entity's counts hold only its studies that also touch one: partial counts.
#: Readers see it marked (label key ``partial``, note ``partial_note``); CSV/JSON/XLSX carry the column.
PARTIAL = "partial"
#: The flag columns of a ranking, in order (after the metrics' columns, before ``key``).
FLAGS: tuple[str, ...] = (PARTIAL,)


def _extra(name: str, fmt: NumberFormat, unit: str) -> Metric:
    return Metric(name, name, f"metric.{name}", unit, fmt, "extra", pl.col(name))


#: Site-intelligence metrics (issue 17): not columns of a plain ranking (that stays as users' scripts know it, and
#: fast), but columns ``trials rank --metric NAME`` appends after ``key`` and the XLSX export's extra sheets carry.
#: ``lq:<area>`` (column ``lq_<area>``) is the location quotient in one area (:data:`LQ`, see
#: :mod:`trials.analytics.specialisation`); the ties are those of :mod:`trials.analytics.ties`, the experience
#: figures those of :mod:`trials.analytics.experience`.
LQ = Metric("lq", "lq", "metric.lq", "unit.lq", "dec2", "extra", pl.col("lq"))
EXTRA: tuple[Metric, ...] = (
    _extra("sponsor_hhi", "int", "unit.hhi"),
    _extra("multinational_trials", "int", "unit.trials"),
    _extra("multinational_share", "pct", "unit.share_of_trials"),
    _extra("domestic_sponsor_trials", "int", "unit.trials"),
    _extra("foreign_sponsor_trials", "int", "unit.trials"),
    _extra("unknown_sponsor_trials", "int", "unit.trials"),
    _extra("foreign_sponsor_share", "pct", "unit.share_of_trials"),
    _extra("phase1_trials", "int", "unit.trials"),
    _extra("first_in_human_trials", "int", "unit.trials"),
    _extra("industry_share", "pct", "unit.share_of_trials"),
    _extra("distinct_sponsors", "int", "unit.sponsors"),
    _extra("median_enrollment", "int", "unit.participants"),
    _extra("completed_share", "pct", "unit.share_of_closed"),
    _extra("stopped_share", "pct", "unit.share_of_closed"),
    _extra("median_days_to_posting", "int", "unit.days"),
)
EXTRA_BY_NAME = {m.name: m for m in EXTRA}


def count_exprs() -> list[pl.Expr]:
    """The aggregations of the "count" metrics over (study, entity) pairs."""
    return [m.expr for m in METRICS if m.stage == "count"]


def derived_exprs() -> list[pl.Expr]:
    """The expressions of the "derived" metrics over the aggregated table (with :data:`CONTEXT` columns)."""
    return [m.expr for m in METRICS if m.stage == "derived"]


def study_columns() -> list[str]:
    """The study columns the count metrics read (joined onto the pairs before counting)."""
    return sorted({c for m in METRICS for c in m.needs})


def columns() -> list[str]:
    return [m.column for m in METRICS]


def _localise(text: str, lang: str) -> str:
    """English number text (1,234.5) in ``lang``'s separators (German: 1.234,5)."""
    if lang != "de":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def format_number(value: object, fmt: NumberFormat, lang: str = "en") -> str:
    """A number as a reader sees it, in English or German.

    ``int``: whole number with thousands separators (1,234 / 1.234); ``dec1``: one decimal (12.3 / 12,3);
    ``pct``: a fraction as a percentage with one decimal (12.3% / 12,3 %); ``pct_signed``: the same with
    a sign, for changes (+12.3% / +12,3 %). A missing value is ``-``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if not isinstance(value, int | float):
        raise TypeError(f"cannot format {value!r} as a number")
    if fmt == "int":
        text = f"{round(value):,}"
    elif fmt == "dec1":
        text = f"{value:,.1f}"
    elif fmt == "dec2":
        text = f"{value:,.2f}"
    elif fmt in ("pct", "pct_signed"):
        sign = "+" if fmt == "pct_signed" else ""
        text = f"{value * 100:{sign},.1f}"
        return _localise(text, lang) + (" %" if lang == "de" else "%")
    else:
        raise ValueError(f"unknown number format {fmt!r}")
    return _localise(text, lang)
