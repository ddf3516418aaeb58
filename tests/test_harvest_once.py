"""A region harvest asks the registry for each study's full record once (issue 16), through the real fake-API server.

The plan: one count per region query, the queries OR-ed into a few combined searches (ID passes), and full
records by ``filter.ids`` for new or changed studies only; on an empty database the first combined search
pages full records at once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
import pytest
from sqlalchemy import select

from db.models import StudyRow
from db.store import Store
from tests.helpers import nct, read_ndjson, studies_in_region, write_ndjson
from trials.jobs.harvest import Harvester, HarvestReport, plan_queries, to_fetch
from trials.rules.institutions import default_resolver
from trials.rules.regions import load_regions, select_regions
from trials.source.api import COUNT_FIELDS, FIELDS, CtgovClient, StudyQuery
from trials.source.fakeapi.query import project
from trials.source.fakeapi.server import FakeApiServer
from trials.source.model import StudiesPage
from trials.source.plan import MAX_URL_BYTES, combined_queries, decode_stamp, geo_term, id_batches, query_term
from trials.source.retry import RetryPolicy

Start = Callable[..., FakeApiServer]
FAST = RetryPolicy(attempts=4, total_timeout_s=60, wait_initial_s=0.01, wait_max_s=0.05, wait_jitter_s=0.01)
ALL_REGIONS = [r.name for r in load_regions()]


@pytest.fixture(autouse=True)
def fresh_institution_matching() -> Iterator[None]:
    """Each harvest here starts as a fresh ``trials harvest`` process does: institution matching remembers the
    spellings of unlisted facilities it has seen in a process (the first one names the institution), so a
    corpus classified here must not change what later tests in this process store."""
    default_resolver.cache_clear()
    yield
    default_resolver.cache_clear()


class CountingClient(CtgovClient):
    """Counts, per NCT ID, the full records and the ID-only records the API sent (count requests aside)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.full: Counter[str] = Counter()
        self.listed: Counter[str] = Counter()

    def fetch_page(self, query: StudyQuery, *, page_no: int, page_size: int, token: str | None,
                   fields: tuple[str, ...] | None = None) -> StudiesPage:  # fmt: skip
        page = super().fetch_page(query, page_no=page_no, page_size=page_size, token=token, fields=fields)
        if fields != COUNT_FIELDS:
            tally = self.listed if fields else self.full
            for raw in page.studies:
                tally[decode_stamp(bytes(raw))[0] or "?"] += 1
        return page


def run(store: Store, server: FakeApiServer, regions: list[str], *, since: str | None = None, page_size: int = 1000,
        ids_first: bool | None = None) -> tuple[HarvestReport, CountingClient]:  # fmt: skip
    chosen = select_regions(load_regions(), regions)
    with CountingClient(server.base_url, rate_per_second=0, retry=FAST, timeout_s=5) as client:
        report = Harvester(store, parallel=False).harvest_once(
            client, plan_queries(chosen), request={"regions": regions}, since=since, page_size=page_size,
            mode="incremental" if since else "full", ids_first=ids_first,
        )  # fmt: skip
    assert report.outcome == "success", report.summary()
    assert isinstance(client, CountingClient)
    return report, client


