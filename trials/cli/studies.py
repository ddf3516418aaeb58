"""``trials studies``: one row per stored study with its areas and their evidence, filtered as a ranking."""

from __future__ import annotations

import json
from dataclasses import dataclass

from db.reader import Engine
from trials.analytics.frames_cache import load_frames
from trials.analytics.studies import joined, study_list
from trials.cli.rank import FilterArgs, parse_filters
from trials.present.export import to_csv
from trials.rules.regions import configured_regions


@dataclass
class StudiesArgs(FilterArgs):
    fmt: str = "csv"


def run_studies(engine: Engine, args: StudiesArgs) -> str:
    """The study list (:func:`trials.analytics.studies.study_list`) under ``trials rank``'s filters.

    CSV: lists ``|``-separated, cells neutralised against spreadsheet formulas; JSON: lists as arrays.
    """
    regions = configured_regions()
    f = parse_filters(args, regions)
    table = study_list(load_frames(engine, regions), f)
    if args.fmt == "json":
        return json.dumps(table.to_dicts(), ensure_ascii=False, indent=1, default=str) + "\n"
    return to_csv(joined(table))
