"""Exports that carry no surprises: CSV and XLSX cells (and the deck's chart workbooks, through
:func:`neutral_text`) neutralised against spreadsheet formula injection."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import polars as pl
import xlsxwriter

from trials.analytics.metrics import PARTIAL
from trials.present.labels import counting_rules, label

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe (OWASP advice).

    Numbers stay numbers: only strings are touched, so a negative growth rate is not altered.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutral_text(text: str) -> str:
    """:func:`neutralise` for a text that must stay text (a chart category or series name, an XLSX string)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


#: The column a download of synthetic data carries in every row (and the XLSX's Provenance sheet says it first),
#: so a file that leaves the app cannot be mistaken for registry data.
SYNTHETIC_COLUMN = "synthetic_data"


def mark_synthetic(table: pl.DataFrame, synthetic: bool) -> pl.DataFrame:
    """``table`` with the :data:`SYNTHETIC_COLUMN` first when the data is synthetic (else unchanged)."""
    if not synthetic:
        return table
    return table.select(pl.lit(label("synthetic_file", "en")).alias(SYNTHETIC_COLUMN), pl.all())


def to_csv(table: pl.DataFrame, synthetic: bool = False) -> str:
    """``table`` as CSV (cells neutralised), marked in every row when the data is ``synthetic``."""
    table = mark_synthetic(table, synthetic)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.iter_rows():
        writer.writerow([_cell(v) for v in row])
    return buf.getvalue()


def _cell(value: object) -> object:
    """A CSV cell: empty for a missing value, ``true``/``false`` for a flag (as in JSON), else neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise(value)


def to_xlsx(
    table: pl.DataFrame,
    filters: Any,
    level: str,
    data_version: str,
    data_timestamp: str | None = None,
    queries: Sequence[str] = (),
    synthetic: bool = False,
    sheets: Mapping[str, pl.DataFrame] | None = None,
) -> bytes:
    """The ranking plus a 'Provenance' sheet: filters, data version and timestamp, queries, generated at, rules
    (and, for a ranking with the ``partial`` column, what a partial count is). Synthetic data is marked in every
    row and in the Provenance sheet's first line."""
    table = mark_synthetic(table, synthetic)
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    _write_frame(book.add_worksheet("Ranking"), table)
    for title, frame in (sheets or {}).items():  # site intelligence (issue 17): one sheet per table, after the ranking
        _write_frame(book.add_worksheet(neutral_text(title)[:31]), mark_synthetic(frame, synthetic))
    prov = book.add_worksheet("Provenance")
    lines = [("data", label("synthetic_file", "en"))] if synthetic else []
    lines += [
        ("source", "ClinicalTrials.gov API v2, harvested by ruhr-trials"),
        ("registry data timestamp", data_timestamp or "unknown"),
        ("data version (harvest run)", data_version),
        ("generated at", dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        ("ranking", level),
        ("counting rules", counting_rules("en")),
    ]
    if PARTIAL in table.columns:
        lines.append((PARTIAL, label("partial_note", "en")))
    lines += [(f"filter: {k}", str(v)) for k, v in asdict(filters).items() if v not in (None, (), "")]
    lines += [(f"registry query {i}", q) for i, q in enumerate(queries, start=1)]
    for r, (k, v) in enumerate(lines):
        prov.write_string(r, 0, neutral_text(k))
        prov.write_string(r, 1, neutral_text(v))  # filters come from the URL: a sponsor "=HYPERLINK(...)" stays text
    book.close()
    return buf.getvalue()


def _write_frame(sheet: Any, frame: pl.DataFrame) -> None:
    """A frame on a worksheet: header, then rows; lists (the NCT IDs behind a figure) as ``|``-joined text, every
    text neutralised, numbers as numbers (NaN and infinity left empty: a spreadsheet cannot hold them)."""
    for c, name in enumerate(frame.columns):
        sheet.write_string(0, c, neutral_text(name))
    for r, row in enumerate(frame.iter_rows(), start=1):
        for c, value in enumerate(row):
            if isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                if math.isfinite(value):
                    sheet.write_number(r, c, value)
            elif isinstance(value, list):
                sheet.write_string(r, c, neutral_text("|".join(str(v) for v in value)))
            elif value is not None:
                sheet.write_string(r, c, neutral_text(str(value)))
