"""Unattended refresh: scheduled jobs with a controllable clock, skips, catch-up, reconciliation,
one runner at a time (real processes, SQLite and PostgreSQL), restarts, run log and snapshots."""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import subprocess
import sys
import time
import zoneinfo
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import time_machine
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from db.engine import make_engine
from db.lock import LockHeld, run_lock
from db.migrate import upgrade
from db.models import CountSnapshotRow, HarvestRunRow, JobClaimRow, StudyEventRow, StudyRow, table
from db.store import Store
from scheduler.app import JOB_TABLE, create_scheduler, stop_scheduler, upcoming
from scheduler.config import load_schedule, parse_schedule
from scheduler.jobs import slot_for
from tests.helpers import nct, read_ndjson, studies_in_region, write_ndjson
from trials.analytics.context import latest_counts
from trials.analytics.rankings import Filters, build_frames, rank
from trials.cli import main
from trials.errors import ConfigError
from trials.jobs.refresh_runs import reconcile
from trials.rules.regions import load_regions
from trials.source.api import CtgovClient
from trials.source.fakeapi.server import FakeApiServer

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
ROOT = Path(__file__).resolve().parents[1]


def ruhr_records(real_corpus: Path) -> list[dict[str, Any]]:
    records = read_ndjson(real_corpus)
    ruhr = studies_in_region(records, next(r for r in load_regions() if r.name == "ruhr"))
    return [r for r in records if nct(r) in ruhr]


def write_schedule(path: Path, base_url: str, jobs: str, lock_wait: float = 60) -> Path:
    path.write_text(
        f'timezone = "Europe/Berlin"\n[harvest]\nbase_url = "{base_url}"\nrate = 0\nregions = ["ruhr"]\n'
        f"lock_wait_s = {lock_wait}\n{jobs}",
        encoding="utf-8",
    )
    return path


DAILY = '[[job]]\nid = "incremental-harvest"\nkind = "incremental"\ncron = "0 14 * * *"\nmisfire_grace_s = 86400\n'
WEEKLY = '[[job]]\nid = "reconcile"\nkind = "reconcile"\ncron = "30 3 * * 0"\nmisfire_grace_s = 604800\n'


def runs(engine: Engine) -> list[dict[str, Any]]:
    return list(reversed(Store(engine).runs(limit=100)))


def count(engine: Engine, model: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table(model))).scalar_one())


@pytest.fixture
def served(tmp_path: Path, real_corpus: Path, fake_api: Callable[..., FakeApiServer]) -> tuple[Path, FakeApiServer]:
    corpus = tmp_path / "corpus.ndjson.gz"
    write_ndjson(corpus, ruhr_records(real_corpus))
    return corpus, fake_api(corpus)


