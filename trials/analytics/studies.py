"""The study list: one row per stored study with its phases, sponsor, therapeutic areas and why (``trials studies``).

Pure functions over the analytics frames (:mod:`trials.analytics.rankings`), so the export honours exactly the
filters of a ranking (the same :func:`~trials.analytics.rankings.matching_studies` and region links).
"""

from __future__ import annotations

import polars as pl

from trials.analytics.rankings import Filters, Frames, matching_studies, studies_in

#: The columns of the study list, in order (``trials studies`` CSV/JSON: users' scripts read them, never rename).
#: ``phases``, ``areas`` and ``area_evidence`` are lists (``|``-separated in CSV); ``area_evidence`` holds one
#: text per area, in the order of ``areas``: ``term -> MeSH tree number or rule -> area``.
STUDY_COLUMNS = (
    "nct_id", "brief_title", "overall_status", "start_date", "phases", "lead_sponsor", "sponsor_class", "areas",
    "area_evidence",
)  # fmt: skip
#: The list columns of :data:`STUDY_COLUMNS`.
LIST_COLUMNS = ("phases", "areas", "area_evidence")


def area_lists(frames: Frames, ids: pl.DataFrame) -> pl.DataFrame:
    """``sid``, ``areas`` (codes, sorted) and ``area_evidence`` (one text per area, same order; empty where the
    database holds none) of the studies in ``ids`` (a frame with ``sid``); studies without an area are left out."""
    return (
        frames.areas.join(ids.select("sid"), on="sid")
        .select("sid", pl.col("area").cast(pl.String), pl.col("evidence").cast(pl.String).fill_null(""))
        .sort("sid", "area")
        .group_by("sid", maintain_order=True)
        .agg(pl.col("area").alias("areas"), pl.col("evidence").alias("area_evidence"))
    )


def with_areas(frames: Frames, studies: pl.DataFrame) -> pl.DataFrame:
    """``studies`` (with ``sid``) plus their :func:`area_lists` (empty lists for a study without an area)."""
    return studies.join(area_lists(frames, studies), on="sid", how="left").with_columns(
        pl.col(c).fill_null(pl.lit([], dtype=pl.List(pl.String))) for c in ("areas", "area_evidence")
    )


def study_list(frames: Frames, f: Filters) -> pl.DataFrame:
    """Every stored study that passes the filters of a ranking, one row each, in NCT order (:data:`STUDY_COLUMNS`).

    With a region, the studies with a site in that region (as ``trials rank --region``); without one, every
    stored study, with or without a placed site. Removed studies are not in the frames.
    """
    studies = studies_in(frames, "region", f) if f.region else matching_studies(frames, f)
    phases = (
        frames.registry_phases.join(studies.select("sid"), on="sid")
        .group_by("sid")
        .agg(pl.col("phase").cast(pl.String).sort().alias("phases"))
    )
    table = studies.select(
        "sid", "nct_id", "brief_title", "overall_status", "start_date",
        pl.col("lead_sponsor_name").alias("lead_sponsor"), pl.col("lead_sponsor_class").alias("sponsor_class"),
    ).join(phases, on="sid", how="left")  # fmt: skip
    table = table.with_columns(pl.col("phases").fill_null(pl.lit([], dtype=pl.List(pl.String))))
    return with_areas(frames, table).sort("nct_id").select(STUDY_COLUMNS)


def joined(table: pl.DataFrame, sep: str = "|") -> pl.DataFrame:
    """``table`` with its list columns (:data:`LIST_COLUMNS`) as ``sep``-separated text (CSV, tables)."""
    return table.with_columns(pl.col(c).list.join(sep) for c in LIST_COLUMNS if c in table.columns)
