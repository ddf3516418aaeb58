"""The one module that knows the HTTP library (httpx): GET a URL politely, classify what comes back.

Everything above this module sees bytes, :class:`~trials.errors.TransientFault` (retry it),
or a final :class:`~trials.errors.ApiError` with a message for a person.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

import httpx

from trials import __version__
from trials.errors import ApiBadRequest, ApiBlocked, ApiError, TransientFault

USER_AGENT = f"ruhr-trials/{__version__} (clinical-trial benchmarking harvester; python-httpx)"
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class RateLimiter:
    """Space request starts at least ``1 / per_second`` apart (0 or less: no limit).

    The registry publishes no limit but asks crawlers for one request per second.
    """

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def wait(self) -> None:
        if self._interval <= 0:
            return
        with self._lock:
            now = self._clock()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            self._sleep(delay)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds form); ``None`` when absent or unusable."""
    if value is None:
        return None
    try:
        return max(float(value.strip()), 0.0)
    except ValueError:
        return None


class HttpGetter:
    """GET requests against one base URL with a timeout, a User-Agent and a rate limit."""

    def __init__(self, base_url: str, *, timeout_s: float = 60.0, rate_per_second: float = 1.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 15.0)),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=True,
        )
        self._limiter = RateLimiter(rate_per_second)
        self.requests_made = 0

    def close(self) -> None:
        self._client.close()

    def get(self, path: str, params: Mapping[str, str] | None = None) -> bytes:
        """Return the body of a 200 response; raise a transient or a final error otherwise."""
        self._limiter.wait()
        self.requests_made += 1
        try:
            response = self._client.get(path, params=dict(params or {}))
            body = response.read()
        except httpx.TimeoutException as exc:
            raise TransientFault(f"timed out: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            raise TransientFault(f"connection failed: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status == 200:
            return body
        text = body.decode("utf-8", "replace").strip()
        if status in RETRYABLE_STATUS:
            raise TransientFault(
                f"HTTP {status}",
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status == 400:
            raise ApiBadRequest(f"the API rejected the request (HTTP 400): {text or '(no message)'}")
        if status == 403:
            raise ApiBlocked(
                f"the API refused access (HTTP 403) to {self.base_url}{path}. ClinicalTrials.gov blocks some "
                "hosts and HTTP stacks, not queries: try from another network, check a proxy or firewall, "
                "or use --base-url with a mirror or the local fake API (trials fake-api)."
            )
        raise ApiError(f"unexpected HTTP {status} from {self.base_url}{path}: {text[:300]}")
