"""The schedule file: which jobs run when, and how they reach the API. Errors name the file and line.

The file is validated completely when it is loaded (by ``trials schedule``, ``--list`` and every
job run): unknown keys, values of the wrong type (a number where true/false belongs, or the other
way round), a region the region file does not have, and a cron expression that can never fire are
errors there, not when a job runs.

Cron expressions have crontab semantics: in the weekday field 0 and 7 are Sunday, 1 is Monday (names
``sun``..``sat`` work too), and when both the day of the month and the weekday are restricted a
day matching either fires (``0 3 1 * 0``: the 1st of each month and every Sunday). APScheduler 3
numbers weekdays from Monday = 0 and requires both; :meth:`JobSpec.trigger` translates.
"""

from __future__ import annotations

import datetime as dt
import tomllib
import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from trials.errors import ConfigError
from trials.settings import get_settings

BUILTIN = "trials/data/schedule.toml"
KINDS = ("incremental", "reconcile", "counts")
#: crontab's weekday numbers: 0 (and 7) is Sunday.
DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FULL_NAMES = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
_TOP_KEYS = {"timezone", "harvest", "job"}
_HARVEST_KEYS = {"base_url", "rate", "regions", "lock_wait_s"}
_JOB_KEYS = {"id", "kind", "cron", "second", "misfire_grace_s"}


def _day(token: str, cron_field: str) -> int:
    """One crontab weekday: 0-7 (0 and 7 are Sunday) or a name (``sun``, ``Monday``)."""
    t = token.strip().lower()
    if t.isdigit() and int(t) <= 7:
        return int(t)
    for i, name in enumerate(DAY_NAMES):
        if t in (name, _FULL_NAMES[i]):
            return i
    raise ValueError(f"weekday {token!r} in {cron_field!r} is not 0-7 (0 and 7 are Sunday) or a day name")


def crontab_weekdays(cron_field: str) -> list[int]:
    """The days (0 = Sunday ... 6 = Saturday) a crontab weekday field selects, e.g. ``1-5`` -> Monday to Friday."""
    days: set[int] = set()
    for part in cron_field.split(","):
        body, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"step {step_text!r} in the weekday field {cron_field!r} must be a whole number > 0")
            step = int(step_text)
        if body == "*":
            lo, hi = 0, 6
        elif "-" in body:
            first, last = body.split("-", 1)
            lo, hi = _day(first, cron_field), _day(last, cron_field)
            if lo > hi:
                raise ValueError(f"weekday range {body!r} in {cron_field!r} runs backwards (write e.g. 5-7 or 0,5,6)")
        else:
            lo = _day(body, cron_field)
            hi = 7 if step_text else lo  # crontab: "1/2" means from Monday on, every other day
        days.update(d % 7 for d in range(lo, hi + 1, step))
    return sorted(days)


def _weekday_names(days: Sequence[int]) -> str:
    return ",".join(DAY_NAMES[d] for d in days)


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

    def trigger(self, timezone: str) -> BaseTrigger:
        """The APScheduler trigger of the crontab expression (weekdays translated, day-or-weekday kept)."""
        minute, hour, day, month, weekday = self.cron.split()
        days = crontab_weekdays(weekday)
        names = "*" if len(days) == 7 else _weekday_names(days)

        def cron(day: str, day_of_week: str) -> CronTrigger:
            return CronTrigger(second=self.second, minute=minute, hour=hour, day=day, month=month,
                               day_of_week=day_of_week, timezone=timezone)  # fmt: skip

        if not day.startswith("*") and not weekday.startswith("*"):
            return OrTrigger([cron(day, "*"), cron("*", names)])  # crontab: either one matches
        return cron(day, names)

    def weekdays(self) -> str:
        """The weekdays the job runs on, for ``--list``: ``every day``, ``Sun`` or ``Mon-Fri``-style names."""
        weekday = self.cron.split()[4]
        days = crontab_weekdays(weekday)
        if weekday.startswith("*") and len(days) == 7:
            return "every day"
        return ", ".join(DAY_NAMES[d].capitalize() for d in days)


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


def _line(text: str, needle: str, occurrence: int = 0, after: int = 0) -> int | None:
    """The line of the ``occurrence``-th line (after line ``after``) that starts with ``needle``."""
    seen = -1
    for n, line in enumerate(text.splitlines(), 1):
        if n > after and line.strip().startswith(needle):
            seen += 1
            if seen == occurrence:
                return n
    return None


def _key_line(text: str, key: str, section: int | None) -> int | None:
    """The line of ``key = ...`` in the table whose header is on line ``section`` (None: the top of the file)."""
    for n, line in enumerate(text.splitlines(), 1):
        if n <= (section or 0):
            continue
        stripped = line.strip()
        if stripped.startswith("["):
            return None  # the next table: the key is not in this one
        if stripped.split("=", 1)[0].strip() == key:
            return n
    return None


