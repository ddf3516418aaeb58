"""``trials rank``: validate the options, build the frames, rank, format (table, CSV, JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from db.reader import Engine
from trials.analytics.frames_cache import load_frames
from trials.analytics.rankings import (
    PRESETS,
    SPONSOR_CLASSES,
    Filters,
    Frames,
    rank,
    rank_preset,
)
from trials.analytics.ties import CountryData
from trials.errors import ConfigError
from trials.present.export import to_csv
from trials.present.tables import ranking_table
from trials.rules.areas import AREA_BY_CODE
from trials.rules.buckets import PHASE_BUCKETS
from trials.rules.regions import Region, configured_regions, find_region, preset_regions


@dataclass
class FilterArgs:
    """The filter options of ``trials rank`` (and of ``trials studies``, which takes the same ones)."""

    region: str | None = None
    phases: tuple[str, ...] = ()
    sponsor_classes: tuple[str, ...] = ()
    sponsor_name: str | None = None
    areas: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    date_field: str = "start"
    study_types: tuple[str, ...] = ()  # the registry's study types (`trials deck --study-type`; the app's filter)


#: The registry's study types (``designModule.studyType``), as the app's filter offers them.
STUDY_TYPES = ("INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS")


@dataclass
class RankArgs(FilterArgs):
    level: str | None = None
    preset: str | None = None
    limit: int | None = None
    fmt: str = "table"
    metrics: tuple[str, ...] = ()  # site-intelligence columns appended after key (trials.analytics.extras)
    sort_by: str | None = None


def _check(values: tuple[str, ...], allowed: tuple[str, ...] | list[str], what: str) -> tuple[str, ...]:
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ConfigError(f"unknown {what} {', '.join(bad)}; choose from {', '.join(allowed)}")
    return values


def parse_filters(args: FilterArgs, regions: Sequence[Region]) -> Filters:
    """The :class:`Filters` of the options, each value checked (unknown values: :class:`ConfigError`)."""
    return Filters(
        region=find_region(regions, args.region).name if args.region else None,
        year_from=args.year_from,
        year_to=args.year_to,
        date_field=args.date_field,
        phases=_check(tuple(args.phases), PHASE_BUCKETS, "phase bucket"),
        sponsor_classes=_check(tuple(c.upper() for c in args.sponsor_classes), SPONSOR_CLASSES, "sponsor class"),
        sponsor_name=args.sponsor_name,
        areas=_check(tuple(args.areas), list(AREA_BY_CODE), "area"),
        statuses=tuple(s.upper() for s in args.statuses),
        study_types=_check(tuple(t.upper() for t in args.study_types), STUDY_TYPES, "study type"),
    )


def run_rank(engine: Engine, args: RankArgs) -> str:
    regions = configured_regions()
    if args.metrics:
        from trials.analytics.extras import check_metrics

        check_metrics(args.metrics)  # a typo fails before the frames are built
    if args.preset:
        if args.region:
            find_region(regions, args.region)  # an unknown region is an error with a preset too
        f = PRESETS[args.preset]
        level = args.level or "city"
    else:
        if args.level is None:
            raise ConfigError("--by is required (institution, site, city or region), or use --preset")
        level = args.level
        f = parse_filters(args, regions)
    frames = load_frames(engine, regions)
    if args.preset:
        table = rank_preset(frames, args.preset, level, preset_regions(regions, args.preset))
    else:
        table = rank(frames, level, f)
    if args.metrics:
        table = _with_metrics(engine, frames, table, level, f, args.metrics, regions)
    if args.sort_by:
        if args.sort_by not in table.columns:
            raise ConfigError(f"cannot sort by {args.sort_by!r}; columns: {', '.join(table.columns)}")
        table = table.sort(args.sort_by, descending=True, nulls_last=True, maintain_order=True)
    if args.limit:
        table = table.head(args.limit)
    if args.fmt == "csv":
        return to_csv(table)
    if args.fmt == "json":
        return json.dumps(table.to_dicts(), ensure_ascii=False, indent=1) + "\n"
    return ranking_table(table)


def _with_metrics(engine: Engine, frames: Frames, table: pl.DataFrame, level: str, f: Filters,
                  names: Sequence[str], regions: Sequence[Region]) -> pl.DataFrame:  # fmt: skip
    """The ranking with the ``--metric`` columns appended (the peers of ``lq:<area>`` are the region's)."""
    from db.reader import Reader
    from trials.analytics.extras import add_metrics, check_metrics
    from trials.analytics.ties import country_data
    from trials.rules.regions import default_peers

    names = check_metrics(names)
    peers = default_peers(find_region(regions, f.region), regions) if f.region else []

    def countries() -> CountryData:
        sc = Reader(engine).site_countries()
        return country_data(sc.studies, sc.places, regions)

    return add_metrics(table, frames, level, f, names, peers=peers, countries=countries)
