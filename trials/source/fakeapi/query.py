"""Search semantics of the fake API: the subset of ``GET /studies`` parameters our harvester uses.

``filter.advanced`` supports ``AREA[Field]value``, ``AREA[Field]"quoted phrase"``,
``AREA[Field]RANGE[lo,hi]`` (``MIN``/``MAX`` allowed), ``AND``, ``OR``, ``NOT`` and parentheses.
A bad expression is a :class:`QueryError`, answered as HTTP 400 with a plain-text message like the
real API does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from trials.source.fakeapi.corpus import IndexedStudy
from trials.source.geo import distance_km
from trials.textnorm import fold

Predicate = Callable[[IndexedStudy], bool]

KNOWN_PARAMS = {
    "format", "fields", "pageSize", "pageToken", "countTotal", "sort", "markupFormat",
    "query.locn", "query.cond", "query.term", "query.id",
    "filter.geo", "filter.ids", "filter.overallStatus", "filter.advanced",
}  # fmt: skip
KM_PER_MILE = 1.609344
_GEO = re.compile(r"^distance\((-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?),(\d+(?:\.\d+)?)(km|mi)?\)$")
_NCT = re.compile(r"^NCT0*[1-9]\d{0,7}$", re.IGNORECASE)


class QueryError(ValueError):
    pass


def parse_geo(value: str) -> tuple[float, float, float]:
    """``distance(lat,lon,25km)`` -> (lat, lon, radius in km); miles are converted; no unit = miles."""
    m = _GEO.match(value.replace(" ", ""))
    if not m:
        raise QueryError(f"filter.geo: expected distance(lat,lon,radius[km|mi]), got {value!r}")
    lat, lon, dist = float(m.group(1)), float(m.group(2)), float(m.group(3))
    return lat, lon, dist if m.group(4) == "km" else dist * KM_PER_MILE


def _phrase_in(phrase: str, text: str) -> bool:
    """Whole-word phrase containment on folded text."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