def stored_ids(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return set(conn.scalars(select(StudyRow.nct_id)))


def in_regions(records: list[dict[str, Any]], names: list[str]) -> dict[str, set[str]]:
    return {r.name: studies_in_region(records, r) for r in select_regions(load_regions(), names)}


@pytest.mark.parametrize("ids_first", [None, True], ids=["empty-db-full-first", "id-passes-first"])
def test_a_multi_region_study_is_fetched_in_full_once(store: Store, synth_corpus: Path, fake_api: Start,
                                                      ids_first: bool | None) -> None:  # fmt: skip
    records = read_ndjson(synth_corpus)
    by_region = in_regions(records, ALL_REGIONS)
    seen_in = Counter(n for ids in by_region.values() for n in ids)
    multi = {n for n, k in seen_in.items() if k > 1}
    assert len(multi) > 10  # the synthetic corpus has multinational studies

    report, client = run(store, fake_api(synth_corpus), ALL_REGIONS, ids_first=ids_first)
    expected = set().union(*by_region.values())
    assert stored_ids(store) == expected
    assert len(combined_queries(plan_queries(select_regions(load_regions(), ALL_REGIONS)), since=None,
                                fixed={}, base_url="")) > 1  # fmt: skip # the plan has several searches to share
    assert set(client.full) == expected
    assert max(client.full.values()) == 1, [n for n, k in client.full.items() if k > 1][:5]
    assert all(client.full[n] == 1 for n in multi)
    assert report.studies_seen == len(expected) and report.duplicates == 0
    queries = store.queries(store.runs()[0]["id"])
    assert all(q["outcome"] in ("counted", "ok") for q in queries)
    assert all(q["total_count"] == q["received"] for q in queries if q["outcome"] == "ok")


def test_requests_stay_within_the_issue_bound_on_a_small_corpus(store: Store, synth_corpus: Path,
                                                                fake_api: Start) -> None:  # fmt: skip
    """Requests <= 1.2 x distinct / 1,000 + 2 x region queries, and every request accounted for."""
    server = fake_api(synth_corpus)
    queries = plan_queries(select_regions(load_regions(), ALL_REGIONS))
    report, _ = run(store, server, ALL_REGIONS, page_size=500)
    distinct = len(stored_ids(store))
    assert report.requests <= 1.2 * distinct / 1000 + 2 * len(queries)
    rows = store.queries(store.runs()[0]["id"])
    counted = [q for q in rows if q["outcome"] == "counted"]
    assert len(counted) == len(queries)
    searched = sum(max(1, math.ceil(q["total_count"] / 500)) for q in rows if q["outcome"] != "counted")
    assert report.requests == 1 + len(queries) + searched  # /version, counts, search and fetch pages

    again, client = run(store, server, ALL_REGIONS, page_size=500)  # nothing changed: ID passes only
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, distinct)
    assert not client.full
    assert again.requests <= report.requests


def test_digest_equals_a_file_harvest_of_the_same_records(store: Store, real_corpus: Path, fake_api: Start,
                                                          tmp_path: Path) -> None:  # fmt: skip
    from db.engine import make_engine
    from db.migrate import upgrade

    regions = ["ruhr", "berlin"]
    records = read_ndjson(real_corpus)
    expected = set().union(*in_regions(records, regions).values())
    run(store, fake_api(real_corpus), regions, page_size=7)
    assert stored_ids(store) == expected

    # The same records as the API sends them (projected to the fields we store), byte for byte, in NCT order.
    subset = tmp_path / "regions.ndjson"
    subset.write_bytes(b"".join(orjson.dumps(project(r, list(FIELDS))) + b"\n" for r in records if nct(r) in expected))
    default_resolver.cache_clear()  # as a fresh process
    other = make_engine("sqlite://")
    upgrade(other)
    ref = Store(other)
    Harvester(ref, parallel=False).harvest_file(subset, request={})
    assert ref.digest() == store.digest()
    other.dispose()


def test_an_incremental_run_fetches_only_the_changed_studies(store: Store, real_corpus: Path, fake_api: Start,
                                                             tmp_path: Path) -> None:  # fmt: skip
    records = read_ndjson(real_corpus)
    ruhr = studies_in_region(records, select_regions(load_regions(), ["ruhr"])[0])
    ordered = sorted(ruhr)
    recent, edited = ordered[1::9][:3], ordered[::7][:4]  # recent: inside the since window but unchanged
    assert not set(recent) & set(edited)
    for r in records:
        if nct(r) in recent:
            r["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2099-01-01", "type": "ACTUAL"}
    corpus = tmp_path / "corpus.ndjson.gz"
    write_ndjson(corpus, records)
    server = fake_api(corpus)
    run(store, server, ["ruhr"])
    for r in records:
        if nct(r) in edited:
            status = r["protocolSection"]["statusModule"]
            status["overallStatus"] = "TERMINATED"
            status["lastUpdatePostDateStruct"] = {"date": "2099-01-02", "type": "ACTUAL"}
    write_ndjson(corpus, records)

    inc, client = run(store, server, ["ruhr"], since="2099-01-01")
    assert set(client.listed) == set(recent) | set(edited)  # the ID pass lists the whole window
    assert set(client.full) == set(edited) and max(client.full.values()) == 1  # only the changed come in full
    assert (inc.inserted, inc.updated, inc.unchanged) == (0, len(edited), len(recent))
    assert sorted(inc.changed_ids) == sorted(edited)


