"""``trials check-api`` and ``./run``'s choice when the registry cannot be reached (no test leaves loopback)."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.helpers import read_ndjson, write_ndjson
from trials.cli.checkapi import CheckReport, Step, decide_for_run, run_check
from trials.errors import ApiBlocked, ApiError, TransientFault
from trials.rules.regions import load_regions, select_regions
from trials.settings import NAMES
from trials.source.diagnose import OFFLINE_HINT, Diagnosis, diagnose
from trials.source.fakeapi.server import FakeApiServer

Start = Callable[..., FakeApiServer]
ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "benchmark_app" / "streamlit_app.py")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def trials(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    clean = {k: v for k, v in os.environ.items() if k not in NAMES}
    return subprocess.run([sys.executable, "-m", "trials", *args], capture_output=True, text=True, timeout=120,
                          check=False, env={**clean, **(env or {})})  # fmt: skip


def closed_port() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now: the connection is refused
    return f"http://127.0.0.1:{port}/api/v2"


def regions(*names: str) -> list[Any]:
    return select_regions(load_regions(), list(names))


# -- the command against the fake API -------------------------------------------------------------------
def test_check_passes_against_the_fake_api(real_corpus: Path, fake_api: Start) -> None:
    server = fake_api(real_corpus)
    r = trials("check-api", "--base-url", server.base_url, "--rate", "0", "--region", "ruhr", "--region", "berlin")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ok    GET /version: API 2.0.3" in r.stdout
    assert "ok    ruhr: one page" in r.stdout and "ok    berlin: one count" in r.stdout
    assert "`trials harvest` can run from here" in r.stdout
    # one page and one count per region after /version, nothing else
    assert len([p for p in server.api.requests if p.startswith("/api/v2/studies?")]) == 4


def test_a_closed_port_is_explained_in_plain_words() -> None:
    r = trials("check-api", "--base-url", closed_port(), "--region", "ruhr")
    assert r.returncode == 1
    assert "FAIL  GET /version: Nothing accepts connections" in r.stdout and "connection refused" in r.stdout
    assert "what to try: Check --base-url" in r.stdout and "TRIALS_OFFLINE=1 ./run" in r.stdout
    assert "skip  ruhr" in r.stdout and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("faults", "kind", "words"),
    [
        ("403:*@1", "blocked", "refused access (HTTP 403)"),
        ("429:*@1", "rate_limited", "too many requests (HTTP 429)"),
        ("503:*@1", "server_error", "HTTP 503"),
        ("shape:*@1", "shape", "not in the shape our decoder reads"),
        ("html:*@1", "html", "HTML page"),
    ],
)
def test_registry_failures_are_diagnosed(
    real_corpus: Path, fake_api: Start, faults: str, kind: str, words: str
) -> None:
    server = fake_api(real_corpus, faults=faults)
    report = run_check(server.base_url, regions("ruhr"), rate=0)
    assert not report.ok and report.steps[0].ok  # /version answers; the study requests fail
    failure = report.first_failure
    assert failure is not None and failure.kind == kind and words in failure.problem, failure
    assert failure.advice


def test_records_our_decoder_cannot_read_are_a_changed_shape(
    tmp_path: Path, real_corpus: Path, fake_api: Start
) -> None:
    records = read_ndjson(real_corpus)
    for r in records:  # the registry turns a list into a string: every record breaks our decoder
        design = r["protocolSection"].setdefault("designModule", {})
        design["phases"] = "PHASE2"
    changed = tmp_path / "changed.ndjson.gz"
    write_ndjson(changed, records)
    report = run_check(fake_api(changed).base_url, regions("ruhr"), rate=0)
    failure = report.first_failure
    assert failure is not None and failure.kind == "shape"
    assert "phases" in failure.problem and "Expected `array`" in failure.problem


def test_a_name_that_does_not_resolve_is_a_dns_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)  # no resolver is asked: nothing leaves this machine
    report = run_check("https://clinicaltrials.gov/api/v2", regions("ruhr"), rate=0)
    failure = report.first_failure
    assert failure is not None and failure.kind == "dns"
    assert "clinicaltrials.gov cannot be resolved (DNS)" in failure.problem and "getent hosts" in failure.advice
    assert [s.skipped for s in report.steps] == [False, True]


# -- the diagnosis of each kind of failure ------------------------------------------------------------
def _wrapped(message: str, cause: BaseException) -> TransientFault:
    try:
        raise TransientFault(message) from cause
    except TransientFault as exc:
        return exc


class ProxyError(Exception):
    """Stands in for httpx.ProxyError (only trials.source.http imports httpx)."""


class ConnectError(Exception):
    pass


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (_wrapped("connection failed: ConnectError: [Errno -3] Temporary failure in name resolution",
                  ConnectError("[Errno -3] Temporary failure in name resolution")), "dns"),
        (_wrapped("connection failed: ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed",
                  ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate")),
         "tls"),
        (_wrapped("connection failed: ProxyError: 407 Proxy Authentication Required",
                  ProxyError("407 Proxy Authentication Required")), "proxy"),
        (_wrapped("connection failed: ConnectError: [Errno 101] Network is unreachable",
                  ConnectError("[Errno 101] Network is unreachable")), "network"),
        (TransientFault("timed out: ConnectTimeout"), "timeout"),
        (TransientFault("HTTP 429", status=429, retry_after=30), "rate_limited"),
        (ApiBlocked("the API refused access (HTTP 403)"), "blocked"),
        (ApiError("unexpected HTTP 404 from https://example.org/api/v2/version: Not Found"), "not_found"),
    ],
)  # fmt: skip
def test_diagnosis_kinds(exc: BaseException, kind: str) -> None:
    d = diagnose(exc, "https://clinicaltrials.gov/api/v2/version")
    assert d.kind == kind, d
    assert d.problem.endswith(".") and d.advice and "Traceback" not in str(d)


def test_a_proxy_in_the_environment_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    d = diagnose(_wrapped("connection failed: ProxyError: 407", ProxyError("407")), "https://clinicaltrials.gov/api/v2")
    assert d.kind == "proxy" and "$HTTPS_PROXY" in d.problem


# -- what ./run does after the check ------------------------------------------------------------------
FAILED = CheckReport("https://clinicaltrials.gov/api/v2", [
    Step("GET /version", diagnosis=Diagnosis("dns", "The name clinicaltrials.gov cannot be resolved (DNS).", "Check.")),
])  # fmt: skip


def test_run_decisions() -> None:
    ok = CheckReport("u", [Step("GET /version", "API 2.0.3")])
    assert decide_for_run(ok, None, 0).action == "harvest"
    last = dt.datetime(2026, 11, 20, 3, 30)
    with_data = decide_for_run(FAILED, last, 950)
    assert (
        with_data.action == "dashboard" and with_data.notice == "The name clinicaltrials.gov cannot be resolved (DNS)."
    )
    assert "950 studies stored by 2026-11-20 03:30 UTC" in with_data.message
    nothing = decide_for_run(FAILED, None, 0)
    assert nothing.action == "stop" and "holds no data" in nothing.message and OFFLINE_HINT in nothing.message


def test_run_mode_opens_the_stored_data_or_says_how_to_run_offline(real_db_copy: str, tmp_path: Path) -> None:
    """``./run`` calls ``trials check-api --for-run``: exit 3 + the banner's notice on stdout, or exit 1 + advice."""
    down = closed_port()
    r = trials("check-api", "--for-run", "--base-url", down, "--region", "ruhr", env={"TRIALS_DB_URL": real_db_copy})
    assert r.returncode == 3, r.stderr
    assert r.stdout.strip().startswith("Nothing accepts connections at") and r.stdout.count("\n") == 1
    assert "Opening the dashboard on the 1,176 studies stored by" in r.stderr
    empty = f"sqlite:///{tmp_path / 'none.db'}"
    r = trials("check-api", "--for-run", "--base-url", down, "--region", "ruhr", "--db", empty)
    assert r.returncode == 1 and not r.stdout
    assert "holds no data yet" in r.stderr and "TRIALS_OFFLINE=1 ./run" in r.stderr
    assert not (tmp_path / "none.db").exists()  # the check never creates a database


