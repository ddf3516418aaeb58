"""What changed in a study between two harvests that its new record alone would not show.

The registry keeps only the current record: when a site disappears or a study no longer has a
site in a region, an upsert silently overwrites the old rows. These pure functions name those
changes so the store can keep them as history (``study_events``), for trial offices and for
honest trends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def _site_key(site: Mapping[str, Any]) -> tuple[str, str, str]:
    """A site is its facility in its city and country (ordinals shift when sites are added)."""
    return (
        (site.get("facility") or "").strip().casefold(),
        (site.get("city") or "").strip().casefold(),
        (site.get("country") or "").strip().casefold(),
    )


def _regions(sites: Iterable[Mapping[str, Any]]) -> set[str]:
    return {r for s in sites for r in (s.get("regions") or "").split("|") if r}


def site_events(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """``(kind, detail)`` for every site that is gone and every region the study has left.

    A site counts as gone when no site of the new record has the same facility, city and country
    (case-insensitive). A region is left when none of the new sites is placed in it any more.
    """
    new_keys = {_site_key(s) for s in new}
    events: list[tuple[str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    for site in old:
        key = _site_key(site)
        if key not in new_keys and key not in seen:
            seen.add(key)
            label = ", ".join(p for p in (site.get("facility"), site.get("city"), site.get("country")) if p)
            events.append(("site_removed", label or "(unnamed site)"))
    events += [("left_region", r) for r in sorted(_regions(old) - _regions(new))]
    return events
