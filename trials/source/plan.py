"""Registry syntax for asking once per study: region queries OR-ed into a few combined searches, the ID-only
projection, and ``filter.ids`` batches that fit in a URL.

Why: paging every region query in full sends a multi-site study once per query that finds it (7.4 times
on the synthetic corpus). The registry can answer the union of the queries itself: ``filter.advanced``
takes ``OR`` and, for the geo circles, ``AREA[LocationGeoPoint]DISTANCE[lat,lon,25km]`` (square brackets;
``DISTANCE(...)`` with parentheses is a parse error there, while ``filter.geo`` wants ``distance(...)``).
A union is only as long as a URL may be, so the queries are packed into as few searches as fit.

The registry documents no URL limit; the front ends it could sit behind refuse request lines beyond 8 KiB
(Tomcat's and Spring's default header limit, nginx's ``large_client_header_buffers``), so every request
is kept under :data:`MAX_URL_BYTES`, which leaves room for the headers. The same budget sizes the
``filter.ids`` batches (12 characters and an encoded comma per NCT ID: about 470 IDs per request).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import msgspec

from trials.source.api import MAX_PAGE_SIZE, StudyQuery, combine_advanced, since_filter

#: The longest request URL we send (scheme, host, path and query, percent-encoded).
MAX_URL_BYTES = 7000
#: Room kept for a page token on later pages (opaque, and its length changed in 2025).
TOKEN_ALLOWANCE = 256
#: The cheap projection of an ID pass: what identifies a study and tells whether it changed.
ID_FIELDS = ("NCTId", "LastUpdatePostDate")
#: The parameters a region query may use to take part in a combined search.
COMBINABLE = frozenset({"filter.geo", "filter.advanced"})
_GEO = re.compile(r"^distance\(([^,()]+),([^,()]+),([^,()]+)\)$")


def geo_term(value: str) -> str:
    """A ``filter.geo`` value (``distance(lat,lon,25km)``) as the same circle in Essie, for ``filter.advanced``."""
    m = _GEO.match(value.replace(" ", ""))
    if not m:
        raise ValueError(f"not a filter.geo distance(): {value!r}")
    return f"AREA[LocationGeoPoint]DISTANCE[{m.group(1)},{m.group(2)},{m.group(3)}]"


def query_term(query: StudyQuery) -> str | None:
    """The query's filters as one ``filter.advanced`` term, or None when it uses a parameter Essie cannot say."""
    if not query.params or not set(query.params) <= COMBINABLE:
        return None
    geo = query.params.get("filter.geo")
    return combine_advanced(geo_term(geo) if geo else None, query.params.get("filter.advanced"))


def _grouped(term: str) -> str:
    """A term as an operand of ``OR``: bare when it is one atom, else in parentheses."""
    return term if " " not in term else f"({term})"


def url_bytes(base_url: str, params: Mapping[str, str], path: str = "/studies") -> int:
    """The length of ``GET base_url+path?params`` as sent (every reserved character percent-encoded: an upper
    bound of what the HTTP library writes)."""
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params.items())
    return len(base_url.rstrip("/")) + len(path) + 1 + len(query) + TOKEN_ALLOWANCE


@dataclass(frozen=True)
class CombinedQuery:
    """One search standing for several region queries (their ordinals in the plan)."""

    query: StudyQuery
    members: tuple[int, ...]


def _label(queries: Sequence[StudyQuery], members: Sequence[int]) -> str:
    first, last = queries[members[0]].label, queries[members[-1]].label
    names = first if len(members) == 1 else f"{first} ... {last}"
    return f"combined: {names} ({len(members)} {'query' if len(members) == 1 else 'queries'})"


def combined_queries(
    queries: Sequence[StudyQuery],
    *,
    since: str | None,
    fixed: Mapping[str, str],
    base_url: str,
    budget: int = MAX_URL_BYTES,
) -> list[CombinedQuery]:
    """Pack the queries, in plan order, into as few ``OR`` searches as fit ``budget`` with the ``fixed`` parameters
    (format, fields, page size). A query Essie cannot express (another parameter) searches alone; a single query
    longer than the budget searches alone too (as long as it was before). ``since`` restricts every search to
    records updated on or after that day."""
    since_term = since_filter(since) if since else None

    def params_of(terms: list[str]) -> dict[str, str]:
        expr = terms[0] if len(terms) == 1 else " OR ".join(_grouped(t) for t in terms)
        return {"filter.advanced": combine_advanced(expr, since_term) or expr}

    out: list[tuple[dict[str, str], list[int]]] = []
    terms: list[str] = []
    members: list[int] = []
    for i, q in enumerate(queries):
        term = query_term(q)
        if term is None:
            alone = dict(q.params)
            if since_term:
                alone["filter.advanced"] = combine_advanced(alone.get("filter.advanced"), since_term) or since_term
            out.append((alone, [i]))
            continue
        if terms and url_bytes(base_url, {**fixed, **params_of([*terms, term])}) > budget:
            out.append((params_of(terms), members))
            terms, members = [], []
        terms.append(term)
        members.append(i)
    if terms:
        out.append((params_of(terms), members))
    return [
        CombinedQuery(StudyQuery(f"{_label(queries, m)} {n + 1}/{len(out)}", p), tuple(m))
        for n, (p, m) in enumerate(out)
    ]


def id_batches(
    ids: Iterable[str], *, fixed: Mapping[str, str], base_url: str, budget: int = MAX_URL_BYTES
) -> list[list[str]]:
    """NCT IDs in ``filter.ids`` batches, each as large as the URL ``budget`` allows and at most one page."""
    base = url_bytes(base_url, {**fixed, "filter.ids": ""})
    sep = len(quote(",", safe=""))
    batches: list[list[str]] = []
    batch: list[str] = []
    size = base
    for nct_id in ids:
        cost = len(quote(nct_id, safe="")) + (sep if batch else 0)
        if batch and (size + cost > budget or len(batch) >= MAX_PAGE_SIZE):
            batches.append(batch)
            batch, size, cost = [], base, len(quote(nct_id, safe=""))
        batch.append(nct_id)
        size += cost
    if batch:
        batches.append(batch)
    return batches


class _Date(msgspec.Struct):
    date: str | None = None


class _Status(msgspec.Struct):
    lastUpdatePostDateStruct: _Date | None = None


class _Ident(msgspec.Struct):
    nctId: str | None = None


class _Protocol(msgspec.Struct):
    identificationModule: _Ident | None = None
    statusModule: _Status | None = None


class _Stamp(msgspec.Struct):
    protocolSection: _Protocol | None = None


_STAMP = msgspec.json.Decoder(_Stamp)


def decode_stamp(raw: bytes) -> tuple[str | None, str]:
    """(NCT ID, LastUpdatePostDate) of an ID-pass record; a record that cannot be read gives (None, "")."""
    try:
        ps = _STAMP.decode(raw).protocolSection
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None, ""
    if ps is None:
        return None, ""
    nct_id = ps.identificationModule.nctId if ps.identificationModule else None
    status = ps.statusModule
    date = status.lastUpdatePostDateStruct.date if status and status.lastUpdatePostDateStruct else None
    return nct_id, date or ""
