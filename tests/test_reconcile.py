"""Reconciliation marks removed only what the registry positively did not return.

A study that came back but went to quarantine was returned; a batch that came back short of its
``totalCount`` (or with a record nobody can name) proves nothing about the studies missing from it.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine, select

from db.models import StudyEventRow, StudyRow, table
from db.store import Store
from tests.hostile_server import hostile_server, raw, record
from trials.jobs.harvest import Harvester
from trials.jobs.refresh_runs import reconcile
from trials.source.api import CtgovClient, StudyQuery
from trials.source.retry import RetryPolicy

QUICK = RetryPolicy(attempts=2, total_timeout_s=20, wait_initial_s=0.01, wait_max_s=0.05, wait_jitter_s=0.01)
STUDIES = [raw(record(n)) for n in range(1, 6)]


def _store_all(engine: Engine) -> None:
    with hostile_server(STUDIES) as server, CtgovClient(server.base_url, rate_per_second=0, retry=QUICK) as client:
        report = Harvester(Store(engine), parallel=False).harvest(client, [StudyQuery("all", {})], request={})
    assert report.outcome == "success" and Store(engine).table_counts()["studies"] == 5


def _removed(engine: Engine) -> tuple[set[str], set[str]]:
    studies, events = table(StudyRow), table(StudyEventRow)
    with engine.connect() as conn:
        marked = set(conn.scalars(select(studies.c.nct_id).where(studies.c.removed_at.is_not(None))))
        evented = set(conn.scalars(select(events.c.nct_id).where(events.c.kind == "removed")))
    return marked, evented


def _reconcile(engine: Engine, served: list[bytes], mode: str = "normal") -> int:
    with hostile_server(served, mode) as server, CtgovClient(server.base_url, rate_per_second=0,
                                                               retry=QUICK) as client:  # fmt: skip
        report, marked = reconcile(engine, client, after=False, batch=3)
    assert report.outcome in ("success", "warning"), report.summary()
    return marked


def test_a_returned_but_quarantined_study_is_not_removed(engine: Engine) -> None:
    _store_all(engine)
    broken = record(3)
    broken["protocolSection"]["designModule"]["phases"] = "PHASE2"  # not a list: cannot be decoded
    too_long = record(4)
    too_long["protocolSection"]["designModule"]["phases"] = ["PHASE2_EXTENSION_COHORT"]  # no column holds it
    served = [STUDIES[0], STUDIES[1], raw(broken), raw(too_long)]  # NCT00000005 is really gone
    assert _reconcile(engine, served) == 1
    assert _removed(engine) == ({"NCT00000005"}, {"NCT00000005"})
    assert {q["nct_id"] for q in Store(engine).quarantine()} == {"NCT00000003", "NCT00000004"}


def test_a_batch_short_of_its_total_count_removes_nothing(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    _store_all(engine)
    with caplog.at_level(logging.WARNING):
        assert _reconcile(engine, STUDIES, mode="short") == 0  # each batch of 3 announces 3 and sends 2
    assert _removed(engine) == (set(), set())
    assert "removes nothing" in caplog.text and "reconcile 1/2" in caplog.text


def test_a_batch_with_a_record_nobody_can_name_removes_nothing(engine: Engine) -> None:
    _store_all(engine)
    # batch 1 (NCT1-3): NCT3 comes back as a record without a readable NCT ID; batch 2 (NCT4-5): NCT5 is gone
    with hostile_server(STUDIES[:4]) as server:
        server.substitutes["NCT00000003"] = b'{"protocolSection": 5}'
        with CtgovClient(server.base_url, rate_per_second=0, retry=QUICK) as client:
            report, marked = reconcile(engine, client, after=False, batch=3)
    assert report.outcome == "warning"
    assert marked == 1 and _removed(engine)[0] == {"NCT00000005"}
