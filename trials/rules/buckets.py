"""Phase and sponsor buckets: the coarse categories rankings filter and count by.

A Phase 1/2 study (``[PHASE1, PHASE2]``) belongs to both the early-phase and the phase-2 bucket;
counts per bucket therefore add up to more than the number of studies, and the app says so.
Their names, in English and German, are in the label catalogue (``phase.<bucket>``, ``sponsor.<bucket>``).
"""

from __future__ import annotations

PHASE_BUCKETS = ("early", "phase2", "phase3", "phase4", "not_applicable", "observational", "unknown")
SPONSOR_BUCKETS = ("industry", "academic_other", "government_network", "unknown")
_PHASE = {"EARLY_PHASE1": "early", "PHASE1": "early", "PHASE2": "phase2", "PHASE3": "phase3", "PHASE4": "phase4",
          "NA": "not_applicable"}  # fmt: skip


def phase_buckets(phases: list[str], study_type: str | None) -> list[str]:
    """Buckets of a study's phases.

    Early phase 1 and phase 1 are one bucket because sponsors scout first-in-human capacity as one
    thing. Observational studies have no phases in the registry and get their own bucket; an
    interventional study without a phase is ``unknown`` rather than silently dropped.
    """
    buckets = sorted({_PHASE[p] for p in phases if p in _PHASE}, key=PHASE_BUCKETS.index)
    if buckets:
        return buckets
    if (study_type or "").upper() == "OBSERVATIONAL":
        return ["observational"]
    return ["unknown"]


def sponsor_bucket(lead_sponsor_class: str | None) -> str:
    """Industry vs academic/other vs public funders.

    ``OTHER`` is mostly universities and hospitals (academic); ``INDIV`` (an individual investigator)
    is counted with them. ``NIH``, ``FED``, ``OTHER_GOV`` and ``NETWORK`` are public or network
    sponsors; ``AMBIG``/``UNKNOWN``/missing stay ``unknown``.
    """
    c = (lead_sponsor_class or "").upper()
    if c == "INDUSTRY":
        return "industry"
    if c in ("OTHER", "INDIV"):
        return "academic_other"
    if c in ("NIH", "FED", "OTHER_GOV", "NETWORK"):
        return "government_network"
    return "unknown"
