"""Derived rows for a normalised study: each site's place, regions and institution; the study's areas.

Kept apart from :mod:`trials.rules.normalise` because these rules depend on editable reference data
(region file, alias table) and are re-applied by ``trials renormalize`` when that data changes.
"""

from __future__ import annotations

import os

from trials.rules.areas import classify_areas
from trials.rules.institutions import InstitutionResolver, default_resolver
from trials.rules.normalise import NormalisedStudy
from trials.rules.places import Gazetteer, build_gazetteer
from trials.rules.regions import REGIONS_ENV, configured_regions
from trials.source.model import Study

INSTITUTIONS_ENV = "TRIALS_INSTITUTIONS_FILE"
_gazetteers: dict[str | None, Gazetteer] = {}


def gazetteer() -> Gazetteer:
    """The gazetteer for the configured region file (``$TRIALS_REGIONS_FILE`` or the built-in one)."""
    path = os.environ.get(REGIONS_ENV) or None
    gaz = _gazetteers.get(path)
    if gaz is None:
        gaz = _gazetteers[path] = build_gazetteer(configured_regions())
    return gaz


def resolver() -> InstitutionResolver:
    return default_resolver(os.environ.get(INSTITUTIONS_ENV) or None)


def enrich(normalised: NormalisedStudy, study: Study) -> NormalisedStudy:
    """Add place, region and institution to every site row, and the study's therapeutic areas."""
    gaz, res = gazetteer(), resolver()
    for site in normalised.sites:
        a = gaz.assign(site["city"], site["zip"], site["country"], site["lat"], site["lon"])
        place = a.place
        inst = res.resolve(site["facility"], place.id if place else None)
        site.update(
            place_id=place.id if place else None,
            place_name=place.name if place else None,
            place_method=a.method,
            place_flag=a.flag,
            regions="|".join(place.regions) if place and place.regions else None,
            institution_id=inst.id,
            institution_name=inst.name,
            institution_status=inst.status,
            institution_confidence=round(inst.confidence, 3),
            placeholder=inst.placeholder,
        )
    areas, evidence = classify_areas(study)
    normalised.areas = [{"nct_id": normalised.nct_id, "area": a, "evidence": evidence} for a in areas]
    return normalised
