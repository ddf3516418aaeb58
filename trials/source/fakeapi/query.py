"""Search semantics of the fake API: every ``GET /studies`` parameter of the spec that a corpus can answer.

``query.*`` (Essie expressions over their search areas), ``filter.*`` and ``postFilter.*``
(``overallStatus``, ``geo``, ``ids``, ``advanced``), ``aggFilters``, ``sort`` (date and numeric
fields, ``@relevance``) and ``geoDecay``. The Essie subset: words (all must occur, whole words,
case and accents ignored), ``"quoted phrases"``, ``AND``/``OR``/``NOT`` and parentheses,
``AREA[Piece or path or SearchArea]`` before any operand (a group too), ``RANGE[lo,hi]`` (``MIN``/
``MAX``; dates and numbers), ``MISSING``, ``COVERAGE[FullMatch|StartsWith|EndsWith|Contains]``,
``EXPANSION[...]`` (accepted, no effect: a corpus has no synonyms), ``SEARCH[...]( )`` (taken as a
plain group) and ``AREA[LocationGeoPoint]DISTANCE[lat,lon,radius(km|mi)]`` (any site in range, as
``filter.geo``; square brackets, as the real API wants them). What a corpus cannot answer
(``filter.synonyms``, ``TILDE``) and every value outside the spec is a :class:`QueryError`, answered as a
plain-text HTTP 400 like the real API's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from trials.source.fakeapi.corpus import IndexedStudy
from trials.source.fakeapi.fields import AREA_BY_PARAM, FieldNode, FieldTree
from trials.source.geo import distance_km
from trials.textnorm import fold

Predicate = Callable[[IndexedStudy], bool]

QUERY_PARAMS = ("query.cond", "query.term", "query.locn", "query.titles", "query.intr", "query.outc",
                "query.spons", "query.lead", "query.id", "query.patient")  # fmt: skip
FILTERS = ("overallStatus", "geo", "ids", "advanced", "synonyms")
PAGING_PARAMS = ("pageToken", "pageSize", "countTotal")
KNOWN_PARAMS = frozenset({
    "format", "markupFormat", "fields", "sort", "aggFilters", "geoDecay", *PAGING_PARAMS, *QUERY_PARAMS,
    *(f"filter.{f}" for f in FILTERS), *(f"postFilter.{f}" for f in FILTERS),
})  # fmt: skip
KM_PER_MILE = 1.609344
_GEO = re.compile(r"^distance\((-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?),(\d+(?:\.\d+)?)(km|mi)?\)$")
_DISTANCE = re.compile(r"^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?),(\d+(?:\.\d+)?)(km|mi)?$")
#: The piece ``DISTANCE[...]`` measures from (the registry's site coordinates).
GEO_PIECE = "LocationGeoPoint"
_GEO_DECAY = re.compile(
    r"^func:(gauss|exp|linear),scale:(\d+(?:\.\d+)?)(km|mi),offset:(\d+(?:\.\d+)?)(km|mi),decay:(\d+(?:\.\d+)?)$"
)
DEFAULT_GEO_DECAY = "func:exp,scale:300mi,offset:0mi,decay:0.5"
_NCT = re.compile(r"^NCT0*[1-9]\d{0,7}$", re.IGNORECASE)
_ONLY_IDS = re.compile(r"^[\s,]*(?:NCT\d{1,8}[\s,]*)+$", re.IGNORECASE)
_SYNONYM = re.compile(r"^[A-Za-z]+:\d+$")
_SORT = re.compile(r"^(?:([a-zA-Z][a-zA-Z0-9\-. ]*)|(@relevance))(?::(asc|desc))?$")
_COVERAGES = ("FullMatch", "StartsWith", "EndsWith", "Contains")
_EXPANSIONS = ("None", "Term", "Concept", "Relaxation", "Lossy")

#: ``aggFilters`` ids and option keys (the registry web site's filters) -> (piece, values that pass).
AGG_FILTERS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "phase": {"0": ("Phase", ("EARLY_PHASE1",)), "1": ("Phase", ("PHASE1",)), "2": ("Phase", ("PHASE2",)),
              "3": ("Phase", ("PHASE3",)), "4": ("Phase", ("PHASE4",)), "na": ("Phase", ("NA",))},
    "status": {"not": ("OverallStatus", ("NOT_YET_RECRUITING",)), "rec": ("OverallStatus", ("RECRUITING",)),
               "act": ("OverallStatus", ("ACTIVE_NOT_RECRUITING",)),
               "enr": ("OverallStatus", ("ENROLLING_BY_INVITATION",)), "com": ("OverallStatus", ("COMPLETED",)),
               "sus": ("OverallStatus", ("SUSPENDED",)), "ter": ("OverallStatus", ("TERMINATED",)),
               "wit": ("OverallStatus", ("WITHDRAWN",)), "unk": ("OverallStatus", ("UNKNOWN",)),
               "ava": ("OverallStatus", ("AVAILABLE",)), "nla": ("OverallStatus", ("NO_LONGER_AVAILABLE",)),
               "tna": ("OverallStatus", ("TEMPORARILY_NOT_AVAILABLE",)),
               "afm": ("OverallStatus", ("APPROVED_FOR_MARKETING",))},
    "results": {"with": ("HasResults", ("true",)), "without": ("HasResults", ("false",))},
    "sex": {"f": ("Sex", ("FEMALE", "ALL")), "m": ("Sex", ("MALE", "ALL"))},
    "healthy": {"y": ("HealthyVolunteers", ("true",))},
    "studyType": {"int": ("StudyType", ("INTERVENTIONAL",)), "obs": ("StudyType", ("OBSERVATIONAL",)),
                  "exp": ("StudyType", ("EXPANDED_ACCESS",))},
    "funderType": {"nih": ("LeadSponsorClass", ("NIH",)), "fed": ("LeadSponsorClass", ("FED",)),
                   "industry": ("LeadSponsorClass", ("INDUSTRY",)),
                   "other": ("LeadSponsorClass", ("OTHER", "OTHER_GOV", "INDIV", "NETWORK", "AMBIG", "UNKNOWN"))},
}  # fmt: skip


class QueryError(ValueError):
    pass


def unknown_parameter(name: str) -> QueryError:
    """The real API's words for a parameter it does not know."""
    return QueryError(f"`{name}` is unknown parameter")


