"""The fake API answers like the real one (recorded responses) and implements the search we rely on."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import great_circle_km, nct, read_ndjson, write_ndjson
from trials.source.fakeapi.server import FakeApiServer

Start = Callable[..., FakeApiServer]


def get(server: FakeApiServer, path: str, **params: str) -> httpx.Response:
    return httpx.get(server.base_url + path, params=params, timeout=30)


def all_pages(server: FakeApiServer, **params: str) -> list[dict[str, Any]]:
    pages = [get(server, "/studies", countTotal="true", **params).json()]
    while "nextPageToken" in pages[-1]:
        pages.append(get(server, "/studies", pageToken=pages[-1]["nextPageToken"], **params).json())
    return pages


def ids(pages: list[dict[str, Any]]) -> list[str]:
    return [nct(s) for p in pages for s in p["studies"]]


def test_paging_has_the_shapes_of_the_recorded_responses(ctgov_dir: Path, real_corpus: Path, fake_api: Start) -> None:
    responses = ctgov_dir / "api_v2" / "responses"
    rec_first = json.loads((responses / "biomcp__search_phelan_limit5_20260811.json").read_text())
    rec_next = json.loads((responses / "biomcp__search_phelan_next_20260811.json").read_text())
    rec_last = json.loads((responses / "biomcp__search_phelan_limit50_20260811.json").read_text())
    rec_one = json.loads((responses / "biomcp__get_nct02576665_20260811.json").read_text())

    server = fake_api(real_corpus)
    pages = all_pages(server, pageSize="5", **{"filter.advanced": "AREA[LocationCountry]Germany"})
    assert len(pages) >= 3
    assert set(pages[0]) == set(rec_first) == {"studies", "totalCount", "nextPageToken"}
    assert set(pages[1]) == set(rec_next) == {"studies", "nextPageToken"}
    assert set(pages[-1]) == {"studies"} == set(rec_last) - {"totalCount"}
    assert all(isinstance(p["nextPageToken"], str) for p in pages[:-1])
    assert isinstance(pages[0]["totalCount"], int) and pages[0]["totalCount"] == len(ids(pages))
    assert all(len(p["studies"]) == 5 for p in pages[:-1])
    # A page without countTotal has no totalCount either.
    assert "totalCount" not in get(server, "/studies", pageSize="1").json()
    # One study: the same envelope as the recorded GET /studies/{nctId}.
    one = get(server, f"/studies/{ids(pages)[0]}").json()
    assert set(rec_one) <= set(one) and "protocolSection" in one
    assert get(server, "/studies/NCT99999999").status_code == 404


def test_fields_projection_returns_only_the_requested_paths(real_corpus: Path, fake_api: Start) -> None:
    server = fake_api(real_corpus)
    fields = "protocolSection.identificationModule.nctId,protocolSection.designModule.phases,hasResults"
    page = get(server, "/studies", pageSize="20", fields=fields).json()
    for s in page["studies"]:
        assert set(s) <= {"protocolSection", "hasResults"}
        assert set(s["protocolSection"]) <= {"identificationModule", "designModule"}
        assert set(s["protocolSection"]["identificationModule"]) == {"nctId"}
        assert set(s["protocolSection"].get("designModule", {})) <= {"phases"}
    bad = get(server, "/studies", fields="NoSuchThing")
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/plain")


def test_geo_filter_in_km_and_miles(real_corpus: Path, fake_api: Start) -> None:
    server = fake_api(real_corpus)
    records = read_ndjson(real_corpus)
    centre = (51.456, 7.012)

    def expected(km: float) -> set[str]:
        return {
            nct(r) for r in records
            for loc in r["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])
            if loc.get("geoPoint") and great_circle_km(centre, (loc["geoPoint"]["lat"], loc["geoPoint"]["lon"])) <= km
        }  # fmt: skip

    km = set(ids(all_pages(server, **{"filter.geo": "distance(51.456,7.012,40km)"})))
    mi = set(ids(all_pages(server, **{"filter.geo": "distance(51.456,7.012,25mi)"})))
    assert km == expected(40) and len(km) > 10
    assert mi == expected(25 * 1.609344)


def test_distance_in_advanced_matches_the_geo_filter_and_combines_with_or(real_corpus: Path, fake_api: Start) -> None:
    """``AREA[LocationGeoPoint]DISTANCE[...]`` (square brackets, as the real API wants) is ``filter.geo`` in Essie."""
    server = fake_api(real_corpus)
    essen = set(ids(all_pages(server, **{"filter.geo": "distance(51.456,7.012,40km)"})))
    berlin = set(ids(all_pages(server, **{"filter.geo": "distance(52.518,13.406,25km)"})))
    near = "AREA[LocationGeoPoint]DISTANCE[51.456,7.012,40km]"
    assert set(ids(all_pages(server, **{"filter.advanced": near}))) == essen and essen
    assert set(
        ids(all_pages(server, **{"filter.advanced": "AREA[LocationGeoPoint]DISTANCE[51.456,7.012,25mi]"}))
    ) == set(ids(all_pages(server, **{"filter.geo": "distance(51.456,7.012,25mi)"})))
    either = f"{near} OR AREA[LocationGeoPoint]DISTANCE[52.518,13.406,25km]"
    assert set(ids(all_pages(server, **{"filter.advanced": either}))) == essen | berlin
    geo = "AREA[LocationGeoPoint]"
    for bad in ("DISTANCE[51.4,7.0,40km]", "AREA[LocationCity]DISTANCE[51.4,7.0,40km]",
                f"{geo}DISTANCE[51.4,7.0]", f"{geo}DISTANCE(51.4,7.0,40km)"):  # fmt: skip
        r = get(server, "/studies", **{"filter.advanced": bad})
        assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain"), bad


def test_a_request_line_beyond_8_kib_gets_414(real_corpus: Path, fake_api: Start) -> None:
    server = fake_api(real_corpus)
    many = ",".join(f"NCT{n:08d}" for n in range(1, 700))  # ~8.4 KB of IDs, commas encoded
    r = get(server, "/studies", **{"filter.ids": many})
    assert r.status_code == 414 and r.headers["content-type"].startswith("text/plain")
    assert get(server, "/studies", **{"filter.ids": many[: 12 * 400]}).status_code == 200


def test_locn_ids_status_and_advanced_filters(real_corpus: Path, fake_api: Start) -> None:
    server = fake_api(real_corpus)
    records = read_ndjson(real_corpus)

    def locs(r: dict[str, Any]) -> list[dict[str, Any]]:
        return list(r["protocolSection"].get("contactsLocationsModule", {}).get("locations", []))

    def updated(r: dict[str, Any]) -> str:
        return str(r["protocolSection"].get("statusModule", {}).get("lastUpdatePostDateStruct", {}).get("date", ""))

    essen = {nct(r) for r in records if any(loc.get("city") == "Essen" for loc in locs(r))}
    assert set(ids(all_pages(server, **{"query.locn": "Essen"}))) >= essen
    assert set(ids(all_pages(server, **{"filter.advanced": 'AREA[LocationCity]"Essen"'}))) == essen

    germany = {nct(r) for r in records if any(loc.get("country") == "Germany" for loc in locs(r))}
    recent = {nct(r) for r in records if updated(r) >= "2024-01-01"}
    country, since = "AREA[LocationCountry]Germany", "AREA[LastUpdatePostDate]RANGE[2024-01-01,MAX]"
    both = ids(all_pages(server, **{"filter.advanced": f"{country} AND {since}"}))
    assert set(both) == germany & recent and both
    either = ids(all_pages(server, **{"filter.advanced": f"({country} OR {since})"}))
    assert set(either) == germany | recent

    some = sorted(germany)[:3]
    assert set(ids(all_pages(server, **{"filter.ids": ",".join(some)}))) == set(some)
    recruiting = {
        nct(r) for r in records if r["protocolSection"].get("statusModule", {}).get("overallStatus") == "RECRUITING"
    }
    assert set(ids(all_pages(server, **{"filter.overallStatus": "RECRUITING"}))) == recruiting


@pytest.mark.parametrize(
    "params",
    [
        {"filter.advanced": "AREA[NoSuchArea]x"},
        {"filter.advanced": "(AREA[LocationCountry]Germany"},
        {"filter.geo": "distance(51,7)"},
        {"filter.phase": "PHASE2"},
        {"filter.ids": "ABC123"},
    ],
)
def test_bad_queries_get_a_plain_text_400(real_corpus: Path, fake_api: Start, params: dict[str, str]) -> None:
    r = get(fake_api(real_corpus), "/studies", **params)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain") and r.text


def test_tokens_need_the_same_parameters_and_cannot_be_replayed(real_corpus: Path, fake_api: Start) -> None:
    server = fake_api(real_corpus)
    p1 = get(server, "/studies", pageSize="2", **{"query.locn": "Germany"}).json()
    t1 = p1["nextPageToken"]
    changed = get(server, "/studies", pageSize="2", pageToken=t1, **{"query.locn": "Berlin"})
    assert changed.status_code == 400
    p2 = get(server, "/studies", pageSize="2", pageToken=t1, **{"query.locn": "Germany"}).json()
    again = get(server, "/studies", pageSize="2", pageToken=t1, **{"query.locn": "Germany"}).json()
    assert again == {**p2, "nextPageToken": again["nextPageToken"]}  # a retry of the same page works
    get(server, "/studies", pageSize="2", pageToken=p2["nextPageToken"], **{"query.locn": "Germany"})
    assert get(server, "/studies", pageSize="2", pageToken=t1, **{"query.locn": "Germany"}).status_code == 400


def test_version_follows_corpus_changes(tmp_path: Path, real_corpus: Path, fake_api: Start) -> None:
    records = read_ndjson(real_corpus)[:10]
    corpus = tmp_path / "c.ndjson.gz"
    write_ndjson(corpus, records)
    server = fake_api(corpus)
    v1 = get(server, "/version").json()
    assert set(v1) == {"apiVersion", "dataTimestamp"}
    assert get(server, "/studies", countTotal="true").json()["totalCount"] == 10
    write_ndjson(corpus, records[:4])
    import os

    os.utime(corpus, ns=(os.stat(corpus).st_mtime_ns + 86_400 * 10**9,) * 2)
    assert get(server, "/version").json()["dataTimestamp"] != v1["dataTimestamp"]
    assert get(server, "/studies", countTotal="true").json()["totalCount"] == 4


def test_empty_last_page_fault(real_corpus: Path, fake_api: Start) -> None:
    server = fake_api(real_corpus, faults="empty-last-page")
    pages = all_pages(server, pageSize="1000", **{"query.locn": "Germany"})
    assert len(pages) == 2 and pages[1] == {"studies": []} and pages[0]["studies"]
