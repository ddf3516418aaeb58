"""Specialisation and concentration: where an entity is strong relative to its size, and how few sponsors it
depends on.

- **Location quotient** (LQ) of an entity in a therapeutic area: (the entity's trials in the area / the entity's
  trials) / (the peer set's trials in the area / the peer set's trials). Above 1 the area takes a larger part of
  the entity's trials than of the peers': a strength relative to its size, not just a large count. The **peer
  set** is the distinct trials of the configured peers of the region (``peers = [...]`` in
  ``trials/data/regions.toml``, via :func:`trials.rules.regions.default_peers`), the region itself left out so it
  is not compared with itself; for a city, institution or site it is the peer set of the region it is in.
- **Sponsor concentration**: the Herfindahl-Hirschman index over the lead sponsors of the entity's trials, the
  sum of the squared shares times 10,000 (10,000: one sponsor; under 1,500 spread; over 2,500 concentrated).

Areas overlap (a study counts in each of its areas), so an entity's area shares add up to more than 100%; the
LQ compares like with like because the peer shares are counted the same way. The area filter is ignored: an LQ
is about an entity's whole portfolio. Pure functions over the ranking frames, off the ranking's hot path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import polars as pl

from trials.analytics.rankings import Filters, Frames, _links, matching_studies

#: Columns of :func:`location_quotients`.
LQ_COLUMNS = (
    "key", "name", "area", "trials_in_area", "trials", "share", "peer_trials_in_area", "peer_trials", "peer_share",
    "lq",
)  # fmt: skip


def _entity_studies(frames: Frames, level: str, f: Filters) -> pl.DataFrame:
    """Unique (sid, key, name) pairs of the level's entities under the filters (areas ignored)."""
    studies = matching_studies(frames, f).select("sid")
    return _links(frames, level, f).join(studies, on="sid").select("sid", "key", "name").unique(["sid", "key"])


def peer_studies(frames: Frames, f: Filters, peers: Sequence[str]) -> pl.DataFrame:
    """The distinct studies (``sid``) of the peer regions under the filters (region and areas ignored)."""
    base = replace(f, region=None, areas=())
    studies = matching_studies(frames, base).select("sid")
    links = frames.links["region"].filter(pl.col("key").cast(pl.String).is_in(list(peers)))
    return links.join(studies, on="sid").select("sid").unique()


def peer_shares(frames: Frames, f: Filters, peers: Sequence[str]) -> pl.DataFrame:
    """Per area: the peer set's trials in the area, its trials, and the share (area, peer_trials_in_area,
    peer_trials, peer_share)."""
    ids = peer_studies(frames, f, peers)
    total = ids.height
    return (
        frames.areas.join(ids, on="sid")
        .group_by("area")
        .agg(pl.col("sid").n_unique().cast(pl.Int64).alias("peer_trials_in_area"))
        .with_columns(
            pl.col("area").cast(pl.String),
            pl.lit(total, dtype=pl.Int64).alias("peer_trials"),
            (pl.col("peer_trials_in_area") / total if total else pl.lit(None, dtype=pl.Float64)).alias("peer_share"),
        )
    )


