"""Rankings of institutions, sites, cities and regions (polars, pure functions over frames).

Counting rules (shown in the app and the CLI help):

- A study counts **once per entity** however many of its sites are there: the frame keeps unique
  (study, entity) pairs, so a ranking is a filter plus a group-by count.
- A multi-phase study (Phase 1/2) counts in **each** phase bucket, and a study in several therapeutic
  areas in each area: bucket and area counts add up to more than the number of studies.
- Placeholder sites ("Research Site") count for their city and region, never as an institution;
  unplaced sites count for nothing geographic and are listed on the Data page.
- Studies the registry no longer returns (marked by reconciliation) count for nothing.
- A time window filters by start date (default) or first-posted date, whole years, inclusive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl
from sqlalchemy import ColumnElement, Connection, Engine, Integer, String, cast, func, select

from db.models import Base, HarvestRunRow, PhaseRow, SiteRow, StatusChangeRow, StudyAreaRow, StudyRow, table
from trials.rules.buckets import phase_buckets, sponsor_bucket
from trials.rules.regions import Region

LEVELS = ("institution", "site", "city", "region")
RECRUITING_NOW = ("RECRUITING",)
SPONSOR_CLASSES = ("NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "AMBIG", "OTHER", "UNKNOWN")


@dataclass(frozen=True)
class Filters:
    """What a ranking counts. Empty tuples mean 'no restriction'."""

    region: str | None = None
    place_id: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    date_field: str = "start"  # start | first_posted
    phases: tuple[str, ...] = ()  # phase buckets (trials.rules.buckets.PHASE_BUCKETS)
    registry_phases: tuple[str, ...] = ()  # the registry's own values (PHASE1, PHASE2, ...)
    sponsor_classes: tuple[str, ...] = ()  # registry classes (INDUSTRY, OTHER, ...)
    sponsor_name: str | None = None  # case-insensitive substring of the lead sponsor
    areas: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    study_types: tuple[str, ...] = ()

    def previous_window(self) -> Filters | None:
        """The window of the same length just before this one (for growth)."""
        if self.year_from is None or self.year_to is None:
            return None
        length = self.year_to - self.year_from + 1
        return replace(self, year_from=self.year_from - length, year_to=self.year_from - 1)


STATUS_CHANGE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "nct_id": pl.String, "old_status": pl.String, "new_status": pl.String, "observed_at": pl.Datetime("us", "UTC"),
}  # fmt: skip


@dataclass
class Frames:
    """The analytics data, built once per data version (see :func:`build_frames`)."""

    studies: pl.DataFrame  # one row per study
    phases: pl.DataFrame  # sid, phase_bucket (one row per bucket)
    registry_phases: pl.DataFrame  # sid, phase (the registry's values)
    areas: pl.DataFrame  # sid, area
    links: dict[str, pl.DataFrame]  # level -> unique (sid, key, name[, place_id]) pairs
    populations: dict[str, dict[str, int]] = field(default_factory=dict)  # level -> key -> inhabitants
    place_regions: pl.DataFrame | None = None  # place_id, region (for share of region)
    data_version: str = ""
    data_timestamp: str | None = None
    status_changes: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=STATUS_CHANGE_SCHEMA))


#: Rows fetched per round trip while reading the frames: bounds the memory of Python row objects.
READ_BATCH = 50_000


def sid(col: str = "nct_id") -> pl.Expr:
    """The study's number as UInt32 ("NCT01234567" -> 1234567): joins on it are several times faster and
    smaller than on the string, which matters with millions of (study, site) links."""
    return pl.col(col).str.slice(3).cast(pl.UInt32, strict=True).alias("sid")


def _read(conn: Connection, model: type[Base], schema: dict[str, pl.DataType | type[pl.DataType]],
          where: ColumnElement[bool] | None = None, categorical: Sequence[str] = ()) -> pl.DataFrame:  # fmt: skip
    """A typed frame of some columns of a table, read in batches.

    Dates arrive as ISO text and booleans as integers (cast in SQL), so the driver hands over plain
    values without per-row Python conversion; polars converts whole columns afterwards. Columns in
    ``categorical`` become categoricals batch by batch, so millions of repeated facility and place
    strings are never held as separate strings at once.
    """
    t = table(model)
    cols: list[ColumnElement[Any]] = []
    raw: dict[str, pl.DataType | type[pl.DataType]] = {}
    for name, dtype in schema.items():
        if dtype == pl.Date:
            cols.append(cast(t.c[name], String).label(name))
            raw[name] = pl.String
        elif dtype == pl.Boolean:
            cols.append(cast(t.c[name], Integer).label(name))
            raw[name] = pl.Int64
        else:
            cols.append(t.c[name])
            raw[name] = dtype
    q = select(*cols)
    if where is not None:
        q = q.where(where)
    result = conn.execution_options(yield_per=READ_BATCH).execute(q)
    parts = [
        pl.DataFrame([tuple(r) for r in part], schema=raw, orient="row").with_columns(
            pl.col(c).cast(pl.Categorical) for c in categorical
        )
        for part in result.partitions()
    ]
    if not parts:
        parts = [pl.DataFrame(schema=raw).with_columns(pl.col(c).cast(pl.Categorical) for c in categorical)]
    frame = pl.concat(parts)
    return frame.with_columns(
        [pl.col(n).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False) for n, d in schema.items() if d == pl.Date]
        + [pl.col(n).cast(pl.Boolean) for n, d in schema.items() if d == pl.Boolean]
    )


def build_frames(engine: Engine, regions: Sequence[Region] = ()) -> Frames:
    """Read the database once into the frames every ranking filters."""
    text = pl.String
    with engine.connect() as conn:
        studies = _read(conn, StudyRow, {
            "nct_id": text, "overall_status": text, "study_type": text, "start_date": pl.Date,
            "first_posted_date": pl.Date, "last_update_posted_date": pl.Date, "lead_sponsor_name": text,
            "lead_sponsor_class": text, "enrollment": pl.Int64, "synthetic": pl.Boolean,
            "brief_title": text}, where=table(StudyRow).c.removed_at.is_(None))  # fmt: skip
        phases = _read(conn, PhaseRow, {"nct_id": text, "phase": text})
        areas = _read(conn, StudyAreaRow, {"nct_id": text, "area": text})
        sites_t = table(SiteRow)
        sites = _read(conn, SiteRow, {
            "nct_id": text, "facility": text, "place_id": text, "place_name": text, "regions": text,
            "institution_id": text, "institution_name": text, "placeholder": pl.Boolean},
            where=sites_t.c.place_id.is_not(None),
            categorical=("facility", "place_id", "place_name", "regions", "institution_id",
                         "institution_name"))  # fmt: skip
        changes = _read(conn, StatusChangeRow, STATUS_CHANGE_SCHEMA)
        runs = table(HarvestRunRow)
        version = conn.execute(select(func.max(runs.c.id))).scalar()
        stamp = conn.execute(
            select(runs.c.data_timestamp).where(runs.c.data_timestamp.is_not(None)).order_by(runs.c.id.desc()).limit(1)
        ).scalar()
    fr = frames_from(studies, phases, areas, sites, regions, data_version=str(version))
    fr.data_timestamp = stamp
    fr.status_changes = changes
    return fr


def _first_per_study(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """The first row of each (study, ``key``) pair: one study counts once per entity.

    The pair is packed into one 64-bit number (study number, categorical code of the key), so the
    de-duplication hashes one integer column instead of two, which keeps the peak memory of a
    5-million-site frame build in check (a two-column ``unique`` needed three times as much).
    """
    return frame.filter(_packed(pl.col("sid"), _code(key)).is_first_distinct())


def _code(col: str) -> pl.Expr:
    """A column's categorical code (strings become categoricals first)."""
    return pl.col(col).cast(pl.Categorical).to_physical()


