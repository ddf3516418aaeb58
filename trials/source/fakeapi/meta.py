"""The fake API's description and statistics endpoints, computed over its corpus.

``/studies/metadata`` (the official field tree: the spec's ``studies-metadata.json`` from ``../shared``
when it is there, else the tree kept in ``trials/data/ctgov_api_facts.json`` without titles and
descriptions), ``/studies/search-areas``, ``/studies/enums`` (values from the spec; the fake has no
legacy-API table, so ``legacyValue`` repeats the value), ``/stats/size`` (JSON sizes of the corpus
records), ``/stats/field/values`` and ``/stats/field/sizes``.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from trials.source.fakeapi.corpus import IndexedStudy
from trials.source.fakeapi.fields import SEARCH_AREAS, FieldNode, FieldTree, as_text, list_sizes

#: The official metadata response, where the shared data sits beside the project (tests, developers).
SHARED_METADATA = Path(__file__).resolve().parents[3].parent / "shared/data/ctgov/api_v2/spec/studies-metadata.json"
TOP_VALUES = 25
_KEYS = {"n": "name", "p": "piece", "s": "sourceType", "t": "type", "e": "isEnum", "a": "altPieceNames",
         "x": "nested", "y": "synonyms", "i": "indexedOnly", "h": "historicOnly"}  # fmt: skip


def _expand(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for n in nodes:
        item = {long: n[short] for short, long in _KEYS.items() if short in n}
        if "c" in n:
            item["children"] = _expand(n["c"])
        out.append(item)
    return out


def _prune(nodes: list[dict[str, Any]], indexed: bool, historic: bool) -> list[dict[str, Any]]:
    out = []
    for n in nodes:
        if (n.get("indexedOnly") and not indexed) or (n.get("historicOnly") and not historic):
            continue
        out.append({**n, "children": _prune(n["children"], indexed, historic)} if "children" in n else n)
    return out


def metadata(facts: dict[str, Any], source: Path | None, *, indexed: bool, historic: bool) -> list[dict[str, Any]]:
    tree = json.loads(source.read_text(encoding="utf-8")) if source and source.is_file() else _expand(facts["fields"])
    return _prune(tree, indexed, historic)


def search_areas() -> list[dict[str, Any]]:
    return [{
        "name": "Study",
        "areas": [
            {"name": name, **({"param": param} if param else {}), "parts": [
                {"pieces": [piece], "type": "text", "weight": weight, "isEnum": False, "isSynonyms": False}
                for piece, weight in pieces
            ]}
            for name, param, pieces in SEARCH_AREAS
        ],
    }]  # fmt: skip


def enums(tree: FieldTree) -> list[dict[str, Any]]:
    pieces = tree.enum_pieces()
    return [
        {"type": name, "pieces": pieces.get(name, []), "values": [{"value": v, "legacyValue": v} for v in values]}
        for name, values in tree.enums.items()
        if name != "FieldStatsType"
    ]


def _percentile(sorted_values: list[int], p: float) -> int:
    if not sorted_values:
        return 0
    k = min(len(sorted_values) - 1, max(0, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


_BOUNDS_KB = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)


def size_stats(studies: list[IndexedStudy]) -> dict[str, Any]:
    """``GzipStats`` of the corpus: sizes of the records' JSON in bytes."""
    sizes = sorted(len(s.raw) for s in studies)
    ranges: Counter[str] = Counter()
    for size in sizes:
        lo = 0
        for hi in _BOUNDS_KB:
            if size < hi * 1024:
                ranges[f"{lo}KB-{hi}KB"] += 1
                break
            lo = hi
        else:
            ranges[f"{lo}KB+"] += 1
    largest = sorted(studies, key=lambda s: (-len(s.raw), s.nct_id))[:10]
    order = [f"{lo}KB-{hi}KB" for lo, hi in zip((0, *_BOUNDS_KB), _BOUNDS_KB, strict=False)] + [f"{_BOUNDS_KB[-1]}KB+"]
    return {
        "averageSizeBytes": round(sum(sizes) / len(sizes)) if sizes else 0,
        "largestStudies": [{"id": s.nct_id, "sizeBytes": len(s.raw)} for s in largest],
        "percentiles": {str(p): _percentile(sizes, p) for p in (5, 10, 25, 50, 75, 90, 95, 99)},
        "ranges": [{"sizeRange": r, "studiesCount": ranges[r]} for r in order if ranges[r]],
        "totalStudies": len(sizes),
    }


