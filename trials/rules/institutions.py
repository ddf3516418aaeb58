"""Facility strings -> canonical institutions, within the site's place.

Order of rules, each documented because each changes counts:

1. Placeholders ("Research Site", "Investigational Site Number 276-001", "Local Institution - 0037",
   sponsor hotlines) are flagged: they count for their place but are never an institution.
2. The curated alias table (``trials/data/institutions.toml``) is searched with its patterns, in the
   site's place only (a "Marien-Hospital" in Herne is not the one in Witten); departments and
   centres roll up to their parent.
3. Otherwise the cleaned name is fuzzy-matched (rapidfuzz, token-set ratio) against the curated
   names of the place; a score below :data:`FUZZY_MIN` is not a match.
4. Otherwise the site is its own local institution, keyed by its cleaned main name, merged with a
   near-identical local name already seen in the same place; it is listed for curation.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rapidfuzz import fuzz, process

from trials.errors import ConfigError
from trials.textnorm import match_key

FUZZY_MIN = 90.0
LOCAL_MERGE_MIN = 92.0
TYPO_MIN = 95.0
CONFIDENT = 0.95

_PLACEHOLDER = re.compile(
    r"^\W*$"
    r"|\b(research|investigational|investigative|investigator|clinical|study|trial)\s+(site|facility)\b"
    r"|^local institution\b|\bsite (number|no\.?|#)\s*\S*\d|^site\s*\d"
    r"|for (additional|more) information|\bcall\b.*\binformation\b|^many locations$|^(investigator|sponsor)$"
    r"|^(clinical )?trial (site|unit)$|^recruiting site$|^(\w+ )?(research|investigational) site \d",
)
_ID_NOISE = re.compile(r"/\s*id#\s*\d+|\(\s*site \d+\s*\)|\bsite \d{3,}\b|\s-\s\d{3,}$|\b\d{4,}\b")
_LEGAL = re.compile(
    r"\b(g?gmbh|mbh|ag|e\.?\s?v|kg|co\.?|inc|ltd|llc|gbr|aor|a\.?o\.?r|s\.?a|b\.?v|plc|ggmbh|gemeinnutzige)\b\.?"
)
_DEPARTMENT = re.compile(
    r"^(dep(ar)?t(ment)?\.?|dept|division|abt\.?|abteilung|klinik (fur|und)|clinic (of|for)|institut (fur|of)"
    r"|institute (of|for)|station|sektion|section|unit|lehrstuhl|chair|zentrum fur|center for|centre for"
    r"|medizinische klinik|med\. klinik|poliklinik|frauenklinik|neurologische klinik|studienzentrum|study center)\b"
)
_INSTITUTION_WORDS = re.compile(
    r"klinik|clinic|hospital|krankenhaus|universit|charit|medizin|zentrum|cent(er|re)|praxis|institut|mvz|spital"
)


@dataclass(frozen=True)
class Curated:
    id: str
    name: str
    place: str
    kind: str
    parent: str | None
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class InstitutionMatch:
    id: str | None
    name: str | None
    status: str  # curated | fuzzy | local | placeholder | missing
    confidence: float

    @property
    def placeholder(self) -> bool:
        return self.status in ("placeholder", "missing")


def is_placeholder(facility: str | None) -> bool:
    """True for strings that name no institution (sponsor placeholders, hotlines, blanks)."""
    if facility is None:
        return True
    return bool(_PLACEHOLDER.search(match_key(facility)))


def clean_facility(facility: str) -> str:
    """The spelling-insensitive key without site numbers, legal forms and stray punctuation."""
    key = _ID_NOISE.sub(" ", match_key(facility))
    key = _LEGAL.sub(" ", key)
    key = re.sub("[\"'`\u00b4]", "", key)
    return " ".join(key.replace("&", " und ").split()).strip(" ,;-/")


def main_segment(cleaned: str) -> str:
    """The part of a 'Department X, Hospital Y, City' string that names the institution."""
    parts = [p.strip() for p in re.split(",|;|\\s[-\u2013/|]\\s|/", cleaned) if p.strip()]
    if not parts:
        return cleaned
    named = [p for p in parts if _INSTITUTION_WORDS.search(p) and not _DEPARTMENT.match(p)]
    return named[0] if named else parts[0]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60]


@dataclass(eq=False)
class InstitutionResolver:
    curated: dict[str, Curated]
    by_place: dict[str, list[Curated]] = field(default_factory=dict)
    _names: dict[str, list[str]] = field(default_factory=dict)
    _locals: dict[str, dict[str, str]] = field(default_factory=dict)  # place -> key -> display name
    _cache: dict[tuple[str | None, str | None], InstitutionMatch] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for inst in self.curated.values():
            self.by_place.setdefault(inst.place, []).append(inst)
        for place, insts in self.by_place.items():
            self._names[place] = [match_key(i.name) for i in insts]

    def root(self, inst: Curated) -> Curated:
        seen = set()
        while inst.parent and inst.parent in self.curated and inst.id not in seen:
            seen.add(inst.id)
            inst = self.curated[inst.parent]
        return inst

    def resolve(self, facility: str | None, place_id: str | None) -> InstitutionMatch:
        key = (facility, place_id)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._resolve(facility, place_id)
            self._cache[key] = hit
        return hit

    def _resolve(self, facility: str | None, place_id: str | None) -> InstitutionMatch:
        if not facility or not facility.strip():
            return InstitutionMatch(None, None, "missing", 0.0)
        if is_placeholder(facility):
            return InstitutionMatch(None, None, "placeholder", 1.0)
        cleaned = clean_facility(facility)
        variants = (cleaned, re.sub(r"\s*-\s*", "-", cleaned))  # "Berlin - Buch" and "Berlin-Buch"
        candidates = self.by_place.get(place_id or "", [])
        best_hit: tuple[int, int, Curated] | None = None
        for inst in candidates:
            span = max((len(m.group(0)) for p in inst.patterns for v in variants if (m := p.search(v))), default=0)
            if span:
                # A hospital beats the university it belongs to ("...Universitätsklinik Knappschafts-
                # krankenhaus Bochum"); among equals the longest match wins ("Technical University
                # of Munich" over "University of Munich").
                rank = (0 if inst.kind == "university" else 1, span)
                if best_hit is None or rank > best_hit[:2]:
                    best_hit = (*rank, inst)
        if best_hit is not None:
            top = self.root(best_hit[2])
            return InstitutionMatch(top.id, top.name, "curated", 1.0)
        segment = main_segment(cleaned)
        if candidates:
            # token_sort, not token_set: a subset ("Klinik München") must not match every superset.
            best = process.extractOne(segment, self._names[place_id or ""], scorer=fuzz.token_sort_ratio)
            if best is not None and best[1] >= FUZZY_MIN:
                top = self.root(candidates[best[2]])
                return InstitutionMatch(top.id, top.name, "fuzzy", best[1] / 100)
        place_key = place_id or "unplaced"
        seen = self._locals.setdefault(place_key, {})
        local_key = _slug(segment) or _slug(cleaned)
        if local_key not in seen and seen and len(local_key.split("-")) >= 3:
            # "Praxis Dr. Stude" and "Praxis Dr. Philipp Stude": one practice. Short generic names
            # ("Klinikum") are never merged this way.
            near = process.extractOne(local_key.replace("-", " "), [k.replace("-", " ") for k in seen],
                                      scorer=fuzz.token_set_ratio)  # fmt: skip
            if near is not None and near[1] >= LOCAL_MERGE_MIN and len(list(seen)[near[2]].split("-")) >= 3:
                local_key = list(seen)[near[2]]
        elif local_key not in seen and seen:
            # Short names merge only on a typo-level difference ("Westdeutches"/"Westdeutsches").
            near = process.extractOne(local_key, list(seen), scorer=fuzz.ratio)
            if near is not None and near[1] >= TYPO_MIN:
                local_key = near[0]
        display = seen.setdefault(local_key, facility.split(",")[0].strip()[:200])
        return InstitutionMatch(f"{place_key}/{local_key}", display, "local", 0.0)


def parse_institutions(text: str, source: str) -> dict[str, Curated]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: {exc}") from exc
    out: dict[str, Curated] = {}
    for i, block in enumerate(data.get("institution", [])):
        where = f"{source}, institution #{i + 1}"
        for k in ("id", "name", "place"):
            if not isinstance(block.get(k), str):
                raise ConfigError(f"{where}: key {k!r} is missing")
        where = f"{where} ({block['id']!r})"
        if block["id"] in out:
            raise ConfigError(f"{where}: duplicate id")
        try:
            patterns = tuple(re.compile(p) for p in block.get("patterns", []))
        except re.error as exc:
            raise ConfigError(f"{where}: key 'patterns': bad regular expression: {exc}") from exc
        out[block["id"]] = Curated(
            block["id"], block["name"], block["place"], block.get("kind", "hospital"), block.get("parent"), patterns
        )
    for inst in out.values():
        if inst.parent and inst.parent not in out:
            raise ConfigError(f"{source}: institution {inst.id!r}: unknown parent {inst.parent!r}")
    return out


def load_institutions(path: Path | None = None) -> dict[str, Curated]:
    if path is None:
        text = resources.files("trials.data").joinpath("institutions.toml").read_text(encoding="utf-8")
        return parse_institutions(text, "trials/data/institutions.toml")
    return parse_institutions(path.read_text(encoding="utf-8"), str(path))


@lru_cache(maxsize=4)
def default_resolver(path: str | None = None) -> InstitutionResolver:
    return InstitutionResolver(load_institutions(Path(path) if path else None))
