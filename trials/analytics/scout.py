"""Find sites: the scout's shortlist ("recruiting oncology phase 2/3 sites in the Ruhr with industry experience").

A sponsor or CRO scout names an area, phases, whether the site must be recruiting now and whether it must have
run industry-sponsored trials; the shortlist ranks the sites (or institutions) of a region that qualify and says
why, with the trials behind every reason:

- *matching trials*: the entity's trials in the chosen areas and phases (any of each; all of them when none is
  chosen) under the other filters;
- *recruiting now*: its matching trials recruiting at this entity now. Where the frames carry the site's own
  recruitment status for a (trial, entity) pair (column ``site_status`` or ``status`` of the links) it decides;
  where the site gives none, the trial's overall status stands in (the counting rules say so);
- *industry experience*: its industry-sponsored trials in any area and phase (the experience a sponsor looks for
  is with industry trials at all, not only in the area);
- *specialisation*: its location quotient in the first chosen area (see :mod:`trials.analytics.specialisation`).

Ranked by recruiting matching trials, then matching trials, then industry trials (ties by name). Pure functions
over the ranking frames, off the ranking's hot path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import polars as pl

from trials.analytics.metrics import RECRUITING_NOW
from trials.analytics.rankings import Filters, Frames, _links, competition_rank, matching_studies
from trials.analytics.specialisation import lq_column

#: Columns of :func:`shortlist`.
SHORTLIST_COLUMNS = (
    "rank", "key", "name", "matching_trials", "recruiting_trials", "industry_trials", "lq", "matching_ids",
    "recruiting_ids", "industry_ids",
)  # fmt: skip
#: Site statuses that count as recruiting now (the registry's site-level recruitment status).
SITE_RECRUITING = ("RECRUITING",)


def _recruiting(links: pl.DataFrame) -> pl.Expr:
    """Whether a (trial, entity) pair is recruiting now: the site's own status where the links carry one, else the
    trial's overall status."""
    overall = pl.col("overall_status").is_in(list(RECRUITING_NOW))
    for col in ("site_status", "status"):
        if col in links.columns:
            site = pl.col(col).cast(pl.String)
            return pl.when(site.is_not_null()).then(site.is_in(list(SITE_RECRUITING))).otherwise(overall)
    return overall


def shortlist(frames: Frames, level: str, f: Filters, *, recruiting: bool = False, industry: bool = False,
              peers: Sequence[str] = ()) -> pl.DataFrame:  # fmt: skip
    """The ranked shortlist (:data:`SHORTLIST_COLUMNS`) of ``level`` (site or institution) entities under ``f``
    (its region, areas and phases are the scout's question); ``recruiting``/``industry`` keep only entities with a
    matching trial recruiting now / with an industry-sponsored trial. ``peers`` are the region's peers, for the
    LQ column (null without peers or areas)."""
    studies = matching_studies(frames, f).select("sid", "nct_id", "overall_status")
    links = _links(frames, level, f)
    pairs = links.join(studies, on="sid").with_columns(_recruiting(links).alias("_rec"))
    per = pairs.group_by("key").agg(
        pl.col("name").first(),
        pl.col("sid").n_unique().cast(pl.Int64).alias("matching_trials"),
        pl.col("nct_id").unique().sort().alias("matching_ids"),
        pl.col("nct_id").filter(pl.col("_rec")).unique().sort().alias("recruiting_ids"),
    )
    # Industry experience: any area, any phase (the other filters, such as the window, still apply).
    broad = replace(f, areas=(), phases=(), registry_phases=(), statuses=())
    ind = matching_studies(frames, broad).filter(pl.col("sponsor_bucket") == "industry").select("sid", "nct_id")
    ind_per = (
        _links(frames, level, broad).join(ind, on="sid").group_by("key")
        .agg(pl.col("nct_id").unique().sort().alias("industry_ids"))
    )  # fmt: skip
    out = per.join(ind_per, on="key", how="left").with_columns(
        pl.col("industry_ids").fill_null(pl.lit([], dtype=pl.List(pl.String))),
    )
    out = out.with_columns(
        pl.col("recruiting_ids").list.len().cast(pl.Int64).alias("recruiting_trials"),
        pl.col("industry_ids").list.len().cast(pl.Int64).alias("industry_trials"),
        pl.col("key").cast(pl.String),
        pl.col("name").cast(pl.String),
    )
    if recruiting:
        out = out.filter(pl.col("recruiting_trials") > 0)
    if industry:
        out = out.filter(pl.col("industry_trials") > 0)
    if peers and f.areas:
        area = f.areas[0]
        lq = lq_column(frames, level, replace(f, areas=(), phases=()), peers, area).rename({f"lq_{area}": "lq"})
        out = out.join(lq, on="key", how="left")
    else:
        out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias("lq"))
    score = ["recruiting_trials", "matching_trials", "industry_trials"]
    out = out.sort([*score, "name"], descending=[True, True, True, False])
    packed = pl.struct(score)  # rank on the three counts together: equal on all three share a rank
    return out.with_columns(
        packed.rank(method="min", descending=True).cast(pl.Int64).alias("rank")
        if out.height else competition_rank("matching_trials").alias("rank")
    ).select(SHORTLIST_COLUMNS)  # fmt: skip
