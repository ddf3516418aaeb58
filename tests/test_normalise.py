"""Decoding and normalisation rules on hand-made records (the edge cases the registry really has)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from trials.rules.classify import Accepted, Rejected, classify
from trials.rules.normalise import normalise_enrollment, normalise_phases, parse_partial_date


def record(**protocol: object) -> bytes:
    ps = {"identificationModule": {"nctId": "NCT01234567"}, **protocol}
    return json.dumps({"protocolSection": ps}).encode()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2023-05-17", (dt.date(2023, 5, 17), "day")),
        ("2023-05", (dt.date(2023, 5, 1), "month")),
        ("2023", (dt.date(2023, 1, 1), "year")),
        ("2023-13", (None, None)),
        ("May 2023", (None, None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_partial_dates(raw: str | None, expected: tuple[dt.date | None, str | None]) -> None:
    assert parse_partial_date(raw) == expected


def test_enrollment_placeholder_is_unknown() -> None:
    assert normalise_enrollment(99_999_999) is None
    assert normalise_enrollment(-1) is None
    assert normalise_enrollment(None) is None
    assert normalise_enrollment(0) == 0
    assert normalise_enrollment(250) == 250


def test_phases_are_ordered_deduplicated_and_unknown_values_kept() -> None:
    assert normalise_phases(["PHASE2", "phase1", "PHASE2"]) == ["PHASE1", "PHASE2"]
    assert normalise_phases(["PHASE5", "NA"]) == ["NA", "PHASE5"]
    assert normalise_phases([]) == []


def test_minimal_record_with_missing_modules_normalises() -> None:
    item = classify(record())
    assert isinstance(item, Accepted)
    assert item.study.study["nct_id"] == "NCT01234567"
    assert item.study.sites == [] and item.study.phases == []
    assert item.study.study["overall_status"] is None


def test_null_geopoint_and_facility_and_unknown_enums_are_tolerated() -> None:
    raw = record(
        statusModule={"overallStatus": "SOME_NEW_STATUS", "startDateStruct": {"date": "2021-07"}},
        designModule={"studyType": "INTERVENTIONAL", "phases": ["PHASE1", "PHASE2"],
                      "enrollmentInfo": {"count": 99999999, "type": "ESTIMATED"}},
        sponsorCollaboratorsModule={"leadSponsor": {"name": "X", "class": "NEW_CLASS"}},
        contactsLocationsModule={"locations": [
            {"facility": None, "city": "Essen", "country": "Germany", "geoPoint": None},
            {"city": "Bochum", "country": "Germany", "geoPoint": {"lat": 51.48, "lon": 7.21}},
        ]},
    )  # fmt: skip
    item = classify(raw)
    assert isinstance(item, Accepted)
    s = item.study
    assert s.study["overall_status"] == "SOME_NEW_STATUS"
    assert s.study["lead_sponsor_class"] == "NEW_CLASS"
    assert s.study["start_date"] == dt.date(2021, 7, 1) and s.study["start_date_precision"] == "month"
    assert s.study["enrollment"] is None
    assert [p["phase"] for p in s.phases] == ["PHASE1", "PHASE2"]
    assert s.sites[0]["facility"] is None and s.sites[0]["lat"] is None
    assert (s.sites[1]["lat"], s.sites[1]["lon"]) == (51.48, 7.21)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"protocolSection": {}}', "no protocolSection.identificationModule.nctId"),
        (record(designModule={"phases": "PHASE1"}), "cannot decode record"),
        (b'{"protocolSection": {"identificationModule": {"nctId": "NCT123"}}}', "not of the form"),
        (b'{"protocolSection": {"identificationModule": {"nctId": "NCT0', "cannot decode record"),
    ],
)
def test_bad_records_are_rejected_with_a_reason(raw: bytes, reason: str) -> None:
    item = classify(raw)
    assert isinstance(item, Rejected)
    assert reason in item.reason
    assert item.raw == raw


def test_wrong_type_names_the_json_path() -> None:
    item = classify(record(designModule={"enrollmentInfo": {"count": "many"}}))
    assert isinstance(item, Rejected)
    assert "enrollmentInfo.count" in item.reason
    assert item.nct_id == "NCT01234567"