def location_quotients(frames: Frames, level: str, f: Filters, peers: Sequence[str],
                       keys: Sequence[str] | None = None) -> pl.DataFrame:  # fmt: skip
    """One row per (entity, area the entity has trials in): its trials there, its trials, its share, the peer
    set's, and the LQ (null where the peers have no trial in the area: no reference to compare with).

    Sorted by entity and then by LQ, strongest first. ``keys`` limits the entities (all of the level otherwise).
    """
    f = replace(f, areas=())
    pairs = _entity_studies(frames, level, f)
    if keys is not None:
        pairs = pairs.filter(pl.col("key").cast(pl.String).is_in(list(keys)))
    totals = pairs.group_by("key").agg(pl.len().cast(pl.Int64).alias("trials"), pl.col("name").first())
    in_area = (
        pairs.join(frames.areas.select("sid", "area"), on="sid")
        .group_by("key", "area")
        .agg(pl.len().cast(pl.Int64).alias("trials_in_area"))
    )
    ref = peer_shares(frames, f, peers)
    return (
        in_area.join(totals, on="key")
        .with_columns(pl.col("key").cast(pl.String), pl.col("name").cast(pl.String), pl.col("area").cast(pl.String))
        .join(ref, on="area", how="left")
        .with_columns(
            (pl.col("trials_in_area") / pl.col("trials")).alias("share"),
            pl.col("peer_trials").fill_null(peer_studies(frames, f, peers).height),
            pl.col("peer_trials_in_area").fill_null(0),
        )
        .with_columns(
            pl.when(pl.col("peer_share") > 0).then(pl.col("share") / pl.col("peer_share")).alias("lq"),
        )
        .sort(["key", "lq", "area"], descending=[False, True, False], nulls_last=True)
        .select(LQ_COLUMNS)
    )


def sponsor_concentration(frames: Frames, level: str, f: Filters, keys: Sequence[str] | None = None) -> pl.DataFrame:
    """Per entity: trials with a named lead sponsor, distinct sponsors, the largest sponsor and its share, and the
    Herfindahl-Hirschman index (0-10,000) over the lead sponsors (key, name, sponsored_trials, sponsors,
    top_sponsor, top_share, sponsor_hhi). Trials without a lead sponsor name are left out of the shares."""
    studies = matching_studies(frames, f).select("sid", "lead_sponsor_name")
    pairs = _links(frames, level, f).join(studies, on="sid").unique(["sid", "key"])
    if keys is not None:
        pairs = pairs.filter(pl.col("key").cast(pl.String).is_in(list(keys)))
    pairs = pairs.filter(pl.col("lead_sponsor_name").is_not_null())
    per_sponsor = pairs.group_by("key", "lead_sponsor_name").agg(pl.len().alias("n"), pl.col("name").first())
    return (
        per_sponsor.sort(["key", "n", "lead_sponsor_name"], descending=[False, True, False])
        .group_by("key", maintain_order=True)
        .agg(
            pl.col("name").first(),
            pl.col("n").sum().cast(pl.Int64).alias("sponsored_trials"),
            pl.len().cast(pl.Int64).alias("sponsors"),
            pl.col("lead_sponsor_name").first().alias("top_sponsor"),
            (pl.col("n").first() / pl.col("n").sum()).alias("top_share"),
            ((pl.col("n") / pl.col("n").sum()) ** 2).sum().mul(10_000).round(0).cast(pl.Int64).alias("sponsor_hhi"),
        )
        .with_columns(pl.col("key").cast(pl.String), pl.col("name").cast(pl.String))
        .sort(["sponsor_hhi", "key"], descending=[True, False])
    )


def lq_column(frames: Frames, level: str, f: Filters, peers: Sequence[str], area: str) -> pl.DataFrame:
    """key and ``lq_<area>``: each entity's LQ in one area (0 where it has trials but none in the area; null where
    the peers have none there), for ``trials rank --metric lq:<area>`` and the XLSX sheets."""
    col = f"lq_{area}"
    f = replace(f, areas=())
    totals = _entity_studies(frames, level, f).group_by("key").agg(pl.len().alias("trials"))
    lq = location_quotients(frames, level, f, peers).filter(pl.col("area") == area).select("key", pl.col("lq"))
    ref = peer_shares(frames, f, peers).filter(pl.col("area") == area)
    has_ref = ref.height > 0 and (ref["peer_share"][0] or 0) > 0
    return (
        totals.with_columns(pl.col("key").cast(pl.String))
        .join(lq, on="key", how="left")
        .select("key", (pl.col("lq").fill_null(0.0) if has_ref else pl.lit(None, dtype=pl.Float64)).round(2).alias(col))
    )
