"""Shared fixtures: the real records in ../shared, databases (SQLite file and PostgreSQL), the fake API.

Outside CI a test whose real part is missing (the shared data, a PostgreSQL server) skips with the
reason; with ``CI=true`` the same situation fails, so CI can never pass by skipping.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from db.engine import make_engine, normalise_url
from db.migrate import upgrade
from db.store import Store
from trials.source.fakeapi.server import FakeApiServer
from trials.source.synth import write_corpus

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
CTGOV = SHARED / "ctgov"
REAL_CORPUS = CTGOV / "api_v2" / "corpus_v2_studies.ndjson.gz"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def clear_streamlit_caches() -> Iterator[None]:
    """Streamlit's caches outlive an AppTest (and a test): every test starts with empty ones."""
    st = sys.modules.get("streamlit")
    if st is not None:
        st.cache_data.clear()
        st.cache_resource.clear()
    yield
    if st is not None:
        st.cache_resource.clear()


@pytest.fixture(autouse=True, scope="session")
def frames_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The analytics frame caches of every test go to a temporary folder (a PostgreSQL database's default,
    ``data/cache``, would be inside the work tree); a test of the default places unsets the variable."""
    path = tmp_path_factory.mktemp("frames-cache")
    before = os.environ.get("TRIALS_CACHE_DIR")
    os.environ["TRIALS_CACHE_DIR"] = str(path)
    yield path
    if before is None:
        os.environ.pop("TRIALS_CACHE_DIR", None)
    else:
        os.environ["TRIALS_CACHE_DIR"] = before


def require(condition: bool, reason: str) -> None:
    """Skip (on a laptop) or fail (in CI) when a real part of the test is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def real_corpus() -> Path:
    require(REAL_CORPUS.exists(), f"real ClinicalTrials.gov records not found at {REAL_CORPUS}")
    return REAL_CORPUS


def _harvest_real_corpus(url: str, corpus: Path) -> None:
    engine = make_engine(url)
    upgrade(engine)
    from trials.jobs.harvest import Harvester

    assert Harvester(Store(engine)).harvest_file(corpus, request={}).outcome == "success"
    engine.dispose()


@pytest.fixture(scope="session")
def real_db_url(tmp_path_factory: pytest.TempPathFactory, real_corpus: Path) -> str:
    """A SQLite file holding the whole real corpus, harvested once per test session (read-only for tests)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('real') / 'real.db'}"
    _harvest_real_corpus(url, real_corpus)
    return url


@pytest.fixture
def real_db_copy(tmp_path: Path, real_db_url: str) -> str:
    """A private copy of the shared real-corpus SQLite file, for tests that write (cheaper than a harvest)."""
    source = Path(real_db_url.removeprefix("sqlite:///"))
    target = tmp_path / "real-copy.db"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def real_pg_url(real_corpus: Path) -> Iterator[str]:
    """The same real corpus in a PostgreSQL database, harvested once per test session (read-only for tests)."""
    admin = _pg_admin_url()
    require(admin is not None, "no PostgreSQL server: set TRIALS_TEST_PG_URL (CI starts one)")
    assert admin is not None
    with _pg_database(admin) as url:
        _harvest_real_corpus(url, real_corpus)
        yield url


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def real_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on the shared real-corpus database, on SQLite and on PostgreSQL (tests only read it)."""
    url = request.getfixturevalue("real_db_url" if request.param == "sqlite" else "real_pg_url")
    eng = make_engine(url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def ctgov_dir() -> Path:
    require(CTGOV.is_dir(), f"shared data folder not found at {CTGOV}")
    return CTGOV


@pytest.fixture(scope="session")
def synth_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synth") / "synth_3000.ndjson.gz"
    write_corpus(path, studies=3000, seed=7)
    return path


def _pg_admin_url() -> str | None:
    return os.environ.get("TRIALS_TEST_PG_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a new database on the PostgreSQL test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trials.db'}"
        return
    admin = _pg_admin_url()
    require(admin is not None, "no PostgreSQL server: set TRIALS_TEST_PG_URL (CI starts one)")
    assert admin is not None
    with _pg_database(admin) as url:
        yield url


@contextlib.contextmanager
def _pg_database(admin: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL test server, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin_engine = create_engine(normalise_url(admin), isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_engine.url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def store(engine: Engine) -> Store:
    return Store(engine)


@pytest.fixture
def fake_api() -> Iterator[Callable[..., FakeApiServer]]:
    """Start real fake-API servers on loopback ports; all are stopped at the end of the test."""
    servers: list[FakeApiServer] = []

    def start(corpus: Path, **kwargs: Any) -> FakeApiServer:
        server = FakeApiServer(corpus, **kwargs).start()
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.stop()
