"""Harvest benchmark: a synthetic corpus through the fake API into SQLite, against the floor
"download and decode only, no database", in the same run.

    .venv/bin/python -m bench.harvest_bench [--studies 100000]

Prints the figures and writes bench/reports/harvest.{md,json}. Targets (2 cores): end to end
within 3x of the floor, at least 3,000 studies/s, peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import WORK, fake_api_process, peak_rss_mb, synthetic_corpus, write_report

ALL_LABEL = "everything (no filter)"


def phase_floor(base_url: str) -> dict[str, Any]:
    from trials.source.api import CtgovClient, StudyQuery
    from trials.source.model import decode_study

    started = time.perf_counter()
    n = 0
    with CtgovClient(base_url, rate_per_second=0) as client:
        for page in client.pages(StudyQuery(ALL_LABEL, {})):
            for raw in page.studies:
                decode_study(raw)
                n += 1
        requests = client.requests_made
    return {"studies": n, "seconds": time.perf_counter() - started, "requests": requests, "peak_rss_mb": peak_rss_mb()}


def phase_e2e(base_url: str, db: Path) -> dict[str, Any]:
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.store import Store
    from trials.jobs.harvest import Harvester
    from trials.source.api import CtgovClient, StudyQuery

    db.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    started = time.perf_counter()
    with CtgovClient(base_url, rate_per_second=0) as client:
        report = Harvester(Store(engine)).harvest(client, [StudyQuery(ALL_LABEL, {})], request={"bench": True})
    seconds = time.perf_counter() - started
    assert report.outcome == "success", report.summary()
    return {
        "studies": report.inserted,
        "seconds": seconds,
        "requests": report.requests,
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_children_mb": peak_rss_mb(children=True),
        "db_mb": db.stat().st_size / 2**20,
    }


def run_phase(name: str, base_url: str) -> dict[str, Any]:
    """Each phase in a fresh process, so its peak memory is its own."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.harvest_bench", "--phase", name, "--base-url", base_url],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--studies", type=int, default=100_000)
    ap.add_argument("--phase", choices=["floor", "e2e"])
    ap.add_argument("--base-url")
    args = ap.parse_args()
    if args.phase == "floor":
        print(json.dumps(phase_floor(args.base_url)))
        return
    if args.phase == "e2e":
        print(json.dumps(phase_e2e(args.base_url, WORK / "bench_harvest.db")))
        return

    corpus = synthetic_corpus(args.studies)
    with fake_api_process(corpus) as base:
        run_phase("floor", base)  # warm-up: the fake API caches its projected records
        floor = run_phase("floor", base)
        e2e = run_phase("e2e", base)
    rate = e2e["studies"] / e2e["seconds"]
    ratio = e2e["seconds"] / floor["seconds"]
    figures = {"studies": args.studies, "floor": floor, "end_to_end": e2e, "studies_per_s": rate, "ratio": ratio}
    lines = [
        "# Harvest benchmark (synthetic corpus, fake API, SQLite)",
        "",
        f"Command: `.venv/bin/python -m bench.harvest_bench --studies {args.studies}`",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| studies | {e2e['studies']:,} | ≥ 100,000 |",
        f"| floor: download + decode, no database | {floor['seconds']:.1f} s ({floor['studies'] / floor['seconds']:,.0f}/s) | |",  # noqa: E501
        f"| end to end into SQLite | {e2e['seconds']:.1f} s | |",
        f"| end-to-end throughput | {rate:,.0f} studies/s | ≥ 3,000 |",
        f"| ratio end to end / floor | {ratio:.2f} x | ≤ 3 x |",
        f"| peak memory, harvester | {e2e['peak_rss_mb']:.0f} MiB (+ decoder process {e2e['peak_rss_children_mb']:.0f} MiB) | < 1024 MiB |",  # noqa: E501
        f"| requests | {e2e['requests']} | |",
        f"| database size | {e2e['db_mb']:.0f} MiB | |",
        "",
        "The fake API runs in its own process on the same 2 cores; data is synthetic.",
    ]
    write_report("harvest", figures, lines)


if __name__ == "__main__":
    main()
