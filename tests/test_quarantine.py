"""Every per-record failure goes to quarantine with its reason, on SQLite and PostgreSQL alike.

One bad record never costs the good records of its page, and both databases store exactly the
same thing (the digest of a harvest with the bad records equals that of one without them).
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from db.engine import make_engine
from db.migrate import upgrade
from db.store import Store
from tests.hostile_server import hostile_server, raw, record
from trials.jobs.harvest import Harvester, HarvestReport
from trials.rules.classify import Accepted, Rejected, classify
from trials.source.api import CtgovClient, StudyQuery
from trials.source.model import decode_page
from trials.source.retry import RetryPolicy

QUICK = RetryPolicy(attempts=2, total_timeout_s=20, wait_initial_s=0.01, wait_max_s=0.05, wait_jitter_s=0.01)
GOOD = [raw(record(1)), raw(record(2))]
DEEP = b"[" * 5000 + b"]" * 5000


def _with(n: int, section: str, key: str, value: Any) -> bytes:
    rec = record(n)
    rec["protocolSection"][section][key] = value
    return raw(rec)


def _site(n: int, **values: Any) -> bytes:
    rec = record(n)
    rec["protocolSection"]["contactsLocationsModule"]["locations"][0].update(values)
    return raw(rec)


def _mesh(n: int, mesh_id: str) -> bytes:
    rec = record(n)
    rec["derivedSection"] = {"conditionBrowseModule": {"meshes": [{"id": mesh_id, "term": "Asthma"}]}}
    return raw(rec)


#: kind -> (raw record NCT000001nn, words its quarantine reason must contain)
BAD: dict[str, tuple[bytes, list[str]]] = {
    "not UTF-8": (raw(record(101)).replace(b"Study 101", b"Study \xe9 101"), ["UTF-8"]),
    "deeply nested": (raw(record(102))[:-1] + b',"x":' + DEEP + b"}", ["nested"]),
    "NUL in a title": (_with(103, "identificationModule", "briefTitle", "a\x00b"), ["brief_title", "NUL"]),
    "NUL in a site": (_site(104, facility="Klinik\x00 Essen"), ["sites.facility", "NUL"]),
    "long phase": (_with(105, "designModule", "phases", ["PHASE2_EXTENSION_COHORT"]), ["study_phases.phase", "16"]),
    "long status": (_with(106, "statusModule", "overallStatus", "S" * 41), ["studies.overall_status", "40"]),
    "long zip": (_site(107, zip="4" * 41), ["sites.zip", "40"]),
    "huge enrollment": (_with(108, "designModule", "enrollmentInfo", {"count": 2**31}), ["studies.enrollment"]),
    "long MeSH id": (_mesh(109, "D" + "0" * 20), ["mesh_terms.mesh_id", "16"]),
    "long sponsor class": (
        _with(110, "sponsorCollaboratorsModule", "leadSponsor", {"name": "X", "class": "C" * 17}),
        ["studies.lead_sponsor_class", "16"],
    ),
}


def harvest(store: Store, studies: list[bytes]) -> HarvestReport:
    with hostile_server(studies) as server, CtgovClient(server.base_url, rate_per_second=0, retry=QUICK,
                                                         timeout_s=5) as client:  # fmt: skip
        return Harvester(store, parallel=False).harvest(client, [StudyQuery("all", {})], request={}, page_size=10)


@pytest.fixture(scope="module")
def good_digest() -> str:
    engine = make_engine("sqlite://")
    upgrade(engine)
    store = Store(engine)
    assert harvest(store, GOOD).outcome == "success"
    digest = store.digest()
    engine.dispose()
    return digest


@pytest.mark.parametrize("kind", list(BAD))
def test_a_bad_record_is_quarantined_and_its_page_stored_on_every_database(
    kind: str, store: Store, good_digest: str
) -> None:
    bad, words = BAD[kind]
    report = harvest(store, [GOOD[0], bad, GOOD[1]])
    assert report.outcome == "warning", report.summary()
    assert report.quarantined == 1
    assert store.digest() == good_digest  # the same rows as without the bad record, on either database
    (entry,) = store.quarantine()
    assert entry["nct_id"] == f"NCT00000{bad.split(b'NCT00000')[1][:3].decode()}"
    for word in words:
        assert word in entry["reason"], entry["reason"]
    again = harvest(store, [GOOD[0], bad, GOOD[1]])  # and again on a rerun: never a failed run
    assert again.outcome == "warning" and store.digest() == good_digest


def test_every_bad_record_in_one_page_at_once(store: Store, good_digest: str) -> None:
    report = harvest(store, [GOOD[0], *(bad for bad, _ in BAD.values()), GOOD[1]])
    assert report.outcome == "warning" and report.quarantined == len(BAD)
    assert store.digest() == good_digest


@pytest.mark.parametrize("kind", ["not UTF-8", "deeply nested"])
def test_classify_never_raises(kind: str) -> None:
    out = classify(BAD[kind][0])
    assert isinstance(out, Rejected) and out.nct_id is not None
    assert isinstance(classify(GOOD[0]), Accepted)


def test_a_deeply_nested_record_does_not_cost_its_page() -> None:
    body = (
        b'{"totalCount":3,"studies":['
        + b",".join([GOOD[0], BAD["deeply nested"][0], GOOD[1]])
        + b'],"nextPageToken":"t"}'
    )
    page = decode_page(body)
    assert [bytes(s) for s in page.studies] == [GOOD[0], BAD["deeply nested"][0], GOOD[1]]
    assert page.totalCount == 3 and page.nextPageToken == "t"


def test_a_file_with_a_deeply_nested_record_quarantines_only_that_record(
    store: Store, tmp_path: Path, good_digest: str
) -> None:
    path = tmp_path / "studies.json.gz"
    path.write_bytes(gzip.compress(b"[" + b",".join([GOOD[0], BAD["deeply nested"][0], GOOD[1]]) + b"]"))
    report = Harvester(store, parallel=False).harvest_file(path, request={})
    assert report.outcome == "warning" and report.quarantined == 1, report.summary()
    assert store.digest() == good_digest


def test_a_value_the_database_refuses_anyway_quarantines_only_its_record(
    store: Store, good_digest: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The safety net behind ``db.limits``: a DataError it did not foresee costs one record, not the page."""
    from sqlalchemy.exc import DataError

    from db.upsert import upsert as real_upsert

    def refusing_upsert(conn: Any, table: Any, rows: Any, **kw: Any) -> None:
        if any(row.get("brief_title") == "refuse me" for row in rows):
            raise DataError("INSERT ...", {}, Exception("value refused for the test\nDETAIL: more"))
        real_upsert(conn, table, rows, **kw)

    monkeypatch.setattr("db.store.upsert", refusing_upsert)
    odd = _with(111, "identificationModule", "briefTitle", "refuse me")
    report = harvest(store, [GOOD[0], odd, GOOD[1]])
    assert report.outcome == "warning" and report.quarantined == 1, report.summary()
    assert store.digest() == good_digest
    (entry,) = store.quarantine()
    assert entry["nct_id"] == "NCT00000111" and entry["reason"].endswith("value refused for the test")
