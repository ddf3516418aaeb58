"""Investigators of a study: each site's principal and sub-investigators and the study's overall officials.

Why a rule module of its own: the registry deletes site contacts and officials when a site or study closes,
so the harvester keeps what it saw (``db.store`` merges these rows with their first/last-seen history). The
rows must therefore have an identity that survives re-normalisation and record edits, and names must be
compared the same way everywhere. Rules, each one conservative on purpose:

- Only names and roles (and an official's affiliation) are kept: never a phone number or an e-mail address.
  A "name" that holds a digit or an ``@`` is a hotline or mailbox ("Call 1-877-CTLILLY ..."), not a person,
  and so is a sponsor's placeholder ("Bayer Study Director", "Pfizer CT.gov Call Center", or an official named
  as their own affiliation, "Bristol-Myers Squibb" of "Bristol-Myers Squibb"): none of them is stored.
  An affiliation keeps its words with any phone number or e-mail address cut out.
- Titles and degrees are stripped ("Prof. Dr. med.", "Dr.", "MD", "PhD", "M.D., Ph.D.", "MD PhD", ...), white
  space folded and case ignored for the comparison key; nothing else is changed (no accent folding, no
  initials expansion, no reordering): two spellings that differ in more than that stay two people.
- People are never merged on a guess: the same normalised name counts as one person only within the same
  institution (``trials.analytics.investigators``), never across institutions or on a similar-looking name.
- A site investigator belongs to the institution of their site. An official is linked to an institution only
  when the affiliation names exactly one of the study's own sites' institutions (the same text, or a curated
  alias pattern of that institution in that site's place); otherwise the affiliation is shown as given.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Any

from trials.rules.institutions import InstitutionResolver, clean_facility
from trials.source.model import Study
from trials.textnorm import match_key

Row = dict[str, Any]

#: Site contact roles that are investigators (``CONTACT`` is a coordinator's phone line: not stored).
SITE_ROLES = ("PRINCIPAL_INVESTIGATOR", "SUB_INVESTIGATOR")
#: What a row is: a site's investigator or the study's overall official.
SITE, OFFICIAL = "site", "official"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: A phone number: seven or more digits with the usual separators (``+49 (0)201 723-0``, ``1-877-285-4559``).
_PHONE = re.compile(r"\+?\(?\d[\d\s()./-]{5,}\d")
#: Names that are a function or an organisation, not a person (sponsors' placeholders for officials).
_NOT_A_PERSON = re.compile(
    r"\b(director|call cent(er|re)|clinical trials?|trial management|transparency|registry|central contact"
    r"|cares|e-?mail|contact via|operations|inc|ltd|llc|l\.l\.\s?c|gmbh|pharmaceuticals?|pharma)\b",
    re.IGNORECASE,
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Titles that precede a name ("Prof. Dr. med.", "Priv.-Doz.", "Mr") - compared without dots, lower-case.
_PREFIX = _words(
    "prof professor dr doctor med dent rer nat habil pd priv doz privdoz univ mr mrs ms miss mme sir pr assoc asst "
    "ass apl"
)
#: Degrees that may follow a name without a comma ("David Hunter MD PhD"): only unambiguous ones, so a
#: surname such as "Do", "Ma" or "Pt" is never taken for a degree.
_DEGREE = _words(
    "md phd mdphd mbbs mbchb mph msc mba frcs frcp frcpc frcsc facs facp fesc dmsc pharmd dds dmd dphil mrcp fcps "
    "msw msce bsc prof professor"
)
#: Further words of a credentials part after a comma ("Jens Sønksen, Dr., Phd, MD", "Kim, Medical Doctor").
_CREDENTIAL = (
    _PREFIX
    | _DEGREE
    | _words(
        "do ma ms mas mm ba bs rn pt dc nd dm kmd rph bpharm bhms ffpm fecsm faan mhm dsc mmed drmed "
        "ompt master investigator researcher lecturer medical candidate phdcandidate student consultant"
    )
)
_SPLIT_PARTS = re.compile(r"[,;]")


def _bare(token: str) -> str:
    """A token as the title sets hold it: lower-case, without dots, asterisks or brackets."""
    return re.sub(r"[.*()\[\]]", "", token).casefold()


def _is_title(token: str, words: frozenset[str]) -> bool:
    """``token`` is made of titles only ("Prof.Dr.med.", "Priv.-Doz.")."""
    parts = [p for p in re.split(r"[.\-]+", token.casefold()) if p]
    return bool(parts) and all(p in words for p in parts)


def _credential(word: str) -> bool:
    """A title or degree ("M.D.", "PhD*"), or a word made of them only ("Prof.Dr.", "MS-OMPT")."""
    parts = [p for p in re.split(r"[.\-/]+", re.sub(r"[*()\[\]]", "", word).casefold()) if p]
    return _bare(word) in _CREDENTIAL or (bool(parts) and all(p in _CREDENTIAL for p in parts))


def clean_text(text: str | None) -> str | None:
    """Trimmed, white space folded to single blanks; empty -> None."""
    if text is None:
        return None
    t = " ".join(text.split())
    return t or None


def scrub_contact_details(text: str | None) -> str | None:
    """``text`` without e-mail addresses and phone numbers (what is left, cleaned; None if nothing readable)."""
    t = clean_text(text)
    if t is None:
        return None
    t = _PHONE.sub(" ", _EMAIL.sub(" ", t))
    t = clean_text(t.strip(" ,;:/-"))
    return t if t and re.search(r"[^\W\d_]", t) else None


def is_person_name(name: str | None) -> bool:
    """Whether ``name`` can be a person's name: no digit, no ``@``, not a function or organisation."""
    t = clean_text(name)
    return bool(t) and not re.search(r"[\d@]", t or "") and not _NOT_A_PERSON.search(t or "")