class Clocked:
    """A background scheduler whose job results arrive in a queue (the test waits on it, never sleeps)."""

    def __init__(self, db_url: str, schedule_path: Path) -> None:
        self.results: queue.Queue[Any] = queue.Queue()
        self.sched = create_scheduler(db_url, load_schedule(schedule_path), str(schedule_path), background=True)
        self.sched.add_listener(self._done, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def _done(self, event: Any) -> None:
        self.results.put(event.exception or event.retval)

    def next_result(self) -> Any:
        return self.results.get(timeout=180)


def local(day: int, hour: int, minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=BERLIN)


def test_daily_job_harvests_then_skips_an_unchanged_registry_then_fetches_what_changed(
    tmp_path: Path, served: tuple[Path, FakeApiServer]
) -> None:
    corpus, server = served
    db_url = f"sqlite:///{tmp_path / 'sched.db'}"
    path = write_schedule(tmp_path / "schedule.toml", server.base_url, DAILY)
    with time_machine.travel(local(2, 13, 59, 58), tick=True) as clock:
        c = Clocked(db_url, path)
        c.sched.start()
        assert c.next_result() == "success"  # nothing stored yet: a full harvest
        engine = make_engine(db_url)
        first = runs(engine)
        assert [(r["mode"], r["outcome"]) for r in first] == [("full", "success")]
        stored = count(engine, StudyRow)
        assert stored == len(read_ndjson(corpus))

        clock.move_to(local(3, 13, 59, 58))
        c.sched.wakeup()
        assert c.next_result() == "skipped"
        skip = runs(engine)[-1]
        assert skip["mode"] == "incremental" and skip["outcome"] == "skipped" and "unchanged" in skip["error"]
        assert skip["requests"] == 1  # only GET /version

        records = read_ndjson(corpus)
        changed = records[0]
        changed["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
        changed["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2026-11-03"}
        write_ndjson(corpus, records)
        os.utime(corpus, (time.time() + 5, time.time() + 5))  # a new registry data timestamp
        clock.move_to(local(4, 13, 59, 58))
        c.sched.wakeup()
        assert c.next_result() == "success"
        inc = runs(engine)[-1]
        assert inc["mode"] == "incremental" and inc["request"]["since"] == "2026-10-31"  # run day minus 2
        assert inc["updated"] == 1 and inc["inserted"] == 0
        stop_scheduler(c.sched)
    frames = build_frames(engine, load_regions())
    assert frames.studies.filter(pl.col("nct_id") == nct(changed))["overall_status"][0] == "TERMINATED"
    assert count(engine, JobClaimRow) == 3
    engine.dispose()


def test_missed_runs_catch_up_once(tmp_path: Path, served: tuple[Path, FakeApiServer]) -> None:
    _, server = served
    db_url = f"sqlite:///{tmp_path / 'sched.db'}"
    path = write_schedule(tmp_path / "schedule.toml", server.base_url, DAILY)
    with time_machine.travel(local(2, 13, 59, 58), tick=True) as clock:
        c = Clocked(db_url, path)
        c.sched.start()
        assert c.next_result() == "success"
        stop_scheduler(c.sched)
        # The scheduler is down for four daily runs (3rd to 6th); it comes back on the 6th at 16:00.
        clock.move_to(local(6, 16, 0))
        c = Clocked(db_url, path)
        c.sched.start()
        assert c.next_result() == "skipped"  # one coalesced run, for the latest missed slot
        job = c.sched.get_job("incremental-harvest")
        assert job.next_run_time == local(7, 14, 0)  # nothing else pending
        stop_scheduler(c.sched)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        slots = [r[0] for r in conn.execute(select(table(JobClaimRow).c.slot).order_by(table(JobClaimRow).c.slot))]
    assert len(slots) == 2 and [len(runs(engine))] == [2]
    engine.dispose()
    assert slots[1].replace(tzinfo=dt.UTC) == local(6, 14, 0).astimezone(dt.UTC)


def test_reconciliation_marks_removed_studies_sites_and_regions_and_keeps_them(
    engine: Engine, served: tuple[Path, FakeApiServer]
) -> None:
    corpus, server = served
    records = read_ndjson(corpus)
    with CtgovClient(server.base_url, rate_per_second=0) as client:
        report, marked = reconcile(engine, client)  # empty database: nothing to re-fetch
        assert marked == 0
        from trials.jobs.run_harvest import HarvestArgs, run_harvest

        url = engine.url.render_as_string(hide_password=False)
        assert run_harvest(HarvestArgs(regions=["ruhr"], base_url=server.base_url, rate=0, db_url=url)).outcome in (
            "success", "warning")  # fmt: skip
        gone, shrunk = records[0], next(r for r in records[1:] if len(_locations(r)) >= 2)
        kept_sites = _locations(shrunk)[1:]
        removed_site = _locations(shrunk)[0]
        shrunk["protocolSection"]["contactsLocationsModule"]["locations"] = kept_sites
        write_ndjson(corpus, [r for r in records if r is not gone])
        report, marked = reconcile(engine, client)
    assert report.outcome in ("success", "warning") and marked == 1
    with engine.connect() as conn:
        removed = conn.execute(select(table(StudyRow).c.removed_at, table(StudyRow).c.removed_reason)
                               .where(table(StudyRow).c.nct_id == nct(gone))).one()  # fmt: skip
        events = conn.execute(select(table(StudyEventRow))).mappings().all()
    assert removed[0] is not None and "reconciliation run" in removed[1]
    kinds = {(e["nct_id"], e["kind"]) for e in events}
    assert (nct(gone), "removed") in kinds and (nct(shrunk), "site_removed") in kinds
    detail = next(e["detail"] for e in events if e["kind"] == "site_removed")
    assert str(removed_site.get("facility") or removed_site.get("city")) in detail
    frames = build_frames(engine, load_regions())
    assert nct(gone) not in frames.studies["nct_id"].to_list()  # kept in the database, not counted
    assert Store(engine).table_counts()["studies"] == len(records)


def test_a_study_that_loses_its_only_site_in_a_region_is_recorded_as_having_left_it(
    engine: Engine, served: tuple[Path, FakeApiServer]
) -> None:
    corpus, server = served
    records = read_ndjson(corpus)
    ruhr = next(r for r in load_regions() if r.name == "ruhr")
    url = engine.url.render_as_string(hide_password=False)
    from trials.jobs.run_harvest import HarvestArgs, run_harvest

    run_harvest(HarvestArgs(regions=["ruhr"], base_url=server.base_url, rate=0, db_url=url))
    target = next(r for r in records if len(_locations(r)) >= 2 and
                  len(_locations(r)) > len(_ruhr_sites(r, ruhr)) > 0)  # fmt: skip
    ruhr_sites = _ruhr_sites(target, ruhr)
    target["protocolSection"]["contactsLocationsModule"]["locations"] = [
        loc for loc in _locations(target) if loc not in ruhr_sites
    ]
    write_ndjson(corpus, records)
    with CtgovClient(server.base_url, rate_per_second=0) as client:
        reconcile(engine, client)
    with engine.connect() as conn:
        events = conn.execute(select(table(StudyEventRow)).where(table(StudyEventRow).c.nct_id == nct(target)))
        kinds = {(e.kind, e.detail) for e in events}
    assert ("left_region", "ruhr") in kinds


def _locations(record: dict[str, Any]) -> list[dict[str, Any]]:
    return list(record["protocolSection"].get("contactsLocationsModule", {}).get("locations", []))


def _ruhr_sites(record: dict[str, Any], ruhr: Any) -> list[dict[str, Any]]:
    single = {**record, "protocolSection": {**record["protocolSection"], "contactsLocationsModule": {}}}
    out = []
    for loc in _locations(record):
        single["protocolSection"]["contactsLocationsModule"] = {"locations": [loc]}
        if studies_in_region([single], ruhr):
            out.append(loc)
    return out


def test_two_scheduler_processes_run_each_occurrence_exactly_once(
    db_url: str, tmp_path: Path, served: tuple[Path, FakeApiServer]
) -> None:
    _, server = served
    engine = make_engine(db_url)
    upgrade(engine)
    every3s = '[[job]]\nid = "incremental-harvest"\nkind = "incremental"\ncron = "* * * * *"\nsecond = "*/3"\n'
    path = write_schedule(tmp_path / "fast.toml", server.base_url, every3s + "misfire_grace_s = 2\n")
    logs = [(tmp_path / f"sched{i}.log").open("wb") for i in range(2)]
    cmd = [sys.executable, "-m", "trials", "-v", "schedule", "--db", db_url, "--config", str(path)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, cwd=ROOT) for log in logs]
    claims = table(JobClaimRow)
    try:
        deadline = time.monotonic() + 180
        finished = 0
        while finished < 3:
            assert time.monotonic() < deadline, "the schedulers did not run three occurrences in 3 minutes"
            assert all(p.poll() is None for p in procs), (tmp_path / "sched0.log").read_text()
            with engine.connect() as conn:
                finished = conn.execute(
                    select(func.count()).select_from(claims).where(claims.c.finished_at.is_not(None))
                ).scalar_one()
            time.sleep(0.5)  # polling the database for progress, not timing anything
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
        for log in logs:
            log.close()
    with engine.connect() as conn:
        every = conn.execute(select(claims.c.slot, claims.c.run_id, claims.c.finished_at)).all()
        run_ids = [r[0] for r in conn.execute(select(table(HarvestRunRow).c.id))]
    finished_runs = [c.run_id for c in every if c.finished_at is not None]
    assert len(finished_runs) >= 3 and len(set(finished_runs)) == len(finished_runs)  # one run per occurrence
    assert set(finished_runs) <= set(run_ids)
    assert len(run_ids) <= len(every)  # no occurrence ran twice (a run killed by terminate has an open claim)
    engine.dispose()
    text = "".join((tmp_path / f"sched{i}.log").read_text() for i in range(2))
    assert "Traceback" not in text, text


def test_restarting_keeps_exactly_one_copy_of_each_job(db_url: str, tmp_path: Path) -> None:
    path = write_schedule(tmp_path / "s.toml", "http://127.0.0.1:9/api/v2", DAILY + WEEKLY)
    for _ in range(3):
        sched = create_scheduler(db_url, load_schedule(path), str(path), background=True)
        sched.start(paused=True)
        stop_scheduler(sched)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        ids = sorted(r[0] for r in conn.exec_driver_sql(f"SELECT id FROM {JOB_TABLE}"))
    assert ids == ["incremental-harvest", "reconcile"]
    path = write_schedule(tmp_path / "s.toml", "http://127.0.0.1:9/api/v2", DAILY)  # reconcile dropped
    sched = create_scheduler(db_url, load_schedule(path), str(path), background=True)
    sched.start(paused=True)
    stop_scheduler(sched)
    with engine.connect() as conn:
        assert [r[0] for r in conn.exec_driver_sql(f"SELECT id FROM {JOB_TABLE}")] == ["incremental-harvest"]
    engine.dispose()


def test_a_manual_harvest_during_a_running_one_exits_with_a_clear_message(
    engine: Engine, tmp_path: Path, served: tuple[Path, FakeApiServer]
) -> None:
    _, server = served
    url = engine.url.render_as_string(hide_password=False)
    with run_lock(engine, "harvest"):
        result = CliRunner().invoke(main, ["harvest", "--db", url, "--base-url", server.base_url, "--rate", "0",
                                           "--region", "ruhr", "--lock-wait", "1"])  # fmt: skip
        assert result.exit_code == 4, result.output
        assert "another harvest is running" in result.output and "--lock-wait" in result.output
        with pytest.raises(LockHeld), run_lock(engine, "harvest", wait_s=0):
            pass
    assert Store(engine).runs() == []  # nothing was started
    result = CliRunner().invoke(main, ["harvest", "--db", url, "--base-url", server.base_url, "--rate", "0",
                                       "--region", "ruhr"])  # fmt: skip
    assert result.exit_code in (0, 3), result.output


def test_each_successful_run_keeps_a_dated_snapshot_of_the_counts(
    engine: Engine, served: tuple[Path, FakeApiServer]
) -> None:
    _, server = served
    from trials.jobs.run_harvest import HarvestArgs, run_harvest

    url = engine.url.render_as_string(hide_password=False)
    report = run_harvest(HarvestArgs(regions=["ruhr"], base_url=server.base_url, rate=0, db_url=url))
    snaps = table(CountSnapshotRow)
    with engine.connect() as conn:
        rows = conn.execute(select(snaps.c.key, snaps.c.trials).where(
            snaps.c.run_id == report.run_id, snaps.c.level == "city", snaps.c.dimension == "all")).all()  # fmt: skip
        phases = conn.execute(select(func.count()).select_from(snaps).where(snaps.c.dimension == "phase")).scalar()
    regions = load_regions()
    frames = build_frames(engine, regions)
    expected: dict[str, int] = {}
    for region in regions:  # every region's cities, each counted as in its ranking
        ranked = rank(frames, "city", Filters(region=region.name))
        expected.update(zip(ranked["key"].cast(pl.String), ranked["trials"], strict=True))
    assert dict(rows) == expected and expected
    assert phases and phases > 0


def test_the_run_log_lists_every_run(engine: Engine, served: tuple[Path, FakeApiServer]) -> None:
    _, server = served
    url = engine.url.render_as_string(hide_password=False)
    for _ in range(2):
        CliRunner().invoke(main, ["update", "--db", url, "--base-url", server.base_url, "--rate", "0"])
    result = CliRunner().invoke(main, ["runs", "--db", url, "--format", "json"])
    rows = json.loads(result.output)
    assert [(r["mode"], r["outcome"]) for r in reversed(rows)] == [("full", "success"), ("incremental", "skipped")]
    table_out = CliRunner().invoke(main, ["runs", "--db", url]).output
    assert "skipped" in table_out and "unchanged" in table_out


def _after_run_rows(engine: Engine, run_id: int) -> tuple[int, set[str]]:
    """The snapshot rows of run ``run_id`` and the regions of the newest stored counts batch."""
    with engine.connect() as conn:
        snaps = conn.execute(select(func.count()).select_from(table(CountSnapshotRow))
                             .where(table(CountSnapshotRow).c.run_id == run_id)).scalar_one()  # fmt: skip
    counts = latest_counts(engine)
    return int(snaps), set(counts.filter(pl.col("scope") == "region")["key"])


@pytest.mark.parametrize("command", ["update", "harvest", "reconcile"])
def test_every_good_run_from_the_cli_snapshots_and_refreshes_the_counts_like_the_scheduler(
    command: str, engine: Engine, served: tuple[Path, FakeApiServer]
) -> None:
    _, server = served
    url = engine.url.render_as_string(hide_password=False)
    args = [command, "--db", url, "--base-url", server.base_url, "--rate", "0"]
    if command == "reconcile":  # something stored to re-fetch
        first = CliRunner().invoke(main, ["harvest", "--db", url, "--from-file", str(served[0])])
        assert first.exit_code in (0, 3), first.output
        assert latest_counts(engine).height == 0  # a file harvest reads no API: snapshot only, no counts
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 3), result.output
    run = Store(engine).runs(limit=1)[0]
    assert run["outcome"] in ("success", "warning")
    snaps, counted = _after_run_rows(engine, run["id"])
    assert snaps > 0 and counted == {r.name for r in load_regions()}


