"""Dated counts per region, city and institution, kept after each successful run.

The registry shows only today's records, so "how did the Ruhr's phase 2 oncology count move over
the last year" can only be answered from our own history. Only entities in the configured
regions are kept (the harvest also stores every other site of a study, worldwide).
"""

from __future__ import annotations

import datetime as dt
import logging

import polars as pl

from db.reader import Engine
from db.store import Store
from trials.analytics.rankings import Frames, build_frames
from trials.rules.regions import configured_regions

log = logging.getLogger(__name__)
LEVELS = ("region", "city", "institution")


def snapshot_frame(frames: Frames) -> pl.DataFrame:
    """Counts (level, key, name, dimension, bucket, trials): all trials, and by phase bucket, sponsor
    bucket and area. A study counts once per entity; buckets overlap as in the rankings."""
    in_regions = frames.place_regions["place_id"].unique().implode() if frames.place_regions is not None else pl.lit([])
    studies = frames.studies.select("sid", pl.col("sponsor_bucket").cast(pl.String))  # text, like every bucket here
    parts = []
    for level in LEVELS:
        links = frames.links[level]
        if level == "city":
            links = links.filter(pl.col("key").cast(pl.String).is_in(in_regions))
        elif level == "institution":
            links = links.filter(pl.col("place_id").cast(pl.String).is_in(in_regions))
        pairs = links.select("sid", pl.col("key").cast(pl.String), pl.col("name").cast(pl.String)).join(
            studies, on="sid"
        )
        names = pairs.group_by("key").agg(pl.col("name").first())
        dims = {
            "all": pairs.with_columns(pl.lit("all").alias("bucket")),
            "sponsor": pairs.rename({"sponsor_bucket": "bucket"}),
            "phase": pairs.join(
                frames.phases.select("sid", pl.col("phase_bucket").cast(pl.String).alias("bucket")), on="sid"
            ),
            "area": pairs.join(frames.areas.select("sid", pl.col("area").cast(pl.String).alias("bucket")), on="sid"),
        }
        for dim, frame in dims.items():
            counts = frame.group_by("key", "bucket").agg(pl.len().cast(pl.Int64).alias("trials"))
            parts.append(counts.join(names, on="key").with_columns(
                pl.lit(level).alias("level"), pl.lit(dim).alias("dimension")))  # fmt: skip
    schema = ["level", "key", "name", "dimension", "bucket", "trials"]
    if not parts:
        return pl.DataFrame(schema=dict.fromkeys(schema, pl.String))
    return pl.concat([p.select(schema) for p in parts]).sort(schema[:5])


def take_snapshot(engine: Engine, run_id: int, frames: Frames | None = None) -> int:
    """Store the snapshot of the database as it is after run ``run_id``; returns the rows written."""
    fr = frames if frames is not None else build_frames(engine, configured_regions())
    taken = dt.datetime.now(dt.UTC)
    rows = [{**r, "run_id": run_id, "taken_at": taken} for r in snapshot_frame(fr).iter_rows(named=True)]
    Store(engine).replace_snapshot(run_id, rows)  # idempotent per run
    return len(rows)


def snapshot_after_run(engine: Engine, run_id: int, frames: Frames | None = None) -> int | None:
    """:func:`take_snapshot` (from ``frames`` when given: those just built for the cache, so a run builds them
    once), but a failure is logged, not raised: the harvest itself succeeded and its data must stay visible;
    the next successful run takes the next snapshot."""
    try:
        return take_snapshot(engine, run_id, frames)
    except Exception:
        log.exception("count snapshot after run %s failed (the harvested data is intact)", run_id)
        return None