# -- filter.advanced ------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lp>\()|(?P<rp>\))|
        (?P<op>AND|OR|NOT)(?=[\s(]|$)|
        AREA\[(?P<area>[A-Za-z]+)\]
          (?:RANGE\[(?P<lo>[^,\]]*),(?P<hi>[^\]]*)\]|"(?P<q>[^"]*)"|(?P<w>[^\s()]+))
    )""",
    re.VERBOSE,
)


@dataclass
class _Tok:
    kind: str  # ( ) AND OR NOT TERM
    pred: Predicate | None = None


def _area_pred(area: str, lo: str | None, hi: str | None, phrase: str | None) -> Predicate:
    if lo is not None or hi is not None:
        lo_v = None if (lo or "").strip().upper() in ("", "MIN") else (lo or "").strip()
        hi_v = None if (hi or "").strip().upper() in ("", "MAX") else (hi or "").strip()

        def in_range(s: IndexedStudy) -> bool:
            for v in s.fields.get(area, []):
                if (lo_v is None or v >= lo_v) and (hi_v is None or v[: len(hi_v)] <= hi_v):
                    return True
            return False

        return in_range
    target = fold(phrase or "")
    return lambda s: any(_phrase_in(target, v) for v in s.folded.get(area, []))


def _tokenise(expr: str, areas: set[str]) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    expr = expr.strip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise QueryError(f"filter.advanced: cannot parse at position {pos}: {expr[pos : pos + 30]!r}")
        pos = m.end()
        if m.group("lp"):
            toks.append(_Tok("("))
        elif m.group("rp"):
            toks.append(_Tok(")"))
        elif m.group("op"):
            toks.append(_Tok(m.group("op")))
        else:
            area = m.group("area")
            if area not in areas:
                raise QueryError(f"filter.advanced: unknown or unsupported area {area!r}")
            phrase = m.group("q") if m.group("q") is not None else m.group("w")
            toks.append(_Tok("TERM", _area_pred(area, m.group("lo"), m.group("hi"), phrase)))
        while pos < len(expr) and expr[pos].isspace():
            pos += 1
    return toks


def _any_of(a: Predicate, b: Predicate) -> Predicate:
    return lambda s: a(s) or b(s)


def _all_of(a: Predicate, b: Predicate) -> Predicate:
    return lambda s: a(s) and b(s)


def parse_advanced(expr: str, areas: set[str]) -> Predicate:
    toks = _tokenise(expr, areas)
    pos = 0

    def peek() -> str | None:
        return toks[pos].kind if pos < len(toks) else None

    def take() -> _Tok:
        nonlocal pos
        tok = toks[pos]
        pos += 1
        return tok

    def parse_or() -> Predicate:
        left = parse_and()
        while peek() == "OR":
            take()
            right = parse_and()
            left = _any_of(left, right)
        return left

    def parse_and() -> Predicate:
        left = parse_not()
        while peek() in ("AND", "TERM", "(", "NOT"):
            if peek() == "AND":
                take()
            right = parse_not()
            left = _all_of(left, right)
        return left

    def parse_not() -> Predicate:
        if peek() == "NOT":
            take()
            inner = parse_not()
            return lambda s: not inner(s)
        return parse_atom()

    def parse_atom() -> Predicate:
        kind = peek()
        if kind == "(":
            take()
            inner = parse_or()
            if peek() != ")":
                raise QueryError("filter.advanced: missing ')'")
            take()
            return inner
        if kind == "TERM":
            pred = take().pred
            assert pred is not None
            return pred
        raise QueryError(f"filter.advanced: unexpected {kind or 'end of expression'}")

    pred = parse_or()
    if pos != len(toks):
        raise QueryError(f"filter.advanced: unexpected {toks[pos].kind}")
    return pred


def _split_list(value: str) -> list[str]:
    return [v for v in re.split(r"[,|\s]+", value.strip()) if v]


def build_filter(params: Mapping[str, str], areas: set[str]) -> Predicate:
    """One predicate for all search parameters (they combine with AND)."""
    unknown = sorted(set(params) - KNOWN_PARAMS)
    if unknown:
        raise QueryError(f"Unknown parameter(s): {', '.join(unknown)}")
    preds: list[Predicate] = []
    if geo := params.get("filter.geo"):
        lat, lon, radius = parse_geo(geo)
        preds.append(lambda s: any(distance_km(lat, lon, a, b) <= radius for a, b in s.points))
    if ids := params.get("filter.ids"):
        wanted = set()
        for v in _split_list(ids):
            if not _NCT.match(v):
                raise QueryError(f"filter.ids: {v!r} is not an NCT ID")
            wanted.add("NCT" + v[3:].lstrip("0").rjust(8, "0"))
        preds.append(lambda s: s.nct_id in wanted)
    if statuses := params.get("filter.overallStatus"):
        allowed = {v.upper() for v in _split_list(statuses)}
        preds.append(lambda s: any(v in allowed for v in s.fields["OverallStatus"]))
    if locn := params.get("query.locn"):
        phrase = fold(locn.strip('"'))
        preds.append(lambda s: any(_phrase_in(phrase, t) for t in s.location_texts))
    if cond := params.get("query.cond"):
        phrase = fold(cond.strip('"'))
        preds.append(lambda s: any(_phrase_in(phrase, c) for c in s.folded["Condition"]))
    if term := params.get("query.term"):
        phrase = fold(term.strip('"'))
        preds.append(lambda s: phrase in fold(s.raw.decode("utf-8", "replace")))
    if qid := params.get("query.id"):
        preds.append(lambda s: s.nct_id.casefold() == qid.strip().casefold())
    if adv := params.get("filter.advanced"):
        preds.append(parse_advanced(adv, areas))
    return lambda s: all(p(s) for p in preds)


def project(record: dict[str, object], fields: list[str] | None) -> dict[str, object]:
    """Keep only the dotted ``fields`` paths (a branch keeps its whole subtree), in record order."""
    if not fields:
        return record
    tree: dict[str, object] = {}
    for f in fields:
        node = tree
        parts = f.split(".")
        for i, part in enumerate(parts):
            if i == len(parts) - 1:
                node[part] = True
            else:
                nxt = node.setdefault(part, {})
                if nxt is True:
                    break
                assert isinstance(nxt, dict)
                node = nxt
    tree.setdefault("x-synthetic", True)  # our own marker always travels with the record
    return _project(record, tree)


def _project(value: dict[str, object], tree: dict[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, sub in value.items():
        want = tree.get(key)
        if want is None:
            continue
        if want is True:
            out[key] = sub
        elif isinstance(sub, dict):
            inner = _project(sub, want)  # type: ignore[arg-type]
            if inner:
                out[key] = inner
    return out
