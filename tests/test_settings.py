"""One settings object for every TRIALS_* variable, one API-client factory, no database URL on a command line."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from trials.errors import ConfigError
from trials.settings import DEFAULT_BASE_URL, NAMES, Settings, env_name, get_settings
from trials.source.api import make_client

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ["trials", "db", "scheduler", "benchmark_app"]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def test_settings_are_read_when_asked_and_empty_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_settings().db_url == "sqlite:///data/trials.db" and get_settings().admin_password is None
    monkeypatch.setenv("TRIALS_DB_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("TRIALS_LOG_DIR", "/tmp/logs")
    monkeypatch.setenv("TRIALS_ADMIN_PASSWORD", "pw")
    s = get_settings()
    assert (s.db_url, s.log_dir) == ("sqlite:///elsewhere.db", Path("/tmp/logs"))
    assert s.admin_password is not None and s.admin_password.get_secret_value() == "pw"
    assert "pw" not in repr(s)  # a secret is never printed
    monkeypatch.setenv("TRIALS_DB_URL", "")
    assert get_settings().db_url == "sqlite:///data/trials.db"


def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALS_OFFLINE", "perhaps")
    with pytest.raises(ConfigError, match=r"^\$TRIALS_OFFLINE: "):
        get_settings()


def test_every_variable_has_a_description_and_a_row_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Settings", 1)[1].split("\n#", 1)[0]
    rows = {m.group(1) for m in re.finditer(r"^\| `(TRIALS_\w+)` \|", table, re.M)}
    assert rows == set(NAMES)
    assert all(f.description for f in Settings.model_fields.values())


def test_only_the_settings_module_reads_trials_variables() -> None:
    reads = re.compile(r"(environ\.get|environ\[|getenv)\(?\s*[\"']TRIALS_")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for package in PRODUCT
        for path in (ROOT / package).rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if reads.search(line)
    ]
    assert offenders == []


def test_one_client_factory_and_one_base_url_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    with make_client() as client:
        assert client.base_url.rstrip("/") == DEFAULT_BASE_URL
    monkeypatch.setenv("TRIALS_BASE_URL", "http://127.0.0.1:9/api/v2")
    with make_client() as client:
        assert client.base_url.rstrip("/") == "http://127.0.0.1:9/api/v2"
    with make_client("http://127.0.0.1:8/api/v2", rate=0) as client:  # an option wins over the variable
        assert client.base_url.rstrip("/") == "http://127.0.0.1:8/api/v2"


def test_no_module_builds_its_own_client() -> None:
    builds = [
        str(path.relative_to(ROOT))
        for package in PRODUCT
        for path in (ROOT / package).rglob("*.py")
        if "CtgovClient(" in path.read_text(encoding="utf-8") and path.name != "api.py"
    ]
    assert builds == []


def test_the_app_refresh_puts_the_database_url_in_the_environment_not_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trials.jobs import refresh

    seen: dict[str, Any] = {}

    class FakePopen:
        pid = 4242

        def __init__(self, cmd: list[str], **kwargs: Any) -> None:
            seen.update(cmd=cmd, env=kwargs["env"])

        def wait(self) -> int:
            return 0

    url = "postgresql://trials:s3cret-pw@db.example/trials"
    monkeypatch.setenv("TRIALS_REFRESH_ARGS", "--region ruhr")
    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    started = refresh.start_refresh(url, tmp_path / "logs")
    refresh.STARTED.pop(started.pid, None)
    assert not any("s3cret" in part or "example" in part for part in seen["cmd"])
    assert seen["cmd"][-3:] == ["--no-progress", "--region", "ruhr"]
    assert seen["env"][env_name("db_url")] == url
