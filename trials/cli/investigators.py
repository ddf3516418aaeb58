"""``trials investigators``: the stored investigators per person and role, filtered by region and institution."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import polars as pl
from rich import box
from rich.console import Console
from rich.table import Table

from db.reader import Engine, Reader
from trials.analytics.investigators import in_region, investigator_list, of_institution
from trials.present.export import to_csv
from trials.rules.regions import configured_regions, find_region


@dataclass
class InvestigatorArgs:
    region: str | None = None
    institution: str | None = None
    fmt: str = "table"


def run_investigators(engine: Engine, args: InvestigatorArgs) -> str:
    """The list of :func:`trials.analytics.investigators.investigator_list` as CSV (NCT IDs ``|``-separated, cells
    neutralised against spreadsheet formulas), JSON (NCT IDs as arrays) or a table for reading.

    An unknown region is a :class:`trials.errors.ConfigError` (exit 2), like ``trials rank --region``."""
    rows = Reader(engine).investigators()
    if args.region:
        rows = in_region(rows, find_region(configured_regions(), args.region).name)
    if args.institution:
        rows = of_institution(rows, args.institution)
    table = investigator_list(rows)
    if args.fmt == "json":
        return json.dumps(table.to_dicts(), ensure_ascii=False, indent=1, default=str) + "\n"
    flat = table.with_columns(pl.col("nct_ids").list.join("|"))
    if args.fmt == "csv":
        return to_csv(flat)
    return _text(flat)


def _text(table: pl.DataFrame, width: int = 200) -> str:
    """The list for reading: who, role, where, trials, and since when the registry no longer lists them."""
    out = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("name", "role", "institution", "city", "trials", "first seen", "last seen", "no longer listed since"):
        out.add_column(col, justify="right" if col == "trials" else "left", overflow="fold")
    for r in table.iter_rows(named=True):
        since = f"{r['no_longer_listed_since']} (run {r['dropped_run']})" if r["no_longer_listed_since"] else ""
        role = ("official " if r["kind"] == "official" else "") + str(r["role"]).lower().replace("_", " ")
        out.add_row(r["name"], role, r["institution"] or "", r["city"] or "", str(r["trials"]),
                    str(r["first_seen"] or ""), str(r["last_seen"] or ""), since)  # fmt: skip
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None, highlight=False, emoji=False).print(out)
    lines = [line.rstrip() for line in buf.getvalue().splitlines()]
    return "\n".join(lines).strip("\n") + f"\n{table.height} investigators (one row per person and role)\n"
