"""Tables for the terminal: a ranking with the catalogue's headers and each metric in its number format."""

from __future__ import annotations

import io
from dataclasses import replace

import polars as pl
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from trials.analytics.metrics import EXTRA_BY_NAME, LQ, METRICS, PARTIAL, Metric
from trials.present.labels import label, metric_label

#: The mark of a row with partial counts (:data:`trials.analytics.metrics.PARTIAL`), explained under the table.
PARTIAL_MARK = "\u2020"


def ranking_table(table: pl.DataFrame, lang: str = "en", width: int = 160) -> str:
    """A ranking (see :func:`trials.analytics.rankings.rank`) as text: rank, name, then every metric of the
    metric table that has a value in some row (a column that is null throughout, such as growth without a
    time window, is left out). Rows with partial counts carry a dagger, explained in a footnote. CSV and JSON keep
    the column names and raw numbers (and the ``partial`` column); this is for reading."""
    shown = [m for m in METRICS if m.column in table.columns and table[m.column].null_count() < table.height]
    shown += extra_metrics(table)  # `trials rank --metric` columns, after the metric table's
    out = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    out.add_column(label("rank", lang), justify="right")
    out.add_column(label("name", lang), overflow="fold")
    for m in shown:
        out.add_column(metric_label(m, lang), justify="right")
    for row in table.iter_rows(named=True):
        name = str(row["name"]) + (f" {PARTIAL_MARK}" if row.get(PARTIAL) else "")
        out.add_row(str(row["rank"]), Text(name), *(m.format(row[m.column], lang) for m in shown))
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None, highlight=False, emoji=False).print(out)
    lines = [line.rstrip() for line in buf.getvalue().splitlines()]
    if PARTIAL in table.columns and table[PARTIAL].any():
        lines.append(f"{PARTIAL_MARK} {label('partial_note', lang)}")
    return "\n".join(lines).strip("\n") + "\n"


def extra_metrics(table: pl.DataFrame) -> list[Metric]:
    """The site-intelligence metrics (:data:`trials.analytics.metrics.EXTRA`, ``lq_<area>``) among ``table``'s
    columns, in column order, each as a metric whose column is the table's."""
    out: list[Metric] = []
    for col in table.columns:
        if col in EXTRA_BY_NAME:
            out.append(EXTRA_BY_NAME[col])
        elif col.startswith("lq_"):
            out.append(replace(LQ, column=col))
    return out
