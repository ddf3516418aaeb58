"""The schedule file: which jobs run when, and how they reach the API. Errors name the file and line."""

from __future__ import annotations

import datetime as dt
import tomllib
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from trials.errors import ConfigError
from trials.settings import get_settings

BUILTIN = "trials/data/schedule.toml"
KINDS = ("incremental", "reconcile", "counts")


@dataclass(frozen=True)
class JobSpec:
    id: str
    kind: str
    cron: str
    second: str = "0"
    misfire_grace_s: int = 3600

    def fire_times(self, timezone: str, start: dt.datetime) -> Iterator[dt.datetime]:
        """The trigger's fire times from ``start`` on, in order (endless for a cron trigger)."""
        trigger = self.trigger(timezone)
        t = trigger.get_next_fire_time(None, start)
        while t is not None:
            yield t
            t = trigger.get_next_fire_time(t, t + dt.timedelta(microseconds=1))

    def trigger(self, timezone: str) -> CronTrigger:
        minute, hour, day, month, weekday = self.cron.split()
        return CronTrigger(second=self.second, minute=minute, hour=hour, day=day, month=month,
                           day_of_week=weekday, timezone=timezone)  # fmt: skip


@dataclass(frozen=True)
class Schedule:
    source: str
    timezone: str = "Europe/Berlin"
    base_url: str | None = None
    rate: float = 1.0
    regions: tuple[str, ...] = ()
    lock_wait_s: float = 1800.0
    jobs: tuple[JobSpec, ...] = field(default_factory=tuple)

    def job(self, job_id: str) -> JobSpec:
        for j in self.jobs:
            if j.id == job_id:
                return j
        raise ConfigError(f"{self.source}: no job with id {job_id!r} (jobs: {', '.join(j.id for j in self.jobs)})")


def _line(text: str, needle: str, occurrence: int = 0) -> int | None:
    seen = -1
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith(needle):
            seen += 1
            if seen == occurrence:
                return n
    return None


def _job(block: Any, where: str, timezone: str) -> JobSpec:
    if not isinstance(block, dict):
        raise ConfigError(f"{where}: must be a table")
    for key in ("id", "kind", "cron"):
        if not isinstance(block.get(key), str) or not block[key].strip():
            raise ConfigError(f"{where}: key {key!r} is missing or not a string")
    if block["kind"] not in KINDS:
        raise ConfigError(f"{where}: kind {block['kind']!r} is not one of {', '.join(KINDS)}")
    grace = block.get("misfire_grace_s", 3600)
    if not isinstance(grace, int) or grace <= 0:
        raise ConfigError(f"{where}: misfire_grace_s must be a whole number of seconds > 0")
    spec = JobSpec(block["id"], block["kind"], block["cron"], str(block.get("second", "0")), grace)
    if len(spec.cron.split()) != 5:
        raise ConfigError(f"{where}: cron {spec.cron!r} must have 5 fields (minute hour day month weekday)")
    try:
        spec.trigger(timezone)
    except ValueError as exc:
        raise ConfigError(f"{where}: cron {spec.cron!r} (second {spec.second!r}) is not valid: {exc}") from exc
    return spec


def parse_schedule(text: str, source: str) -> Schedule:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: {exc}") from exc
    tz = data.get("timezone", "Europe/Berlin")
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{source}, line {_line(text, 'timezone')}: unknown timezone {tz!r}") from exc
    harvest = data.get("harvest", {})
    where_h = f"{source}, line {_line(text, '[harvest]')}, [harvest]"
    rate, wait = harvest.get("rate", 1.0), harvest.get("lock_wait_s", 1800)
    if not isinstance(rate, int | float) or rate < 0:
        raise ConfigError(f"{where_h}: rate must be a number >= 0 (requests per second)")
    if not isinstance(wait, int | float) or wait < 0:
        raise ConfigError(f"{where_h}: lock_wait_s must be a number >= 0")
    regions = harvest.get("regions", [])
    if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
        raise ConfigError(f"{where_h}: regions must be a list of region names")
    blocks = data.get("job", [])
    if not isinstance(blocks, list) or not blocks:
        raise ConfigError(f"{source}: no [[job]] tables found")
    jobs: list[JobSpec] = []
    for i, block in enumerate(blocks):
        where = f"{source}, line {_line(text, '[[job]]', i)}, job #{i + 1}"
        spec = _job(block, where, tz)
        if any(j.id == spec.id for j in jobs):
            raise ConfigError(f"{where}: duplicate job id {spec.id!r}")
        jobs.append(spec)
    base_url = harvest.get("base_url")
    return Schedule(source, tz, str(base_url) if base_url else None, float(rate), tuple(regions), float(wait),
                    tuple(jobs))  # fmt: skip


def load_schedule(path: str | Path | None = None) -> Schedule:
    """``path``, else ``$TRIALS_SCHEDULE_FILE``, else the built-in schedule."""
    chosen = path or get_settings().schedule_file
    if not chosen:
        text = resources.files("trials.data").joinpath("schedule.toml").read_text(encoding="utf-8")
        return parse_schedule(text, BUILTIN)
    try:
        text = Path(chosen).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{chosen}: cannot read the schedule file: {exc}") from exc
    return parse_schedule(text, str(chosen))
