"""Schema and storage rules: migrations match the models, SQLite settings, one transaction per page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from db.models import Base
from db.store import Store
from trials.rules.classify import Accepted, classify


def test_migrations_build_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    from db.engine import SQLITE_BUSY_TIMEOUT_MS, make_engine

    eng = make_engine(f"sqlite:///{tmp_path}/w.db")
    with eng.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
    eng.dispose()


def _accepted(n: int, **status: object) -> Accepted:
    rec = {"protocolSection": {"identificationModule": {"nctId": f"NCT{n:08d}"}, "statusModule": status,
           "contactsLocationsModule": {"locations": [{"city": "Essen"}, {"city": "Bochum"}]}}}  # fmt: skip
    item = classify(json.dumps(rec).encode())
    assert isinstance(item, Accepted)
    return item


def test_a_page_that_fails_midway_writes_nothing(store: Store) -> None:
    store.write_page(None, [_accepted(1)], [])
    before = store.digest()
    good = _accepted(2)
    broken = _accepted(3)
    broken.study.sites.append(dict(broken.study.sites[0]))  # duplicate key: the insert fails after studies
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        store.write_page(None, [good, broken], [])
    assert store.digest() == before
    assert store.table_counts()["studies"] == 1


def test_an_update_replaces_child_rows(store: Store) -> None:
    store.write_page(None, [_accepted(1, overallStatus="RECRUITING")], [])
    item = _accepted(1, overallStatus="COMPLETED")
    item.study.sites.pop()
    counts = store.write_page(None, [item], [])
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 1, 0)
    assert store.table_counts()["sites"] == 1