def _leaf_nodes(tree: FieldTree, names: list[str] | None) -> list[FieldNode]:
    if not names:
        return list(tree.leaves())
    out: list[FieldNode] = []
    for name in names:
        node = tree.find(name)
        if node is None:
            raise LookupError(f"Parameter 'fields' contains invalid field name: {name!r}")
        out.extend(n for n in tree.walk((node,)) if n.is_leaf)
    return out


def field_values(studies: list[IndexedStudy], tree: FieldTree, names: list[str] | None,
                 types: list[str]) -> list[dict[str, Any]]:  # fmt: skip
    """``/stats/field/values``: per leaf field, the statistics of its type."""
    out = []
    for node in _leaf_nodes(tree, names):
        kind = node.stats_type
        if kind is None or (types and kind not in types):
            continue
        per_study = [s.values(node) for s in studies]
        missing = sum(1 for v in per_study if not v)
        item: dict[str, Any] = {"field": node.path, "piece": node.piece, "type": kind, "missingStudiesCount": missing}
        values = [v for vs in per_study for v in vs if not isinstance(v, dict | list)]
        if kind in ("ENUM", "STRING"):
            counts = Counter(as_text(v) for vs in per_study for v in set(map(as_text, vs)))
            item["uniqueValuesCount"] = len(counts)
            item["topValues"] = [{"value": v, "studiesCount": c} for v, c in counts.most_common(TOP_VALUES)]
            if kind == "STRING" and values:
                longest = max(((s, as_text(v)) for s, vs in zip(studies, per_study, strict=True) for v in vs),
                              key=lambda sv: len(sv[1]))  # fmt: skip
                item["longest"] = {"length": len(longest[1]), "nctId": longest[0].nct_id, "value": longest[1]}
        elif kind == "DATE":
            texts = sorted(str(v) for v in values)
            item["formats"] = sorted({_date_format(t) for t in texts})
            if texts:
                item["min"], item["max"] = texts[0], texts[-1]
        elif kind in ("INTEGER", "NUMBER"):
            nums = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
            if nums:
                item["min"], item["max"] = min(nums), max(nums)
                item["avg"] = sum(nums) / len(nums)
        elif kind == "BOOLEAN":
            item["trueCount"] = sum(1 for v in values if v is True)
            item["falseCount"] = sum(1 for v in values if v is False)
        out.append(item)
    return out


def _date_format(text: str) -> str:
    return {4: "yyyy", 7: "yyyy-MM", 10: "yyyy-MM-dd"}.get(len(text), "yyyy-MM-dd'T'HH:mm")


def field_sizes(studies: Iterable[IndexedStudy], tree: FieldTree, names: list[str] | None) -> list[dict[str, Any]]:
    """``/stats/field/sizes``: per list field, how many items it holds per study."""
    nodes = [n for n in (tree.walk() if not names else _named(tree, names)) if n.is_list]
    studies = list(studies)
    out = []
    for node in nodes:
        counts: Counter[int] = Counter()
        for s in studies:
            sizes = list_sizes(s.record, node)
            counts[max(sizes) if sizes else 0] += 1
        item: dict[str, Any] = {"field": node.path, "piece": node.piece, "uniqueSizesCount": len(counts)}
        if counts:
            item["minSize"], item["maxSize"] = min(counts), max(counts)
            item["topSizes"] = [{"size": k, "studiesCount": c} for k, c in counts.most_common(TOP_VALUES)]
        out.append(item)
    return out


def _named(tree: FieldTree, names: list[str]) -> list[FieldNode]:
    out: list[FieldNode] = []
    for name in names:
        node = tree.find(name)
        if node is None:
            raise LookupError(f"Parameter 'fields' contains invalid field name: {name!r}")
        out.extend(tree.walk((node,)))
    return out
