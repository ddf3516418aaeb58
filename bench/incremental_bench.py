"""Incremental against full harvest, on a SYNTHETIC corpus served by the fake API in its own process.

    .venv/bin/python -m bench.incremental_bench [--studies 100000] [--changed 0.01]

1. Prepares the corpus: every record's LastUpdatePostDate is clamped to at least 30 days ago, so
   that only the records changed in step 3 are "recent" (the synthetic profile spreads dates up to
   the end of the year).
2. Full harvest of every configured region into a fresh SQLite file (as the scheduler's first run).
3. Changes ``--changed`` of the records (status and LastUpdatePostDate = today) and rewrites the
   corpus, so the registry data timestamp moves.
4. The scheduled incremental harvest (``trials update``): requests, studies received and time.
5. The incremental harvest again, with the registry unchanged: skipped after one request.

Target: the incremental run's requests grow with the changes, not with the corpus.
Writes bench/reports/incremental.{md,json}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import random
import time
from pathlib import Path
from typing import Any

import orjson

from bench.common import WORK, fake_api_process, synthetic_corpus, write_report


def rewrite(source: Path, target: Path, change: set[int], today: dt.date) -> int:
    """Copy the corpus, clamping update dates to 30+ days ago and changing the records numbered in ``change``."""
    cutoff = (today - dt.timedelta(days=30)).isoformat()
    n = 0
    with gzip.open(source, "rb") as src, gzip.open(target.with_suffix(".tmp"), "wb", compresslevel=1) as out:
        for i, line in enumerate(src):
            rec: dict[str, Any] = orjson.loads(line)
            status = rec["protocolSection"]["statusModule"]
            date = (status.get("lastUpdatePostDateStruct") or {}).get("date", "")
            if date > cutoff:
                status["lastUpdatePostDateStruct"] = {"date": cutoff, "type": "ACTUAL"}
            if i in change:
                status["overallStatus"] = "COMPLETED" if status.get("overallStatus") != "COMPLETED" else "TERMINATED"
                status["lastUpdatePostDateStruct"] = {"date": today.isoformat(), "type": "ACTUAL"}
                n += 1
            out.write(orjson.dumps(rec) + b"\n")
    target.with_suffix(".tmp").replace(target)
    return n


def run(kind: str, base_url: str, db: Path) -> dict[str, Any]:
    from db.engine import make_engine
    from db.migrate import upgrade
    from trials.jobs.refresh_runs import incremental_harvest
    from trials.present.progress import NoProgress
    from trials.rules.regions import configured_regions
    from trials.source.api import CtgovClient

    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    started = time.perf_counter()
    with CtgovClient(base_url, rate_per_second=0) as client:
        report = incremental_harvest(engine, client, configured_regions(), progress=NoProgress(), after=False)
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"kind": kind, "mode": report.outcome if report.outcome == "skipped" else "harvest",
            "outcome": report.outcome, "seconds": seconds, "requests": report.requests,
            "received": report.studies_seen, "inserted": report.inserted, "updated": report.updated}  # fmt: skip


def row(r: dict[str, Any]) -> str:
    cells = [r["kind"], r["outcome"], f"{r['requests']:,}", f"{r['received']:,}", f"{r['inserted']:,}",
             f"{r['updated']:,}", f"{r['seconds']:.1f} s"]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--studies", type=int, default=100_000)
    ap.add_argument("--changed", type=float, default=0.01)
    a = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    today = dt.date.today()
    corpus = WORK / f"incremental_{a.studies}.ndjson.gz"
    rewrite(synthetic_corpus(a.studies), corpus, set(), today)
    db = WORK / f"incremental_{a.studies}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    with fake_api_process(corpus, port=8797) as base:
        full = run("full", base, db)
        picks = set(random.Random(7).sample(range(a.studies), int(a.studies * a.changed)))
        time.sleep(1.1)  # the fake registry's data timestamp has one-second resolution
        changed = rewrite(synthetic_corpus(a.studies), corpus, picks, today)
        inc = run("incremental", base, db)
        again = run("unchanged", base, db)
    lines = [
        "# Incremental against full harvest (SYNTHETIC corpus)",
        "",
        f"`.venv/bin/python -m bench.incremental_bench --studies {a.studies} --changed {a.changed}`: "
        f"{changed:,} of {a.studies:,} records changed; every configured region's queries, no rate limit.",
        "",
        "| run | outcome | requests | studies received | inserted | updated | time |",
        "|---|---|---|---|---|---|---|",
        *[row(r) for r in (full, inc, again)],
        "",
        f"Requests: incremental / full = {inc['requests'] / max(full['requests'], 1):.3f}; "
        f"time: {inc['seconds'] / max(full['seconds'], 1e-9):.3f}. The incremental run asks every region "
        "query once more (each answers with one page when few records changed), so its requests grow with "
        "the number of queries and the changes, not with the corpus. A registry that has not changed costs "
        "one request (GET /version).",
    ]
    write_report("incremental", {"full": full, "incremental": inc, "unchanged": again, "changed": changed}, lines)


if __name__ == "__main__":
    main()