def _packed(high: pl.Expr, low: pl.Expr) -> pl.Expr:
    """Two 32-bit numbers as one 64-bit number, for cheap de-duplication of pairs."""
    return high.cast(pl.UInt64) * (1 << 32) + low.cast(pl.UInt64)


def frames_from(studies: pl.DataFrame, phases: pl.DataFrame, areas: pl.DataFrame, sites: pl.DataFrame,
                regions: Sequence[Region] = (), data_version: str = "") -> Frames:  # fmt: skip
    """Frames from raw tables (separate from the database so tests can build them by hand).

    Inputs carry ``nct_id`` strings; every frame gets the numeric ``sid`` to join on, and the
    repetitive text columns of the links become categoricals (one copy of each distinct string).
    """
    cat = pl.Categorical
    studies = studies.with_columns(
        sid(),
        pl.col("start_date").dt.year().alias("start_year"),
        pl.col("first_posted_date").dt.year().alias("first_posted_year"),
        pl.col("lead_sponsor_class").fill_null("UNKNOWN"),
        pl.col("lead_sponsor_class")
        .fill_null("UNKNOWN")
        .replace_strict({c: sponsor_bucket(c) for c in SPONSOR_CLASSES}, default="unknown", return_dtype=pl.String)
        .alias("sponsor_bucket"),
    )
    phases = phases.select(sid(), pl.col("phase").cast(cat))
    by_study = phases.group_by("sid").agg(pl.col("phase").cast(pl.String))
    types = dict(zip(studies["sid"], studies["study_type"], strict=True))
    listed = dict(zip(by_study["sid"], by_study["phase"].to_list(), strict=True))
    rows = [(n, b) for n in studies["sid"] for b in phase_buckets(listed.get(n, []), types.get(n))]
    phase_frame = pl.DataFrame(rows, schema={"sid": pl.UInt32, "phase_bucket": pl.String}, orient="row")
    phase_frame = phase_frame.with_columns(pl.col("phase_bucket").cast(cat))
    areas = areas.select(sid(), pl.col("area").cast(cat))
    sites = sites.with_columns(sid()).drop("nct_id")

    cities = _first_per_study(sites, "place_id").select(
        "sid", pl.col("place_id").alias("key"), pl.col("place_name").alias("name")
    )
    real = sites.filter(~pl.col("placeholder").fill_null(False) & pl.col("institution_id").is_not_null())
    institutions = _first_per_study(real, "institution_id").select(
        "sid", pl.col("institution_id").alias("key"), pl.col("institution_name").alias("name"), "place_id"
    )
    # A site is a facility string in a place: its key and label are made once per distinct pair.
    facilities = real.select("place_id", "facility", "place_name").unique(["place_id", "facility"])
    facilities = facilities.with_columns(
        (pl.col("place_id").cast(pl.String) + "|"
         + pl.col("facility").cast(pl.String).str.to_lowercase().str.strip_chars()).alias("key"),
        (pl.col("facility").cast(pl.String) + " (" + pl.col("place_name").cast(pl.String) + ")").alias("name"),
    ).select("place_id", "facility", pl.col("key").cast(cat), pl.col("name").cast(cat))  # fmt: skip
    site_level = _first_per_study(
        real.select("sid", "place_id", "facility").join(facilities, on=["place_id", "facility"]), "key"
    ).select("sid", "key", "name", "place_id")
    region_rows = _first_per_study(
        _first_per_study(sites.filter(pl.col("regions").is_not_null()), "regions")
        .select("sid", pl.col("regions").cast(pl.String).str.split("|").alias("key"))
        .explode("key"),
        "key",
    )
    labels = {r.name: r.label for r in regions}
    region_level = region_rows.with_columns(pl.col("key").replace_strict(labels, default=pl.col("key")).alias("name"))
    place_regions = (
        sites.filter(pl.col("regions").is_not_null() & _packed(_code("place_id"), _code("regions")).is_first_distinct())
        .select(pl.col("place_id").cast(pl.String), pl.col("regions").cast(pl.String).str.split("|").alias("region"))
        .explode("region")
        .unique()
    )
    populations = {
        "region": {r.name: r.population for r in regions},
        "city": {p.id: p.population for r in regions for p in r.places},
    }
    links = {"institution": institutions, "site": site_level, "city": cities, "region": region_level}
    links = {
        level: frame.with_columns(pl.col(c).cast(cat) for c in ("key", "name", "place_id") if c in frame.columns)
        for level, frame in links.items()
    }
    return Frames(
        studies=studies,
        phases=phase_frame,
        registry_phases=phases,
        areas=areas,
        links=links,
        populations=populations,
        place_regions=place_regions,
        data_version=data_version,
    )


