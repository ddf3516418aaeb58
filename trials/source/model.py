"""Typed shapes of ClinicalTrials.gov API v2 study records (only what we store), decoded with msgspec.

Every field is optional and every enum is a plain string: the registry adds modules and enum
values over time, and older or projected records leave whole modules out. Decoding must not fail
on any of that; it fails only on a wrong *type*, and such a record goes to quarantine.
"""

from __future__ import annotations

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


class Location(_Struct):
    facility: str | None = None
    status: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    geo_point: GeoPoint | None = None


class ContactsLocationsModule(_Struct):
    locations: list[Location] = []


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
    return _page_decoder.decode(body)


def decode_version(body: bytes) -> VersionInfo:
    return _version_decoder.decode(body)
