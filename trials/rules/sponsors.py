"""The country of a lead sponsor, only where our data says it: never a guess.

The registry gives a lead sponsor's name and class, not its country. Our curated institutions
(``trials/data/institutions.toml``) each sit in a place whose country we know (German municipalities, the
configured regions' places), so a sponsor named like a curated institution ("University Hospital, Essen")
has that institution's country. Anything else - a company, a foundation, an institution we do not curate, or a
name that matches institutions in two countries - is ``None``: "unknown" to the reader.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from trials.rules.institutions import Curated, clean_facility, load_institutions
from trials.rules.regions import Region
from trials.source.queries import COUNTRY_NAMES

#: The country of a German municipality's place id (``de:<AGS>``), in the registry's spelling.
GERMANY = COUNTRY_NAMES["DE"]


def place_country(place_id: str, region_places: Mapping[str, str]) -> str | None:
    """A place's country in the registry's spelling: German municipalities by their id, other places only when a
    configured region lists them (``region_places``: place id -> ISO code); else None."""
    if place_id.startswith("de:"):
        return GERMANY
    code = region_places.get(place_id)
    return COUNTRY_NAMES.get(code) if code else None


@dataclass(frozen=True)
class _Rule:
    country: str
    pattern: re.Pattern[str]  # the curated institution's own patterns, combined
    place: re.Pattern[str]  # its place's names: the sponsor's name must say where it is


@dataclass(frozen=True)
class SponsorCountries:
    """The curated institutions whose country we know, each with its patterns and its place's names."""

    rules: tuple[_Rule, ...]
    #: Any place name of any rule: a sponsor naming none of them (most companies) is unknown at once, which keeps a
    #: world-scale table of sponsors fast (one search instead of one per curated institution).
    places: re.Pattern[str] = re.compile(r"(?!)")
    _cache: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def country(self, sponsor: str | None) -> str | None:
        """The sponsor's country (registry spelling) when its name matches a curated institution's patterns *and*
        names that institution's place, and every such institution is in one country; else None.

        The place name is required because the curated patterns are written to be matched within a place (a
        site's city is known): on their own some are generic ("university hospital"), and a sponsor's name has no
        city beside it. Conservative on purpose: "Herlev Hospital" stays unknown rather than guessed.
        """
        if not sponsor or not sponsor.strip():
            return None
        if sponsor in self._cache:
            return self._cache[sponsor]
        cleaned = clean_facility(sponsor)
        variants = (cleaned, re.sub(r"\s*-\s*", "-", cleaned))
        found: str | None = None
        if any(self.places.search(v) for v in variants):
            hits = {r.country for r in self.rules if any(r.pattern.search(v) and r.place.search(v) for v in variants)}
            found = hits.pop() if len(hits) == 1 else None
        self._cache[sponsor] = found
        return found


def sponsor_countries(institutions: Mapping[str, Curated], regions: Sequence[Region]) -> SponsorCountries:
    """The matcher of :meth:`SponsorCountries.country` for these institutions and regions (only institutions in a
    configured region's place: those are the places whose names and country we know)."""
    places = {p.id: p for r in regions for p in r.places}
    region_places = {pid: p.country for pid, p in places.items()}
    rules = []
    for inst in institutions.values():
        country = place_country(inst.place, region_places)
        place = places.get(inst.place)
        if country is None or place is None or not inst.patterns:
            continue
        names = sorted({clean_facility(n) for n in (place.name, *place.aliases)} - {""}, key=len, reverse=True)
        rules.append(_Rule(
            country,
            re.compile("|".join(f"(?:{p.pattern})" for p in inst.patterns)),
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)"),
        ))  # fmt: skip
    any_place = sorted({r.place.pattern for r in rules})
    return SponsorCountries(
        tuple(rules), re.compile("|".join(f"(?:{p})" for p in any_place)) if any_place else re.compile(r"(?!)")
    )


@lru_cache(maxsize=2)
def _default(regions: tuple[Region, ...]) -> SponsorCountries:
    return sponsor_countries(load_institutions(), regions)


def default_sponsor_countries(regions: Sequence[Region]) -> SponsorCountries:
    """The matcher over the built-in institutions (cached per set of regions)."""
    return _default(tuple(regions))
