"""The ``trials`` command as a user runs it: a real subprocess, a real database, exit codes and messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from db.engine import make_engine
from db.store import Store
from trials.source.fakeapi.server import FakeApiServer

Start = Callable[..., FakeApiServer]


def trials(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trials", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        return Store(engine).table_counts()
    finally:
        engine.dispose()


def test_harvest_from_a_saved_api_response(ctgov_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    saved = ctgov_dir / "api_v2" / "responses" / "biomcp__search_phelan_limit5_20260811.json"
    r = trials("harvest", "--from-file", str(saved), "--db", url)
    assert r.returncode == 0, r.stderr
    assert "inserted 5" in r.stdout and "SUCCESS" in r.stdout
    assert counts(url)["studies"] == 5


def test_harvest_from_ndjson_twice_is_idempotent(real_corpus: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    first = trials("harvest", "--from-file", str(real_corpus), "--db", url)
    assert first.returncode == 0, first.stderr
    second = trials("harvest", "--from-file", str(real_corpus), "--db", url)
    assert second.returncode == 0
    assert "inserted 0, updated 0, unchanged 1176" in second.stdout


def test_quarantine_gives_exit_code_3(tmp_path: Path) -> None:
    path = tmp_path / "bad.ndjson"
    path.write_text('{"protocolSection": {"identificationModule": {"nctId": "NCT00000001"}}}\n{"broken\n')
    r = trials("harvest", "--from-file", str(path), "--db", f"sqlite:///{tmp_path / 'c.db'}")
    assert r.returncode == 3
    assert "quarantined 1" in r.stdout and "WARNING" in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "atlantis"], "unknown region 'atlantis'; known regions: ruhr, berlin"),
        (["--since", "last week"], "--since: 'last week' is not a date"),
        (["--from-file", "/nonexistent.ndjson"], "does not exist"),
    ],
)
def test_bad_usage_exits_2_with_a_clear_message(args: list[str], message: str, tmp_path: Path) -> None:
    r = trials("harvest", *args, "--db", f"sqlite:///{tmp_path / 'd.db'}")
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_regions_file_names_file_line_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "regions.toml"
    bad.write_text(
        '[[region]]\nname = "a"\ncircles = [[51.0, 7.0, 10]]\n\n[[region]]\nname = "b"\ncircles = [[1, 2]]\n'
    )
    r = trials("harvest", "--regions-file", str(bad), "--db", f"sqlite:///{tmp_path / 'e.db'}")
    assert r.returncode == 2
    assert f"{bad}, line 5, region #2 ('b'), key 'circles'" in r.stderr


def test_api_harvest_against_the_fake_api_and_a_failing_one(real_corpus: Path, fake_api: Start,
                                                           tmp_path: Path) -> None:  # fmt: skip
    url = f"sqlite:///{tmp_path / 'f.db'}"
    ok = fake_api(real_corpus)
    r = trials("harvest", "--base-url", ok.base_url, "--rate", "0", "--region", "cologne", "--db", url)
    assert r.returncode == 0, r.stderr
    # logged progress when not on a terminal
    assert "query 1/2: cologne circle 1" in r.stderr and "query 2/2: cologne names 1" in r.stderr
    stored = counts(url)["studies"]
    assert stored > 0

    down = fake_api(real_corpus, faults="503:*@1")
    r = trials("harvest", "--base-url", down.base_url, "--rate", "0", "--region", "cologne", "--db", url,
               "--retries", "2", "--retry-wait", "0.01")  # fmt: skip
    assert r.returncode == 1
    assert "FAILED" in r.stdout and "HTTP 503" in r.stdout
    assert counts(url)["studies"] == stored


def test_synth_writes_marked_records(tmp_path: Path) -> None:
    out = tmp_path / "s.ndjson"
    r = trials("synth", "--studies", "50", "--seed", "3", "--out", str(out))
    assert r.returncode == 0, r.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 50
    assert all(json.loads(line)["x-synthetic"] is True for line in lines)


def test_a_user_region_is_harvested_and_assigned(real_corpus: Path, fake_api: Start, tmp_path: Path) -> None:
    regions = tmp_path / "my_regions.toml"
    regions.write_text(
        '[[region]]\nname = "bochum-herne"\nlabel = "Bochum and Herne"\ncountry = "Germany"\n'
        "circles = [[51.50, 7.22, 8]]\n\n"
        '[[region.place]]\nid = "de:05911000"\nname = "Bochum"\ncountry = "DE"\nlat = 51.48165\nlon = 7.21648\n'
        "population = 364454\n\n"
        '[[region.place]]\nid = "de:05916000"\nname = "Herne"\ncountry = "DE"\nlat = 51.5388\nlon = 7.22572\n'
        "population = 157895\n",
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'u.db'}"
    server = fake_api(real_corpus)
    r = trials("harvest", "--base-url", server.base_url, "--rate", "0", "--regions-file", str(regions), "--db", url)
    assert r.returncode == 0, r.stderr
    out = subprocess.run(
        [sys.executable, "-m", "trials", "sites", "--db", url, "--region", "bochum-herne"],
        capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, "TRIALS_REGIONS_FILE": str(regions)},
    )  # fmt: skip
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert rows and all(row["regions"] == "bochum-herne" for row in rows)
    assert {row["place_name"] for row in rows} == {"Bochum", "Herne"}


READ_ONLY = [
    ["rank"],
    ["sites"],
    ["studies"],
    ["institutions", "--unresolved"],
    ["runs"],
    ["deck", "--region", "ruhr", "--out", "d.pptx"],
]


def test_read_only_commands_never_create_a_missing_sqlite_database(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "trials.db"
    for args in READ_ONLY:
        r = trials(*args, "--db", f"sqlite:///{missing}")
        assert r.returncode == 2, (args, r.stderr)
        assert len(r.stderr.splitlines()) == 1, (args, r.stderr)
        assert f"sqlite:///{missing}" in r.stderr and "trials harvest" in r.stderr and "db-upgrade" in r.stderr
    assert not missing.parent.exists()  # neither the file nor its folder


def test_a_read_only_command_on_an_unreachable_server_says_so_in_one_line() -> None:
    r = trials("rank", "--db", "postgresql://u:secret@127.0.0.1:1/x", timeout=60)
    assert r.returncode == 2
    assert len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr
    assert "127.0.0.1" in r.stderr and "/x" in r.stderr and "refused" in r.stderr.lower()
    assert "secret" not in r.stderr + r.stdout


def test_read_only_commands_do_not_migrate_an_old_schema(tmp_path: Path) -> None:
    from db.migrate import schema_revisions, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0004")
    r = trials("runs", "--db", url)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1
    assert "older schema" in r.stderr and "run `trials db-upgrade`" in r.stderr
    assert schema_revisions(engine)[0] == "0004"  # untouched
    assert trials("db-upgrade", "--db", url).returncode == 0
    r = trials("runs", "--db", url)
    assert r.returncode == 0 and "no runs yet" in r.stderr
    engine.dispose()


@pytest.mark.parametrize(
    "command",
    [["runs"], ["harvest", "--from-file", "x.ndjson"], ["update", "--base-url", "http://127.0.0.1:1"], ["db-upgrade"]],
)
def test_an_empty_db_option_is_an_error_not_the_default_database(command: list[str], tmp_path: Path) -> None:
    (tmp_path / "x.ndjson").write_text("")
    r = subprocess.run([sys.executable, "-m", "trials", *command, "--db", ""], capture_output=True, text=True,
                       check=False, timeout=120, cwd=tmp_path)  # fmt: skip
    assert r.returncode == 2 and "--db: the database URL is empty" in r.stderr, r.stderr
    assert not (tmp_path / "data").exists()
