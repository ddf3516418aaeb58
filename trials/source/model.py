"""Typed shapes of ClinicalTrials.gov API v2 study records (only what we store), decoded with msgspec.

Every field is optional and every enum is a plain string: the registry adds modules and enum
values over time, and older or projected records leave whole modules out. Decoding must not fail
on any of that; it fails only on a wrong *type*, and such a record goes to quarantine.
"""

from __future__ import annotations

import re

import msgspec


class _Struct(msgspec.Struct, rename="camel", omit_defaults=True, gc=False):
    """Decoded records are trees without cycles: keeping them out of the garbage collector's
    bookkeeping makes bulk decoding several times faster."""


class OrgInfo(_Struct):
    full_name: str | None = None
    klass: str | None = msgspec.field(default=None, name="class")


class IdentificationModule(_Struct):
    nct_id: str | None = None
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    organization: OrgInfo | None = None


class DateStruct(_Struct):
    date: str | None = None
    type: str | None = None


class StatusModule(_Struct):
    overall_status: str | None = None
    last_known_status: str | None = None
    why_stopped: str | None = None
    start_date_struct: DateStruct | None = None
    primary_completion_date_struct: DateStruct | None = None
    completion_date_struct: DateStruct | None = None
    study_first_post_date_struct: DateStruct | None = None
    last_update_post_date_struct: DateStruct | None = None
    status_verified_date: str | None = None


class Agency(_Struct):
    name: str | None = None
    klass: str | None = msgspec.field(default=None, name="class")


class SponsorCollaboratorsModule(_Struct):
    lead_sponsor: Agency | None = None
    collaborators: list[Agency] = []


class EnrollmentInfo(_Struct):
    count: int | None = None
    type: str | None = None


class DesignModule(_Struct):
    study_type: str | None = None
    phases: list[str] = []
    enrollment_info: EnrollmentInfo | None = None


class ConditionsModule(_Struct):
    conditions: list[str] = []
    keywords: list[str] = []


class GeoPoint(_Struct):
    lat: float | None = None
    lon: float | None = None


class Contact(_Struct):
    """A site contact: only its name and role are decoded. Phone numbers and e-mail addresses are left
    out on purpose: we never need them, and what is not decoded can never be stored."""

    name: str | None = None
    role: str | None = None


class Official(_Struct):
    """An overall official of the study (name, role, affiliation as the registry gives them)."""

    name: str | None = None
    affiliation: str | None = None
    role: str | None = None


class Location(_Struct):
    facility: str | None = None
    status: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    geo_point: GeoPoint | None = None
    contacts: list[Contact] = []


class ContactsLocationsModule(_Struct):
    locations: list[Location] = []
    overall_officials: list[Official] = []


class ProtocolSection(_Struct):
    identification_module: IdentificationModule | None = None
    status_module: StatusModule | None = None
    sponsor_collaborators_module: SponsorCollaboratorsModule | None = None
    design_module: DesignModule | None = None
    conditions_module: ConditionsModule | None = None
    contacts_locations_module: ContactsLocationsModule | None = None


class MeshTerm(_Struct):
    id: str | None = None
    term: str | None = None


class BrowseLeaf(_Struct):
    id: str | None = None
    name: str | None = None
    as_found: str | None = None
    relevance: str | None = None


class BrowseBranch(_Struct):
    abbrev: str | None = None
    name: str | None = None


class BrowseModule(_Struct):
    meshes: list[MeshTerm] = []
    ancestors: list[MeshTerm] = []
    browse_leaves: list[BrowseLeaf] = []
    browse_branches: list[BrowseBranch] = []


class MiscInfoModule(_Struct):
    version_holder: str | None = None


class DerivedSection(_Struct):
    misc_info_module: MiscInfoModule | None = None
    condition_browse_module: BrowseModule | None = None


class Study(_Struct):
    protocol_section: ProtocolSection | None = None
    derived_section: DerivedSection | None = None
    has_results: bool | None = None
    #: Set only by ``trials synth``: marks a made-up record so that nothing passes it off as real.
    synthetic: bool | None = msgspec.field(default=None, name="x-synthetic")


class StudiesPage(msgspec.Struct):
    """One page of ``GET /studies``; each study stays raw so we can hash and keep its exact bytes."""

    studies: list[msgspec.Raw] = []
    nextPageToken: str | None = None
    totalCount: int | None = None


class VersionInfo(msgspec.Struct):
    apiVersion: str | None = None
    dataTimestamp: str | None = None


_study_decoder = msgspec.json.Decoder(Study)
_page_decoder = msgspec.json.Decoder(StudiesPage)
_version_decoder = msgspec.json.Decoder(VersionInfo)


def decode_study(raw: bytes | msgspec.Raw) -> Study:
    """Decode one study record; raises ``msgspec.ValidationError``/``DecodeError`` with the JSON path."""
    return _study_decoder.decode(raw)


def decode_page(body: bytes) -> StudiesPage:
    """The page envelope with each study kept raw; a study nested too deep to decode does not cost the page.

    msgspec checks every value's depth even when it keeps it raw; a page holding one record nested
    thousands deep would fail whole. Such a page is split without recursion instead (slower, rare),
    so that record goes to quarantine and the others are stored.
    """
    try:
        return _page_decoder.decode(body)
    except RecursionError:
        return _split_deep_page(body)


#: A JSON string (escapes included) or one structural character: enough to find nesting and commas.
_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]')


def _split_deep_page(body: bytes) -> StudiesPage:
    """Split ``{"studies": [...], ...}`` into its raw studies by scanning tokens, never recursing."""
    depth = 0
    key: bytes | None = None
    last_string: bytes | None = None
    start = end = element = -1
    studies: list[msgspec.Raw] = []
    for m in _JSON_TOKEN.finditer(body):
        tok = m.group()
        if start >= 0 and end < 0:  # inside the studies array: depth 2 is where its elements are separated
            if tok in (b"[", b"{"):
                depth += 1
            elif tok in (b"]", b"}"):
                depth -= 1
                if depth == 1:
                    if body[element : m.start()].strip():
                        studies.append(msgspec.Raw(body[element : m.start()].strip()))
                    end = m.end()
            elif tok == b"," and depth == 2:
                studies.append(msgspec.Raw(body[element : m.start()].strip()))
                element = m.end()
            continue
        if tok in (b"[", b"{"):
            depth += 1
            if tok == b"[" and depth == 2 and key == b'"studies"':
                start = element = m.end()
        elif tok in (b"]", b"}"):
            depth -= 1
        elif depth == 1:
            if tok == b":":
                key = last_string
            elif tok == b",":
                key = None
            else:
                last_string = tok
    if start < 0 or end < 0:
        raise msgspec.DecodeError("JSON is nested too deeply and has no readable 'studies' array")
    try:
        envelope = _page_decoder.decode(body[: start - 1] + b"[]" + body[end:])
    except RecursionError as exc:
        raise msgspec.DecodeError("JSON is nested too deeply outside its 'studies' array") from exc
    envelope.studies = studies
    return envelope


def decode_version(body: bytes) -> VersionInfo:
    return _version_decoder.decode(body)