def invalid_value(name: str, value: str) -> QueryError:
    return QueryError(f"Invalid value in parameter {name}: {value!r}")


def check_known(params: Mapping[str, str], known: frozenset[str] | set[str]) -> None:
    for name in params:
        if name not in known:
            raise unknown_parameter(name)


def parse_bool(params: Mapping[str, str], name: str) -> bool:
    value = params.get(name)
    if value is None or value == "":
        return False
    if value.lower() not in ("true", "false"):
        raise invalid_value(name, value)
    return value.lower() == "true"


def split_list(value: str) -> list[str]:
    """A comma- or pipe-separated list (the spec's ``pipeDelimited`` style accepts both)."""
    return [v.strip() for v in re.split(r"[,|]", value) if v.strip()]


def parse_geo(value: str, name: str = "filter.geo") -> tuple[float, float, float]:
    """``distance(lat,lon,25km)`` -> (lat, lon, radius in km); miles are converted; no unit = miles."""
    m = _GEO.match(value.replace(" ", ""))
    if not m:
        raise QueryError(f"Invalid value in parameter {name}: expected distance(lat,lon,radius[km|mi]), got {value!r}")
    lat, lon, dist = float(m.group(1)), float(m.group(2)), float(m.group(3))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise QueryError(f"Invalid value in parameter {name}: latitude or longitude out of range in {value!r}")
    return lat, lon, dist if m.group(4) == "km" else dist * KM_PER_MILE


def _km(value: str, unit: str) -> float:
    return float(value) * (1.0 if unit == "km" else KM_PER_MILE)


def parse_geo_decay(value: str) -> Callable[[float], float]:
    """``func:exp,scale:300mi,offset:0mi,decay:0.5`` -> a proximity factor of the distance in km (1 = closest)."""
    m = _GEO_DECAY.match(value.replace(" ", ""))
    if not m:
        raise invalid_value("geoDecay", value)
    func, scale, offset, decay = m.group(1), _km(m.group(2), m.group(3)), _km(m.group(4), m.group(5)), float(m.group(6))
    if scale <= 0 or not 0 < decay < 1:
        raise invalid_value("geoDecay", value)

    def factor(km: float) -> float:
        d = max(0.0, km - offset)
        if func == "exp":
            return float(decay ** (d / scale))
        if func == "gauss":
            return float(decay ** ((d / scale) ** 2))
        return max(0.0, 1.0 - (1.0 - decay) * d / scale)  # linear: ``decay`` at ``scale``

    return factor


