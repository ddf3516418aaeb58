"""Every ``TRIALS_*`` environment variable, in one place: its name, default and meaning.

:func:`get_settings` is the only code that reads these variables. It reads the environment when it
is called (a cache keyed by the variables' current values makes repeated calls cheap, a few µs),
so a test's ``monkeypatch.setenv`` or a harvest's ``--regions-file`` takes effect at once. Where a
command-line option exists it wins over the setting: ``--db`` over ``TRIALS_DB_URL``, ``--base-url``
over ``TRIALS_BASE_URL``, ``--regions-file`` over ``TRIALS_REGIONS_FILE``, ``--config`` over
``TRIALS_SCHEDULE_FILE``. The README's "Settings" table lists the same variables.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from trials.errors import ConfigError

PREFIX = "TRIALS_"
DEFAULT_DB_URL = "sqlite:///data/trials.db"
DEFAULT_BASE_URL = "https://clinicaltrials.gov/api/v2"


class Settings(BaseSettings):
    """The service's settings; each field is read from ``TRIALS_<FIELD NAME IN CAPITALS>``."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, extra="ignore", frozen=True)

    db_url: str = Field(
        default=DEFAULT_DB_URL, description="Database URL: a SQLite file or postgresql://user:pw@host/db."
    )
    base_url: str = Field(
        default=DEFAULT_BASE_URL, description="ClinicalTrials.gov API v2 base URL (or a local fake API)."
    )
    regions_file: Path | None = Field(
        default=None, description="Region definitions (TOML); default: the built-in file."
    )
    institutions_file: Path | None = Field(
        default=None, description="Institution alias table (TOML); default: built-in."
    )
    schedule_file: Path | None = Field(
        default=None, description="Schedule of `trials schedule`; default: the built-in one."
    )
    admin_password: SecretStr | None = Field(
        default=None, description="Password of the app's 'refresh now'; unset: off."
    )
    refresh_args: str = Field(default="", description="Extra `trials harvest` options of the app's refresh.")
    log_dir: Path = Field(default=Path("data/logs"), description="Folder of the app refresh's log file refresh.log.")
    cache_dir: Path | None = Field(
        default=None,
        description="Folder of the analytics frame cache (one subfolder per database); unset: beside a SQLite file "
        "(trials.db.frames), data/cache for PostgreSQL.",
    )
    offline: bool = Field(
        default=False, description="`./run` only: harvest the synthetic corpus from the local fake API."
    )
    registry_notice: str = Field(
        default="",
        description="Set by `./run` when the registry cannot be reached: what failed; the dashboard then shows the "
        "stored data with a banner naming the last good harvest.",
    )


def env_name(field: str) -> str:
    """The environment variable of a settings field (``db_url`` -> ``TRIALS_DB_URL``)."""
    return PREFIX + field.upper()


#: Every variable :class:`Settings` reads, by exact name.
NAMES = tuple(env_name(f) for f in Settings.model_fields)
_cache: dict[tuple[str | None, ...], Settings] = {}


def get_settings() -> Settings:
    """The settings from the environment as it is now (errors name the variable, in one line)."""
    key = tuple(os.environ.get(n) for n in NAMES)
    found = _cache.get(key)
    if found is not None:
        return found
    try:
        settings = Settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        name = env_name(str(err["loc"][0])) if err["loc"] else PREFIX + "*"
        raise ConfigError(f"${name}: {err['msg']}") from None
    if len(_cache) > 32:
        _cache.clear()
    _cache[key] = settings
    return settings