def _number(value: Any) -> bool:
    """A TOML number (true/false are not numbers here, although Python counts them as integers)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _unknown(block: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(block) - allowed)
    if extra:
        raise ConfigError(f"{where}: unknown key {extra[0]!r} (known: {', '.join(sorted(allowed))})")


def _job(block: Any, where: str, timezone: str) -> JobSpec:
    if not isinstance(block, dict):
        raise ConfigError(f"{where}: must be a table")
    _unknown(block, _JOB_KEYS, where)
    for key in ("id", "kind", "cron"):
        if not isinstance(block.get(key), str) or not block[key].strip():
            raise ConfigError(f"{where}: key {key!r} is missing or not a string")
    if block["kind"] not in KINDS:
        raise ConfigError(f"{where}: kind {block['kind']!r} is not one of {', '.join(KINDS)}")
    grace = block.get("misfire_grace_s", 3600)
    if not _number(grace) or not isinstance(grace, int) or grace <= 0:
        raise ConfigError(f"{where}: misfire_grace_s must be a whole number of seconds > 0, got {grace!r}")
    second = block.get("second", "0")
    if not (isinstance(second, str) or _number(second)):
        raise ConfigError(f'{where}: second must be a cron field such as "0" or "*/3", got {second!r}')
    spec = JobSpec(block["id"], block["kind"], block["cron"], str(second), grace)
    if len(spec.cron.split()) != 5:
        raise ConfigError(f"{where}: cron {spec.cron!r} must have 5 fields (minute hour day month weekday)")
    try:
        trigger = spec.trigger(timezone)
    except ValueError as exc:
        raise ConfigError(f"{where}: cron {spec.cron!r} (second {spec.second!r}) is not valid: {exc}") from exc
    if trigger.get_next_fire_time(None, dt.datetime.now(dt.UTC)) is None:
        raise ConfigError(f"{where}: cron {spec.cron!r} never fires (no such date, e.g. 30 February): "
                          "the job would never run")  # fmt: skip
    return spec


def parse_schedule(text: str, source: str, known_regions: Sequence[str] | None = None) -> Schedule:
    """Validate and load a schedule; ``known_regions``: the region names ``[harvest] regions`` may use."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: {exc}") from exc
    _unknown(data, _TOP_KEYS, source)
    tz = data.get("timezone", "Europe/Berlin")
    where_tz = f"{source}, line {_line(text, 'timezone')}"
    if not isinstance(tz, str):
        raise ConfigError(f'{where_tz}: timezone must be a name such as "Europe/Berlin", got {tz!r}')
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{where_tz}: unknown timezone {tz!r}") from exc
    harvest = data.get("harvest", {})
    section = _line(text, "[harvest]")
    where_h = f"{source}, line {section}, [harvest]"
    if not isinstance(harvest, dict):
        raise ConfigError(f"{source}, line {_line(text, 'harvest')}: harvest must be a [harvest] table")
    _unknown(harvest, _HARVEST_KEYS, where_h)

    def where_key(key: str) -> str:
        return f"{source}, line {_key_line(text, key, section) or section}, [harvest] {key}"

    rate, wait = harvest.get("rate", 1.0), harvest.get("lock_wait_s", 1800)
    if not _number(rate) or rate < 0:
        raise ConfigError(f"{where_key('rate')}: must be a number >= 0 (requests per second), got {rate!r}")
    if not _number(wait) or wait < 0:
        raise ConfigError(f"{where_key('lock_wait_s')}: must be a number of seconds >= 0, got {wait!r}")
    regions = harvest.get("regions", [])
    if not isinstance(regions, list) or not all(isinstance(r, str) and r.strip() for r in regions):
        raise ConfigError(f"{where_key('regions')}: must be a list of region names, got {regions!r}")
    if known_regions is not None:
        known = {k.casefold() for k in known_regions}
        unknown = [r for r in regions if r.casefold() not in known]
        if unknown:
            raise ConfigError(f"{where_key('regions')}: unknown region {unknown[0]!r}; known regions: "
                              f"{', '.join(known_regions)}")  # fmt: skip
    base_url = harvest.get("base_url")
    if base_url is not None and (not isinstance(base_url, str) or not base_url.startswith(("http://", "https://"))):
        raise ConfigError(f"{where_key('base_url')}: must be an http(s):// URL, got {base_url!r}")
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
    return Schedule(source, tz, base_url or None, float(rate), tuple(regions), float(wait), tuple(jobs))


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the schedule file: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}, line {line}: not UTF-8 text (byte {data[exc.start]:#04x}); save the file as "
                          "UTF-8") from None  # fmt: skip


def load_schedule(path: str | Path | None = None) -> Schedule:
    """``path``, else ``$TRIALS_SCHEDULE_FILE``, else the built-in schedule; its regions checked against the
    configured region file."""
    from trials.rules.regions import configured_regions

    chosen = path or get_settings().schedule_file
    known = [r.name for r in configured_regions()]
    if not chosen:
        text = resources.files("trials.data").joinpath("schedule.toml").read_text(encoding="utf-8")
        return parse_schedule(text, BUILTIN, known)
    return parse_schedule(_read(Path(chosen)), str(chosen), known)
