"""Read-only views for curation: every site with its assignments, and unresolved institutions."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from typing import Any

from db.reader import SITE_COLUMNS, Engine, Reader
from trials.present.export import neutralise
from trials.rules.institutions import CONFIDENT

UNRESOLVED_COLUMNS = ["place", "facility", "status", "institution_id", "institution_name", "sites"]


def iter_sites(engine: Engine, region: str | None = None) -> Iterator[dict[str, Any]]:
    """Every stored site (optionally only those in ``region``), in NCT ID and site order."""
    return Reader(engine).iter_sites(region)


def sites_csv(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """The sites as CSV, in chunks; facility names and every other text cell neutralised against formulas."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SITE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else neutralise(v)) for k, v in row.items()})
        if buf.tell() > 1 << 16:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def unresolved_institutions(engine: Engine, region: str | None = None) -> list[dict[str, Any]]:
    """Facility strings that became local institutions or matched with low confidence, most sites first."""
    counts: Counter[tuple[str, str, str, str, str]] = Counter()
    for s in iter_sites(engine, region):
        status = s["institution_status"]
        low = status == "fuzzy" and (s["institution_confidence"] or 0) < CONFIDENT
        if status == "local" or low:
            counts[(s["place_name"] or "(unplaced)", s["facility"] or "", status, s["institution_id"] or "",
                    s["institution_name"] or "")] += 1  # fmt: skip
    return [
        {"place": p, "facility": f, "status": st, "institution_id": iid, "institution_name": name, "sites": n}
        for (p, f, st, iid, name), n in counts.most_common()
    ]


def unresolved_csv(rows: list[dict[str, Any]]) -> str:
    """:func:`unresolved_institutions` as CSV, every text cell neutralised against spreadsheet formulas."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=UNRESOLVED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: neutralise(v) for k, v in row.items()} for row in rows)
    return buf.getvalue()
