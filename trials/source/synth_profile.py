"""Learn the shape of real records (distributions, not records) for the synthetic corpus.

``python -m trials.source.synth_profile CORPUS.ndjson.gz > trials/data/synth_profile.json`` writes what
``trials synth`` draws from: sites per study, (study type, phases), sponsor-class, status and
start-year mixes, and a pool of condition/MeSH bundles (public MeSH vocabulary). A test re-learns
it from ``../shared`` and checks the shipped file matches.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

MAX_BUNDLES = 400


def learn_profile(corpus: Path) -> dict[str, Any]:
    sites: Counter[int] = Counter()
    design: Counter[str] = Counter()
    sponsor: Counter[str] = Counter()
    status: Counter[str] = Counter()
    start_year: Counter[str] = Counter()
    bundles: list[dict[str, Any]] = []
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            ps = rec.get("protocolSection", {})
            locs = ps.get("contactsLocationsModule", {}).get("locations", [])
            sites[len(locs)] += 1
            d = ps.get("designModule", {})
            design[f"{d.get('studyType', '')}|{'+'.join(d.get('phases', []))}"] += 1
            sponsor[ps.get("sponsorCollaboratorsModule", {}).get("leadSponsor", {}).get("class", "")] += 1
            st = ps.get("statusModule", {})
            status[st.get("overallStatus", "")] += 1
            start_year[(st.get("startDateStruct", {}).get("date") or "")[:4]] += 1
            cb = rec.get("derivedSection", {}).get("conditionBrowseModule")
            if cb and len(bundles) < MAX_BUNDLES and cb.get("meshes"):
                bundles.append(
                    {
                        "conditions": [m["term"] for m in cb["meshes"]][:4],
                        "meshes": [[m["id"], m["term"]] for m in cb["meshes"]][:6],
                        "ancestors": [[m["id"], m["term"]] for m in cb.get("ancestors", [])][:10],
                        "branches": [[b["abbrev"], b["name"]] for b in cb.get("browseBranches", [])],
                    }
                )

    def table(c: Counter[Any]) -> list[list[Any]]:
        return [[k, v] for k, v in sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0])))]

    return {
        "source": "learned from ../shared/data/ctgov/api_v2/corpus_v2_studies.ndjson.gz (real API v2 records)",
        "studies": sum(sites.values()),
        "sites_per_study": table(sites),
        "design": table(design),
        "sponsor_class": table(sponsor),
        "overall_status": table(status),
        "start_year": table(start_year),
        "condition_bundles": bundles,
    }


if __name__ == "__main__":
    json.dump(learn_profile(Path(sys.argv[1])), sys.stdout, ensure_ascii=False, indent=0)
    sys.stdout.write("\n")