def test_the_run_script_runs_the_check_first() -> None:
    script = (ROOT / "run").read_text(encoding="utf-8")
    online = script.split("\nelse\n", 1)[1]
    assert online.index("trials check-api --for-run") < online.index("trials harvest")
    assert 'export TRIALS_REGISTRY_NOTICE="$notice"' in online
    assert subprocess.run(["bash", "-n", str(ROOT / "run")], check=False).returncode == 0


# -- the dashboard's banner ------------------------------------------------------------------------------
@pytest.fixture
def fresh_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_dashboard_shows_the_banner_with_the_last_good_harvest(
    real_db_url: str, monkeypatch: pytest.MonkeyPatch, fresh_caches: None, lang: str
) -> None:
    monkeypatch.setenv("TRIALS_DB_URL", real_db_url)
    monkeypatch.setenv(
        "TRIALS_REGISTRY_NOTICE", "HTTP 403 [click here](https://evil.example) ![x](https://t.example/p.png)"
    )
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    banner = " ".join(w.value for w in at.warning)
    start = "ClinicalTrials.gov could not be reached" if lang == "en" else "ClinicalTrials.gov war nicht erreichbar"
    assert start in banner and " UTC, " in banner
    # the failure is shown as it is, in a code span: never a link or an image
    assert banner.endswith(": `HTTP 403 [click here](https://evil.example) ![x](https://t.example/p.png)`")
    monkeypatch.delenv("TRIALS_REGISTRY_NOTICE")
    st.cache_resource.clear()
    quiet = AppTest.from_file(APP, default_timeout=60)
    quiet.run()
    assert not any("could not be reached" in w.value for w in quiet.warning)
