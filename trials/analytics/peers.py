"""A region against its peers: where it is strong relative to its size.

Counts alone favour big regions. The Overview therefore compares shares: of the region's trials, what share
is in an area, against the same share over its peers' trials combined. A ratio above 1 means the area weighs
more in the region than among its peers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import polars as pl

from trials.analytics.rankings import Filters, Frames, mix, studies_in


def area_shares(frames: Frames, f: Filters, region: str, peers: Sequence[str]) -> pl.DataFrame:
    """Per area: the region's trials, their share of the region's trials, the peers' share, and the ratio.

    Columns: area, trials, share, peer_share, ratio (null where the peers have no trial in the area), sorted
    by ratio then trials. Shares are of distinct studies; a study in two areas counts in both, as everywhere.
    """
    schema = {"area": pl.String, "trials": pl.Int64, "share": pl.Float64, "peer_share": pl.Float64,
              "ratio": pl.Float64}  # fmt: skip
    base = replace(f, region=None)
    total = studies_in(frames, "region", base, region).height
    if total == 0:
        return pl.DataFrame(schema=schema)
    own = mix(frames, "region", base, "area", key=region)
    peer_ids = [studies_in(frames, "region", base, p).select("sid") for p in peers if p != region]
    ids = pl.concat(peer_ids).unique() if peer_ids else pl.DataFrame(schema={"sid": pl.UInt32})
    peer_total = ids.height
    peer_mix = (
        frames.areas.join(ids, on="sid").group_by("area").agg(pl.len().alias("peer_trials"))
        .with_columns(pl.col("area").cast(pl.String))
    )  # fmt: skip
    return (
        own.join(peer_mix, on="area", how="left")
        .with_columns(
            (pl.col("trials") / total).alias("share"),
            (pl.col("peer_trials") / peer_total if peer_total else pl.lit(None, pl.Float64)).alias("peer_share"),
        )
        .with_columns((pl.col("share") / pl.col("peer_share")).alias("ratio"))
        .select(list(schema))
        .cast(schema)  # type: ignore[arg-type]
        .sort(["ratio", "trials"], descending=True, nulls_last=True)
    )
