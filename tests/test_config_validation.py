"""Schedule and region files validated completely at load, with file and line (issue 13: defects 9 and 10), and
crontab weekday semantics (defect 11): ``30 3 * * 0`` is Sunday."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import zoneinfo
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.config import JobSpec, load_schedule, parse_schedule
from tests.conftest import ROOT
from trials.cli import main
from trials.errors import ConfigError
from trials.rules.regions import parse_regions

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
REGIONS = ["ruhr", "berlin"]
GOOD = ('timezone = "Europe/Berlin"\n\n[harvest]\nrate = 1.0\nregions = ["ruhr"]\nlock_wait_s = 1800\n\n'
        '[[job]]\nid = "reconcile"\nkind = "reconcile"\ncron = "30 3 * * 0"\nmisfire_grace_s = 604800\n')  # fmt: skip


def trials(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "trials", *args], capture_output=True, text=True, timeout=120,
                          check=False, cwd=ROOT, env={**os.environ, **(env or {})})  # fmt: skip


# -- defect 11: crontab weekdays ------------------------------------------------------------------------------------


def weekdays(cron: str, count: int = 4) -> list[str]:
    spec = JobSpec("j", "incremental", cron)
    times = spec.fire_times("Europe/Berlin", dt.datetime(2026, 11, 23, tzinfo=BERLIN))  # a Monday
    return [next(times).strftime("%a %d") for _ in range(count)]


def test_cron_weekdays_have_crontab_semantics() -> None:
    assert weekdays("30 3 * * 0", 2) == ["Sun 29", "Sun 06"]
    assert weekdays("30 3 * * 7", 1) == ["Sun 29"]  # 7 is Sunday too
    assert weekdays("0 9 * * 1-5", 6) == ["Mon 23", "Tue 24", "Wed 25", "Thu 26", "Fri 27", "Mon 30"]
    assert weekdays("0 9 * * 6,0", 2) == ["Sat 28", "Sun 29"]
    assert weekdays("0 9 * * sat", 1) == ["Sat 28"]
    assert weekdays("0 9 * * */3", 3) == ["Wed 25", "Sat 28", "Sun 29"]  # 0, 3, 6: Sun, Wed, Sat
    # Both the day of the month and the weekday restricted: crontab runs on either.
    assert weekdays("0 9 1 * 0", 3) == ["Sun 29", "Tue 01", "Sun 06"]


def test_the_built_in_reconciliation_runs_on_sunday_and_the_list_says_so() -> None:
    spec = load_schedule(None).job("reconcile")
    assert spec.cron == "30 3 * * 0"
    assert {t.strftime("%A") for t in _take(spec, 5)} == {"Sunday"}
    result = CliRunner().invoke(main, ["schedule", "--list"])
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("reconcile"))
    assert "(Sun)" in line and "next: Sun " in line and "Mon " not in line
    daily = next(ln for ln in result.output.splitlines() if ln.startswith("incremental-harvest"))
    assert "(every day)" in daily


def _take(spec: JobSpec, n: int) -> list[dt.datetime]:
    times = spec.fire_times("Europe/Berlin", dt.datetime.now(dt.UTC))
    return [next(times) for _ in range(n)]


# -- defect 10: a schedule that cannot work is refused at load --------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('regions = ["ruhr"]', 'regions = ["ruhr", "atlantis"]'),
         r"s\.toml, line 5, \[harvest\] regions: unknown region 'atlantis'; known regions: ruhr, berlin"),
        (('cron = "30 3 * * 0"', 'cron = "0 12 30 2 *"'), r"s\.toml, line 8, job #1: cron '0 12 30 2 \*' never fires"),
        (('cron = "30 3 * * 0"', 'cron = "0 12 31 4,6,9,11 *"'), "never fires"),
        (("rate = 1.0", "rate = true"), r"line 4, \[harvest\] rate: must be a number >= 0 .*got True"),
        (("lock_wait_s = 1800", "lock_wait_s = false"), r"\[harvest\] lock_wait_s: must be a number"),
        (("misfire_grace_s = 604800", "misfire_grace_s = true"), "misfire_grace_s must be a whole number"),
        (('cron = "30 3 * * 0"', 'cron = "30 3 * * 8"'), "weekday '8'"),
        (('timezone = "Europe/Berlin"', "timezone = 5"), "timezone must be a name"),
        (('[harvest]\nrate = 1.0\nregions = ["ruhr"]\nlock_wait_s = 1800\n', "harvest = 5\n"),
         "harvest must be a \\[harvest\\] table"),
        (("lock_wait_s = 1800", "lock_wait = 1800"), r"unknown key 'lock_wait'"),
        (('kind = "reconcile"', 'kind = "reconcile"\nkinds = "x"'), r"job #1: unknown key 'kinds'"),
        (("rate = 1.0", 'rate = 1.0\nbase_url = 5'), "base_url: must be an http"),
    ],
)  # fmt: skip
def test_schedule_files_are_validated_completely_at_load(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(ConfigError, match=message):
        parse_schedule(GOOD.replace(old, new), "s.toml", REGIONS)
    parse_schedule(GOOD, "s.toml", REGIONS)  # the unchanged file is fine


def test_a_schedule_naming_an_unknown_region_stops_the_scheduler_at_once(tmp_path: Path) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text(GOOD.replace('regions = ["ruhr"]', 'regions = ["atlantis"]'), encoding="utf-8")
    r = trials("schedule", "--config", str(bad), "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
    assert f"{bad}, line 5" in r.stderr and "unknown region 'atlantis'" in r.stderr
    assert not (tmp_path / "x.db").exists()  # refused before anything was created


# -- defect 10: a region file that cannot work is refused at load -----------------------------------------------------

REGION = ('[[region]]\nname = "a"\nlabel = "A"\ncountry = "DE"\ncircles = [[51.0, 7.0, 10]]\n\n'
          '[[region.place]]\nid = "x:1"\nname = "Essen"\ncountry = "DE"\nlat = 51.45\nlon = 7.01\n'
          "population = 5\n")  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("lat = 51.45", "lat = 95"), r"r\.toml, line 1, region #1 \('a'\), place #1: key 'lat' = 95 is out of range"),
        (("lon = 7.01", "lon = -181.5"), "key 'lon' = -181.5 is out of range"),
        (("lat = 51.45", "lat = true"), "key 'lat' is missing or not a number, got True"),
        (("population = 5", "population = true"), "key 'population' must be a whole number >= 0, got True"),
        (('country = "DE"\ncircles', 'country = "DE"\ndefault = 1\ncircles'), "key 'default' must be true or false"),
        (("[[51.0, 7.0, 10]]", "[[true, 7.0, 10]]"), "each circle must be \\[lat, lon, radius_km\\]"),
        (('label = "A"', "label = 5"), "key 'label' must be a text"),
        (('label = "A"', 'label = "A"\ndefualt = true'), "unknown key 'defualt'"),
        (("population = 5", "population = 5\npopulaton = 6"), "place #1: unknown key 'populaton'"),
        (('name = "Essen"', "name = 3"), "key 'name' is missing or not a text"),
        ((REGION, 'region = ["a", 5]\n'), "must be a \\[\\[region\\]\\] table"),
    ],
)  # fmt: skip
def test_region_files_are_validated_completely_at_load(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in REGION
    with pytest.raises(ConfigError, match=message):
        parse_regions(REGION.replace(old, new), "r.toml")
    parse_regions(REGION, "r.toml")


def test_the_shipped_region_file_passes_the_full_validation() -> None:
    text = resources.files("trials.data").joinpath("regions.toml").read_text(encoding="utf-8")
    assert len(parse_regions(text, "regions.toml")) >= 14


# -- defect 9: files of the wrong encoding or shape: one line, exit 2 --------------------------------------------------


def test_non_utf8_or_mistyped_region_and_schedule_files_give_one_line_and_exit_2(tmp_path: Path) -> None:
    latin = tmp_path / "latin1.toml"
    latin.write_bytes(REGION.replace("Essen", "Mülheim").encode("latin-1"))
    r = trials("harvest", "--regions-file", str(latin), "--db", f"sqlite:///{tmp_path / 'a.db'}")
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
    assert f"{latin}, line 9: not UTF-8 text" in r.stderr

    env = {"TRIALS_REGIONS_FILE": str(latin)}
    r = trials("rank", "--by", "city", "--db", f"sqlite:///{tmp_path / 'missing.db'}", env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr

    typed = tmp_path / "typed.toml"
    typed.write_text('region = ["a", "b"]\n', encoding="utf-8")
    r = trials("harvest", "--regions-file", str(typed), "--db", f"sqlite:///{tmp_path / 'b.db'}")
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr

    schedule = tmp_path / "s.toml"
    schedule.write_bytes(GOOD.replace('id = "reconcile"', 'id = "r\xe9concile"').encode("latin-1"))
    r = trials("schedule", "--list", "--config", str(schedule))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
    assert f"{schedule}, line 9: not UTF-8 text" in r.stderr

    schedule.write_text(GOOD.replace('timezone = "Europe/Berlin"', "timezone = 5"), encoding="utf-8")
    r = trials("schedule", "--list", "--config", str(schedule))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "timezone must be a name" in r.stderr, r.stderr