def strip_titles(name: str) -> str:
    """The name without titles and degrees, white space folded, case kept.

    ``"Prof. Dr. med. Jörg Hense"`` -> ``"Jörg Hense"``; ``"Kyun-Seop Bae, M.D., Ph.D."`` -> ``"Kyun-Seop Bae"``;
    ``"David Hunter MD PhD"`` -> ``"David Hunter"``. A part after a comma that holds no title at all is kept
    (``"Smith, John"`` stays ``"Smith, John"``: not reordered, so never merged with ``"John Smith"`` on a guess).
    """
    head, *rest = _SPLIT_PARTS.split(" ".join(name.split()))
    tokens = head.split()
    while len(tokens) > 1 and _is_title(tokens[0], _PREFIX):
        tokens.pop(0)
    while len(tokens) > 1 and _bare(tokens[-1]) in _DEGREE:
        tokens.pop()
    kept = [" ".join(tokens)]
    for part in rest:
        words = part.split()
        if words and not any(_credential(w) for w in words):
            kept.append(" ".join(words))
    return ", ".join(p for p in kept if p).strip(" ,")


def person_name(name: str | None) -> str | None:
    """The title-stripped name of a person, or None when ``name`` names no person (see :func:`is_person_name`)
    or nothing but titles ("Dr. MD", "M.D.; Ph.D.")."""
    if not is_person_name(name):
        return None
    assert name is not None
    person = strip_titles(name)
    if not person or all(_credential(w) for w in person.replace(",", " ").split()):
        return None
    return person


def name_key(person: str) -> str:
    """The comparison key of a title-stripped name: case-folded, dots and commas dropped, white space folded.

    Accents and hyphens are kept ("Schäfer" and "Schafer", "Tae-Jin" and "Tae Jin" stay apart: merging them
    would be a guess)."""
    return " ".join(person.replace(".", " ").replace(",", " ").casefold().split())


