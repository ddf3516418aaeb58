"""Experience profile of an institution, site or city: what it has done before, each figure with its trials.

A scout weighing a site asks which phases it runs, whether it does first-in-human or phase 1 work, how much of
its work is industry-sponsored, for how many sponsors, how large its trials are, how often its closed trials
completed, and how promptly its trials are registered. Every figure here carries the NCT IDs behind it, so the
app can list them and a reader can check any number in the registry.

Definitions (the label catalogue says them in words, ``exp.*``):

- *phase 1 experience*: the registry lists PHASE1 or EARLY_PHASE1 (a phase 1/2 study counts);
- *first-in-human*: the brief title says so ("first-in-human", "first in man", "FIH") - the registry has no field
  for it, so this counts only the trials that declare it;
- *closed*: completed, terminated or withdrawn; the completed share and the stopped share are of those, and the
  registry's reasons for stopping are read on demand (:meth:`db.reader.Reader.why_stopped`);
- *enrollment* as registered: anticipated for open trials, actual for closed ones;
- *days from start to first posting*: first-posted date minus start date (negative: registered before the start,
  as it should be).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import polars as pl

from trials.analytics.rankings import Filters, Frames, _links, matching_studies, studies_in
from trials.rules.buckets import PHASE_BUCKETS

#: Registry phases that count as phase 1 experience.
PHASE1 = ("PHASE1", "EARLY_PHASE1")
#: A brief title that declares a first-in-human trial.
FIRST_IN_HUMAN = r"(?i)\bfirst[- ]in[- ](human|man)\b|\bFIH\b"
#: Overall statuses of a closed trial, and those of a stopped one among them.
CLOSED = ("COMPLETED", "TERMINATED", "WITHDRAWN")
STOPPED = ("TERMINATED", "WITHDRAWN")

#: Columns of :func:`experience`.
EXPERIENCE_COLUMNS = ("figure", "value", "fmt", "trials", "nct_ids")


@dataclass(frozen=True)
class Figure:
    name: str  # label key ``exp.<name>`` (phases: ``phase.<bucket>``)
    fmt: str  # number format of trials.analytics.metrics.format_number


def _ids(frame: pl.DataFrame) -> list[str]:
    return sorted(frame["nct_id"].to_list())


def experience(frames: Frames, level: str, key: str, f: Filters) -> pl.DataFrame:
    """The experience figures of one entity under the filters (:data:`EXPERIENCE_COLUMNS`): figure (label key),
    value, fmt (its number format), trials (how many trials are behind it) and nct_ids (which).

    Figures with no trial behind them (no closed trial: no completed share) have a null value.
    """
    s = studies_in(frames, level, f, key)
    rows: list[tuple[str, float | None, str, list[str]]] = []
    n = s.height
    rows.append(("exp.trials", float(n), "int", _ids(s)))
    buckets = frames.phases.join(s.select("sid", "nct_id"), on="sid")
    for b in PHASE_BUCKETS:
        part = buckets.filter(pl.col("phase_bucket") == b)
        if part.height:
            rows.append((f"phase.{b}", float(part.height), "int", _ids(part)))
    p1 = s.join(frames.registry_phases.filter(pl.col("phase").is_in(list(PHASE1))).select("sid").unique(), on="sid")
    rows.append(("exp.phase1", float(p1.height), "int", _ids(p1)))
    fih = s.filter(pl.col("brief_title").fill_null("").str.contains(FIRST_IN_HUMAN))
    rows.append(("exp.first_in_human", float(fih.height), "int", _ids(fih)))
    industry = s.filter(pl.col("sponsor_bucket") == "industry")
    rows.append(("exp.industry_share", industry.height / n if n else None, "pct", _ids(industry)))
    sponsored = s.filter(pl.col("lead_sponsor_name").is_not_null())
    rows.append(("exp.sponsors", float(sponsored["lead_sponsor_name"].n_unique()), "int", _ids(sponsored)))
    enrolled = s.filter(pl.col("enrollment").is_not_null())
    median = enrolled["enrollment"].median()
    rows.append(("exp.median_enrollment", float(median) if isinstance(median, int | float) else None, "int",
                 _ids(enrolled)))  # fmt: skip
    closed = s.filter(pl.col("overall_status").is_in(list(CLOSED)))
    done = closed.filter(pl.col("overall_status") == "COMPLETED")
    stopped = closed.filter(pl.col("overall_status").is_in(list(STOPPED)))
    c = closed.height
    rows.append(("exp.closed", float(c), "int", _ids(closed)))
    rows.append(("exp.completed_share", done.height / c if c else None, "pct", _ids(done)))
    rows.append(("exp.stopped_share", stopped.height / c if c else None, "pct", _ids(stopped)))
    timed = s.filter(pl.col("start_date").is_not_null() & pl.col("first_posted_date").is_not_null()).with_columns(
        (pl.col("first_posted_date") - pl.col("start_date")).dt.total_days().alias("days")
    )
    days = timed["days"].median()
    rows.append(("exp.days_to_posting", float(days) if isinstance(days, int | float) else None, "int", _ids(timed)))
    return pl.DataFrame(
        [(name, value, fmt, len(ids), ids) for name, value, fmt, ids in rows],
        schema={"figure": pl.String, "value": pl.Float64, "fmt": pl.String, "trials": pl.Int64,
                "nct_ids": pl.List(pl.String)},
        orient="row",
    )  # fmt: skip


def stopped_trials(frames: Frames, level: str, key: str, f: Filters, reasons: Mapping[str, str]) -> pl.DataFrame:
    """The entity's terminated or withdrawn trials with the registry's reason for stopping (``reasons``: nct_id ->
    whyStopped, from :meth:`db.reader.Reader.why_stopped`; empty where the registry gives none)."""
    s = studies_in(frames, level, f, key).filter(pl.col("overall_status").is_in(list(STOPPED)))
    return (
        s.select("nct_id", "brief_title", "overall_status", "lead_sponsor_name")
        .with_columns(pl.col("nct_id").replace_strict(dict(reasons), default="", return_dtype=pl.String)
                      .alias("why_stopped"))
        .sort("nct_id")
    )  # fmt: skip


#: Columns of :func:`experience_table` (one row per entity: the figures as ranking columns).
EXPERIENCE_TABLE_COLUMNS = (
    "phase1_trials", "first_in_human_trials", "industry_share", "distinct_sponsors", "median_enrollment",
    "completed_share", "stopped_share", "median_days_to_posting",
)  # fmt: skip


def experience_table(frames: Frames, level: str, f: Filters) -> pl.DataFrame:
    """The experience figures of every entity of ``level`` (key, then :data:`EXPERIENCE_TABLE_COLUMNS`), for
    ``trials rank --metric`` and the XLSX export; the same definitions as :func:`experience`."""
    studies = matching_studies(frames, f)
    p1 = frames.registry_phases.filter(pl.col("phase").is_in(list(PHASE1))).select("sid").unique()
    studies = studies.with_columns(
        pl.col("sid").is_in(p1["sid"].implode()).alias("_p1"),
        pl.col("brief_title").fill_null("").str.contains(FIRST_IN_HUMAN).alias("_fih"),
        (pl.col("first_posted_date") - pl.col("start_date")).dt.total_days().alias("_days"),
    )
    pairs = _links(frames, level, replace(f)).select("sid", "key").unique().join(studies, on="sid")
    closed = pl.col("overall_status").is_in(list(CLOSED))
    n_closed = closed.sum()
    return (
        pairs.group_by("key")
        .agg(
            pl.col("_p1").sum().cast(pl.Int64).alias("phase1_trials"),
            pl.col("_fih").sum().cast(pl.Int64).alias("first_in_human_trials"),
            ((pl.col("sponsor_bucket") == "industry").sum() / pl.len()).round(4).alias("industry_share"),
            pl.col("lead_sponsor_name").drop_nulls().n_unique().cast(pl.Int64).alias("distinct_sponsors"),
            pl.col("enrollment").median().alias("median_enrollment"),
            pl.when(n_closed > 0).then(((pl.col("overall_status") == "COMPLETED").sum() / n_closed).round(4))
            .alias("completed_share"),
            pl.when(n_closed > 0).then((pl.col("overall_status").is_in(list(STOPPED)).sum() / n_closed).round(4))
            .alias("stopped_share"),
            pl.col("_days").median().alias("median_days_to_posting"),
        )
        .with_columns(pl.col("key").cast(pl.String))
        .select("key", *EXPERIENCE_TABLE_COLUMNS)
    )  # fmt: skip