def _phrase_in(phrase: str, text: str) -> bool:
    """Whole-word phrase containment on folded text."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def _covers(coverage: str, phrase: str, text: str) -> bool:
    if coverage == "FullMatch":
        return text == phrase
    if coverage == "StartsWith":
        return text.startswith(phrase) and (len(text) == len(phrase) or not text[len(phrase)].isalnum())
    if coverage == "EndsWith":
        return text.endswith(phrase) and (len(text) == len(phrase) or not text[-len(phrase) - 1].isalnum())
    return _phrase_in(phrase, text)


# -- Essie expressions -------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lp>\()|(?P<rp>\))|
        (?P<op>AND|OR|NOT)(?=[\s("]|$)|
        (?P<func>AREA|RANGE|EXPANSION|COVERAGE|SEARCH|DISTANCE|TILDE)\[(?P<arg>[^\]]*)\]|
        (?P<missing>MISSING)(?=[\s)]|$)|
        "(?P<q>[^"]*)"|
        (?P<w>[^\s()"]+)
    )""",
    re.VERBOSE,
)


_OPERATORS = frozenset({"AREA", "RANGE", "EXPANSION", "COVERAGE", "SEARCH", "DISTANCE", "TILDE"})


@dataclass
class _Tok:
    kind: str  # ( ) AND OR NOT FUNC MISSING PHRASE WORD
    text: str = ""
    arg: str = ""


@dataclass(frozen=True)
class _Ctx:
    areas: tuple[FieldNode, ...]
    coverage: str = "Contains"