def row_key(kind: str, role: str, name: str, facility: str | None, city: str | None, country: str | None) -> str:
    """The stored identity of one listing: kind, role, the name as given and (for sites) the site's facility,
    city and country, case-folded. Built from what the registry says, not from derived data, so re-running the
    rules (``trials renormalize``) or editing the alias table never changes it and the history stays attached."""
    parts = (kind, role, name, facility or "", city or "", country or "")
    text = "\x1f".join(p.casefold() for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _row(nct_id: str, kind: str, role: str, name: str, person: str, affiliation: str | None,
         site: Row | None) -> Row:  # fmt: skip
    facility, city, country = (site["facility"], site["city"], site["country"]) if site else (None, None, None)
    return {
        "nct_id": nct_id,
        "key": row_key(kind, role, name, facility, city, country),
        "kind": kind,
        "role": role,
        "name": name,
        "person": person,
        "name_key": name_key(person),
        "affiliation": affiliation,
        "site_ordinal": site["ordinal"] if site else None,
        "facility": facility,
        "city": city,
        "country": country,
        "place_id": None,
        "place_name": None,
        "regions": None,
        "institution_id": None,
        "institution_name": None,
        "listed": True,
    }


def investigator_rows(nct_id: str, study: Study, sites: Sequence[Row]) -> list[Row]:
    """One row per site investigator and overall official of ``study`` (``sites``: its site rows, in order).

    Names that are no person (see :func:`is_person_name`) and roles other than investigators are skipped; a
    listing repeated in the record (same key) is kept once.
    """
    ps = study.protocol_section
    module = ps.contacts_locations_module if ps else None
    if module is None:
        return []
    out: dict[str, Row] = {}
    for loc, site in zip(module.locations, sites, strict=False):
        for contact in loc.contacts:
            role = (contact.role or "").strip().upper()
            name = clean_text(contact.name)
            person = person_name(name) if role in SITE_ROLES else None
            if name and person:
                row = _row(nct_id, SITE, role, name, person, None, site)
                out.setdefault(row["key"], row)
    for official in module.overall_officials:
        name = clean_text(official.name)
        person = person_name(name)
        affiliation = scrub_contact_details(official.affiliation)
        if name and person and match_key(name) != match_key(affiliation or ""):  # "Bristol-Myers Squibb" of itself
            role = (official.role or "").strip().upper() or "UNKNOWN"
            row = _row(nct_id, OFFICIAL, role, name, person, affiliation, None)
            out.setdefault(row["key"], row)
    return list(out.values())


_FROM_SITE = ("place_id", "place_name", "regions", "institution_id", "institution_name")


def link_institutions(rows: Iterable[Row], sites: Sequence[Row], resolver: InstitutionResolver) -> None:
    """Fill place, regions and institution of each row from the enriched ``sites`` (in place).

    A site investigator takes their site's; an official takes those of the one institution among the study's
    sites that the affiliation names (see the module's rules), or none.
    """
    by_ordinal = {s["ordinal"]: s for s in sites}
    named = [s for s in sites if s.get("institution_id") and not s.get("placeholder")]
    for row in rows:
        if row["kind"] == SITE:
            site = by_ordinal.get(row["site_ordinal"])
            if site is not None:
                row.update({k: site.get(k) for k in _FROM_SITE})
        elif row["affiliation"] and named:
            site = _official_site(row["affiliation"], named, resolver)
            if site is not None:
                row.update({k: site.get(k) for k in _FROM_SITE})


def _official_site(affiliation: str, sites: Sequence[Row], resolver: InstitutionResolver) -> Row | None:
    """The first site of the one institution ``affiliation`` names, or None (none or several: no guess)."""
    text = match_key(affiliation)
    cleaned = clean_facility(affiliation)
    hits: dict[str, Row] = {}
    for site in sites:
        same_text = text in (match_key(site["facility"] or ""), match_key(site["institution_name"] or ""))
        if same_text or _curated_hit(cleaned, site, resolver):
            hits.setdefault(site["institution_id"], site)
    return next(iter(hits.values())) if len(hits) == 1 else None


def _curated_hit(cleaned: str, site: Row, resolver: InstitutionResolver) -> bool:
    """Whether a curated alias pattern of the site's own institution, in its place, matches the affiliation.

    Only the patterns are read: the resolver itself is not asked, because resolving a text that is not a site
    would add it to the resolver's local names and could change how later sites are grouped."""
    for inst in resolver.by_place.get(site.get("place_id") or "", []):
        if resolver.root(inst).id == site["institution_id"] and any(p.search(cleaned) for p in inst.patterns):
            return True
    return False
