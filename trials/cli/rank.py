"""``trials rank``: validate the options, build the frames, rank, format (table, CSV, JSON)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Engine

from trials.analytics.rankings import PRESET_PLACES, PRESETS, SPONSOR_CLASSES, Filters, build_frames, rank, rank_preset
from trials.errors import ConfigError
from trials.present.export import to_csv
from trials.rules.areas import AREA_BY_CODE
from trials.rules.buckets import PHASE_BUCKETS
from trials.rules.regions import configured_regions


@dataclass
class RankArgs:
    level: str | None
    region: str | None = None
    phases: tuple[str, ...] = ()
    sponsor_classes: tuple[str, ...] = ()
    sponsor_name: str | None = None
    areas: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    date_field: str = "start"
    preset: str | None = None
    limit: int | None = None
    fmt: str = "table"


def _check(values: tuple[str, ...], allowed: tuple[str, ...] | list[str], what: str) -> tuple[str, ...]:
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ConfigError(f"unknown {what} {', '.join(bad)}; choose from {', '.join(allowed)}")
    return values


def run_rank(engine: Engine, args: RankArgs) -> str:
    regions = configured_regions()
    names = [r.name for r in regions]
    if args.region and args.region not in names:
        raise ConfigError(f"unknown region {args.region!r}; known regions: {', '.join(names)}")
    if args.preset:
        f = PRESETS[args.preset]
        level = args.level or "city"
    else:
        if args.level is None:
            raise ConfigError("--by is required (institution, site, city or region), or use --preset")
        level = args.level
        f = Filters(
            region=args.region,
            year_from=args.year_from,
            year_to=args.year_to,
            date_field=args.date_field,
            phases=_check(tuple(args.phases), PHASE_BUCKETS, "phase bucket"),
            sponsor_classes=_check(tuple(c.upper() for c in args.sponsor_classes), SPONSOR_CLASSES, "sponsor class"),
            sponsor_name=args.sponsor_name,
            areas=_check(tuple(args.areas), list(AREA_BY_CODE), "area"),
            statuses=tuple(s.upper() for s in args.statuses),
        )
    frames = build_frames(engine, regions)
    if args.preset:
        table = rank_preset(frames, args.preset, level, [r for r in PRESET_PLACES if r in names])
    else:
        table = rank(frames, level, f)
    if args.limit:
        table = table.head(args.limit)
    if args.fmt == "csv":
        return to_csv(table)
    if args.fmt == "json":
        return json.dumps(table.to_dicts(), ensure_ascii=False, indent=1) + "\n"
    with pl.Config(tbl_rows=max(len(table), 10), tbl_cols=12, tbl_width_chars=160, tbl_hide_dataframe_shape=True):
        return str(table.drop("key")) + "\n"
