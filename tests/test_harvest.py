"""Harvests through the real fake-API server into a real database (SQLite file and PostgreSQL)."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from db.models import PhaseRow, RawRecordRow, SiteRow, StudyRow
from db.store import Store
from tests.helpers import nct, read_ndjson, studies_in_region, write_ndjson
from trials.jobs.harvest import Harvester, HarvestReport, plan_queries
from trials.rules.regions import load_regions, select_regions
from trials.source.api import CtgovClient
from trials.source.fakeapi.server import FakeApiServer
from trials.source.queries import region_queries
from trials.source.retry import RetryPolicy

Start = Callable[..., FakeApiServer]
FAST = RetryPolicy(attempts=8, total_timeout_s=60, wait_initial_s=0.01, wait_max_s=0.05, wait_jitter_s=0.01)


def harvest(store: Store, server: FakeApiServer, regions: list[str], since: str | None = None,
            page_size: int = 7, ids_first: bool | None = None) -> HarvestReport:  # fmt: skip
    chosen = select_regions(load_regions(), regions)
    with CtgovClient(server.base_url, rate_per_second=0, retry=FAST, timeout_s=2) as client:
        return Harvester(store).harvest_once(
            client, plan_queries(chosen), request={"regions": regions}, since=since, page_size=page_size,
            mode="incremental" if since else "full", ids_first=ids_first,
        )  # fmt: skip


def test_region_harvest_stores_every_study_with_a_site_in_range(store: Store, real_corpus: Path,
                                                                fake_api: Start) -> None:  # fmt: skip
    records = read_ndjson(real_corpus)
    ruhr = select_regions(load_regions(), ["ruhr"])[0]
    expected = studies_in_region(records, ruhr)
    assert len(expected) > 10  # the real corpus has Ruhr studies to find

    report = harvest(store, fake_api(real_corpus), ["ruhr"])
    assert report.outcome == "success", report.summary()
    with store.engine.connect() as conn:
        stored = set(conn.scalars(select(StudyRow.nct_id)))
        assert stored == expected
        by_id = {nct(r): r for r in records}
        for nct_id in sorted(expected)[:15]:
            rec = by_id[nct_id]["protocolSection"]
            sites = conn.execute(select(SiteRow.city).where(SiteRow.nct_id == nct_id).order_by(SiteRow.ordinal))
            assert [s for (s,) in sites] == [loc.get("city") for loc in rec["contactsLocationsModule"]["locations"]]
            phases = set(conn.scalars(select(PhaseRow.phase).where(PhaseRow.nct_id == nct_id)))
            assert phases == set(rec.get("designModule", {}).get("phases", []))
            body = conn.scalar(select(RawRecordRow.body).where(RawRecordRow.nct_id == nct_id))
            assert body is not None
            raw = json.loads(zlib.decompress(body))
            assert raw["protocolSection"]["identificationModule"]["nctId"] == nct_id
    assert store.table_counts()["conditions"] > 0 and store.table_counts()["mesh_terms"] > 0
    runs = store.runs()
    assert runs[0]["outcome"] == "success" and runs[0]["inserted"] == len(expected)
    queries = store.queries(runs[0]["id"])
    counted = [q for q in queries if q["outcome"] == "counted"]
    searched = [q for q in queries if q["outcome"] != "counted"]
    # every region query is counted (its total recorded); the studies arrive through the combined search(es)
    assert [q["label"] for q in counted] == [q.label for q in region_queries(ruhr)]
    assert all(q["total_count"] is not None for q in counted)
    assert max(q["total_count"] for q in counted) <= len(expected)
    assert searched and all(q["outcome"] == "ok" and q["total_count"] == q["received"] for q in searched)
    assert sum(q["received"] for q in searched) == len(expected)  # one search: each study arrived once


def test_second_identical_harvest_changes_nothing(store: Store, real_corpus: Path, fake_api: Start) -> None:
    server = fake_api(real_corpus)
    first = harvest(store, server, ["ruhr", "berlin"])
    counts, digest = store.table_counts(), store.digest()
    second = harvest(store, server, ["ruhr", "berlin"])
    assert second.outcome == "success"
    assert (second.inserted, second.updated) == (0, 0)
    assert second.unchanged == first.inserted
    assert store.table_counts() == counts
    assert store.digest() == digest


def test_incremental_harvest_updates_exactly_the_edited_records(store: Store, real_corpus: Path, fake_api: Start,
                                                                tmp_path: Path) -> None:  # fmt: skip
    records = read_ndjson(real_corpus)
    corpus = tmp_path / "corpus.ndjson.gz"
    write_ndjson(corpus, records)
    server = fake_api(corpus)
    full = harvest(store, server, ["ruhr"])
    stored_ids = sorted(full.changed_ids)
    edited = stored_ids[::7][:4]
    for r in records:
        if nct(r) in edited:
            r["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
            r["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {
                "date": "2099-01-02",
                "type": "ACTUAL",
            }
    write_ndjson(corpus, records)

    inc = harvest(store, server, ["ruhr"], since="2099-01-01")
    assert inc.outcome == "success"
    assert sorted(inc.changed_ids) == sorted(edited)
    assert (inc.inserted, inc.updated, inc.unchanged) == (0, len(edited), 0)
    with store.engine.connect() as conn:
        statuses = {i: s for i, s in conn.execute(select(StudyRow.nct_id, StudyRow.overall_status))}
    assert all(statuses[i] == "TERMINATED" for i in edited)
    assert store.runs()[0]["mode"] == "incremental"


def test_the_same_content_gives_the_same_digest_on_every_database(store: Store, real_corpus: Path) -> None:
    """The digest ignores the dialect, so runs on SQLite and PostgreSQL can be compared."""
    Harvester(store).harvest_file(real_corpus, request={})
    digest = store.digest()
    from db.engine import make_engine
    from db.migrate import upgrade

    other = make_engine("sqlite://")
    upgrade(other)
    ref = Store(other)
    Harvester(ref).harvest_file(real_corpus, request={})
    assert digest == ref.digest()