def test_a_failing_counts_refresh_is_logged_and_never_fails_the_run(
    engine: Engine, served: tuple[Path, FakeApiServer], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    import trials.jobs.after

    def broken(*_: Any, **__: Any) -> Any:
        raise ConfigError("the count service is down")

    monkeypatch.setattr(trials.jobs.after, "refresh_counts", broken)
    _, server = served
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(main, ["update", "--db", url, "--base-url", server.base_url, "--rate", "0"])
    assert result.exit_code == 0, result.output
    run = Store(engine).runs(limit=1)[0]
    assert run["outcome"] == "success"
    snaps, counted = _after_run_rows(engine, run["id"])
    assert snaps > 0 and counted == set()  # the snapshot was taken; the counts were not
    assert "counts refresh after run" in caplog.text and "the count service is down" in caplog.text


def test_slots_are_the_latest_scheduled_time() -> None:
    spec = load_schedule(None).job("incremental-harvest")
    got = slot_for(spec, "Europe/Berlin", local(6, 16, 0).astimezone(dt.UTC))
    assert got == local(6, 14, 0).astimezone(dt.UTC)
    assert slot_for(spec, "Europe/Berlin", local(6, 13, 0).astimezone(dt.UTC)) == local(5, 14, 0).astimezone(dt.UTC)


def test_schedule_errors_name_the_file_and_line(tmp_path: Path) -> None:
    text = 'timezone = "Europe/Berlin"\n[[job]]\nid = "a"\nkind = "incremental"\ncron = "0 14 * *"\n'
    with pytest.raises(ConfigError, match=r"bad\.toml, line 2, job #1: cron '0 14 \* \*' must have 5 fields"):
        parse_schedule(text, "bad.toml")
    with pytest.raises(ConfigError, match="kind 'weekly' is not one of"):
        parse_schedule(text.replace("incremental", "weekly").replace("0 14 * *", "0 14 * * *"), "bad.toml")
    with pytest.raises(ConfigError, match="unknown timezone"):
        parse_schedule(text.replace("Europe/Berlin", "Mars/Olympus"), "bad.toml")


def test_schedule_list_shows_what_runs_when() -> None:
    result = CliRunner().invoke(main, ["schedule", "--list"])
    assert result.exit_code == 0, result.output
    assert "incremental-harvest" in result.output and "reconcile" in result.output and "next:" in result.output
    plan = upcoming(load_schedule(None), dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC))
    assert plan[0]["next"][0] == local(25, 14, 0)


