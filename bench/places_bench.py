"""Place assignment and institution resolution throughput on a synthetic corpus.

    .venv/bin/python -m bench.places_bench [--studies 100000]

Targets: place assignment >= 50,000 sites/s, institution resolution >= 20,000 sites/s (with caching),
therapeutic-area classification >= 20,000 studies/s.
Prints the figures and writes bench/reports/places.{md,json}.
"""

from __future__ import annotations

import argparse
import gzip
import time

import orjson

from bench.common import synthetic_corpus, write_report


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--studies", type=int, default=100_000)
    args = ap.parse_args()
    corpus = synthetic_corpus(args.studies)
    sites = []
    with gzip.open(corpus, "rb") as fh:
        for line in fh:
            for loc in orjson.loads(line)["protocolSection"]["contactsLocationsModule"]["locations"]:
                gp = loc.get("geoPoint") or {}
                sites.append((loc.get("facility"), loc.get("city"), loc.get("zip"), loc.get("country"),
                              gp.get("lat"), gp.get("lon")))  # fmt: skip

    from trials.rules.institutions import default_resolver
    from trials.rules.places import build_gazetteer
    from trials.rules.regions import configured_regions

    t = time.perf_counter()
    gaz = build_gazetteer(configured_regions())
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    assigned = [gaz.assign(city, zip_, country, lat, lon) for _, city, zip_, country, lat, lon in sites]
    place_s = time.perf_counter() - t
    resolver = default_resolver()
    t = time.perf_counter()
    for (facility, *_), a in zip(sites, assigned, strict=True):
        resolver.resolve(facility, a.place.id if a.place else None)
    inst_s = time.perf_counter() - t
    placed = sum(a.place is not None for a in assigned) / len(sites)
    # Uncached: every distinct site string once, through fresh caches (the cost a new string pays).
    from trials.rules.institutions import InstitutionResolver, load_institutions
    from trials.rules.places import _assign_cached

    _assign_cached.cache_clear()
    distinct = list({(c, z, co, la, lo) for _, c, z, co, la, lo in sites})
    t = time.perf_counter()
    for c, z, co, la, lo in distinct:
        gaz.assign(c, z, co, la, lo)
    cold_place = len(distinct) / (time.perf_counter() - t)
    fresh = InstitutionResolver(load_institutions())
    distinct_fac = list({(f, a.place.id if a.place else None) for (f, *_), a in zip(sites, assigned, strict=True)})
    t = time.perf_counter()
    for f, pid in distinct_fac:
        fresh.resolve(f, pid)
    cold_inst = len(distinct_fac) / (time.perf_counter() - t)
    from trials.rules.areas import classify_evidence
    from trials.source.model import decode_study

    with gzip.open(corpus, "rb") as fh:
        studies = [decode_study(line) for line in fh]
    t = time.perf_counter()
    for s in studies:
        classify_evidence(s)
    area_rate = len(studies) / (time.perf_counter() - t)
    figures = {"studies": args.studies, "sites": len(sites), "gazetteer_build_s": build_s,
               "areas_studies_per_s": area_rate,
               "place_sites_per_s": len(sites) / place_s, "institution_sites_per_s": len(sites) / inst_s,
               "share_placed": placed, "distinct_place_strings": len(distinct), "uncached_place_per_s": cold_place,
               "distinct_facility_strings": len(distinct_fac), "uncached_institution_per_s": cold_inst}  # fmt: skip
    lines = [
        "# Places and institutions benchmark (synthetic corpus)",
        "",
        f"Command: `.venv/bin/python -m bench.places_bench --studies {args.studies}`",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| sites | {len(sites):,} | |",
        f"| gazetteer build (once per process) | {build_s:.1f} s | |",
        f"| place assignment | {figures['place_sites_per_s']:,.0f} sites/s | ≥ 50,000 |",
        f"| institution resolution | {figures['institution_sites_per_s']:,.0f} sites/s | ≥ 20,000 |",
        f"| therapeutic-area classification (with evidence) | {area_rate:,.0f} studies/s | ≥ 20,000 |",
        f"| share of sites placed | {placed:.1%} | |",
        f"| uncached place assignment ({len(distinct):,} distinct strings) | {cold_place:,.0f}/s | |",
        f"| uncached institution resolution ({len(distinct_fac):,} distinct) | {cold_inst:,.0f}/s | |",
        "",
        "Both run with their caches (registry strings repeat); the synthetic corpus has few distinct strings,",
        "so the uncached rows show what a new string costs. Synthetic data.",
    ]
    write_report("places", figures, lines)


if __name__ == "__main__":
    main()
