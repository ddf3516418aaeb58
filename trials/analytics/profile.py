"""Profile of one institution, site or city: its place, peers, competition nearby and what changed.

Pure functions over the analytics frames (see :mod:`trials.analytics.rankings`); the Profile page only
renders what these return, so trial offices and the tests see the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

from trials.analytics.rankings import Filters, Frames, studies_in
from trials.analytics.studies import with_areas
from trials.source.geo import distance_km

#: Statuses of a trial that is still running or about to: a record in one of these should be kept current.
ACTIVE_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING", "ENROLLING_BY_INVITATION")
#: FDAAA asks sponsors to update an active record at least every 12 months; older ones are stale.
STALE_AFTER_DAYS = 365
#: How far a competing recruiting trial may be: patients in the Ruhr travel about this far to a trial site.
NEARBY_KM = 50.0


def entity_places(frames: Frames, level: str, key: str) -> list[str]:
    """The place ids where an entity is (a city is its own place; an institution may span a few)."""
    if level == "city":
        return [key]
    links = frames.links[level]
    return sorted(links.filter(pl.col("key") == key)["place_id"].drop_nulls().unique().to_list())


def nearby_places(places: list[str], coords: Mapping[str, tuple[float, float]], radius_km: float) -> list[str]:
    """Every known place within ``radius_km`` of any of ``places`` (the places themselves included).

    Uses the configured region places' coordinates (city centres); a place without coordinates
    is only near itself, so nothing is claimed on a guess.
    """
    out = set(places)
    for p in places:
        if p not in coords:
            continue
        lat, lon = coords[p]
        out.update(q for q, (a, b) in coords.items() if distance_km(lat, lon, a, b) <= radius_km)
    return sorted(out)


def competing_recruiting(
    frames: Frames,
    level: str,
    key: str,
    f: Filters,
    coords: Mapping[str, tuple[float, float]],
    radius_km: float = NEARBY_KM,
) -> pl.DataFrame:
    """Recruiting trials elsewhere nearby in the entity's therapeutic areas (its own trials excluded).

    These compete for the same patients: a scout weighing a site wants to know how crowded its
    indications are. Columns: nct_id, brief_title, lead_sponsor_name, areas, places.
    """
    own = studies_in(frames, level, f, key).select("sid")
    own_areas = frames.areas.join(own, on="sid")["area"].unique().to_list()
    empty = pl.DataFrame(schema={"nct_id": pl.String, "brief_title": pl.String, "lead_sponsor_name": pl.String,
                                 "areas": pl.String, "places": pl.String})  # fmt: skip
    if not own_areas:
        return empty
    near = nearby_places(entity_places(frames, level, key), coords, radius_km)
    city_links = frames.links["city"].filter(pl.col("key").is_in(near))
    recruiting = frames.studies.filter(pl.col("overall_status") == "RECRUITING").select(
        "sid", "nct_id", "brief_title", "lead_sponsor_name"
    )
    shared = (
        frames.areas.filter(pl.col("area").is_in(own_areas))
        .group_by("sid")
        .agg(pl.col("area").cast(pl.String).sort().str.join(", ").alias("areas"))
    )
    where = city_links.group_by("sid").agg(
        pl.col("name").cast(pl.String).unique().sort().str.join(", ").alias("places")
    )
    return (
        recruiting.join(shared, on="sid")
        .join(where, on="sid")
        .join(own, on="sid", how="anti")
        .sort("nct_id")
        .select(empty.columns)
    )


def trial_list(frames: Frames, level: str, key: str, f: Filters) -> pl.DataFrame:
    """The entity's trials under the filters, newest start first, with their areas and why.

    Columns: nct_id, brief_title, overall_status, site_status (the status of the entity's own site in the study,
    the one "recruiting now" counts: it often differs from the overall status), start_date, lead_sponsor_name,
    areas (codes) and area_evidence (one "term -> tree/rule -> area" text per area, in the order of areas), as
    lists.
    """
    own = frames.links[level].filter(pl.col("key") == key)
    status = (own.select("sid", pl.col("site_status").cast(pl.String)) if "site_status" in own.columns
              else own.select("sid", pl.lit(None, pl.String).alias("site_status")))  # fmt: skip
    trials = (
        studies_in(frames, level, f, key)
        .select("sid", "nct_id", "brief_title", "overall_status", "start_date", "lead_sponsor_name")
        .join(status.unique("sid", keep="first", maintain_order=True), on="sid", how="left")
        .select("sid", "nct_id", "brief_title", "overall_status", "site_status", "start_date", "lead_sponsor_name")
    )
    return (
        with_areas(frames, trials).sort(["start_date", "nct_id"], descending=[True, False], nulls_last=True).drop("sid")
    )


def _own(frames: Frames, level: str, key: str) -> pl.DataFrame:
    """Every stored study of the entity, whatever the filters (trial offices see their whole portfolio)."""
    ids = frames.links[level].filter(pl.col("key") == key).select("sid").unique()
    return frames.studies.join(ids, on="sid")


def new_since(frames: Frames, level: str, key: str, since: dt.date) -> pl.DataFrame:
    """The entity's trials first posted on or after ``since`` (newest first)."""
    return (
        _own(frames, level, key)
        .filter(pl.col("first_posted_date") >= since)
        .select("nct_id", "brief_title", "overall_status", "first_posted_date", "lead_sponsor_name")
        .sort(["first_posted_date", "nct_id"], descending=[True, False])
    )


def status_changes_since(frames: Frames, level: str, key: str, since: dt.date) -> pl.DataFrame:
    """Status changes of the entity's trials that our harvests observed on or after ``since``.

    The registry keeps only the current status, so this history starts with our first harvest.
    """
    ids = _own(frames, level, key).select("nct_id")
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    return (
        frames.status_changes.join(ids, on="nct_id")
        .filter(pl.col("observed_at") >= start)
        .sort(["observed_at", "nct_id"], descending=[True, False])
    )


def stale_active(frames: Frames, level: str, key: str, today: dt.date,
                 days: int = STALE_AFTER_DAYS) -> pl.DataFrame:  # fmt: skip
    """The entity's active trials whose registry record was last updated more than ``days`` ago.

    A trial office must keep active records current (FDAAA: at least yearly); a stale "recruiting"
    record also misleads scouts, so the list is the office's to-do list.
    """
    cutoff = today - dt.timedelta(days=days)
    return (
        _own(frames, level, key)
        .filter(pl.col("overall_status").is_in(ACTIVE_STATUSES) & (pl.col("last_update_posted_date") < cutoff))
        .select("nct_id", "brief_title", "overall_status", "last_update_posted_date")
        .sort(["last_update_posted_date", "nct_id"])
    )


def peers(ranking: pl.DataFrame, key: str, around: int = 3) -> pl.DataFrame:
    """The entity's row of a ranking (:func:`trials.analytics.rankings.rank`) with ``around`` rows above and below."""
    table = ranking.with_row_index("position")
    hit = table.filter(pl.col("key") == key)
    if hit.height == 0:
        return ranking.head(0)
    pos = int(hit["position"][0])
    return table.slice(max(pos - around, 0), 2 * around + 1).drop("position")
