"""Published third-party ClinicalTrials.gov v2 clients from PyPI work against the fake API unchanged.

``ctgov`` (0.1.1) is a paging client: it follows ``nextPageToken`` with ``format=json``, piece names
in ``fields`` (pipe-separated) and ``filter.*`` parameters, and counts with ``countTotal``. ``pytrials``
(1.0.0), the long-standing wrapper, does not page: it asks one page with ``markupFormat=legacy`` and
``fields`` as piece names (JSON) or CSV column names (CSV). Both have the real API's address built in;
the tests point it at the fake on loopback, so no test touches the network.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import nct, read_ndjson
from trials.source.fakeapi.server import FakeApiServer

Start = Callable[..., FakeApiServer]


def locations(r: dict[str, Any]) -> list[dict[str, Any]]:
    return list(r["protocolSection"].get("contactsLocationsModule", {}).get("locations", []))


def test_ctgov_pages_through_every_study_of_a_query(
    real_corpus: Path, fake_api: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ctgov.client

    server = fake_api(real_corpus)
    monkeypatch.setattr(ctgov.client, "BASE_URL", server.base_url + "/")
    client = ctgov.Client(delay=0, retries=1, timeout=30)
    records = read_ndjson(real_corpus)
    in_germany = {nct(r) for r in records if any(loc.get("country") == "Germany" for loc in locations(r))}
    status = {nct(r): r["protocolSection"].get("statusModule", {}).get("overallStatus") for r in records}
    done = {i for i in in_germany if status[i] in ("COMPLETED", "RECRUITING")}

    studies = list(client.iter_studies("AREA[LocationCountry]Germany", fields=["NCTId", "BriefTitle", "OverallStatus"],
                                       filters={"overallStatus": "COMPLETED|RECRUITING"}, page_size=7))  # fmt: skip
    got = [s["protocolSection"]["identificationModule"]["nctId"] for s in studies]
    assert sorted(got) == sorted(done) and len(got) > 7  # more than one page, each study once
    assert all(set(s["protocolSection"]) <= {"identificationModule", "statusModule"} for s in studies)
    assert client.count("AREA[LocationCountry]Germany") == len(in_germany)
    assert client.study(got[0])["protocolSection"]["identificationModule"]["nctId"] == got[0]
    assert client.version()["apiVersion"] == "2.0.3"
    # it pages through the whole corpus too (no query: every study), 1,000 at a time
    assert len(
        {s["protocolSection"]["identificationModule"]["nctId"] for s in client.iter_studies(fields=["NCTId"])}
    ) == len(records)
    sent = [p for p in server.api.requests if p.startswith("/api/v2/studies?")]
    assert any("pageToken=" in p for p in sent) and all("format=json" in p for p in sent)


def test_pytrials_reads_json_and_csv_with_piece_names_and_csv_columns(
    real_corpus: Path, fake_api: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytrials.client import ClinicalTrials

    server = fake_api(real_corpus)
    monkeypatch.setattr(ClinicalTrials, "_BASE_URL", server.base_url + "/")
    ct = ClinicalTrials()
    assert ct.api_info[0] == "2.0.3"
    records = read_ndjson(real_corpus)
    word = re.compile(r"\bcancer\b", re.IGNORECASE)
    titled = sorted(nct(r) for r in records if word.search(r["protocolSection"]["identificationModule"]["briefTitle"]))

    page = ct.get_study_fields(
        "AREA[BriefTitle]cancer", ["NCTId", "BriefTitle", "OverallStatus"], max_studies=1000, fmt="json"
    )
    assert sorted(s["protocolSection"]["identificationModule"]["nctId"] for s in page["studies"]) == titled
    rows = ct.get_study_fields("AREA[BriefTitle]cancer", ["NCT Number", "Study Title", "Conditions"], max_studies=1000)
    assert rows[0] == ["NCT Number", "Study Title", "Conditions"]
    assert sorted(r[0] for r in rows[1:]) == titled
    full = ct.get_full_studies("AREA[BriefTitle]cancer", max_studies=5, fmt="json")
    assert len(full["studies"]) == 5 and "nextPageToken" in full