@pytest.fixture(autouse=True)
def _no_schedule_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("TRIALS_SCHEDULE_FILE", raising=False)
    yield


def test_the_job_store_keeps_no_database_url_or_secret(db_url: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    import pickle

    from sqlalchemy.engine import make_url

    from scheduler.jobs import current_database

    if db_url.startswith("postgresql"):  # the test server trusts any password: give the URL one to leak
        db_url = make_url(db_url).set(password="fake-pw-4711").render_as_string(hide_password=False)
    monkeypatch.setenv("TRIALS_ADMIN_PASSWORD", "admin-pw-0815")
    path = write_schedule(tmp_path / "s.toml", "http://127.0.0.1:9/api/v2", DAILY + WEEKLY)
    sched = create_scheduler(db_url, load_schedule(path), str(path), background=True)
    sched.start(paused=True)  # an old release stored the URL as a job argument: put such a job back
    sched.modify_job("reconcile", func="scheduler.jobs:run_job", args=["reconcile", db_url, str(path)])
    stop_scheduler(sched)
    sched = create_scheduler(db_url, load_schedule(path), str(path), background=True)  # the upgrade: a restart
    sched.start(paused=True)
    stop_scheduler(sched)
    assert current_database() == db_url  # where the jobs find the database at run time

    url = make_url(db_url)
    secrets = [db_url, url.render_as_string(hide_password=True), str(url.database), "admin-pw-0815"]
    secrets += [url.password] if url.password else []
    engine = make_engine(db_url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"SELECT * FROM {JOB_TABLE}").all()
    engine.dispose()
    assert len(rows) == 2
    for row in rows:
        stored = b" ".join(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in row)
        leaked = [s for s in secrets if s.encode() in stored]
        assert not leaked, f"job {row[0]} stores {leaked}"
        state = pickle.loads(row[2])
        assert state["func"] == "scheduler.jobs:run_scheduled" and state["args"] == (row[0], str(path))
