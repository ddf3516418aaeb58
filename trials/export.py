"""Exports that carry no surprises: CSV cells neutralised against spreadsheet formula injection."""

from __future__ import annotations

import csv
import io

import polars as pl

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe (OWASP advice).

    Numbers stay numbers: only strings are touched, so a negative growth rate is not altered.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(table: pl.DataFrame) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.iter_rows():
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return buf.getvalue()