def test_a_registry_that_refuses_long_urls_is_asked_in_smaller_pieces(
    store: Store, synth_corpus: Path, fake_api: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the registry's URL limit be lower than we assume, the run still completes: a refused combined
    search becomes its member queries, a refused ``filter.ids`` batch becomes smaller batches."""
    import trials.source.fakeapi.server as fake

    expected = set().union(*in_regions(read_ndjson(synth_corpus), ALL_REGIONS).values())
    monkeypatch.setattr(fake, "MAX_TARGET_BYTES", 1800)
    report, client = run(store, fake_api(synth_corpus), ALL_REGIONS, ids_first=True)
    assert stored_ids(store) == expected
    assert max(client.full.values()) == 1
    rows = store.queries(store.runs()[0]["id"])
    refused = [q for q in rows if q["outcome"] == "refused"]
    assert any(q["label"].startswith("combined") for q in refused)
    assert any(q["label"].startswith("fetch") for q in refused)
    assert all("HTTP 414" in q["note"] for q in refused)
    assert any("refused" in line for line in report.plan)


# -- the plan's pure parts ---------------------------------------------------------------------
def test_to_fetch_takes_new_and_changed_and_skips_what_this_run_wrote() -> None:
    registry = {"NCT1": "2026-01-01", "NCT2": "2026-02-01", "NCT3": "2026-03-01", "NCT4": ""}
    stored = {"NCT1": "2026-01-01", "NCT2": "2025-12-31", "NCT4": ""}
    assert to_fetch(registry, stored, done={"NCT3"}) == (["NCT2"], 2)
    assert to_fetch(registry, {}, done=set()) == (["NCT1", "NCT2", "NCT3", "NCT4"], 0)


def test_combined_searches_cover_every_query_and_fit_the_url_budget() -> None:
    queries = plan_queries(load_regions())
    fixed = {"format": "json", "pageSize": "1000", "fields": "protocolSection.identificationModule"}
    base = "https://clinicaltrials.gov/api/v2"
    combined = combined_queries(queries, since="2026-01-01", fixed=fixed, base_url=base)
    assert sorted(i for c in combined for i in c.members) == list(range(len(queries)))
    assert len(combined) < len(queries) / 10
    for c in combined:
        query = "&".join(f"{k}={quote(v, safe='')}" for k, v in {**fixed, **c.query.params}.items())
        assert len(f"{base}/studies?{query}") <= MAX_URL_BYTES
        assert c.query.params["filter.advanced"].endswith("AND (AREA[LastUpdatePostDate]RANGE[2026-01-01,MAX])")
    assert geo_term("distance(51.434000,6.762000,20km)") == "AREA[LocationGeoPoint]DISTANCE[51.434000,6.762000,20km]"
    assert query_term(StudyQuery("x", {"filter.overallStatus": "RECRUITING"})) is None


def test_id_batches_fit_the_url_budget() -> None:
    ids = [f"NCT{n:08d}" for n in range(5000)]
    fixed = {"format": "json", "pageSize": "1000", "fields": "x" * 300}
    batches = id_batches(ids, fixed=fixed, base_url="https://clinicaltrials.gov/api/v2")
    assert [i for b in batches for i in b] == ids
    assert 400 <= len(batches[0]) <= 1000
    for b in batches:
        query = "&".join(f"{k}={quote(v, safe='')}" for k, v in {**fixed, "filter.ids": ",".join(b)}.items())
        assert len(f"https://clinicaltrials.gov/api/v2/studies?{query}") <= MAX_URL_BYTES
