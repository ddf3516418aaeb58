"""The study data structure of API v2 as the fake API knows it: pieces, dotted paths, enums, search areas.

The field tree and the enum values come from ``trials/data/ctgov_api_facts.json``, derived from the
official spec by ``scripts/derive_ctgov_facts.py`` (the spec itself stays in ``../shared``). A name in
``fields``, ``sort`` or ``AREA[...]`` is a dotted field path (``protocolSection.designModule.phases``),
a piece name (``Phase``, ``NCTId``; any case, alternative piece names too) or, in ``fields``, a search
area name (``ConditionSearch``: every piece the area searches).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

FACTS = Path(__file__).resolve().parents[2] / "data" / "ctgov_api_facts.json"

#: The fake API's search areas: name, ``query.*`` parameter, and the pieces searched with their weights.
#: The parameters are the spec's; the pieces are the fake's reading of the registry's Search Areas page
#: (the weights of BasicSearch's first ten pieces are the documented ones, the rest are 0.5). Relevance
#: in the fake does not use the weights; they are served by ``/studies/search-areas`` for completeness.
SEARCH_AREAS: tuple[tuple[str, str | None, tuple[tuple[str, float], ...]], ...] = (
    ("BasicSearch", "query.term", (
        ("NCTId", 1.0), ("Acronym", 1.0), ("BriefTitle", 0.89), ("OfficialTitle", 0.85), ("Condition", 0.81),
        ("InterventionName", 0.8), ("InterventionOtherName", 0.75), ("Phase", 0.65), ("Keyword", 0.6),
        ("BriefSummary", 0.6), ("NCTIdAlias", 0.5), ("OrgStudyId", 0.5), ("SecondaryId", 0.5),
        ("DetailedDescription", 0.5), ("ConditionMeshTerm", 0.5), ("ConditionAncestorTerm", 0.5),
        ("InterventionMeshTerm", 0.5), ("InterventionAncestorTerm", 0.5), ("PrimaryOutcomeMeasure", 0.5),
        ("SecondaryOutcomeMeasure", 0.5), ("EligibilityCriteria", 0.5), ("LeadSponsorName", 0.5),
        ("CollaboratorName", 0.5), ("OverallOfficialName", 0.5), ("OverallOfficialAffiliation", 0.5),
        ("LocationFacility", 0.5), ("LocationCity", 0.5), ("LocationState", 0.5), ("LocationCountry", 0.5),
        ("StudyType", 0.5), ("OverallStatus", 0.5),
    )),
    ("ConditionSearch", "query.cond", (
        ("Condition", 0.95), ("BriefTitle", 0.6), ("OfficialTitle", 0.55), ("ConditionMeshTerm", 0.8),
        ("ConditionAncestorTerm", 0.4), ("Keyword", 0.6),
    )),
    ("InterventionSearch", "query.intr", (
        ("InterventionName", 0.95), ("InterventionOtherName", 0.9), ("InterventionDescription", 0.5),
        ("ArmGroupInterventionName", 0.5), ("InterventionMeshTerm", 0.8), ("InterventionAncestorTerm", 0.4),
    )),
    ("OutcomeSearch", "query.outc", (
        ("PrimaryOutcomeMeasure", 0.9), ("PrimaryOutcomeDescription", 0.5), ("SecondaryOutcomeMeasure", 0.8),
        ("SecondaryOutcomeDescription", 0.5), ("OtherOutcomeMeasure", 0.7), ("OtherOutcomeDescription", 0.5),
    )),
    ("TitleSearch", "query.titles", (("Acronym", 1.0), ("BriefTitle", 0.95), ("OfficialTitle", 0.9))),
    ("LocationSearch", "query.locn", (
        ("LocationFacility", 0.95), ("LocationCity", 0.95), ("LocationState", 0.95), ("LocationZip", 0.95),
        ("LocationCountry", 0.95),
    )),
    ("SponsorSearch", "query.spons", (
        ("LeadSponsorName", 1.0), ("CollaboratorName", 0.9), ("OrgFullName", 0.6),
    )),
    ("LeadSponsorNameSearch", "query.lead", (("LeadSponsorName", 1.0),)),
    ("IdSearch", "query.id", (
        ("NCTId", 1.0), ("NCTIdAlias", 0.9), ("Acronym", 0.85), ("OrgStudyId", 0.8), ("SecondaryId", 0.75),
    )),
    ("PatientSearch", "query.patient", (
        ("Condition", 0.95), ("BriefTitle", 0.8), ("OfficialTitle", 0.7), ("Keyword", 0.6),
        ("InterventionName", 0.6), ("ConditionMeshTerm", 0.6), ("EligibilityCriteria", 0.4),
        ("LocationCity", 0.5), ("LocationState", 0.5), ("LocationCountry", 0.5), ("LocationFacility", 0.5),
    )),
)  # fmt: skip
AREA_BY_PARAM = {param: name for name, param, _ in SEARCH_AREAS if param}


@dataclass(frozen=True)
class FieldNode:
    """One node of the study data structure."""

    name: str
    piece: str
    path: str
    source_type: str
    type: str
    is_enum: bool = False
    alt_names: tuple[str, ...] = ()
    children: tuple[FieldNode, ...] = field(default=(), repr=False)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def is_list(self) -> bool:
        return self.type.endswith("[]")

    @property
    def enum_type(self) -> str | None:
        return self.type.removesuffix("[]") if self.is_enum else None

    @property
    def stats_type(self) -> str | None:
        """The ``FieldStatsType`` of a leaf (None: no value statistics, e.g. geo points and durations)."""
        if self.is_enum:
            return "ENUM"
        base = self.type.removesuffix("[]")
        if self.source_type == "DATE":
            return "DATE"
        if base == "boolean":
            return "BOOLEAN"
        if base in ("integer", "long"):
            return "INTEGER" if self.source_type in ("NUMERIC", "TEXT") else None
        if base == "number":
            return "NUMBER"
        if self.source_type in ("TEXT", "MARKUP"):
            return "STRING"
        return None

    @property
    def sortable(self) -> bool:
        """Only date and numeric fields can sort (the spec's rule)."""
        return self.is_leaf and (self.source_type in ("DATE", "NUMERIC") or self.type in ("integer", "number"))

    @property
    def numeric(self) -> bool:
        return self.type.removesuffix("[]") in ("integer", "number", "long")


def _node(raw: dict[str, Any], parent: str) -> FieldNode:
    path = f"{parent}.{raw['n']}" if parent else raw["n"]
    return FieldNode(
        name=raw["n"], piece=raw["p"], path=path, source_type=raw["s"], type=raw["t"], is_enum=bool(raw.get("e")),
        alt_names=tuple(raw.get("a", ())), children=tuple(_node(c, path) for c in raw.get("c", ())),
    )  # fmt: skip


class FieldTree:
    """Lookups over the field tree: by dotted path, by piece name (case-insensitive), by search area."""

    def __init__(self, facts: dict[str, Any]) -> None:
        self.api_version: str = facts.get("apiVersion", "2.0.3")
        self.enums: dict[str, list[str]] = facts.get("enums", {})
        self.roots = tuple(_node(n, "") for n in facts["fields"])
        self.by_path: dict[str, FieldNode] = {}
        self.by_piece: dict[str, FieldNode] = {}
        for node in self.walk():
            self.by_path[node.path] = node
            for name in (node.piece, *node.alt_names):
                self.by_piece.setdefault(name.casefold(), node)
        self.areas = {name.casefold(): (name, pieces) for name, _, pieces in SEARCH_AREAS}

    def walk(self, nodes: tuple[FieldNode, ...] | None = None) -> Iterator[FieldNode]:
        for node in self.roots if nodes is None else nodes:
            yield node
            yield from self.walk(node.children)

    def leaves(self) -> Iterator[FieldNode]:
        return (n for n in self.walk() if n.is_leaf)

    def find(self, name: str) -> FieldNode | None:
        """A dotted path or a piece name (any case)."""
        return self.by_path.get(name) or self.by_piece.get(name.casefold())

    def area_pieces(self, area: str) -> list[FieldNode] | None:
        """The nodes a search area searches (None for an unknown area)."""
        found = self.areas.get(area.casefold())
        if found is None:
            return None
        return [n for piece, _ in found[1] if (n := self.find(piece)) is not None]

    def enum_pieces(self) -> dict[str, list[str]]:
        """Enum type -> the pieces of that type, in tree order."""
        out: dict[str, list[str]] = {}
        for node in self.walk():
            if node.enum_type:
                out.setdefault(node.enum_type, []).append(node.piece)
        return out


@cache
def field_tree() -> FieldTree:
    return FieldTree(json.loads(FACTS.read_text(encoding="utf-8")))


def values_at(record: Any, path: str) -> list[Any]:
    """Every value at a dotted path, through lists (a list-valued leaf contributes each item)."""
    current: list[Any] = [record]
    for part in path.split("."):
        nxt: list[Any] = []
        for item in current:
            if isinstance(item, dict) and part in item:
                value = item[part]
                if isinstance(value, list):
                    nxt.extend(value)
                elif value is not None:
                    nxt.append(value)
        current = nxt
        if not current:
            break
    return current


def list_sizes(record: Any, node: FieldNode) -> list[int]:
    """The sizes of the list field ``node`` in one record (one per occurrence; a missing list is size 0)."""
    parent, _, last = node.path.rpartition(".")
    holders = values_at(record, parent) if parent else [record]
    return [len(h[last]) if isinstance(h.get(last), list) else 0 for h in holders if isinstance(h, dict)]


def as_text(value: Any) -> str:
    """A leaf value as the text the search matches (booleans as ``true``/``false``, points as ``lat,lon``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        if "lat" in value and "lon" in value:
            return f"{value['lat']},{value['lon']}"
        return " ".join(as_text(v) for v in value.values())
    return str(value)
