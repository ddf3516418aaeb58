"""Places and institutions on the real records: where sites land, what is flagged, the labelled set.

    .venv/bin/python -m bench.places_eval

Writes bench/reports/places_eval.{md,json}. The city checks are the examples of issue 12 (a city
string that names a municipality lands in that municipality, never a district or neighbour).
"""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter

from bench.areas_eval import CORPUS
from bench.common import ROOT, write_report
from trials.rules.enrich import gazetteer
from trials.rules.institutions import InstitutionResolver, load_institutions

CITY_CHECKS = {
    ("Paris", "France"): "Paris", ("Madrid", "Spain"): "Madrid", ("Barcelona", "Spain"): "Barcelona",
    ("New York", "United States"): "New York City", ("Chicago", "United States"): "Chicago",
    ("Toronto", "Canada"): "Toronto", ("Brussels", "Belgium"): "Brussels", ("Stockholm", "Sweden"): "Stockholm",
    ("Warszawa", "Poland"): "Warsaw", ("Lille", "France"): "Lille", ("Brooklyn", "United States"): "New York City",
    ("Bronx", "United States"): "New York City", ("Roma", "Italy"): "Rome", ("Philadelphia", "United States"):
    "Philadelphia", ("Los Angeles", "United States"): "Los Angeles", ("Shanghai", "China"): "Shanghai",
    ("Moscow", "Russian Federation"): "Moscow", ("Marseille", "France"): "Marseille",
}  # fmt: skip
INSTITUTION_LABELS = ROOT / "tests" / "data" / "institution_labels.csv"


def main() -> None:
    gaz = gazetteer()
    resolver = InstitutionResolver(load_institutions())
    checks: Counter[tuple[str, str]] = Counter()
    wrong: list[str] = []
    statuses: Counter[str] = Counter()
    flags: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    german = german_placed = 0
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            for loc in record["protocolSection"].get("contactsLocationsModule", {}).get("locations", []):
                point = loc.get("geoPoint") or {}
                a = gaz.assign(loc.get("city"), loc.get("zip"), loc.get("country"), point.get("lat"), point.get("lon"))
                flags[a.flag or "none"] += 1
                if loc.get("country") == "Germany":
                    german += 1
                    german_placed += a.place is not None
                for r in a.place.regions if a.place else ():
                    regions[r] += 1
                key = (loc.get("city"), loc.get("country"))
                if key in CITY_CHECKS:
                    ok = a.place is not None and a.place.name == CITY_CHECKS[key]
                    checks[("ok" if ok else "wrong", key[0])] += 1
                    if not ok:
                        wrong.append(f"{key[0]} -> {a.place.name if a.place else None}")
                statuses[resolver.resolve(loc.get("facility"), a.place.id if a.place else None).status] += 1
    tp, fp, fn = 0, 0, 0
    with INSTITUTION_LABELS.open(encoding="utf-8") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            m = resolver.resolve(row["facility"], row["place_id"])
            got = m.id if m.status in ("curated", "fuzzy") else ("placeholder" if m.placeholder else "local")
            want = row["expected"]
            curated_got, curated_want = got not in ("local", "placeholder"), want not in ("local", "placeholder")
            tp += int(curated_got and got == want)
            fp += int(curated_got and got != want)
            fn += int(curated_want and got != want)
    n_ok = sum(v for (k, _), v in checks.items() if k == "ok")
    total = sum(checks.values())
    lines = [
        "# Places and institutions on the real records",
        "",
        "Command: `.venv/bin/python -m bench.places_eval`",
        "",
        f"- Example city strings of issue 12 ({len(CITY_CHECKS)} cities, {total} real sites): **{n_ok}/{total}** "
        "placed in the municipality itself" + (f"; wrong: {sorted(set(wrong))}" if wrong else ""),
        f"- German sites placed: {german_placed}/{german} ({german_placed / max(german, 1):.1%})",
        f"- Place flags: {dict(flags.most_common())}",
        f"- Sites per configured region: {dict(regions.most_common())}",
        f"- Institution status of every real site: {dict(statuses.most_common())}",
        f"- Labelled facility strings (tests/data/institution_labels.csv, in-sample): precision "
        f"{tp / max(tp + fp, 1):.1%}, recall {tp / max(tp + fn, 1):.1%}",
    ]
    figures = {"city_checks_ok": n_ok, "city_checks_total": total, "wrong": wrong, "german_placed": german_placed,
               "german_sites": german, "flags": flags, "regions": regions, "statuses": statuses,
               "institution_precision": tp / max(tp + fp, 1), "institution_recall": tp / max(tp + fn, 1)}  # fmt: skip
    write_report("places_eval", figures, lines)


if __name__ == "__main__":
    main()
