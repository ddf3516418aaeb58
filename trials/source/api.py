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
#: More studies than any query can match (the whole registry held about 570,000 in 2025): the page
#: cap of a query whose ``totalCount`` is missing or beyond belief.
MAX_STUDIES_PER_QUERY = 2_000_000
#: Empty pages in a row, each with a new token, after which a cursor is given up as broken
#: (one empty page after an exactly full last page is normal).
MAX_EMPTY_PAGES = 3
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
    "protocolSection.contactsLocationsModule.overallOfficials",  # issue 17 (site investigators ride in locations)
    "derivedSection.miscInfoModule",
    "derivedSection.conditionBrowseModule",
    "hasResults",
)
#: The projection of a count-only request (one record of one field rides along with ``totalCount``).
COUNT_FIELDS = ("protocolSection.identificationModule.nctId",)


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


def page_cap(total_count: int | None, page_size: int) -> int:
    """The most pages a query may take: ``totalCount`` in pages plus two (a token may follow an
    exactly full last page; the registry may grow while we page), and never more than
    :data:`MAX_STUDIES_PER_QUERY` would take (also when there is no ``totalCount``)."""
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    hard = -(-MAX_STUDIES_PER_QUERY // size) + 2
    if total_count is None:
        return hard
    return min(max(1, -(-max(total_count, 0) // size)) + 2, hard)


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

    def page_params(self, query: StudyQuery, *, page_size: int, token: str | None,
                    fields: tuple[str, ...] | None = None) -> dict[str, str]:  # fmt: skip
        """The parameters of one page; ``fields`` replaces the client's projection (an ID pass, a count)."""
        params = {**query.params, "format": "json", "pageSize": str(min(page_size, MAX_PAGE_SIZE))}
        projection = fields or self.fields
        if projection:
            params["fields"] = ",".join(projection)
        if token:
            params["pageToken"] = token
        else:
            params["countTotal"] = "true"
        return params

    def fetch_page(self, query: StudyQuery, *, page_no: int, page_size: int, token: str | None,
                   fields: tuple[str, ...] | None = None) -> StudiesPage:  # fmt: skip
        params = self.page_params(query, page_size=page_size, token=token, fields=fields)

        def fetch() -> StudiesPage:
            body = self.http.get("/studies", params)
            try:
                return decode_page(body)
            except (msgspec.DecodeError, UnicodeDecodeError) as exc:
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
        except ApiUnavailable:
            raise  # its message names the query (with its parameters) and the page already
        except ApiError as exc:
            raise type(exc)(f"query {query.label!r} page {page_no}: {exc}") from exc

    def count(self, query: StudyQuery) -> int:
        """How many studies ``query`` matches: one request (``countTotal=true``, ``pageSize=1``, one field)."""
        page = self.fetch_page(query, page_no=1, page_size=1, token=None, fields=COUNT_FIELDS)
        if page.totalCount is None:
            raise ApiError(f"query {query.describe()}: the API sent no totalCount")
        return int(page.totalCount)

    def pages(self, query: StudyQuery, *, page_size: int = MAX_PAGE_SIZE,
              fields: tuple[str, ...] | None = None) -> Iterator[StudiesPage]:  # fmt: skip
        """Every page of ``query`` (projected to ``fields`` when given); ``totalCount`` arrives on the first page only.

        A broken or hostile cursor ends in an :class:`ApiError` naming the query and the page,
        after the pages before it were handed over: a token the API sent before (the same token
        again, or a cycle A -> B -> A), :data:`MAX_EMPTY_PAGES` empty pages in a row, or more
        pages than :func:`page_cap` allows for the announced ``totalCount``.
        """
        size = min(page_size, MAX_PAGE_SIZE)
        token: str | None = None
        page_no = 1
        cap = page_cap(None, size)
        total: int | None = None
        tokens: dict[str, int] = {}  # token -> the page that brought it
        empty = 0
        while True:
            page = self.fetch_page(query, page_no=page_no, page_size=size, token=token, fields=fields)
            if page_no == 1:
                total = page.totalCount
                cap = page_cap(total, size)
            yield page
            if not page.nextPageToken:
                return
            where = f"query {query.label!r} page {page_no}"
            keep = "pages stored before it are kept whole and earlier data is unchanged"
            if page.nextPageToken in tokens:
                raise ApiError(
                    f"{where}: the API sent the page token of page {tokens[page.nextPageToken]} again, "
                    f"so its paging would never end; stopped ({keep})"
                )
            tokens[page.nextPageToken] = page_no
            empty = 0 if page.studies else empty + 1
            if empty >= MAX_EMPTY_PAGES:
                raise ApiError(
                    f"{where}: {empty} empty pages in a row, each with a new page token, so its paging "
                    f"would never end; stopped ({keep})"
                )
            if page_no >= cap:
                announced = "sent no totalCount" if total is None else f"announced totalCount {total}"
                raise ApiError(
                    f"{where}: the API {announced} but still sends a page token after {page_no} pages of {size}, "
                    f"more than that can take; stopped ({keep})"
                )
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
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
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