def matching_studies(frames: Frames, f: Filters) -> pl.DataFrame:
    """The studies (``sid``, ``nct_id`` and the study columns) that pass every study-level filter."""
    s = frames.studies
    year_col = "start_year" if f.date_field == "start" else "first_posted_year"
    if f.year_from is not None:
        s = s.filter(pl.col(year_col) >= f.year_from)
    if f.year_to is not None:
        s = s.filter(pl.col(year_col) <= f.year_to)
    if f.statuses:
        s = s.filter(pl.col("overall_status").is_in(list(f.statuses)))
    if f.sponsor_classes:
        s = s.filter(pl.col("lead_sponsor_class").is_in(list(f.sponsor_classes)))
    if f.sponsor_name:
        s = s.filter(pl.col("lead_sponsor_name").str.to_lowercase().str.contains(f.sponsor_name.lower(), literal=True))
    if f.study_types:
        s = s.filter(pl.col("study_type").is_in(list(f.study_types)))
    if f.phases:
        ids = frames.phases.filter(pl.col("phase_bucket").is_in(list(f.phases)))["sid"].unique()
        s = s.filter(pl.col("sid").is_in(ids.implode()))
    if f.registry_phases:
        ids = frames.registry_phases.filter(pl.col("phase").is_in(list(f.registry_phases)))["sid"].unique()
        s = s.filter(pl.col("sid").is_in(ids.implode()))
    if f.areas:
        ids = frames.areas.filter(pl.col("area").is_in(list(f.areas)))["sid"].unique()
        s = s.filter(pl.col("sid").is_in(ids.implode()))
    return s


