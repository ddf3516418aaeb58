"""Pure functions from a decoded study record to the rows we store.

Nothing here touches the network or the database, so the same rules can be re-run over the raw
records at any time (``trials renormalize``) and tested on single records.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from trials.rules.investigators import investigator_rows
from trials.source.model import Study

#: ClinicalTrials.gov shows ``99999999`` where the enrollment is unknown; it is not a count.
ENROLLMENT_PLACEHOLDER = 99_999_999

NCT_ID = re.compile(r"^NCT\d{8}$")
KNOWN_PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")

Row = dict[str, Any]


class NormalisationError(ValueError):
    """The record cannot be turned into rows; the message is the quarantine reason."""


@dataclass
class NormalisedStudy:
    """All rows for one study; child rows carry ``nct_id`` so they can be written in bulk."""

    nct_id: str
    study: Row
    sites: list[Row] = field(default_factory=list)
    phases: list[Row] = field(default_factory=list)
    conditions: list[Row] = field(default_factory=list)
    mesh_terms: list[Row] = field(default_factory=list)
    browse_leaves: list[Row] = field(default_factory=list)
    browse_branches: list[Row] = field(default_factory=list)
    collaborators: list[Row] = field(default_factory=list)
    areas: list[Row] = field(default_factory=list)
    #: Site investigators and overall officials (trials.rules.investigators); merged on write, never replaced.
    investigators: list[Row] = field(default_factory=list)


def parse_partial_date(value: str | None) -> tuple[dt.date | None, str | None]:
    """``'2023-05'`` -> (2023-05-01, 'month'); ``'2023'`` -> (2023-01-01, 'year'); bad -> (None, None).

    The registry stores month-precision dates for many older studies; keeping the precision
    lets a time-window filter say how exact it is instead of pretending day precision.
    """
    if not value:
        return None, None
    m = _DATE.match(value.strip())
    if not m:
        return None, None
    year, month, day = m.group(1), m.group(2), m.group(3)
    try:
        parsed = dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None, None
    return parsed, "day" if day else "month" if month else "year"


def normalise_enrollment(count: int | None) -> int | None:
    """The enrollment count, or ``None`` for missing, negative or the ``99999999`` placeholder."""
    if count is None or count < 0 or count == ENROLLMENT_PLACEHOLDER:
        return None
    return count


def normalise_phases(phases: list[str]) -> list[str]:
    """Upper-cased, de-duplicated phases in the registry's order of phases.

    Phase 1/2 studies carry two values and count in both buckets later. Unknown values are kept
    (upper-cased) rather than dropped, so a new registry enum shows up instead of vanishing.
    """
    seen: list[str] = []
    for p in phases:
        v = p.strip().upper()
        if v and v not in seen:
            seen.append(v)
    order = {p: i for i, p in enumerate(KNOWN_PHASES)}
    return sorted(seen, key=lambda p: (order.get(p, len(order)), p))


_MESSY_SPACE = re.compile(r"\s{2,}|[\t\n\r\f\v]")


def _clean(text: str | None) -> str | None:
    """Trimmed text with runs of white space folded to one blank; empty -> None."""
    if text is None:
        return None
    t = text.strip()
    # Every white-space character but the blank is unprintable, so printable text without a double blank
    # has nothing to fold: that test spares the regex for nearly every value (millions per harvest).
    if (not t.isprintable() or "  " in t) and _MESSY_SPACE.search(t):
        t = " ".join(t.split())
    return t or None


def normalise_study(study: Study) -> NormalisedStudy:
    """Rows for one decoded study; raises :class:`NormalisationError` when it has no usable NCT ID."""
    ps = study.protocol_section
    ident = ps.identification_module if ps else None
    nct_id = (ident.nct_id or "").strip().upper() if ident else ""
    if not nct_id:
        raise NormalisationError("record has no protocolSection.identificationModule.nctId")
    if not NCT_ID.match(nct_id):
        raise NormalisationError(f"nctId {nct_id!r} is not of the form NCT + 8 digits")
    assert ps is not None and ident is not None

    status = ps.status_module
    design = ps.design_module
    sponsors = ps.sponsor_collaborators_module
    lead = sponsors.lead_sponsor if sponsors else None

    def date_of(attr: str) -> tuple[dt.date | None, str | None]:
        struct = getattr(status, attr, None) if status else None
        return parse_partial_date(struct.date if struct else None)

    start, start_precision = date_of("start_date_struct")
    completion, _ = date_of("completion_date_struct")
    primary_completion, _ = date_of("primary_completion_date_struct")
    first_posted, _ = date_of("study_first_post_date_struct")
    last_update, _ = date_of("last_update_post_date_struct")
    enrollment = design.enrollment_info if design else None

    row: Row = {
        "nct_id": nct_id,
        "brief_title": _clean(ident.brief_title),
        "official_title": _clean(ident.official_title),
        "acronym": _clean(ident.acronym),
        "overall_status": (status.overall_status if status else None),
        "study_type": (design.study_type if design else None),
        "start_date": start,
        "start_date_precision": start_precision,
        "primary_completion_date": primary_completion,
        "completion_date": completion,
        "first_posted_date": first_posted,
        "last_update_posted_date": last_update,
        "enrollment": normalise_enrollment(enrollment.count if enrollment else None),
        "enrollment_type": enrollment.type if enrollment else None,
        "lead_sponsor_name": _clean(lead.name) if lead else None,
        "lead_sponsor_class": (lead.klass.upper() if lead and lead.klass else None),
        "has_results": bool(study.has_results),
        "synthetic": bool(study.synthetic),
    }
    out = NormalisedStudy(nct_id=nct_id, study=row)

    out.phases = [{"nct_id": nct_id, "phase": p} for p in normalise_phases(design.phases if design else [])]

    locations = ps.contacts_locations_module.locations if ps.contacts_locations_module else []
    for i, loc in enumerate(locations):
        point = loc.geo_point
        out.sites.append(
            {
                "nct_id": nct_id,
                "ordinal": i,
                "facility": _clean(loc.facility),
                "status": loc.status,
                "city": _clean(loc.city),
                "state": _clean(loc.state),
                "zip": _clean(loc.zip),
                "country": _clean(loc.country),
                "lat": point.lat if point else None,
                "lon": point.lon if point else None,
            }
        )

    cond = ps.conditions_module
    seen_cond: set[str] = set()
    for c in cond.conditions if cond else []:
        text = _clean(c)
        if text and text.casefold() not in seen_cond:
            seen_cond.add(text.casefold())
            out.conditions.append({"nct_id": nct_id, "ordinal": len(out.conditions), "condition": text})

    browse = study.derived_section.condition_browse_module if study.derived_section else None
    if browse:
        seen_mesh: set[tuple[str, str]] = set()
        for kind, terms in (("mesh", browse.meshes), ("ancestor", browse.ancestors)):
            for t in terms:
                if t.id and (t.id, kind) not in seen_mesh:
                    seen_mesh.add((t.id, kind))
                    out.mesh_terms.append({"nct_id": nct_id, "mesh_id": t.id, "term": t.term, "kind": kind})
        seen_leaf: set[str] = set()
        for leaf in browse.browse_leaves:
            if leaf.id and leaf.id not in seen_leaf:
                seen_leaf.add(leaf.id)
                out.browse_leaves.append(
                    {"nct_id": nct_id, "leaf_id": leaf.id, "name": leaf.name, "relevance": leaf.relevance}
                )
        seen_branch: set[str] = set()
        for br in browse.browse_branches:
            if br.abbrev and br.abbrev not in seen_branch:
                seen_branch.add(br.abbrev)
                out.browse_branches.append({"nct_id": nct_id, "abbrev": br.abbrev, "name": br.name})

    for i, collab in enumerate(sponsors.collaborators if sponsors else []):
        if collab.name:
            out.collaborators.append(
                {"nct_id": nct_id, "ordinal": i, "name": _clean(collab.name), "agency_class": collab.klass}
            )
    out.investigators = investigator_rows(nct_id, study, out.sites)
    return out
