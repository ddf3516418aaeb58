"""Unit tests of the API client against respx mocks (no network, no server)."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import respx

from trials.errors import ApiBadRequest, ApiBlocked, ApiUnavailable, TransientFault
from trials.source.api import FIELDS, CtgovClient, StudyQuery
from trials.source.http import USER_AGENT, HttpGetter, RateLimiter
from trials.source.retry import MAX_RETRY_AFTER_S, RetryPolicy, backoff_hook

BASE = "https://ctgov.test/api/v2"
FAST = RetryPolicy(attempts=4, total_timeout_s=30, wait_initial_s=0.001, wait_max_s=0.01, wait_jitter_s=0.001)
QUERY = StudyQuery("essen", {"filter.geo": "distance(51.45,7.01,25km)"})


def study(n: int) -> dict[str, object]:
    return {"protocolSection": {"identificationModule": {"nctId": f"NCT{n:08d}"}}}


def client() -> CtgovClient:
    return CtgovClient(BASE, rate_per_second=0, retry=FAST)


@respx.mock
def test_pages_follow_tokens_and_repeat_every_parameter() -> None:
    route = respx.get(f"{BASE}/studies").mock(
        side_effect=[
            httpx.Response(200, json={"totalCount": 3, "studies": [study(1), study(2)], "nextPageToken": "t1"}),
            httpx.Response(200, json={"studies": [study(3)]}),
        ]
    )
    with client() as c:
        pages = list(c.pages(QUERY, page_size=2))
    assert [len(p.studies) for p in pages] == [2, 1]
    assert pages[0].totalCount == 3 and pages[1].totalCount is None
    first, second = (call.request.url.params for call in route.calls)
    assert first["countTotal"] == "true" and "pageToken" not in first
    assert second["pageToken"] == "t1" and "countTotal" not in second
    for params in (first, second):
        assert params["filter.geo"] == "distance(51.45,7.01,25km)"
        assert params["pageSize"] == "2"
        assert params["fields"] == ",".join(FIELDS)
    assert route.calls[0].request.headers["User-Agent"] == USER_AGENT


@respx.mock
def test_empty_page_with_token_is_followed_until_no_token() -> None:
    respx.get(f"{BASE}/studies").mock(
        side_effect=[
            httpx.Response(200, json={"totalCount": 1, "studies": [study(1)], "nextPageToken": "t1"}),
            httpx.Response(200, json={"studies": []}),
        ]
    )
    with client() as c:
        assert [len(p.studies) for p in c.pages(QUERY)] == [1, 0]


@respx.mock
def test_page_size_is_capped_at_1000() -> None:
    route = respx.get(f"{BASE}/studies").mock(return_value=httpx.Response(200, json={"studies": []}))
    with client() as c:
        list(c.pages(QUERY, page_size=5000))
    assert route.calls[0].request.url.params["pageSize"] == "1000"


@pytest.mark.parametrize(
    "fault",
    [
        httpx.Response(429, headers={"Retry-After": "0"}),
        httpx.Response(429),
        httpx.Response(500),
        httpx.Response(503),
        httpx.Response(200, content=b'{"studies": [{"protocolSe'),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
        httpx.ConnectError("refused"),
    ],
)
@respx.mock
def test_transient_faults_are_retried(fault: httpx.Response | Exception) -> None:
    route = respx.get(f"{BASE}/studies").mock(
        side_effect=[fault, fault, httpx.Response(200, json={"totalCount": 1, "studies": [study(1)]})]
    )
    with client() as c:
        pages = list(c.pages(QUERY))
    assert route.call_count == 3
    assert len(pages) == 1 and pages[0].totalCount == 1


@respx.mock
def test_retry_after_header_reaches_the_backoff() -> None:
    respx.get(f"{BASE}/studies").mock(return_value=httpx.Response(429, headers={"Retry-After": "7"}))
    getter = HttpGetter(BASE, rate_per_second=0)
    with pytest.raises(TransientFault) as err:
        getter.get("/studies")
    assert err.value.status == 429 and err.value.retry_after == 7.0
    assert backoff_hook(err.value) == dt.timedelta(seconds=7)
    assert backoff_hook(TransientFault("x", retry_after=10_000)) == dt.timedelta(seconds=MAX_RETRY_AFTER_S)
    assert backoff_hook(TransientFault("x")) is True
    assert backoff_hook(ValueError("not transient")) is False


@respx.mock
def test_a_fault_that_outlasts_the_retries_names_query_and_page() -> None:
    route = respx.get(f"{BASE}/studies").mock(
        side_effect=[httpx.Response(200, json={"studies": [study(1)], "nextPageToken": "t"})]
        + [httpx.Response(503)] * 10
    )
    with client() as c, pytest.raises(ApiUnavailable) as err:
        list(c.pages(QUERY))
    message = str(err.value)
    assert "essen" in message and "page 2" in message and "HTTP 503" in message and "4 attempts" in message
    assert route.call_count == 1 + FAST.attempts


@respx.mock
def test_400_shows_the_api_plain_text_message_and_is_not_retried() -> None:
    route = respx.get(f"{BASE}/studies").mock(return_value=httpx.Response(400, text="Unknown parameter: filter.phase"))
    with client() as c, pytest.raises(ApiBadRequest, match=r"Unknown parameter: filter\.phase"):
        list(c.pages(QUERY))
    assert route.call_count == 1


@respx.mock
def test_403_explains_the_block() -> None:
    respx.get(f"{BASE}/studies").mock(return_value=httpx.Response(403, text="Forbidden"))
    with client() as c, pytest.raises(ApiBlocked) as err:
        list(c.pages(QUERY))
    assert "blocks some hosts" in str(err.value) and "--base-url" in str(err.value)


@respx.mock
def test_single_study_and_version() -> None:
    respx.get(f"{BASE}/studies/NCT00000001").mock(return_value=httpx.Response(200, json=study(1)))
    respx.get(f"{BASE}/version").mock(
        return_value=httpx.Response(200, json={"apiVersion": "2.0.3", "dataTimestamp": "2026-11-20T09:00:05"})
    )
    with client() as c:
        assert b"NCT00000001" in c.study("NCT00000001")
        assert c.version().dataTimestamp == "2026-11-20T09:00:05"


def test_rate_limiter_spaces_requests() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    limiter = RateLimiter(2.0, clock=lambda: now[0], sleep=sleep)  # 0.5 s apart
    for _ in range(3):
        limiter.wait()
    assert slept == [0.5, 0.5]
    now[0] += 10  # idle for a while: the next request goes at once
    limiter.wait()
    assert slept == [0.5, 0.5]
    unlimited = RateLimiter(0, clock=lambda: now[0], sleep=sleep)
    unlimited.wait()
    unlimited.wait()
    assert slept == [0.5, 0.5]
