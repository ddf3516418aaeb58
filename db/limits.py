"""What the content columns can hold, checked before a page is written, so both databases store the same thing.

SQLite keeps any text in a ``VARCHAR(n)``, integers up to 2⁶³ in an ``INTEGER`` and NUL characters in
text; PostgreSQL refuses all three (``DataError``), and one such value would fail the whole page there
while SQLite stored it. So every accepted record is checked against the columns of :mod:`db.models`
(their ``String(n)`` lengths, the 32-bit ``Integer`` range, no NUL in any text) before the
transaction; a record that does not fit goes to quarantine with the table, column and limit named, on
every database alike. The limits are read from the models, so a new column is checked too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, String, Table

from db.models import CONTENT_TABLES
from trials.rules.classify import Accepted, Rejected, reject
from trials.rules.normalise import NormalisedStudy

#: PostgreSQL's ``integer`` (what ``Integer`` is there).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: The attribute of :class:`NormalisedStudy` holding each child table's rows.
ROWS_OF = {
    "sites": "sites",
    "study_phases": "phases",
    "conditions": "conditions",
    "mesh_terms": "mesh_terms",
    "browse_leaves": "browse_leaves",
    "browse_branches": "browse_branches",
    "collaborators": "collaborators",
    "study_areas": "areas",
    "investigators": "investigators",
}


@dataclass(frozen=True)
class _Columns:
    table: str
    rows_attr: str | None  # None: the study row itself
    lengths: tuple[tuple[str, int], ...]
    integers: tuple[str, ...]


#: Child-table columns our own code fills from what is checked already (the study's NCT ID) or
#: counts (list positions): checking them on every row would only cost time.
_OWN = frozenset({"nct_id", "ordinal"})


def _columns(tbl: Table) -> _Columns:
    rows_attr = ROWS_OF.get(tbl.name)
    cols = [c for c in tbl.columns if rows_attr is None or c.name not in _OWN]
    lengths = tuple((c.name, c.type.length) for c in cols if isinstance(c.type, String) and c.type.length)
    integers = tuple(c.name for c in cols if isinstance(c.type, Integer))
    return _Columns(tbl.name, rows_attr, lengths, integers)


_PLAN = tuple(_columns(t) for t in CONTENT_TABLES if t.name == "studies" or t.name in ROWS_OF)


def _rows(study: NormalisedStudy, cols: _Columns) -> Sequence[dict[str, Any]]:
    return [study.study] if cols.rows_attr is None else getattr(study, cols.rows_attr)


def column_problem(item: Accepted) -> str | None:
    """Why ``item``'s rows cannot be stored the same on SQLite and PostgreSQL, or ``None`` when they can."""
    # Text can only hold NUL when the raw JSON escapes one (a raw NUL byte is not valid JSON): a
    # byte search spares the scan of every value for nearly every record.
    nul = b"\\u0000" in item.raw
    for cols in _PLAN:
        rows = _rows(item.study, cols)
        if not rows:
            continue
        for name, limit in cols.lengths:
            for row in rows:
                value = row.get(name)
                if value is not None and len(value) > limit:
                    return (
                        f"{cols.table}.{name} is {len(value)} characters long, the column holds at most {limit}: "
                        f"{value[:40]!r}"
                    )
        for name in cols.integers:
            for row in rows:
                value = row.get(name)
                if value is not None and not INT_MIN <= value <= INT_MAX:
                    return f"{cols.table}.{name} = {value} is outside the integer column's range {INT_MIN}..{INT_MAX}"
        if nul:
            for row in rows:
                for name, value in row.items():
                    if isinstance(value, str) and "\x00" in value:
                        return f"{cols.table}.{name} contains a NUL character (\\u0000), which PostgreSQL cannot store"
    return None


def screen(accepted: list[Accepted], rejected: list[Rejected]) -> tuple[list[Accepted], list[Rejected]]:
    """Move the accepted records whose values no column can hold to the rejected ones (with the reason)."""
    fits: list[Accepted] = []
    out = list(rejected)
    for item in accepted:
        why = column_problem(item)
        if why is None:
            fits.append(item)
        else:
            out.append(reject(item.raw, item.hash, why, item.study.nct_id))
    return fits, out