def _links(frames: Frames, level: str, f: Filters) -> pl.DataFrame:
    links = frames.links[level]
    if level == "region":
        if f.region:
            links = links.filter(pl.col("key") == f.region)
        return links
    if f.region or f.place_id:
        allowed = frames.place_regions if frames.place_regions is not None else pl.DataFrame()
        if f.region:
            places = allowed.filter(pl.col("region") == f.region)["place_id"].unique()
            col = "key" if level == "city" else "place_id"
            links = links.filter(pl.col(col).is_in(places.implode()))
        if f.place_id:
            col = "key" if level == "city" else "place_id"
            links = links.filter(pl.col(col) == f.place_id)
    return links


def rank(frames: Frames, level: str, f: Filters) -> pl.DataFrame:
    """Entities of ``level`` ranked by trials (studies counted once per entity), with metrics.

    Columns: rank, name, trials, industry_trials, recruiting_now, per_100k (cities, regions),
    share_of_region (cities, institutions, sites: share of the region's trials), growth (vs the
    previous window of the same length; null without a window), key.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    studies = matching_studies(frames, f)
    pairs = _links(frames, level, f).join(studies.select("sid", "sponsor_bucket", "overall_status"), on="sid")
    out = (
        pairs.group_by("key")
        .agg(
            pl.col("name").first(),
            pl.len().alias("trials"),
            (pl.col("sponsor_bucket") == "industry").sum().alias("industry_trials"),
            pl.col("overall_status").is_in(list(RECRUITING_NOW)).sum().alias("recruiting_now"),
        )
        .with_columns(pl.col("trials").cast(pl.Int64))
    )
    pops = frames.populations.get(level, {})
    out = out.with_columns(
        pl.col("key").replace_strict(pops, default=None, return_dtype=pl.Int64).alias("population")
    ).with_columns((pl.col("trials") * 100_000 / pl.col("population")).round(2).alias("per_100k"))
    if f.region and level != "region":
        region_total = pairs_total(frames, f)
        out = out.with_columns((pl.col("trials") / region_total).round(4).alias("share_of_region"))
    else:
        out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias("share_of_region"))
    prev = f.previous_window()
    if prev is not None:
        before = rank_counts(frames, level, prev)
        out = out.join(before, on="key", how="left").with_columns(
            ((pl.col("trials") - pl.col("prev_trials")) / pl.col("prev_trials")).round(4).alias("growth")
        )
    else:
        out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias("growth"))
    out = out.sort(["trials", "name"], descending=[True, False]).with_columns(
        pl.col("trials").rank(method="min", descending=True).cast(pl.Int64).alias("rank")
    )
    return out.select("rank", "name", "trials", "industry_trials", "recruiting_now", "per_100k", "share_of_region",
                      "growth", "key")  # fmt: skip


def rank_counts(frames: Frames, level: str, f: Filters) -> pl.DataFrame:
    studies = matching_studies(frames, f).select("sid")
    return (
        _links(frames, level, f)
        .join(studies, on="sid")
        .group_by("key")
        .agg(pl.len().cast(pl.Int64).alias("prev_trials"))
    )


def pairs_total(frames: Frames, f: Filters) -> int:
    """Distinct studies with a site in the filtered region/place (the denominator of shares)."""
    studies = matching_studies(frames, f).select("sid")
    links = _links(frames, "city", f).join(studies, on="sid")
    return int(links["sid"].n_unique()) or 1


#: A published search strategy, reproducible as a preset (see the README for its source and rules).
PRESETS: dict[str, Filters] = {
    "city-participation-2013-2022": Filters(
        statuses=("RECRUITING", "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION"),
        registry_phases=("PHASE1", "PHASE2", "PHASE3"),
        sponsor_classes=("INDUSTRY", "OTHER"),
        year_from=2013,
        year_to=2022,
    ),
}
PRESET_PLACES = ("ruhr", "berlin", "hamburg", "munich", "cologne")


def rank_preset(
    frames: Frames, preset: str, level: str = "city", regions: Sequence[str] = PRESET_PLACES
) -> pl.DataFrame:
    """A preset's ranking: the places of each of ``regions`` ranked together on one scale.

    The published strategy compares the Ruhr's cities with the four big German cities, so the
    regions are ranked side by side (not each within itself) and ranks run across all of them.
    """
    f = PRESETS[preset]
    tables = [rank(frames, level, replace(f, region=r)) for r in regions]
    if not tables:
        return rank(frames, level, f).head(0)
    table = pl.concat(tables).unique("key", keep="first", maintain_order=True)
    table = table.sort(["trials", "name"], descending=[True, False])
    return table.with_columns(pl.col("trials").rank(method="min", descending=True).cast(pl.Int64).alias("rank"))


def studies_in(frames: Frames, level: str, f: Filters, key: str | None = None) -> pl.DataFrame:
    """The filtered studies linked to one entity (or, without ``key``, to the filtered region/place)."""
    links = _links(frames, level, f)
    if key is not None:
        links = links.filter(pl.col("key") == key)
    ids = links["sid"].unique().implode()
    return matching_studies(frames, f).filter(pl.col("sid").is_in(ids))


def mix(frames: Frames, level: str, f: Filters, by: str, key: str | None = None) -> pl.DataFrame:
    """Studies per phase bucket, sponsor bucket or area (``by``) for the filtered entity or region.

    Buckets and areas overlap, so the counts can add up to more than the number of studies.
    """
    ids = studies_in(frames, level, f, key).select("sid")
    if by == "phase_bucket":
        source = frames.phases
    elif by == "area":
        source = frames.areas
    elif by == "sponsor_bucket":
        source = frames.studies.select("sid", "sponsor_bucket")
    else:
        raise ValueError(f"cannot mix by {by!r}")
    return (
        source.join(ids, on="sid").group_by(by).agg(pl.len().cast(pl.Int64).alias("trials"))
        .with_columns(pl.col(by).cast(pl.String))
        .sort(["trials", by], descending=[True, False])
    )  # fmt: skip


def trend(frames: Frames, level: str, f: Filters, keys: Sequence[str]) -> pl.DataFrame:
    """Trials per start year for each of ``keys`` (long format: key, name, year, trials)."""
    studies = matching_studies(frames, f).select("sid", pl.col("start_year").alias("year"))
    links = frames.links[level].filter(pl.col("key").is_in(list(keys)))
    return (
        links.join(studies, on="sid").filter(pl.col("year").is_not_null())
        .group_by("key", "year").agg(pl.col("name").first(), pl.len().cast(pl.Int64).alias("trials"))
        .sort("key", "year")
    )  # fmt: skip
