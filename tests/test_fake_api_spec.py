"""The fake API answers every parameter and endpoint of the official spec that a corpus can answer, and
rejects the rest with the real API's plain-text 400. Results are checked against independent filters
over the real records (plain JSON walking and regular expressions, not the fake's own search code)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import great_circle_km, nct, read_ndjson
from trials.source.fakeapi.server import FakeApiServer

Start = Callable[..., FakeApiServer]
Record = dict[str, Any]


@pytest.fixture(scope="module")
def records(real_corpus: Path) -> list[Record]:
    return read_ndjson(real_corpus)


@pytest.fixture(scope="module")
def server(real_corpus: Path) -> Iterable[FakeApiServer]:
    s = FakeApiServer(real_corpus).start()
    yield s
    s.stop()


def get(server: FakeApiServer, path: str, params: dict[str, str] | None = None) -> httpx.Response:
    return httpx.get(server.base_url + path, params=params or {}, timeout=60)


def every_study(server: FakeApiServer, params: dict[str, str], page_size: int = 200) -> list[Record]:
    """All studies of a search, page by page (the paging parameters change, the others repeat)."""
    out: list[Record] = []
    token = None
    while True:
        page_params = {**params, "pageSize": str(page_size), **({"pageToken": token} if token else {})}
        r = get(server, "/studies", page_params)
        assert r.status_code == 200, r.text
        page = r.json()
        out.extend(page["studies"])
        token = page.get("nextPageToken")
        if not token:
            return out


def ids_of(server: FakeApiServer, **params: str) -> list[str]:
    return [nct(s) for s in every_study(server, params)]


def bad(server: FakeApiServer, path: str, params: dict[str, str]) -> str:
    r = get(server, path, params)
    assert r.status_code == 400, (params, r.status_code, r.text[:200])
    assert r.headers["content-type"].startswith("text/plain")
    return r.text


# -- an independent reading of the records -------------------------------------------------------------
def walk(value: Any, path: str) -> list[Any]:
    """Values at a dotted path through lists, written afresh for the tests."""
    items = [value]
    for key in path.split("."):
        nxt: list[Any] = []
        for item in items:
            if isinstance(item, dict) and key in item:
                v = item[key]
                nxt.extend(v if isinstance(v, list) else [v])
        items = nxt
    return items


def norm(text: Any) -> str:
    s = unicodedata.normalize("NFKD", str(text).lower())
    return " ".join("".join(c for c in s if not unicodedata.combining(c)).split())


def has_word(record: Record, paths: list[str], word: str) -> bool:
    pattern = re.compile(rf"(?<!\w){re.escape(norm(word))}(?!\w)")
    return any(pattern.search(norm(v)) for p in paths for v in walk(record, p))


P = "protocolSection."
TITLES = [P + f"identificationModule.{k}" for k in ("briefTitle", "officialTitle", "acronym")]
SPONSORS = [P + "sponsorCollaboratorsModule.leadSponsor.name", P + "sponsorCollaboratorsModule.collaborators.name",
            P + "identificationModule.organization.fullName"]  # fmt: skip
CONDITIONS = [P + "conditionsModule.conditions", P + "conditionsModule.keywords", P + "identificationModule.briefTitle",
              P + "identificationModule.officialTitle", "derivedSection.conditionBrowseModule.meshes.term",
              "derivedSection.conditionBrowseModule.ancestors.term"]  # fmt: skip
INTERVENTIONS = [P + "armsInterventionsModule.interventions.name",
                 P + "armsInterventionsModule.interventions.otherNames",
                 P + "armsInterventionsModule.interventions.description",
                 P + "armsInterventionsModule.armGroups.interventionNames",
                 "derivedSection.interventionBrowseModule.meshes.term",
                 "derivedSection.interventionBrowseModule.ancestors.term"]  # fmt: skip
OUTCOMES = [P + f"outcomesModule.{k}Outcomes.{f}" for k in ("primary", "secondary", "other")
            for f in ("measure", "description")]  # fmt: skip


def ids(records: list[Record], keep: Callable[[Record], bool]) -> set[str]:
    return {nct(r) for r in records if keep(r)}


# -- fields ------------------------------------------------------------------------------------------
def test_fields_take_piece_names_area_names_paths_and_query(server: FakeApiServer) -> None:
    page = get(server, "/studies", {"fields": "NCTId|BriefTitle", "pageSize": "50"}).json()
    for s in page["studies"]:
        assert set(s) == {"protocolSection"} and set(s["protocolSection"]) == {"identificationModule"}
        assert set(s["protocolSection"]["identificationModule"]) <= {"nctId", "briefTitle"}
    assert all("briefTitle" in s["protocolSection"]["identificationModule"] for s in page["studies"])
    # a piece that is a branch keeps its subtree; names are not case-sensitive; alternative piece names work
    module = get(server, "/studies", {"fields": "conditionsmodule,NCT-ID", "pageSize": "5"}).json()["studies"]
    assert all(set(s["protocolSection"]) <= {"conditionsModule", "identificationModule"} for s in module)
    # a list branch: only the named part of each location
    cities = get(
        server, "/studies", {"fields": "LocationCity", "filter.advanced": "AREA[LocationCountry]Germany"}
    ).json()
    for s in cities["studies"]:
        assert all(set(loc) == {"city"} for loc in s["protocolSection"]["contactsLocationsModule"]["locations"])
    # an area name is every piece it searches; @query is every field the search looked at
    area = get(server, "/studies", {"fields": "TitleSearch", "pageSize": "5"}).json()["studies"]
    assert all(set(s["protocolSection"]["identificationModule"]) <= {"acronym", "briefTitle", "officialTitle"}
               for s in area)  # fmt: skip
    queried = get(server, "/studies", {"fields": "@query", "query.titles": "cancer", "pageSize": "5"}).json()
    assert queried["studies"] and all(set(s["protocolSection"]) == {"identificationModule"} for s in queried["studies"])
    text = bad(server, "/studies", {"fields": "StudyDesign"})
    assert text == "Parameter 'fields' contains invalid field name: 'StudyDesign'"
    bad(server, "/studies", {"fields": ""})
    bad(server, "/studies", {"fields": "protocolSection.noSuchModule"})


def test_unknown_parameters_get_the_real_apis_words(server: FakeApiServer) -> None:
    assert bad(server, "/studies", {"filter.phase": "PHASE3"}) == "`filter.phase` is unknown parameter"
    assert bad(server, "/studies", {"query.recrs": "x"}) == "`query.recrs` is unknown parameter"
    bad(server, "/version", {"x": "1"})
    bad(server, "/studies/NCT00470873", {"pageSize": "5"})
    bad(server, "/stats/size", {"fields": "Phase"})
    bad(server, "/studies/enums", {"lang": "de"})


@pytest.mark.parametrize(
    "params",
    [
        {"format": "xml"}, {"markupFormat": "html"}, {"pageSize": "-1"}, {"pageSize": "ten"},
        {"countTotal": "yes"}, {"filter.overallStatus": "RECRUITNG"}, {"postFilter.overallStatus": "OPEN"},
        {"filter.geo": "distance(95,7,5km)"}, {"postFilter.geo": "near(51,7)"}, {"filter.ids": "NCT1234567890"},
        {"postFilter.ids": "ABC"}, {"filter.synonyms": "ConditionSearch:1651367"},
        {"postFilter.synonyms": "not a pair"}, {"aggFilters": "phase:7"}, {"aggFilters": "colour:red"},
        {"geoDecay": "func:cubic,scale:1km,offset:0km,decay:0.5"},
        {"geoDecay": "func:exp,scale:300,offset:0mi,decay:0.5"},
        {"sort": "BriefTitle"}, {"sort": "NoSuchField:asc"}, {"sort": "StartDate:up"},
        {"sort": "StartDate,EnrollmentCount,LastUpdatePostDate"}, {"query.term": "AREA[NoSuchArea]x"},
        {"query.cond": "(cancer"}, {"filter.advanced": "DISTANCE[1]x"},
        {"query.titles": "COVERAGE[Sometimes]cancer"},
    ],
)  # fmt: skip
def test_values_outside_the_spec_get_a_plain_text_400(server: FakeApiServer, params: dict[str, str]) -> None:
    assert bad(server, "/studies", params)


def test_status_typos_are_named_like_the_real_api_names_them(server: FakeApiServer) -> None:
    assert bad(server, "/studies", {"filter.overallStatus": "RECRUITNG"}).startswith(
        "Invalid value in parameter overallStatus"
    )


# -- paging parameters and formats ---------------------------------------------------------------------
def test_page_size_zero_is_the_default_and_large_sizes_are_coerced(
    server: FakeApiServer, records: list[Record]
) -> None:
    assert len(get(server, "/studies", {"pageSize": "0"}).json()["studies"]) == 10
    assert len(get(server, "/studies", {"pageSize": "5000"}).json()["studies"]) == min(1000, len(records))
    assert get(server, "/studies", {"format": "json", "markupFormat": "legacy", "countTotal": "TRUE"}).json()[
        "totalCount"
    ] == len(records)


def test_csv_pages_carry_token_and_total_in_headers_and_a_header_row_once(
    server: FakeApiServer, records: list[Record]
) -> None:
    params = {"format": "csv", "filter.advanced": "AREA[LocationCountry]Germany", "countTotal": "true", "pageSize": "7"}
    first = get(server, "/studies", params)
    assert first.headers["content-type"].startswith("text/csv")
    total = int(first.headers["x-total-count"])
    rows = list(csv.reader(io.StringIO(first.text)))
    header, got = rows[0], [r[0] for r in rows[1:]]
    assert header[:3] == ["NCT Number", "Study Title", "Study URL"] and len(header) == 30
    token = first.headers.get("x-next-page-token")
    while token:
        r = get(server, "/studies", {**params, "pageToken": token})
        assert "x-total-count" not in r.headers
        more = list(csv.reader(io.StringIO(r.text)))
        assert more and more[0][0].startswith("NCT")  # no header row after the first page
        got += [row[0] for row in more]
        token = r.headers.get("x-next-page-token")
    germany = ids(records, lambda r: "Germany" in walk(r, P + "contactsLocationsModule.locations.country"))
    assert total == len(got) == len(germany) and set(got) == germany
    # fields names CSV columns; the columns keep the registry's order whatever order is asked
    cols = get(server, "/studies", {"format": "csv", "fields": "Phases,NCT Number,Sponsor", "pageSize": "3"})
    assert next(csv.reader(io.StringIO(cols.text))) == ["NCT Number", "Sponsor", "Phases"]
    assert bad(server, "/studies", {"format": "csv", "fields": "NCTId"}) == (
        "Parameter 'fields' contains invalid CSV column name: 'NCTId'"
    )


def test_one_study_in_every_format_the_fake_can_make(server: FakeApiServer, records: list[Record]) -> None:
    one = records[0]
    assert get(server, f"/studies/{nct(one)}", {"format": "json"}).json() == one
    assert get(server, f"/studies/{nct(one).lower()}", {"fields": "NCTId"}).json() == {
        "protocolSection": {"identificationModule": {"nctId": nct(one)}}
    }
    rows = list(csv.reader(io.StringIO(get(server, f"/studies/{nct(one)}", {"format": "csv"}).text)))
    assert len(rows) == 2 and rows[1][0] == nct(one)
    z = get(server, f"/studies/{nct(one)}", {"format": "json.zip"})
    assert z.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(z.content)) as zf:
        assert json.loads(zf.read(f"{nct(one)}.json")) == one
    bad(server, f"/studies/{nct(one)}", {"format": "fhir.json"})
    bad(server, "/studies/NCTABC", {})
    assert get(server, "/studies/NCT99999999").status_code == 404
    # an NCT ID alias redirects to the study (301), like the registry
    aliased = next(r for r in records if r["protocolSection"]["identificationModule"].get("nctIdAliases"))
    alias = aliased["protocolSection"]["identificationModule"]["nctIdAliases"][0]
    moved = httpx.get(f"{server.base_url}/studies/{alias}", timeout=30)
    assert moved.status_code == 301 and moved.headers["location"].endswith(f"/studies/{nct(aliased)}")
    assert httpx.get(f"{server.base_url}/studies/{alias}", follow_redirects=True).json() == aliased


# -- query.* -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("param", "value", "paths", "words"),
    [
        ("query.titles", "cancer", TITLES, ["cancer"]),
        ("query.titles", "breast cancer", TITLES, ["breast", "cancer"]),
        ("query.spons", "pfizer", SPONSORS, ["pfizer"]),
        ("query.lead", "novartis", [P + "sponsorCollaboratorsModule.leadSponsor.name"], ["novartis"]),
        ("query.cond", "diabetes", CONDITIONS, ["diabetes"]),
        ("query.intr", "placebo", INTERVENTIONS, ["placebo"]),
        ("query.outc", "survival", OUTCOMES, ["survival"]),
        ("query.locn", "Essen", [P + f"contactsLocationsModule.locations.{k}" for k in
                                 ("facility", "city", "state", "zip", "country")], ["essen"]),
    ],
)  # fmt: skip
def test_query_parameters_search_their_areas(
    server: FakeApiServer, records: list[Record], param: str, value: str, paths: list[str], words: list[str]
) -> None:
    expected = ids(records, lambda r: all(has_word(r, paths, w) for w in words))
    assert set(ids_of(server, **{param: value})) == expected and expected


def test_essie_phrases_operators_and_areas(server: FakeApiServer, records: list[Record]) -> None:
    phrase = ids(records, lambda r: any("breast cancer" in norm(v) for p in TITLES for v in walk(r, p)))
    assert set(ids_of(server, **{"query.titles": '"breast cancer"'})) == phrase
    either = ids(records, lambda r: has_word(r, TITLES, "melanoma") or has_word(r, TITLES, "glioma"))
    assert set(ids_of(server, **{"query.titles": "melanoma OR glioma"})) == either
    not_phase3 = ids(
        records, lambda r: has_word(r, TITLES, "cancer") and "PHASE3" not in walk(r, P + "designModule.phases")
    )
    assert set(ids_of(server, **{"query.titles": "cancer AND NOT AREA[Phase]PHASE3"})) == not_phase3
    big = ids(records, lambda r: any(v >= 1000 for v in walk(r, P + "designModule.enrollmentInfo.count")))
    assert set(ids_of(server, **{"query.term": "AREA[EnrollmentCount]RANGE[1000, MAX]"})) == big
    cities = P + "contactsLocationsModule.locations.city"
    in_either = ids(records, lambda r: bool({"Essen", "Bochum"} & set(walk(r, cities))))
    assert set(ids_of(server, **{"filter.advanced": "AREA[LocationCity](Essen OR Bochum)"})) == in_either
    full = ids(records, lambda r: any(norm(v) == "berlin" for v in walk(r, cities)))
    assert set(ids_of(server, **{"filter.advanced": "AREA[LocationCity]COVERAGE[FullMatch]Berlin"})) == full
    no_sites = ids(records, lambda r: not walk(r, P + "contactsLocationsModule.locations.facility"))
    assert set(ids_of(server, **{"filter.advanced": "AREA[LocationFacility]MISSING"})) == no_sites
    dotted = ids(records, lambda r: any(v >= "2024-01-01" for v in walk(r, P + "statusModule.lastUpdateSubmitDate")))
    by_path = "AREA[protocolSection.statusModule.lastUpdateSubmitDate]RANGE[2024-01-01,MAX]"
    assert set(ids_of(server, **{"filter.advanced": by_path})) == dotted


def test_a_query_of_only_nct_ids_ignores_the_filters(server: FakeApiServer, records: list[Record]) -> None:
    some = sorted(nct(r) for r in records)[:3]
    got = ids_of(server, **{"query.term": " ".join(some), "filter.overallStatus": "WITHHELD"})
    assert sorted(got) == some


# -- filter.*, postFilter.*, aggFilters ------------------------------------------------------------
def test_post_filters_equal_filters(server: FakeApiServer) -> None:
    for name, value in [("overallStatus", "RECRUITING|COMPLETED"), ("geo", "distance(51.456,7.012,40km)"),
                        ("ids", "NCT00470873,NCT00459394"), ("advanced", "AREA[Phase]PHASE2")]:  # fmt: skip
        via_filter = ids_of(server, **{f"filter.{name}": value})
        assert via_filter and ids_of(server, **{f"postFilter.{name}": value}) == via_filter


def test_ids_filter_finds_aliases(server: FakeApiServer) -> None:
    assert ids_of(server, **{"filter.ids": "NCT00459394"}) == ["NCT00470873"]


@pytest.mark.parametrize(
    ("agg", "keep"),
    [
        ("phase:3", lambda r: "PHASE3" in walk(r, P + "designModule.phases")),
        ("phase:0 1", lambda r: bool({"EARLY_PHASE1", "PHASE1"} & set(walk(r, P + "designModule.phases")))),
        ("status:com rec", lambda r: walk(r, P + "statusModule.overallStatus") in (["COMPLETED"], ["RECRUITING"])),
        ("results:with", lambda r: r.get("hasResults") is True),
        ("sex:f", lambda r: walk(r, P + "eligibilityModule.sex") in (["FEMALE"], ["ALL"])),
        ("healthy:y", lambda r: walk(r, P + "eligibilityModule.healthyVolunteers") == [True]),
        ("studyType:obs", lambda r: walk(r, P + "designModule.studyType") == ["OBSERVATIONAL"]),
        ("phase:2,funderType:industry", lambda r: "PHASE2" in walk(r, P + "designModule.phases")
         and walk(r, P + "sponsorCollaboratorsModule.leadSponsor.class") == ["INDUSTRY"]),
    ],
)  # fmt: skip
def test_agg_filters(server: FakeApiServer, records: list[Record], agg: str, keep: Callable[[Record], bool]) -> None:
    expected = ids(records, keep)
    assert set(ids_of(server, aggFilters=agg)) == expected and expected


# -- sort and geoDecay -----------------------------------------------------------------------------
def test_sort_by_dates_and_numbers_with_missing_values_last(server: FakeApiServer) -> None:
    def dates(studies: list[Record]) -> list[str | None]:
        return [
            walk(s, P + "statusModule.lastUpdatePostDateStruct.date")[0]
            if walk(s, P + "statusModule.lastUpdatePostDateStruct.date")
            else None
            for s in studies
        ]

    newest = every_study(server, {"sort": "LastUpdatePostDate", "fields": "NCTId,LastUpdatePostDate"})
    present = [d for d in dates(newest) if d]
    assert present == sorted(present, reverse=True)  # a date sorts newest first by default
    counts = every_study(server, {"sort": "EnrollmentCount", "fields": "NCTId|EnrollmentCount"})
    values = [s["protocolSection"].get("designModule", {}).get("enrollmentInfo", {}).get("count") for s in counts]
    known = [v for v in values if v is not None]
    assert known == sorted(known) and values[: len(known)] == known  # numbers ascend; missing ones come last
    desc = every_study(server, {"sort": "protocolSection.designModule.enrollmentInfo.count:desc", "fields": "NCTId"})
    assert len(desc) == len(counts)
    two = every_study(server, {"sort": "StartDate:asc,EnrollmentCount:desc", "fields": "StartDate,EnrollmentCount"})
    assert len(two) == len(counts)


def test_relevance_with_a_geo_filter_ranks_the_nearest_first(server: FakeApiServer, records: list[Record]) -> None:
    centre = (51.456, 7.012)
    params = {"filter.geo": "distance(51.456,7.012,300km)", "sort": "@relevance",
              "geoDecay": "func:linear,scale:500km,offset:0km,decay:0.1"}  # fmt: skip
    got = ids_of(server, **params)
    by_id = {nct(r): r for r in records}

    def nearest(i: str) -> float:
        points = walk(by_id[i], P + "contactsLocationsModule.locations.geoPoint")
        return min(great_circle_km(centre, (p["lat"], p["lon"])) for p in points)

    distances = [nearest(i) for i in got]
    assert len(got) > 10 and all(a <= b + 1e-6 for a, b in itertools.pairwise(distances))


# -- the other endpoints ---------------------------------------------------------------------------
def test_size_stats(server: FakeApiServer, records: list[Record], real_corpus: Path) -> None:
    stats = get(server, "/stats/size").json()
    assert set(stats) == {"averageSizeBytes", "largestStudies", "percentiles", "ranges", "totalStudies"}
    assert stats["totalStudies"] == len(records) == sum(r["studiesCount"] for r in stats["ranges"])
    assert stats["largestStudies"][0]["sizeBytes"] >= stats["percentiles"]["99"] >= stats["percentiles"]["50"]


def test_field_value_and_size_stats(server: FakeApiServer, records: list[Record]) -> None:
    values = get(server, "/stats/field/values", {"fields": "Phase,EnrollmentCount,HasResults"}).json()
    by_piece = {v["piece"]: v for v in values}
    phases = Counter(p for r in records for p in set(walk(r, P + "designModule.phases")))
    assert by_piece["Phase"]["type"] == "ENUM"
    assert {v["value"]: v["studiesCount"] for v in by_piece["Phase"]["topValues"]} == dict(phases)
    assert by_piece["Phase"]["missingStudiesCount"] == sum(1 for r in records if not walk(r, P + "designModule.phases"))
    counts = [v for r in records for v in walk(r, P + "designModule.enrollmentInfo.count")]
    assert (by_piece["EnrollmentCount"]["min"], by_piece["EnrollmentCount"]["max"]) == (min(counts), max(counts))
    assert by_piece["HasResults"]["trueCount"] == sum(1 for r in records if r.get("hasResults") is True)
    typed = get(server, "/stats/field/values", {"types": "DATE", "fields": "StatusModule"}).json()
    assert typed and all(v["type"] == "DATE" for v in typed)
    sizes = {s["piece"]: s for s in get(server, "/stats/field/sizes", {"fields": "Phase"}).json()}
    expected = Counter(len(walk(r, P + "designModule.phases")) for r in records)
    assert {t["size"]: t["studiesCount"] for t in sizes["Phase"]["topSizes"]} == dict(expected)
    bad(server, "/stats/field/values", {"types": "COLOUR"})
    bad(server, "/stats/field/sizes", {"fields": "NoSuchPiece"})


def test_metadata_enums_and_search_areas(server: FakeApiServer, ctgov_dir: Path, real_corpus: Path) -> None:
    spec = ctgov_dir / "api_v2" / "spec"
    official = json.loads((spec / "studies-metadata.json").read_text(encoding="utf-8"))
    assert get(server, "/studies/metadata").json() == official
    bad(server, "/studies/metadata", {"includeIndexedOnly": "maybe"})
    # without ../shared the fake serves the tree it keeps (same names and pieces, no titles or descriptions)
    alone = FakeApiServer(real_corpus, metadata_path=None).start()
    try:
        kept = get(alone, "/studies/metadata", {"includeIndexedOnly": "true"}).json()
    finally:
        alone.stop()

    def skeleton(nodes: list[Record]) -> list[Any]:
        return [(n["name"], n["piece"], n["type"], skeleton(n.get("children", []))) for n in nodes]

    assert skeleton(kept) == skeleton(official)
    yaml = (spec / "ctg-oas-v2_v2.0.3.yaml").read_text(encoding="utf-8")
    enums = {e["type"]: e for e in get(server, "/studies/enums").json()}
    statuses = re.search(r'^    Status:\n      type: "string"\n      enum:\n((?:      - .*\n)+)', yaml, re.M)
    assert statuses and [v["value"] for v in enums["Status"]["values"]] == re.findall(r'"(\w+)"', statuses.group(1))
    assert "Phase" in enums["Phase"]["pieces"] and "OverallStatus" in enums["Status"]["pieces"]
    areas = get(server, "/studies/search-areas").json()[0]["areas"]
    spec_params = set(re.findall(r'name: "(query\.\w+)"', yaml))
    assert {a["param"] for a in areas if "param" in a} == spec_params


def test_every_parameter_and_path_of_the_spec_is_known(server: FakeApiServer, ctgov_dir: Path) -> None:
    """Each parameter of each path in the official spec is answered (200) or refused by rule, never 'unknown'."""
    yaml = (ctgov_dir / "api_v2" / "spec" / "ctg-oas-v2_v2.0.3.yaml").read_text(encoding="utf-8")
    paths = yaml.split("\npaths:\n", 1)[1].split("\ncomponents:\n", 1)[0]
    blocks = re.split(r"^  (/[^:]+):\n", paths, flags=re.M)[1:]
    seen = 0
    for path, body in zip(blocks[::2], blocks[1::2], strict=True):
        url = path.replace("{nctId}", "NCT00470873")
        assert get(server, url).status_code == 200, path
        for name in re.findall(r'^      - name: "([^"]+)"\n        in: "query"', body, re.M):
            r = get(server, url, {name: "x"})
            assert "unknown parameter" not in r.text, (path, name)
            seen += 1
    assert seen >= 37  # 29 of /studies, 3 of /studies/{nctId}, 2 of metadata, 3 of the field statistics
