"""A hostile or broken server ends a harvest in bounded time with one clear line, the stored data unchanged.

Each case runs the real client (``trials harvest``'s own wiring) against :mod:`tests.hostile_server`
on SQLite and PostgreSQL. Bounded time is checked by the ``timeout`` marker, never by timing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from db.lock import run_lock
from db.store import Store
from tests.hostile_server import HostileServer, hostile_server, raw, record
from trials.cli import main
from trials.errors import ApiError
from trials.jobs.harvest import HarvestReport
from trials.jobs.run_harvest import HarvestArgs, run_harvest
from trials.source.api import CtgovClient, StudyQuery
from trials.source.retry import RetryPolicy

STUDIES = [raw(record(n)) for n in range(1, 6)]
QUICK = RetryPolicy(attempts=2, total_timeout_s=20, wait_initial_s=0.01, wait_max_s=0.05, wait_jitter_s=0.01)

#: mode -> words the one-line error must contain
CASES = {
    "same-token": ["page token", "again"],
    "token-cycle": ["page token", "again"],
    "empty-pages": ["empty pages in a row"],
    "total-lies": ["totalCount"],
    "slow-body": ["longer than 2s"],
    "html": ["HTML", "--base-url"],
    "redirect-loop": ["redirect"],
    "bad-encoding": ["Content-Encoding", "gzip"],
}


def args(server: HostileServer, db_url: str) -> HarvestArgs:
    return HarvestArgs(regions=["ruhr"], base_url=server.base_url, rate=0, timeout=2, retries=2,
                       retry_wait_initial=0.01, retry_wait_max=0.05, page_size=2, db_url=db_url)  # fmt: skip


@pytest.fixture
def seeded(store: Store, db_url: str) -> Iterator[str]:
    """The five studies stored by a good harvest; yields the digest to compare with."""
    with hostile_server(STUDIES) as good:
        assert run_harvest(args(good, db_url)).outcome == "success"
    yield store.digest()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("mode", list(CASES))
def test_a_hostile_server_fails_the_run_in_bounded_time_and_changes_nothing(
    mode: str, store: Store, db_url: str, seeded: str
) -> None:
    with hostile_server(STUDIES, mode) as bad:
        report: HarvestReport = run_harvest(args(bad, db_url))
        requests = bad.requests
    assert report.outcome == "failed"
    assert report.error is not None and "\n" not in report.error
    for word in CASES[mode]:
        assert word in report.error, report.error
    assert "query " in report.error and "page " in report.error  # names the query and the page
    assert requests < 50  # stopped early, not after a budget of thousands of pages
    assert store.digest() == seeded
    run = store.runs()[0]
    assert run["outcome"] == "failed" and run["error"] == report.error and run["finished_at"] is not None
    with run_lock(store.engine, "harvest", 0):  # released
        pass


@pytest.mark.timeout(60)
@pytest.mark.parametrize("mode", ["html", "redirect-loop", "bad-encoding", "same-token"])
def test_the_cli_reports_a_hostile_server_in_one_line_with_exit_1(mode: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    with hostile_server(STUDIES, mode) as bad:
        result = CliRunner().invoke(main, ["harvest", "--db", url, "--base-url", bad.base_url, "--region", "ruhr",
                                           "--rate", "0", "--timeout", "2", "--retries", "2", "--retry-wait", "0.01",
                                           "--no-progress"])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    error_lines = [line for line in result.output.splitlines() if line.strip().startswith("error:")]
    assert len(error_lines) == 1 and "query " in error_lines[0]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("mode", ["same-token", "token-cycle", "empty-pages", "total-lies"])
def test_the_client_stops_paging_a_hostile_cursor(mode: str) -> None:
    with hostile_server(STUDIES, mode) as bad, CtgovClient(bad.base_url, rate_per_second=0, retry=QUICK,
                                                            timeout_s=2) as client:  # fmt: skip
        with pytest.raises(ApiError, match=r"query 'q' page \d+"):
            for _ in client.pages(StudyQuery("q", {}), page_size=2):
                pass
        assert bad.requests < 10


def test_a_cursor_without_total_count_is_still_capped() -> None:
    from trials.source.api import page_cap

    assert page_cap(None, 1000) >= 1000  # the whole registry fits
    assert page_cap(5, 2) == 5  # ceil(5/2) + 2
    assert page_cap(0, 1000) == 3  # a query always takes a page
    assert page_cap(10**12, 1000) == page_cap(None, 1000)  # a lying huge count is capped too
