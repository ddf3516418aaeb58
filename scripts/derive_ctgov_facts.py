"""Write ``trials/data/ctgov_api_facts.json``: the facts of the official API spec the fake API needs.

Run from the project root when ``../shared/data/ctgov/api_v2/spec/`` changes::

    .venv/bin/python scripts/derive_ctgov_facts.py

It keeps, from ``studies-metadata.json`` (the response of ``GET /api/v2/studies/metadata``), the field
tree without titles, descriptions and links (name, piece, source type, type, enum flag, alternative
piece names, children), and from ``ctg-oas-v2_v2.0.3.yaml`` every string enum of
``components.schemas`` (type name -> values). The shared files themselves never enter the project.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT.parent / "shared" / "data" / "ctgov" / "api_v2" / "spec"
OUT = ROOT / "trials" / "data" / "ctgov_api_facts.json"
KEEP = {"name": "n", "piece": "p", "sourceType": "s", "type": "t", "isEnum": "e", "altPieceNames": "a",
        "nested": "x", "synonyms": "y", "indexedOnly": "i", "historicOnly": "h"}  # fmt: skip


def compact(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for node in nodes:
        item = {short: node[key] for key, short in KEEP.items() if key in node and node[key] not in (None, False)}
        if node.get("children"):
            item["c"] = compact(node["children"])
        out.append(item)
    return out


def spec_enums(yaml_text: str) -> dict[str, list[str]]:
    """``components.schemas`` entries of the form ``Name: {type: string, enum: [...]}`` (no YAML library needed)."""
    schemas = yaml_text.split("\ncomponents:\n", 1)[1]
    enums: dict[str, list[str]] = {}
    for m in re.finditer(
        r"^    ([A-Za-z]+):\n      type: \"string\"\n      enum:\n((?:      - \"[^\"]*\"\n)+)", schemas, re.M
    ):
        enums[m.group(1)] = re.findall(r"- \"([^\"]*)\"", m.group(2))
    return enums


def main() -> int:
    metadata = json.loads((SPEC / "studies-metadata.json").read_text(encoding="utf-8"))
    yaml_text = (SPEC / "ctg-oas-v2_v2.0.3.yaml").read_text(encoding="utf-8")
    facts = {
        "source": (
            "Derived by scripts/derive_ctgov_facts.py from the official ClinicalTrials.gov API v2 spec: the field "
            "tree of GET /api/v2/studies/metadata (titles, descriptions and links left out) and the string enums "
            "of the OpenAPI document ctg-oas-v2 v2.0.3 (components.schemas)."
        ),
        "apiVersion": re.search(r'^  version: "([^"]+)"', yaml_text, re.M).group(1),  # type: ignore[union-attr]
        "enums": spec_enums(yaml_text),
        "fields": compact(metadata),
    }
    OUT.write_text(json.dumps(facts, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size:,} bytes, {len(facts['enums'])} enums)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
