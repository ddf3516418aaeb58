"""Facility strings -> canonical institutions, within the site's place.

Order of rules, each documented because each changes counts:

1. Placeholders ("Research Site", "Investigational Site Number 276-001", "Local Institution - 0037",
   sponsor hotlines) are flagged: they count for their place but are never an institution. So are
   strings that name no institution a sponsor could contact: a person ("Ilyas Ali", "Dr. Smith"), a
   generic practice ("Praxis für Neurologie", "Private Practice") and a bare department ("Dept of
   Neurology"). Two different practices must not merge into one "Praxis für Neurologie".
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
from collections.abc import Iterable
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
#: Sponsor site numbers in the raw string, removed from display names: "( Site 2606)", "/ID# 253391",
#: "Site 123", "- 0037".
_RAW_SITE_SUFFIX = re.compile(
    r"\s*[\[(]\s*site\s*(number|no\.?|#)?\s*[\w-]*\d[\w-]*\s*[\])]|\s*/\s*id\s*#\s*\d+|\s+site\s*(#|no\.?)?\s*\d+\s*$"
    r"|\s+-\s+\d{3,}\s*$",
    re.IGNORECASE,
)
#: Medical specialties, as the tail of a generic name ("Praxis für Neurologie") or a department.
_SPECIALTY_WORD = (
    r"(\w*olog(y|ie|ia|ic|ical|ische|ischen)|\w*iatr(y|ie|ia|ics|ic|ische)|\w*medizin|\w*medicine|\w*chirurgie"
    r"|\w*surgery|\w*heilkunde|\w*therap(y|ie|ies)"
    r"|psychosomati\w*|hno|ent|paediatrics|pediatrics|orthopa?edics|orthopadie|obstetrics|geriatrics|anesthesia"
    r"|anasthesie|general practice|allgemeinmedizin|family medicine|pain|dentistry|zahnmedizin|sleep|hepatology"
    r"|gastroenterology|oncology|hematology|haematology)"
)
_SPECIALTY = (
    r"((spezielle|special|allgemeine|general|innere|internal|klinische|clinical|interventionelle|interventional"
    rf"|medizinische|medical|surgical|operative|pediatric|paediatric|adult) )?{_SPECIALTY_WORD}( [ivx]+)?"
)
_BARE_SPECIALTY = re.compile(rf"^{_SPECIALTY}(( und| and| &|,) {_SPECIALTY})*$")
#: Generic names that say what kind of place it is but not which one.
_GENERIC = re.compile(
    r"^(the )?(praxis|gemeinschaftspraxis|arztpraxis|facharztpraxis|hausarztpraxis|private practice|practice"
    r"|medical practice|physician practice|private office|doctor.?s office|outpatient clinic|ambulanz|mvz"
    r"|medizinisches versorgungszentrum|studienzentrum|studienzentrale|study (center|centre|site|office)"
    r"|research (center|centre|unit|clinic)|clinical research (center|centre|unit|site)|private clinic)"
    rf"( (fur|for|of|der|in|im) {_SPECIALTY}(( und| and|,) {_SPECIALTY})*)?$"
)
#: Departments: a department word and specialties only ("Dept of Neurology", "Neurology Department").
_DEPT_WORD = (
    r"(department|dept\.?|abteilung|division|sektion|section|unit|klinik|clinic|poliklinik|service|servicio|servizio)"
)
_DEPT_ONLY = re.compile(
    rf"^({_DEPT_WORD} ((of|for|fur|und|de|di) )?)?((and|und|&|of|de|la|the|y|e) |{_SPECIALTY} ?)+( {_DEPT_WORD})?$"
)
_PREFIX_TITLE = re.compile(r"(dr|prof|dres|pd|priv|doz|med|dipl)\.?")
_DEGREE = re.compile(r"(md|phd|mbbs|frcp|frcs|dds|dmd|do|facp|msc|ltd)\.?")
#: Common given names (many languages): a two- or three-word facility string starting with one and
#: naming no institution is a person, not an institution.
_GIVEN_NAMES = frozenset(
    """
    aaron adam ahmad ahmed ali alexander alexandra alice amir andrea andreas andrew angela anna anne antonio ashley
    barbara ben benjamin bernd brian carlos carmen charles chris christian christina christine christopher claudia
    daniel david dennis dieter elena elizabeth emily eric eva fatima felix frank gabriel george giovanni giuseppe
    hans hassan heinz helmut hussein ibrahim ilyas james jan jane jason javier jean jennifer jens jessica joachim
    johann john jorge jose joseph juan julia jurgen karen karl katharina kevin khalid klaus laura lisa luca lukas
    maria mario mark markus martin mary matthew max mehmet michael michel mohamed mohammad mohammed muhammad
    mustafa nancy nicole omar patricia paul peter philipp pierre rachel ralf richard robert sabine sandra sarah
    sebastian stefan stephanie steven susan thomas tobias uwe ute wei wolfgang yusuf yves zhang
    """.split()  # noqa: SIM905 (a word list reads best as words)
)
#: Words that say a string names an organisation (in the languages of the registry's sites).
_ORG_WORDS = re.compile(
    r"klinik|clinic|hospital|hopital|spital|ziekenhuis|sjukhus|sygehus|ospedal|policlinic|klinikum|krankenhaus"
    r"|universit|charit|medizin|medical|health|zentrum|cent(er|re)|centro|praxis|practice|institut|istituto|mvz"
    r"|trust|foundation|stiftung|fondazione|research|pharma|group|associates|services|care|lab|labor|office"
    r"|\b(kft|inc|llc|gmbh|srl|spa|bv|ag|oy|ab|aps|sa|s\.a|ltd\.? (co|company))\b"
)
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
        """True when the site names no institution: it counts for its place, never as an institution."""
        return self.status in ("placeholder", "missing", "person", "generic", "department")


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


_SEGMENTS = re.compile(",|;|\\s[-\u2013/|]\\s|/")
#: A department named after its institution without a comma: "Medical University of Vienna Department of
#: Obstetrics" -> "Medical University of Vienna".
_TRAILING_DEPARTMENT = re.compile(
    r"\s+(department|dept\.?|division|abteilung|klinik fur|klinik und poliklinik|institute of|institut fur"
    r"|section|unit|service|servicio|servizio) (of|for|de|di|fur)?\b.*$"
)


def _segments(cleaned: str) -> list[str]:
    parts = [p.strip() for p in _SEGMENTS.split(cleaned) if p and p.strip()]
    out = []
    for p in parts:
        head = _TRAILING_DEPARTMENT.sub("", p)
        out.append(head if head and _INSTITUTION_WORDS.search(head) else p)
    return out


def main_segment(cleaned: str) -> str:
    """The part of a 'Department X, Hospital Y, City' string that names the institution.

    Why: a department is never an institution; "Neurology Department, Whittington Hospital" is the
    Whittington Hospital, and "X University Department of Y" is X University.
    """
    parts = _segments(cleaned)
    if not parts:
        return cleaned
    named = [p for p in parts if _INSTITUTION_WORDS.search(p) and not _DEPARTMENT.match(p) and not _dept_only(p)]
    return named[0] if named else parts[0]


def _dept_only(part: str) -> bool:
    """ "neurology department", "dept of neurology", "klinik fur neurologie": a department, no institution."""
    has_dept = re.search(rf"\b{_DEPT_WORD}\b", part) is not None
    return has_dept and _DEPT_ONLY.match(part) is not None


def unnamed_kind(cleaned: str) -> str | None:
    """Why a cleaned facility string names no institution: person | generic | department | None.

    Why: such strings are either one person (a practice known only by its doctor's name, which a
    ranking of institutions cannot compare) or a kind of place without its name; ranking them would
    merge unrelated sites ("Praxis für Neurologie" in two cities of the Ruhr) or rank a person.
    """
    parts = _segments(cleaned)
    if not parts:
        return None
    if all(_dept_only(p) or _GENERIC.match(p) or _BARE_SPECIALTY.match(p) for p in parts):
        if any(_GENERIC.match(p) for p in parts):
            return "generic"
        return "department"
    if len(parts) == 1 and not _ORG_WORDS.search(cleaned) and _is_person(cleaned.split()):
        return "person"
    return None


def _is_person(words: list[str]) -> bool:
    """Titles, then one to three names (initials allowed), then degrees: "Prof. Dr. med. Hans Muller",
    "Ilyas Ali", "David Matthews MD". A title inside a name ("UMHAT Dr. Georgi Stranski", a hospital)
    or a practice word before it ("Praxis Dr. Stude") is not a person."""
    i, j = 0, len(words)
    while i < j and _PREFIX_TITLE.fullmatch(words[i]):
        i += 1
    while j > i and _DEGREE.fullmatch(words[j - 1]):
        j -= 1
    names = words[i:j]
    if not 1 <= len(names) <= 3 or not all(w.rstrip(".").isalpha() for w in names):
        return False
    titled = i > 0 or j < len(words)
    return (titled and len(names[-1]) > 1) or (len(names) >= 2 and names[0] in _GIVEN_NAMES)


def display_name(facility: str, segment: str) -> str:
    """The facility as written, cut to the part that names the institution, without sponsor site numbers."""
    raw = _RAW_SITE_SUFFIX.sub("", facility).strip(" .,;-")
    parts = [p.strip(" .") for p in _SEGMENTS.split(raw) if p and p.strip(" .")]
    for part in parts:
        if clean_facility(part) == segment or clean_facility(part).startswith(segment):
            head = re.split(r"(?i)\s+(department|dept\.?|division|abteilung) (of|for|fur|für)\b", part)[0]
            return head.strip()[:200]
    return (parts[0] if parts else raw)[:200]


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
        unnamed = unnamed_kind(cleaned)
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
        if unnamed is not None:
            return InstitutionMatch(None, None, unnamed, 1.0)
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
        display = seen.setdefault(local_key, display_name(facility, segment))
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


def site_groups(pairs: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str], tuple[str, str]]:
    """(place id, facility, sites) -> (site key, display facility): spelling variants of one site grouped.

    Why: the Sites level lists one row per facility, and the registry spells one facility many ways
    ("Universitaetsklinikum Essen", "Universitätsklinikum Essen", "Universtitätsklinikum Essen AöR").
    Within a place, facilities with the same cleaned key (case, umlauts, legal forms, sponsor site
    numbers) are one site, and so are keys a typo apart (ratio >= :data:`TYPO_MIN`). The most used
    spelling names the group. Deterministic: groups form in order of use, then alphabetically.
    """
    by_place: dict[str, list[tuple[str, str, int]]] = {}
    for place, facility, n in pairs:
        by_place.setdefault(place, []).append((facility, clean_facility(facility) or facility.casefold(), n))
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for place, rows in by_place.items():
        uses: dict[str, int] = {}
        for _, key, n in rows:
            uses[key] = uses.get(key, 0) + n
        canonical: dict[str, str] = {}
        groups: list[str] = []
        for key in sorted(uses, key=lambda k: (-uses[k], k)):
            near = process.extractOne(key, groups, scorer=fuzz.ratio, score_cutoff=TYPO_MIN) if groups else None
            canonical[key] = near[0] if near else key
            if not near:
                groups.append(key)
        best: dict[str, tuple[int, str]] = {}
        for facility, key, n in rows:
            group = canonical[key]
            label = _RAW_SITE_SUFFIX.sub("", facility).strip(" .,;-") or facility
            if group not in best or (n, -len(label)) > (best[group][0], -len(best[group][1])):
                best[group] = (n, label)
        for facility, key, _ in rows:
            group = canonical[key]
            out[(place, facility)] = (f"{place}|{group}", best[group][1])
    return out
