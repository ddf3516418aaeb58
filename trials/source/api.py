"""ClinicalTrials.gov API v2: queries, the page cursor, single studies and the data version.

Pagination is one small generator: it reads ``nextPageToken`` from a page and repeats every other
parameter on the next request, as the API demands. Each page request (GET + decode of the envelope)
is one retried unit, so a truncated body is retried like a 503.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import msgspec

from trials.errors import ApiError, ApiUnavailable, TransientFault
from trials.settings import DEFAULT_BASE_URL, get_settings
from trials.source.http import HttpGetter
from trials.source.model import StudiesPage, VersionInfo, decode_page, decode_version
from trials.source.retry import RetryPolicy, call_with_retries

T = TypeVar("T")

MAX_PAGE_SIZE = 1000
#: Requests per second when nothing else is said (the registry asks for about one).
DEFAULT_RATE = 1.0

#: The ``fields`` projection: exactly the parts of a record that we decode and store.
FIELDS = (
    "protocolSection.identificationModule",
    "protocolSection.statusModule",
    "protocolSection.sponsorCollaboratorsModule",
    "protocolSection.designModule",
    "protocolSection.conditionsModule",
    "protocolSection.contactsLocationsModule.locations",
    "derivedSection.miscInfoModule",
    "derivedSection.conditionBrowseModule",
    "hasResults",
)


@dataclass(frozen=True)
class StudyQuery:
    """One ``GET /studies`` search: a human label and its ``query.*`` / ``filter.*`` parameters."""

    label: str
    params: Mapping[str, str] = field(default_factory=dict)

    def with_params(self, **extra: str) -> StudyQuery:
        return StudyQuery(self.label, {**self.params, **extra})

    def describe(self) -> str:
        inner = " ".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.label} [{inner}]"


def geo_filter(lat: float, lon: float, radius_km: float) -> str:
    """``filter.geo`` value; the unit is always given (the API's default unit is not documented)."""
    return f"distance({lat:.6f},{lon:.6f},{radius_km:g}km)"


def since_filter(since: str) -> str:
    """``filter.advanced`` term for records updated on or after ``since`` (YYYY-MM-DD)."""
    return f"AREA[LastUpdatePostDate]RANGE[{since},MAX]"


def combine_advanced(*terms: str | None) -> str | None:
    parts = [t for t in terms if t]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return " AND ".join(f"({p})" for p in parts)


class CtgovClient:
    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        rate_per_second: float = 1.0,
        timeout_s: float = 60.0,
        retry: RetryPolicy | None = None,
        fields: tuple[str, ...] | None = FIELDS,
    ) -> None:
        self.http = HttpGetter(base_url, timeout_s=timeout_s, rate_per_second=rate_per_second)
        self.retry = retry or RetryPolicy()
        self.fields = fields
        #: every transient fault met (and retried or given up on), as "what: fault"
        self.faults: list[str] = []

    @property
    def base_url(self) -> str:
        return self.http.base_url

    @property
    def requests_made(self) -> int:
        return self.http.requests_made

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> CtgovClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _retried(self, fetch: Callable[[], T], what: str, gave_up: str, advice: str) -> T:
        """``fetch()`` under the retry policy; each transient fault is logged, the last one explained."""

        def attempt() -> T:
            try:
                return fetch()
            except TransientFault as exc:
                self.faults.append(f"{what}: {exc}")
                raise

        try:
            return call_with_retries(self.retry, attempt)
        except TransientFault as exc:
            raise ApiUnavailable(f"{gave_up} ({exc}); {advice}") from exc

    def _get(self, path: str, params: Mapping[str, str], what: str) -> bytes:
        return self._retried(
            lambda: self.http.get(path, params),
            what,
            f"{what} failed after {self.retry.attempts} attempts or {self.retry.total_timeout_s:g}s",
            "the stored data is unchanged. Try again later.",
        )

    def page_params(self, query: StudyQuery, *, page_size: int, token: str | None) -> dict[str, str]:
        params = {**query.params, "format": "json", "pageSize": str(min(page_size, MAX_PAGE_SIZE))}
        if self.fields:
            params["fields"] = ",".join(self.fields)
        if token:
            params["pageToken"] = token
        else:
            params["countTotal"] = "true"
        return params

    def fetch_page(self, query: StudyQuery, *, page_no: int, page_size: int, token: str | None) -> StudiesPage:
        params = self.page_params(query, page_size=page_size, token=token)

        def fetch() -> StudiesPage:
            body = self.http.get("/studies", params)
            try:
                return decode_page(body)
            except msgspec.DecodeError as exc:
                # A cut-off or garbled body: the server or the network failed, not the query.
                raise TransientFault(f"unreadable JSON ({len(body)} bytes): {exc}") from exc

        try:
            return self._retried(
                fetch,
                f"{query.label} page {page_no}",
                f"query {query.describe()} page {page_no} failed after {self.retry.attempts} attempts",
                "pages stored before it are kept whole and earlier data is unchanged. "
                "Run the harvest again later to complete it.",
            )
        except ApiError as exc:
            raise type(exc)(f"query {query.label!r} page {page_no}: {exc}") from exc

    def count(self, query: StudyQuery) -> int:
        """How many studies ``query`` matches: one request (``countTotal=true``, ``pageSize=1``, one field)."""
        saved, self.fields = self.fields, ("protocolSection.identificationModule.nctId",)
        try:
            page = self.fetch_page(query, page_no=1, page_size=1, token=None)
        finally:
            self.fields = saved
        if page.totalCount is None:
            raise ApiError(f"query {query.describe()}: the API sent no totalCount")
        return int(page.totalCount)

    def pages(self, query: StudyQuery, *, page_size: int = MAX_PAGE_SIZE) -> Iterator[StudiesPage]:
        """Every page of ``query``; ``totalCount`` arrives on the first page only."""
        token: str | None = None
        page_no = 1
        while True:
            page = self.fetch_page(query, page_no=page_no, page_size=page_size, token=token)
            yield page
            if not page.nextPageToken:
                return
            token = page.nextPageToken
            page_no += 1

    def study(self, nct_id: str) -> bytes:
        """The raw record of one study (``GET /studies/{nctId}``)."""
        params = {"format": "json"}
        if self.fields:
            params["fields"] = ",".join(self.fields)
        return self._get(f"/studies/{nct_id}", params, f"GET /studies/{nct_id}")

    def version(self) -> VersionInfo:
        """``GET /version``: the API version and the registry's ``dataTimestamp``."""
        body = self._get("/version", {}, "GET /version")
        try:
            return decode_version(body)
        except msgspec.DecodeError as exc:
            raise ApiError(f"GET /version returned unreadable JSON: {exc}") from exc


def make_client(
    base_url: str | None = None,
    *,
    rate: float = DEFAULT_RATE,
    timeout_s: float = 60.0,
    retry: RetryPolicy | None = None,
) -> CtgovClient:
    """The one way the service builds its API client (harvest, update, reconcile, counts, scheduler, app).

    The base URL is ``base_url`` (a ``--base-url`` option or the schedule file's ``base_url``) when
    given, else ``$TRIALS_BASE_URL``, else the real API; ``rate`` is requests per second (0 = no limit).
    """
    return CtgovClient(base_url or get_settings().base_url, rate_per_second=rate, timeout_s=timeout_s, retry=retry)
