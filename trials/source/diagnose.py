"""Is the registry usable from here? Probes for ``trials check-api`` and plain-words diagnoses of what fails.

:func:`diagnose` turns any failure of a request (the errors of :mod:`trials.source.http`, the
transport error under them, a body our decoder cannot read) into a :class:`Diagnosis`: what is
wrong, in plain words, and what to try. The probes (:func:`probe_version`, :func:`probe_page`,
:func:`probe_count`) make one request each, with no retries, and check the answer against our
decoder, so a changed response shape shows up here before a harvest stores anything.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

import msgspec
import orjson

from trials.errors import ApiBadRequest, ApiBlocked, ApiError, TransientFault
from trials.source.api import CtgovClient, StudyQuery
from trials.source.model import decode_study, decode_version

#: Substrings of transport errors (OS resolver, OpenSSL, httpx/httpcore) and what they mean.
_DNS = re.compile(r"name or service not known|nodename nor servname|getaddrinfo|name resolution|no address "
                  r"associated|errno -[235]\b|errno 11001|\[errno 8\]", re.I)  # fmt: skip
_TLS = re.compile(r"certificate|ssl|tls|handshake|wrong version number", re.I)
_REFUSED = re.compile(r"connection refused|errno 111|errno 61|actively refused|errno 10061", re.I)
_UNREACHABLE = re.compile(r"network is unreachable|no route to host|errno 101|errno 113|errno 51", re.I)
_PROXY = re.compile(r"proxy|\b407\b", re.I)
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
OFFLINE_HINT = "To work without the registry, run TRIALS_OFFLINE=1 ./run (a synthetic corpus from the local fake API)."


class ShapeChanged(ApiError):
    """A response parsed, but not into the shape our decoder reads."""


@dataclass(frozen=True)
class Diagnosis:
    """What failed, in plain words, and what to try. ``kind`` is a stable code for programs and tests."""

    kind: str
    problem: str
    advice: str

    def __str__(self) -> str:
        return f"{self.problem} {self.advice}"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _proxy_in_use() -> str | None:
    for name in PROXY_VARIABLES:
        if os.environ.get(name):
            return name
    return None


def _host(url: str) -> str:
    m = re.match(r"^[a-z]+://([^/:]+)", url)
    return m.group(1) if m else url


def diagnose(exc: BaseException, url: str) -> Diagnosis:
    """Classify the failure of a request to ``url`` (an exception from the client or a probe)."""
    chain = list(_chain(exc))
    text = " | ".join(f"{type(e).__name__}: {e}" for e in chain)
    host = _host(url)
    proxy = _proxy_in_use()
    for e in chain:
        if isinstance(e, ShapeChanged):
            return Diagnosis(
                "shape",
                f"{url} answered, but not in the shape our decoder reads: {e}.",
                "The registry may have changed its API (see its release notes), or something between here and the "
                "registry (a proxy, a captive portal, a wrong --base-url) answered instead. Nothing was stored; "
                "check the URL in a browser and report the change if it is the registry's.",
            )
        if isinstance(e, ApiError) and "HTML page" in str(e):
            page = str(e).split(", not JSON", 1)[0]
            return Diagnosis(
                "html",
                f"{page} instead of the API's JSON.",
                "A captive portal (sign in to the network first), a proxy or firewall page, or a base URL that is not "
                "the API v2 (--base-url / $TRIALS_BASE_URL must end in /api/v2). " + OFFLINE_HINT,
            )
        if isinstance(e, ApiError) and "redirects in a loop" in str(e):
            return Diagnosis(
                "redirect_loop",
                f"{host} redirects in a loop.",
                "Check the base URL (it ends in /api/v2) and any proxy or login page on this network. " + OFFLINE_HINT,
            )
        if isinstance(e, ApiBlocked):
            return Diagnosis(
                "blocked",
                f"{host} refused access (HTTP 403). ClinicalTrials.gov's CDN blocks some networks and HTTP clients, "
                "whatever the query.",
                "Try from another network (not a cloud or VPN address), check that a proxy or firewall does not "
                "rewrite the request, or use --base-url with a mirror or the local fake API. " + OFFLINE_HINT,
            )
        if isinstance(e, ApiBadRequest):
            return Diagnosis(
                "bad_request",
                f"{host} rejected our request (HTTP 400): {str(e).split(': ', 1)[-1]}",
                "The registry no longer accepts a parameter we send: the query syntax may have changed. Report it "
                "with this message; the stored data is unchanged.",
            )
        if isinstance(e, TransientFault) and e.status == 429:
            wait = f" (it asked us to wait {e.retry_after:g} s)" if e.retry_after is not None else ""
            return Diagnosis(
                "rate_limited",
                f"{host} says we sent too many requests (HTTP 429){wait}.",
                "Wait a few minutes and try again; harvest with a lower --rate (the default is 1 request per "
                "second). Another program on this network may be using the registry too.",
            )
        if isinstance(e, TransientFault) and e.status is not None and e.status >= 500:
            return Diagnosis(
                "server_error",
                f"{host} has a problem of its own (HTTP {e.status}).",
                "This is on the registry's side: try again later (its status is announced on clinicaltrials.gov).",
            )
    if _PROXY.search(text) and ("ProxyError" in text or " 407" in text):
        return Diagnosis(
            "proxy",
            f"The proxy refused or failed to reach {host}" + (f" (set in ${proxy})" if proxy else "") + ".",
            "Check the proxy address and its credentials in $HTTPS_PROXY, or unset it if this network has direct "
            "access. " + OFFLINE_HINT,
        )
    if _DNS.search(text):
        return Diagnosis(
            "dns",
            f"The name {host} cannot be resolved (DNS): this machine has no working name service or no internet.",
            "Check the network connection and /etc/resolv.conf (or the DNS of your VPN); test with "
            f"`getent hosts {host}`. " + OFFLINE_HINT,
        )
    if _TLS.search(text) and "timed out" not in text.lower():
        return Diagnosis(
            "tls",
            f"The secure connection to {host} failed (TLS: the certificate could not be verified or the handshake "
            "broke).",
            "A proxy or firewall that inspects HTTPS needs its certificate authority: point $SSL_CERT_FILE at your "
            "organisation's CA bundle. Also check the system clock.",
        )
    if _REFUSED.search(text):
        return Diagnosis(
            "refused",
            f"Nothing accepts connections at {url} (connection refused).",
            "Check --base-url / $TRIALS_BASE_URL and the port; if it is a local fake API, start it with "
            "`trials fake-api --corpus FILE`. " + OFFLINE_HINT,
        )
    if _UNREACHABLE.search(text):
        return Diagnosis(
            "network",
            f"This machine has no route to {host} (network unreachable).",
            "Check the network connection or the VPN. " + OFFLINE_HINT,
        )
    if "Timeout" in text or "timed out" in text.lower():
        return Diagnosis(
            "timeout",
            f"{host} did not answer in time.",
            "The network may be slow or a firewall may drop the traffic silently; try again, or raise --timeout. "
            + (f"A proxy is set in ${proxy}: check it. " if proxy else "")
            + OFFLINE_HINT,
        )
    if isinstance(exc, ApiError) and "HTTP 404" in str(exc):
        return Diagnosis(
            "not_found",
            f"{url} is not the ClinicalTrials.gov API v2 (HTTP 404).",
            "Check --base-url / $TRIALS_BASE_URL: it ends in /api/v2 (https://clinicaltrials.gov/api/v2).",
        )
    return Diagnosis(
        "network" if isinstance(exc, TransientFault) else "error",
        f"The request to {url} failed: {exc}.",
        "Try again later; if it keeps failing, run with -v for details. " + OFFLINE_HINT,
    )


def _json_object(body: bytes, what: str) -> dict[str, object]:
    head = body.lstrip()[:1]
    if head == b"<":
        title = re.search(rb"<title>([^<]{0,80})", body, re.I)
        shown = f" titled {title.group(1).decode('utf-8', 'replace').strip()!r}" if title else ""
        raise ShapeChanged(f"{what} returned an HTML page{shown}, not JSON")
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ShapeChanged(f"{what} returned unreadable JSON ({len(body)} bytes): {exc}") from exc
    if not isinstance(value, dict):
        raise ShapeChanged(f"{what} returned a JSON {type(value).__name__}, not an object")
    return value


def probe_version(client: CtgovClient) -> str:
    """``GET /version``: the registry's data timestamp (raises on any failure)."""
    body = client.http.get("/version", {})
    value = _json_object(body, "GET /version")
    try:
        info = decode_version(body)
    except msgspec.ValidationError as exc:
        raise ShapeChanged(f"GET /version: {exc}") from exc
    if not info.dataTimestamp or not info.apiVersion:
        raise ShapeChanged(f"GET /version has no apiVersion/dataTimestamp (keys: {', '.join(sorted(value)) or 'none'})")
    return f"API {info.apiVersion}, registry data of {info.dataTimestamp}"


