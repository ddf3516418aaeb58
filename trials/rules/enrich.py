"""Derived rows for a normalised study: each site's place, regions and institution; the study's areas.

Kept apart from :mod:`trials.rules.normalise` because these rules depend on editable reference data
(region file, alias table) and are re-applied by ``trials renormalize`` when that data changes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from trials.rules.areas import classify_evidence
from trials.rules.institutions import InstitutionResolver, default_resolver
from trials.rules.investigators import link_institutions
from trials.rules.normalise import NormalisedStudy
from trials.rules.places import Gazetteer, build_gazetteer
from trials.rules.regions import configured_regions
from trials.settings import Settings, get_settings
from trials.source.model import Study

_gazetteers: dict[Path | None, Gazetteer] = {}
#: The reference data enrichment reads: the configured gazetteer and institution resolver.
Reference = tuple[Gazetteer, InstitutionResolver]


def gazetteer(settings: Settings | None = None) -> Gazetteer:
    """The gazetteer for the configured region file (``$TRIALS_REGIONS_FILE`` or the built-in one)."""
    path = (settings or get_settings()).regions_file
    gaz = _gazetteers.get(path)
    if gaz is None:
        with collector_paused():
            gaz = _gazetteers[path] = build_gazetteer(configured_regions())
    return gaz


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a large structure without garbage cycles is built.

    Building the gazetteer allocates hundreds of thousands of objects that all stay alive, and the collector
    would walk them again and again while they are added: half the build time, which every harvest's decoder
    process pays before its first page."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def resolver(settings: Settings | None = None) -> InstitutionResolver:
    """The institution resolver of ``$TRIALS_INSTITUTIONS_FILE`` or the built-in alias table."""
    path = (settings or get_settings()).institutions_file
    return default_resolver(str(path) if path else None)


def reference_data(settings: Settings | None = None) -> Reference:
    """The gazetteer and the institution resolver of the configured files.

    Look them up once per batch of records and hand them to :func:`enrich`: reading the settings from the
    environment costs more than enriching a small study."""
    settings = settings or get_settings()
    return gazetteer(settings), resolver(settings)


def enrich(normalised: NormalisedStudy, study: Study, reference: Reference | None = None) -> NormalisedStudy:
    """Add place, region and institution to every site row (and to its investigators), and the study's
    therapeutic areas. ``reference``: :func:`reference_data` (looked up here when not given)."""
    gaz, res = reference or reference_data()
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
    link_institutions(normalised.investigators, normalised.sites, res)
    normalised.areas = [
        {"nct_id": normalised.nct_id, "area": e.area, "evidence": e.text()} for e in classify_evidence(study)
    ]
    return normalised
