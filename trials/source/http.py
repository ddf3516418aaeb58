"""The one module that knows the HTTP library (httpx): GET a URL politely, classify what comes back.

Everything above this module sees bytes, :class:`~trials.errors.TransientFault` (retry it),
or a final :class:`~trials.errors.ApiError` with a message for a person.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping

import httpx

from trials import __version__
from trials.errors import ApiBadRequest, ApiBlocked, ApiError, TransientFault

USER_AGENT = f"ruhr-trials/{__version__} (clinical-trial benchmarking harvester; python-httpx)"
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
#: The largest body we read: a full page of 1,000 of the biggest records is far smaller.
MAX_BODY_BYTES = 512 * 2**20


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
    """GET requests against one base URL with a deadline per request, a User-Agent and a rate limit."""

    def __init__(self, base_url: str, *, timeout_s: float = 60.0, rate_per_second: float = 1.0) -> None:
        self.base_url = base_url.rstrip("/")
        #: seconds for a whole request, from sending it to its last byte
        self.timeout_s = timeout_s
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
        """Return the body of a 200 response; raise a transient or a final error otherwise.

        The body must have arrived within the timeout of the request's start: httpx's own timeout
        bounds only each wait (for the connection, the headers, the next read), so a server sending
        one byte a second would otherwise hold a request for as long as its body lasts.
        """
        self._limiter.wait()
        self.requests_made += 1
        url = f"{self.base_url}{path}"
        deadline = time.monotonic() + self.timeout_s
        try:
            with self._client.stream("GET", path, params=dict(params or {})) as response:
                body = self._read(response, url, deadline)
        except httpx.TimeoutException as exc:
            raise TransientFault(f"timed out: {type(exc).__name__}") from exc
        except httpx.TooManyRedirects as exc:
            raise ApiError(
                f"{url} redirects in a loop (more than {self._client.max_redirects} redirects, the last to "
                f"{exc.request.url.copy_with(query=None)}); check the base URL"
            ) from exc
        except httpx.UnsupportedProtocol as exc:
            raise ApiError(f"{url}: {exc}; the base URL must start with https:// or http://") from exc
        except httpx.TransportError as exc:
            raise TransientFault(f"connection failed: {type(exc).__name__}: {exc}") from exc
        except httpx.HTTPError as exc:
            raise ApiError(f"GET {url} failed: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status == 200:
            if _is_html(response.headers.get("Content-Type", ""), body):
                raise ApiError(
                    f"{url} answered with an HTML page{_title(body)}, not JSON: the base URL (--base-url, "
                    "$TRIALS_BASE_URL or the schedule's base_url) must be the API v2 (ending in /api/v2); "
                    "else a proxy, captive portal or firewall is answering in its place"
                )
            return body
        text = " ".join(body.decode("utf-8", "replace").split())
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

    def _read(self, response: httpx.Response, url: str, deadline: float) -> bytes:
        """The (decoded) body, read within the request's deadline and size limit."""
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise ApiError(f"{url} sent a response larger than {MAX_BODY_BYTES // 2**20} MB; stopped reading")
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise TransientFault(
                        f"the response took longer than {self.timeout_s:g}s (the timeout) to arrive ({size} bytes read)"
                    )
        except httpx.DecodingError as exc:
            encoding = response.headers.get("Content-Encoding", "none")
            raise ApiError(
                f"{url} sent a body that does not match its Content-Encoding {encoding!r} ({exc}); "
                "a proxy may be altering the responses"
            ) from exc
        return b"".join(chunks)


def _is_html(content_type: str, body: bytes) -> bool:
    return "html" in content_type.lower() or body[:256].lstrip()[:1] == b"<"


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _title(body: bytes) -> str:
    m = _TITLE.search(body[:8192])
    if not m:
        return ""
    title = " ".join(m.group(1).decode("utf-8", "replace").split())[:80]
    return f" (title {title!r})" if title else ""