def probe_page(client: CtgovClient, query: StudyQuery, page_size: int = 10) -> tuple[int, int, int]:
    """One page of ``query`` exactly as the harvest asks for it, each study through our decoder.

    -> (studies, totalCount, studies our decoder rejects). A page whose every study is rejected means
    the shape changed; a few rejected ones are what the harvest quarantines.
    """
    params = client.page_params(query, page_size=page_size, token=None)
    body = client.http.get("/studies", params)
    page = _json_object(body, "GET /studies")
    studies, total = page.get("studies"), page.get("totalCount")
    if not isinstance(studies, list):
        raise ShapeChanged(f"GET /studies has no 'studies' list (keys: {', '.join(sorted(page)) or 'none'})")
    if not isinstance(total, int):
        raise ShapeChanged("GET /studies with countTotal=true has no integer 'totalCount'")
    token = page.get("nextPageToken")
    if token is not None and not isinstance(token, str):
        raise ShapeChanged("GET /studies: 'nextPageToken' is not a string")
    problems: list[str] = []
    for i, raw in enumerate(studies):
        try:
            study = decode_study(orjson.dumps(raw))
        except msgspec.ValidationError as exc:
            problems.append(f"study {i + 1} of the page: {exc}")
            continue
        ident = study.protocol_section.identification_module if study.protocol_section else None
        if ident is None or not ident.nct_id:
            problems.append(f"study {i + 1} of the page has no protocolSection.identificationModule.nctId")
    if studies and len(problems) == len(studies):
        raise ShapeChanged(f"no study of the page fits our decoder; {problems[0]}")
    return len(studies), total, len(problems)


def probe_count(client: CtgovClient, query: StudyQuery) -> int:
    """A count-only request (``countTotal=true``, ``pageSize=1``, one field) -> ``totalCount``."""
    saved, client.fields = client.fields, ("protocolSection.identificationModule.nctId",)
    try:
        params = client.page_params(query, page_size=1, token=None)
    finally:
        client.fields = saved
    page = _json_object(client.http.get("/studies", params), "GET /studies (count)")
    total = page.get("totalCount")
    if not isinstance(total, int):
        raise ShapeChanged(f"the count request has no integer 'totalCount' (keys: {', '.join(sorted(page)) or 'none'})")
    return total
