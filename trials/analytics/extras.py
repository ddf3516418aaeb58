"""The site-intelligence metrics of :data:`trials.analytics.metrics.EXTRA` as extra ranking columns, on request.

``trials rank --metric NAME`` and the XLSX export append them to a ranking (after ``key``, so every existing
column keeps its place and name); a plain :func:`trials.analytics.rankings.rank` never computes them, which keeps
the ranking fast at world scale.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from trials.analytics.experience import EXPERIENCE_TABLE_COLUMNS, experience_table
from trials.analytics.investigators import investigator_list
from trials.analytics.metrics import EXTRA_BY_NAME
from trials.analytics.rankings import Filters, Frames
from trials.analytics.specialisation import location_quotients, lq_column, sponsor_concentration
from trials.analytics.ties import CountryData, ties
from trials.errors import ConfigError
from trials.rules.areas import AREA_BY_CODE

#: The ties columns (they need the site countries).
TIES_METRICS = (
    "multinational_trials", "multinational_share", "domestic_sponsor_trials", "foreign_sponsor_trials",
    "unknown_sponsor_trials", "foreign_sponsor_share",
)  # fmt: skip


def metric_names() -> list[str]:
    """Every name ``--metric`` accepts: the extra metrics and ``lq:<area>`` for every area."""
    return [*EXTRA_BY_NAME, *(f"lq:{a}" for a in AREA_BY_CODE)]


def column_of(name: str) -> str:
    """The ranking column of a ``--metric`` name (``lq:oncology`` -> ``lq_oncology``)."""
    return name.replace("lq:", "lq_", 1) if name.startswith("lq:") else name


def check_metrics(names: Sequence[str]) -> list[str]:
    """``names`` checked (an unknown one is a :class:`ConfigError` naming the choices), duplicates dropped."""
    allowed = metric_names()
    bad = [n for n in names if n not in allowed]
    if bad:
        raise ConfigError(f"unknown metric {', '.join(bad)}; choose from {', '.join(allowed)}")
    return list(dict.fromkeys(names))


def needs_countries(names: Sequence[str]) -> bool:
    return any(n in TIES_METRICS for n in names)


def add_metrics(
    table: pl.DataFrame,
    frames: Frames,
    level: str,
    f: Filters,
    names: Sequence[str],
    *,
    peers: Sequence[str] = (),
    countries: Callable[[], CountryData] | None = None,
) -> pl.DataFrame:
    """``table`` (a ranking with ``key``) with the columns of ``names`` appended in that order.

    ``peers``: the region's peer regions (for ``lq:<area>``); ``countries``: gives the site countries (called
    once, only when a ties metric is asked for)."""
    names = check_metrics(names)
    if not names:
        return table
    out = table.with_columns(pl.col("key").cast(pl.String).alias("_k"))
    parts: list[pl.DataFrame] = []
    if any(n in EXPERIENCE_TABLE_COLUMNS for n in names):
        parts.append(experience_table(frames, level, f))
    if "sponsor_hhi" in names:
        parts.append(sponsor_concentration(frames, level, f).select("key", "sponsor_hhi"))
    if needs_countries(names):
        if countries is None:
            raise ConfigError("the ties metrics need the site countries")
        parts.append(ties(frames, countries(), level, f).select("key", *TIES_METRICS))
    for n in names:
        if n.startswith("lq:"):
            if not peers:
                raise ConfigError("lq:<area> needs a region with peers (--region)")
            parts.append(lq_column(frames, level, f, peers, n[3:]))
    for part in parts:
        out = out.join(part.rename({"key": "_k"}), on="_k", how="left", maintain_order="left")
    return out.select(*table.columns, *(column_of(n) for n in names))


def intelligence_sheets(
    frames: Frames,
    level: str,
    f: Filters,
    peers: Sequence[str],
    countries: CountryData | None,
    investigators: pl.DataFrame | None = None,
) -> dict[str, pl.DataFrame]:
    """The site-intelligence tables of a ranking's entities, one per XLSX sheet: location quotients per area
    against the peers (with a region that has peers), sponsor concentration, the experience figures, the
    international ties (when the site countries are given), and the investigators of the stored investigator
    rows given (:func:`trials.analytics.investigators.investigator_list`: who runs trials there, also those the
    registry no longer lists; no contact details exist to export)."""
    from trials.analytics.rankings import _links

    names = _links(frames, level, f).select(pl.col("key").cast(pl.String), pl.col("name").cast(pl.String)).unique("key")
    sheets: dict[str, pl.DataFrame] = {}
    if peers:
        sheets["Specialisation (LQ)"] = location_quotients(frames, level, f, peers)
    sheets["Sponsor concentration"] = sponsor_concentration(frames, level, f)
    sheets["Experience"] = names.join(experience_table(frames, level, f), on="key").sort("key")
    if countries is not None:
        sheets["International ties"] = ties(frames, countries, level, f)
    if investigators is not None:
        people = investigator_list(investigators)
        sheets["Investigators"] = people.with_columns(pl.col("nct_ids").list.join(", "))
    return sheets
