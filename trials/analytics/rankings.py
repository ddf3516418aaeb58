"""Rankings of institutions, sites, cities and regions (polars, pure functions over frames).

The counting rules readers see are written once, in the label catalogue (``trials.present.labels``,
key ``counting``). How this module implements them:

- the frames keep unique (study, entity) pairs, so a ranking is a filter plus a group-by count, and the
  metrics of a ranking are those of the metric table (:mod:`trials.analytics.metrics`);
- phase buckets and areas are one row per (study, bucket), so they overlap;
- placeholder sites link to places and regions, never to institutions; unplaced sites link to nothing
  geographic (the Data page lists them); studies the registry no longer returns are not in the frames;
- a time window filters by start date (default) or first-posted date, whole years, inclusive;
- "recruiting now" reads each pair's ``site_status`` (RECRUITING when one of the entity's sites in the study
  recruits, else another status a site there states, else null: the study's overall status stands in).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from db.reader import STATUS_CHANGE_SCHEMA, Engine, Reader
from trials.analytics import metrics
from trials.rules.buckets import phase_buckets, sponsor_bucket
from trials.rules.institutions import site_groups
from trials.rules.regions import Region

LEVELS = ("institution", "site", "city", "region")
SPONSOR_CLASSES = ("NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "AMBIG", "OTHER", "UNKNOWN")


@dataclass(frozen=True)
class Filters:
    """What a ranking counts. Empty tuples mean 'no restriction'."""

    region: str | None = None
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


@dataclass
class Frames:
    """The analytics data, built once per data version (see :func:`build_frames`)."""

    studies: pl.DataFrame  # one row per study
    phases: pl.DataFrame  # sid, phase_bucket (one row per bucket)
    registry_phases: pl.DataFrame  # sid, phase (the registry's values)
    areas: pl.DataFrame  # sid, area, evidence (term -> tree/rule -> area; null where not known)
    links: dict[str, pl.DataFrame]  # level -> unique (sid, key, name[, place_id], site_status) pairs
    populations: dict[str, dict[str, int]] = field(default_factory=dict)  # level -> key -> inhabitants
    place_regions: pl.DataFrame | None = None  # place_id, region (for share of region)
    data_version: str = ""
    data_timestamp: str | None = None
    status_changes: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=STATUS_CHANGE_SCHEMA))


def sid(col: str = "nct_id") -> pl.Expr:
    """The study's number as UInt32 ("NCT01234567" -> 1234567): joins on it are several times faster and
    smaller than on the string, which matters with millions of (study, site) links."""
    return pl.col(col).str.slice(3).cast(pl.UInt32, strict=True).alias("sid")


def build_frames(engine: Engine, regions: Sequence[Region] = ()) -> Frames:
    """Read the database once (:meth:`db.reader.Reader.frame_tables`) into the frames every ranking filters."""
    t = Reader(engine).frame_tables()
    fr = frames_from(t.studies, t.phases, t.areas, t.sites, regions, data_version=t.data_version)
    fr.data_timestamp = t.data_timestamp
    fr.status_changes = t.status_changes
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


def _recruiting_first(sites: pl.DataFrame) -> pl.DataFrame:
    """The sites with their own recruitment status as ``site_status``, ordered so that the first row of every
    (study, entity) pair (what :func:`_first_per_study` keeps) carries the entity's best answer: a site recruiting
    there first, then any other stated status, then none (where the ranking falls back to the study's overall
    status: :data:`trials.analytics.metrics.RECRUITING`). A stable sort, so otherwise the order is kept.

    Sorted by study first (one 64-bit key: study, then that order): a pair never spans studies, so the same rows
    come first, and the links stay in study order, which makes the rankings' joins on ``sid`` up to twice as
    fast as on links in status order (issue 16's ranking figures)."""
    status = pl.col("status") if "status" in sites.columns else pl.lit(None, dtype=pl.String)
    sites = sites.with_columns(status.alias("site_status")).drop("status", strict=False)
    text = pl.col("site_status").cast(pl.String)
    order = pl.when(text.is_in(list(metrics.RECRUITING_NOW))).then(0).when(text.is_not_null()).then(1).otherwise(2)
    return sites.sort(_packed(pl.col("sid"), order), maintain_order=True)


def _phase_bucket_frame(studies: pl.DataFrame, phases: pl.DataFrame) -> pl.DataFrame:
    """(sid, phase_bucket): :func:`trials.rules.buckets.phase_buckets` of every study, in study order.

    The rule runs once per distinct (phases, study type) combination (a few dozen), not once per study: a
    Python call per study cost ~3 s of a 600,000-study frame build. A study's phases are one bit each, so its
    set of phases is one integer (a sum per study, cheaper than collecting lists).
    """
    names = phases["phase"].cast(pl.String).unique().drop_nulls().sort().to_list()
    if len(names) > 62:  # pragma: no cover (the registry has six phase values)
        raise ValueError(f"too many distinct phases for a bit set: {len(names)}")
    bits = {name: 1 << i for i, name in enumerate(names)}
    masks = (
        phases.filter(pl.col("phase").is_not_null())
        .select("sid", pl.col("phase").cast(pl.String).replace_strict(bits, return_dtype=pl.Int64).alias("mask"))
        .unique().group_by("sid").agg(pl.col("mask").sum())
    ) if bits else pl.DataFrame(schema={"sid": pl.UInt32, "mask": pl.Int64})  # fmt: skip
    keyed = studies.select("sid", "study_type").join(masks, on="sid", how="left", maintain_order="left")
    keyed = keyed.with_columns(pl.col("mask").fill_null(0))
    combos = keyed.select("mask", "study_type").unique(maintain_order=True)
    buckets = [
        phase_buckets([name for name, bit in bits.items() if mask & bit], study_type)
        for mask, study_type in combos.rows()
    ]
    table = combos.with_columns(pl.Series("phase_bucket", buckets, dtype=pl.List(pl.String)))
    return (
        keyed.join(table, on=["mask", "study_type"], how="left", nulls_equal=True, maintain_order="left")
        .select("sid", "phase_bucket").explode("phase_bucket")
        .with_columns(pl.col("phase_bucket").cast(pl.Categorical))
    )  # fmt: skip


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
    # The study columns every ranking joins onto millions of links (metrics.study_columns): categoricals, so the
    # join gathers 4-byte codes, not strings (a broad ranking's join at 600,000 studies: 250 ms -> 100 ms).
    studies = studies.with_columns(pl.col("overall_status", "sponsor_bucket").cast(cat))
    phases = phases.select(sid(), pl.col("phase").cast(cat))
    phase_frame = _phase_bucket_frame(studies, phases)
    evidence = pl.col("evidence") if "evidence" in areas.columns else pl.lit(None, dtype=pl.String).alias("evidence")
    areas = areas.select(sid(), pl.col("area").cast(cat), evidence.cast(cat))
    sites = _recruiting_first(sites.with_columns(sid()).drop("nct_id"))

    cities = _first_per_study(sites, "place_id").select(
        "sid", pl.col("place_id").alias("key"), pl.col("place_name").alias("name"), "site_status"
    )
    real = sites.filter(~pl.col("placeholder").fill_null(False) & pl.col("institution_id").is_not_null())
    institutions = _first_per_study(real, "institution_id").select(
        "sid", pl.col("institution_id").alias("key"), pl.col("institution_name").alias("name"), "place_id",
        "site_status",
    )  # fmt: skip
    # A site is a facility in a place, its spelling variants grouped (rules.institutions.site_groups):
    # key and label are made once per distinct (place, facility) pair.
    facilities = (
        real.group_by("place_id", "facility")
        .agg(pl.len().alias("n"), pl.col("place_name").first())
        .with_columns(pl.col("place_id").cast(pl.String), pl.col("facility").cast(pl.String))
    )
    grouped = site_groups(facilities.select("place_id", "facility", "n").iter_rows())
    pairs = list(zip(facilities["place_id"], facilities["facility"], strict=True))
    facilities = facilities.with_columns(
        pl.Series("key", [grouped[pair][0] for pair in pairs]),
        pl.Series("label", [grouped[pair][1] for pair in pairs]),
    ).select(
        pl.col("place_id").cast(real.schema["place_id"]),
        pl.col("facility").cast(real.schema["facility"]),
        pl.col("key").cast(cat),
        (pl.col("label") + " (" + pl.col("place_name").cast(pl.String) + ")").cast(cat).alias("name"),
    )  # fmt: skip
    site_level = _first_per_study(
        real.select("sid", "place_id", "facility", "site_status").join(facilities, on=["place_id", "facility"]), "key"
    ).select("sid", "key", "name", "place_id", "site_status")
    region_rows = _first_per_study(
        _first_per_study(sites.filter(pl.col("regions").is_not_null()), "regions")
        .select("sid", pl.col("regions").cast(pl.String).str.split("|").alias("key"), "site_status")
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


def is_synthetic(frames: Frames) -> bool:
    """True when any stored study is synthetic (made up for testing): every page, download and deck then says so,
    so a file that leaves the tool cannot be taken for registry data."""
    return bool(frames.studies["synthetic"].fill_null(False).any())


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
    if f.region:
        allowed = frames.place_regions if frames.place_regions is not None else pl.DataFrame()
        places = allowed.filter(pl.col("region") == f.region)["place_id"].unique()
        col = "key" if level == "city" else "place_id"
        links = links.filter(pl.col(col).is_in(places.implode()))
    return links


def competition_rank(col: str) -> pl.Expr:
    """1 for the largest value of ``col``, equal values share a rank, the next rank skips (1, 2, 2, 4)."""
    return pl.col(col).rank(method="min", descending=True).cast(pl.Int64)


def sort_and_rank(frame: pl.DataFrame, by: str = "trials", tiebreak: str = "name", alias: str = "rank") -> pl.DataFrame:
    """Rows largest ``by`` first (ties in ``tiebreak`` order) with their :func:`competition_rank` as ``alias``."""
    return frame.sort([by, tiebreak], descending=[True, False]).with_columns(competition_rank(by).alias(alias))


def rank(frames: Frames, level: str, f: Filters) -> pl.DataFrame:
    """Entities of ``level`` ranked by trials (studies counted once per entity), with metrics.

    Columns: rank, name, then every metric of :data:`trials.analytics.metrics.METRICS` (trials,
    industry_trials, recruiting_now, per_100k for cities and regions, share_of_region for cities,
    institutions and sites within a region, growth against the previous window of the same length, null
    without a window), then the flags of :data:`trials.analytics.metrics.FLAGS` (``partial``: an entity outside
    the configured regions, whose counts are partial), then key.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    studies = matching_studies(frames, f)
    pairs = _links(frames, level, f).join(studies.select("sid", *metrics.study_columns()), on="sid")
    pairs = pairs.with_columns(_configured(frames, level))
    out = pairs.group_by("key").agg(
        pl.col("name").first(), *metrics.count_exprs(), (~pl.col(_CONFIGURED).any()).alias(metrics.PARTIAL)
    )
    # The context of the derived metrics (see trials.analytics.metrics.CONTEXT); null where it does not apply.
    pops = frames.populations.get(level, {})
    region_total = pairs_total(frames, f) if f.region and level != "region" else None
    out = out.with_columns(
        pl.col("key").replace_strict(pops, default=None, return_dtype=pl.Int64).alias("population"),
        pl.lit(region_total, dtype=pl.Int64).alias("region_total"),
    )
    prev = f.previous_window()
    if prev is None:
        out = out.with_columns(pl.lit(None, dtype=pl.Int64).alias("prev_trials"))
    else:
        out = out.join(rank_counts(frames, level, prev), on="key", how="left")
    out = out.with_columns(metrics.derived_exprs())
    return sort_and_rank(out).select("rank", "name", *metrics.columns(), *metrics.FLAGS, "key")


#: A pair's column in :func:`rank`: the pair's place is in a configured region.
_CONFIGURED = "_configured"


def _configured(frames: Frames, level: str) -> pl.Expr:
    """Whether each (study, entity) pair's place is in a configured region; an entity none of whose pairs is,
    is :data:`trials.analytics.metrics.PARTIAL` (regions are configured by definition: never partial).

    "In a configured region" is what the stored sites say (``place_regions``), the same test as ``--region``,
    so a ranking within a region has no partial row. (Computed per row before the group-by: an ``is_in``
    inside the aggregation runs once per group, hundreds of times slower.)
    """
    if level == "region":
        return pl.lit(True).alias(_CONFIGURED)
    inside = pl.Series("place_id", [], dtype=pl.String)
    if frames.place_regions is not None:
        inside = frames.place_regions["place_id"].unique()
    place = "key" if level == "city" else "place_id"
    return pl.col(place).is_in(inside.implode()).fill_null(False).alias(_CONFIGURED)


def rank_counts(frames: Frames, level: str, f: Filters) -> pl.DataFrame:
    studies = matching_studies(frames, f).select("sid")
    return (
        _links(frames, level, f)
        .join(studies, on="sid")
        .group_by("key")
        .agg(pl.len().cast(pl.Int64).alias("prev_trials"))
    )


def pairs_total(frames: Frames, f: Filters) -> int:
    """Distinct studies with a site in the filtered region (the denominator of shares)."""
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
#: The preset of the count-only country and region figures (``trials counts``, the World page, the deck).
DEFAULT_PRESET = "city-participation-2013-2022"


def rank_preset(frames: Frames, preset: str, level: str, regions: Sequence[str]) -> pl.DataFrame:
    """A preset's ranking: the places of each of ``regions`` ranked together on one scale.

    The published strategy compares the Ruhr's cities with the four big German cities (the regions
    the region file marks with the preset: :func:`trials.rules.regions.preset_regions`), so the
    regions are ranked side by side (not each within itself) and ranks run across all of them.
    """
    f = PRESETS[preset]
    tables = [rank(frames, level, replace(f, region=r)) for r in regions]
    if not tables:
        return rank(frames, level, f).head(0)
    return sort_and_rank(pl.concat(tables).unique("key", keep="first", maintain_order=True))


def studies_in(frames: Frames, level: str, f: Filters, key: str | None = None) -> pl.DataFrame:
    """The filtered studies linked to one entity (or, without ``key``, to the filtered region)."""
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