def _tokenise(expr: str, param: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    expr = expr.strip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise QueryError(f"{param}: cannot parse at position {pos}: {expr[pos : pos + 30]!r}")
        pos = m.end()
        if m.group("lp"):
            toks.append(_Tok("("))
        elif m.group("rp"):
            toks.append(_Tok(")"))
        elif m.group("op"):
            toks.append(_Tok(m.group("op")))
        elif m.group("func"):
            toks.append(_Tok("FUNC", m.group("func"), m.group("arg").strip()))
        elif m.group("missing"):
            toks.append(_Tok("MISSING"))
        elif m.group("q") is not None:
            toks.append(_Tok("PHRASE", m.group("q")))
        elif m.group("w") in _OPERATORS and expr[pos : pos + 1] == "(":
            # The real API fails to parse an operator with parentheses (``DISTANCE(...)``): never a word search.
            raise QueryError(f"{param}: {m.group('w')}(...) at position {m.start('w')}: operators take square brackets")
        else:
            toks.append(_Tok("WORD", m.group("w")))
        while pos < len(expr) and expr[pos].isspace():
            pos += 1
    return toks


class _Parser:
    """Recursive descent over Essie tokens; ``AREA[...]`` and ``COVERAGE[...]`` scope the next operand."""

    def __init__(self, expr: str, param: str, tree: FieldTree, default: tuple[FieldNode, ...]) -> None:
        self.param = param
        self.tree = tree
        self.toks = _tokenise(expr, param)
        self.pos = 0
        self.default = _Ctx(default)
        #: every field the expression searches (``fields=@query``)
        self.queried: list[FieldNode] = []

    def parse(self) -> Predicate:
        if not self.toks:
            return lambda s: True
        pred = self.parse_or(self.default)
        if self.pos != len(self.toks):
            raise QueryError(f"{self.param}: unexpected {self.toks[self.pos].kind} {self.toks[self.pos].text!r}")
        return pred

    def peek(self) -> str | None:
        return self.toks[self.pos].kind if self.pos < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def parse_or(self, ctx: _Ctx) -> Predicate:
        left = self.parse_and(ctx)
        while self.peek() == "OR":
            self.take()
            right = self.parse_and(ctx)
            left = _any_of(left, right)
        return left

    def parse_and(self, ctx: _Ctx) -> Predicate:
        left = self.parse_not(ctx)
        while self.peek() in ("AND", "(", "NOT", "FUNC", "MISSING", "PHRASE", "WORD"):
            if self.peek() == "AND":
                self.take()
            right = self.parse_not(ctx)
            left = _all_of(left, right)
        return left

    def parse_not(self, ctx: _Ctx) -> Predicate:
        if self.peek() == "NOT":
            self.take()
            inner = self.parse_not(ctx)
            return lambda s: not inner(s)
        return self.parse_unary(ctx)

    def _area(self, name: str) -> tuple[FieldNode, ...]:
        nodes = self.tree.area_pieces(name)
        if nodes is None:
            node = self.tree.find(name)
            if node is None:
                raise QueryError(f"{self.param}: unknown area or field {name!r} in AREA[{name}]")
            nodes = [n for n in self.tree.walk((node,)) if n.is_leaf]
        return tuple(nodes)

    def parse_unary(self, ctx: _Ctx) -> Predicate:
        kind = self.peek()
        if kind is None:
            raise QueryError(f"{self.param}: unexpected end of expression")
        tok = self.take()
        if kind == "(":
            inner = self.parse_or(ctx)
            if self.peek() != ")":
                raise QueryError(f"{self.param}: missing ')'")
            self.take()
            return inner
        if kind == "FUNC":
            return self.parse_func(tok, ctx)
        if kind == "MISSING":
            self.queried.extend(ctx.areas)
            return lambda s: not any(s.values(n) for n in ctx.areas)
        if kind in ("PHRASE", "WORD"):
            return self.text(tok.text, ctx, phrase=kind == "PHRASE")
        raise QueryError(f"{self.param}: unexpected {kind}")

    def parse_func(self, tok: _Tok, ctx: _Ctx) -> Predicate:
        name, arg = tok.text, tok.arg
        if name == "AREA":
            return self.parse_unary(_Ctx(self._area(arg), ctx.coverage))
        if name == "COVERAGE":
            if arg not in _COVERAGES:
                raise QueryError(f"{self.param}: unknown coverage {arg!r}; one of {', '.join(_COVERAGES)}")
            return self.parse_unary(_Ctx(ctx.areas, arg))
        if name == "EXPANSION":
            if arg not in _EXPANSIONS:
                raise QueryError(f"{self.param}: unknown expansion {arg!r}; one of {', '.join(_EXPANSIONS)}")
            return self.parse_unary(ctx)
        if name == "SEARCH":
            return self.parse_unary(ctx)
        if name == "RANGE":
            lo, sep, hi = arg.partition(",")
            if not sep:
                raise QueryError(f"{self.param}: RANGE[{arg}] needs two bounds: RANGE[low,high]")
            self.queried.extend(ctx.areas)
            return _range_pred(ctx.areas, lo.strip(), hi.strip(), self.param)
        if name == "DISTANCE":
            return self.distance(arg, ctx)
        raise QueryError(f"{self.param}: the {name}[] operator is not supported by the fake API")

    def distance(self, arg: str, ctx: _Ctx) -> Predicate:
        """``AREA[LocationGeoPoint]DISTANCE[lat,lon,25km]``: studies with any site in range (no unit = miles)."""
        geo = self.tree.find(GEO_PIECE)
        if geo is None or tuple(ctx.areas) != (geo,):
            raise QueryError(f"{self.param}: DISTANCE[{arg}] needs AREA[{GEO_PIECE}] before it")
        m = _DISTANCE.match(arg.replace(" ", ""))
        if not m:
            raise QueryError(f"{self.param}: DISTANCE[{arg}]: expected DISTANCE[lat,lon,radius(km|mi)]")
        lat, lon, dist = float(m.group(1)), float(m.group(2)), float(m.group(3))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise QueryError(f"{self.param}: DISTANCE[{arg}]: latitude or longitude out of range")
        radius = dist if m.group(4) == "km" else dist * KM_PER_MILE
        self.queried.append(geo)
        return lambda s: any(distance_km(lat, lon, a, b) <= radius for a, b in s.points)

    def text(self, text: str, ctx: _Ctx, *, phrase: bool) -> Predicate:
        self.queried.extend(ctx.areas)
        target = fold(text)
        if not target:
            return lambda s: True
        areas, coverage = ctx.areas, ctx.coverage

        def pred(s: IndexedStudy) -> bool:
            return any(_covers(coverage, target, t) for n in areas for t in s.folded_texts(n))

        return pred


def _range_pred(areas: tuple[FieldNode, ...], lo: str, hi: str, param: str) -> Predicate:
    lo_v = None if lo.upper() in ("", "MIN") else lo
    hi_v = None if hi.upper() in ("", "MAX") else hi
    numeric = bool(areas) and all(n.numeric for n in areas)
    if numeric:
        try:
            lo_n = None if lo_v is None else float(lo_v)
            hi_n = None if hi_v is None else float(hi_v)
        except ValueError as exc:
            raise QueryError(f"{param}: RANGE[{lo},{hi}] needs numbers for a numeric field") from exc

        def in_num(s: IndexedStudy) -> bool:
            for n in areas:
                for v in s.values(n):
                    if isinstance(v, int | float) and (lo_n is None or v >= lo_n) and (hi_n is None or v <= hi_n):
                        return True
            return False

        return in_num

    def in_range(s: IndexedStudy) -> bool:
        for n in areas:
            for raw in s.values(n):
                v = str(raw)
                if (lo_v is None or v >= lo_v) and (hi_v is None or v[: len(hi_v)] <= hi_v):
                    return True
        return False

    return in_range


def _any_of(a: Predicate, b: Predicate) -> Predicate:
    return lambda s: a(s) or b(s)


def _all_of(a: Predicate, b: Predicate) -> Predicate:
    return lambda s: a(s) and b(s)


def parse_essie(expr: str, param: str, tree: FieldTree, area: str = "BasicSearch") -> tuple[Predicate, list[FieldNode]]:
    """An Essie expression searched in ``area`` by default -> (predicate, the fields it searches)."""
    parser = _Parser(expr, param, tree, tuple(tree.area_pieces(area) or ()))
    return parser.parse(), parser.queried


def parse_advanced(expr: str, tree: FieldTree) -> Predicate:
    return parse_essie(expr, "filter.advanced", tree)[0]


# -- the whole search --------------------------------------------------------------------------
@dataclass
class Search:
    """A parsed ``GET /studies``: which studies match, in which order, and what ``@query`` names."""

    predicate: Predicate
    queried: list[FieldNode] = field(default_factory=list)
    order: Callable[[list[IndexedStudy]], list[IndexedStudy]] = lambda studies: studies


def _nct_ids(value: str, name: str) -> set[str]:
    wanted = set()
    for v in re.split(r"[,|\s]+", value.strip()):
        if not v:
            continue
        if not _NCT.match(v):
            raise invalid_value(name, v)
        wanted.add("NCT" + v[3:].lstrip("0").rjust(8, "0"))
    return wanted


def _id_pred(wanted: set[str]) -> Predicate:
    return lambda s: s.nct_id in wanted or any(a in wanted for a in s.aliases)


def _filter_preds(params: Mapping[str, str], prefix: str, tree: FieldTree) -> list[Predicate]:
    preds: list[Predicate] = []
    if (statuses := params.get(f"{prefix}.overallStatus")) is not None:
        allowed = set()
        for v in split_list(statuses) or [statuses]:
            if v.upper() not in tree.enums.get("Status", ()):
                raise QueryError(f"Invalid value in parameter overallStatus: {v!r}")
            allowed.add(v.upper())
        status = tree.find("OverallStatus")
        assert status is not None
        preds.append(lambda s: any(v in allowed for v in s.values(status)))
    if (geo := params.get(f"{prefix}.geo")) is not None:
        lat, lon, radius = parse_geo(geo, f"{prefix}.geo")
        preds.append(lambda s: any(distance_km(lat, lon, a, b) <= radius for a, b in s.points))
    if (ids := params.get(f"{prefix}.ids")) is not None:
        preds.append(_id_pred(_nct_ids(ids, f"{prefix}.ids")))
    if (adv := params.get(f"{prefix}.advanced")) is not None:
        preds.append(parse_essie(adv, f"{prefix}.advanced", tree)[0])
    if (syn := params.get(f"{prefix}.synonyms")) is not None:
        for v in split_list(syn) or [syn]:
            if not _SYNONYM.match(v):
                raise invalid_value(f"{prefix}.synonyms", v)
        raise QueryError(f"{prefix}.synonyms: the fake API cannot answer synonym filters (a corpus has no synonym ids)")
    return preds


def _agg_preds(value: str, tree: FieldTree) -> list[Predicate]:
    preds: list[Predicate] = []
    for item in split_list(value):
        fid, sep, keys = item.partition(":")
        options = AGG_FILTERS.get(fid.strip())
        if options is None or not sep or not keys.split():
            raise invalid_value("aggFilters", item)
        wanted: list[tuple[FieldNode, frozenset[str]]] = []
        for key in keys.split():
            if key not in options:
                raise invalid_value("aggFilters", item)
            piece, values = options[key]
            node = tree.find(piece)
            assert node is not None
            wanted.append((node, frozenset(fold(v) for v in values)))

        def pred(s: IndexedStudy, wanted: list[tuple[FieldNode, frozenset[str]]] = wanted) -> bool:
            return any(t in values for node, values in wanted for t in s.folded_texts(node))

        preds.append(pred)
    return preds


def _sort_keys(value: str, tree: FieldTree) -> list[tuple[FieldNode | None, bool]]:
    """``sort`` -> [(node or None for @relevance, descending)]."""
    items = split_list(value)
    if not items:
        raise invalid_value("sort", value)
    if len(items) > 2:
        raise QueryError(f"Parameter 'sort' accepts at most 2 items, got {len(items)}")
    keys: list[tuple[FieldNode | None, bool]] = []
    for item in items:
        m = _SORT.match(item)
        if not m:
            raise invalid_value("sort", item)
        if m.group(2):
            keys.append((None, m.group(3) != "asc"))
            continue
        node = tree.find(m.group(1))
        if node is None:
            raise QueryError(f"Parameter 'sort' contains invalid field name: {m.group(1)!r}")
        if not node.sortable:
            raise QueryError(f"Parameter 'sort' contains a field that cannot sort (only date and numeric fields): "
                             f"{m.group(1)!r}")  # fmt: skip
        default_desc = node.source_type == "DATE"
        keys.append((node, default_desc if m.group(3) is None else m.group(3) == "desc"))
    return keys


def _sort_value(s: IndexedStudy, node: FieldNode, desc: bool) -> object | None:
    values = [v for v in s.values(node) if v is not None and not isinstance(v, bool | dict | list)]
    if not values:
        return None
    if node.numeric:
        nums = [float(v) for v in values if isinstance(v, int | float)]
        return (max(nums) if desc else min(nums)) if nums else None
    texts = [str(v) for v in values]
    return max(texts) if desc else min(texts)


Order = Callable[[list[IndexedStudy]], list[IndexedStudy]]


def _orderer(keys: list[tuple[FieldNode | None, bool]], relevance: Callable[[IndexedStudy], float]) -> Order:
    def order(studies: list[IndexedStudy]) -> list[IndexedStudy]:
        out = list(studies)
        for node, desc in reversed(keys):  # stable sorts, last key first
            if node is None:
                out.sort(key=relevance, reverse=desc)
                continue
            present = [(s, v) for s in out if (v := _sort_value(s, node, desc)) is not None]
            missing = [s for s in out if _sort_value(s, node, desc) is None]
            present.sort(key=lambda sv: sv[1], reverse=desc)  # type: ignore[arg-type,return-value]
            out = [s for s, _ in present] + missing  # studies missing the field are always last
        return out

    return order


def build_search(params: Mapping[str, str], tree: FieldTree) -> Search:
    """Validate and compile the search parameters of ``GET /studies`` (they combine with AND)."""
    check_known(params, KNOWN_PARAMS)
    preds: list[Predicate] = []
    queried: list[FieldNode] = []
    ids_only = False
    for name in QUERY_PARAMS:
        value = params.get(name)
        if value is None or not value.strip():
            continue
        area = AREA_BY_PARAM[name]
        if _ONLY_IDS.match(value):  # "If any query parameter contains only NCT IDs ... filters are ignored."
            ids_only = True
            preds.append(_id_pred(_nct_ids(value.replace(",", " "), name)))
            continue
        pred, fields = parse_essie(value, name, tree, area)
        preds.append(pred)
        queried.extend(fields)
    filter_preds = _filter_preds(params, "filter", tree) + _filter_preds(params, "postFilter", tree)
    if (agg := params.get("aggFilters")) is not None and agg.strip():
        filter_preds.extend(_agg_preds(agg, tree))
    if not ids_only:
        preds.extend(filter_preds)
    decay = parse_geo_decay(params.get("geoDecay") or DEFAULT_GEO_DECAY)
    geo = params.get("filter.geo") or params.get("postFilter.geo")
    centre = parse_geo(geo)[:2] if geo else None

    def relevance(s: IndexedStudy) -> float:
        """Proximity (``geoDecay``) to the ``filter.geo`` centre; without one every study ranks alike."""
        if centre is None:
            return 0.0
        nearest = min((distance_km(centre[0], centre[1], a, b) for a, b in s.points), default=math.inf)
        return 0.0 if nearest == math.inf else decay(nearest)

    sort = params.get("sort")
    order = _orderer(_sort_keys(sort, tree), relevance) if sort is not None and sort != "" else None
    search = Search(lambda s: all(p(s) for p in preds), queried)
    if order is not None:
        search.order = order
    return search


def project(record: dict[str, object], fields: list[str] | None) -> dict[str, object]:
    """Keep only the dotted ``fields`` paths (a branch keeps its whole subtree, lists keep their items' parts)."""
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
        elif isinstance(sub, list):
            items = [p for item in sub if isinstance(item, dict) and (p := _project(item, want))]  # type: ignore[arg-type]
            if items:
                out[key] = items
    return out
