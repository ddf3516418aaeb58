"""Harvest benchmark: a synthetic corpus through the fake API into SQLite and PostgreSQL, against the floor
"download and decode only, no database", in the same run, with a profile of where the time goes.

    .venv/bin/python -m bench.harvest_bench [--studies 100000] [--pg postgresql://postgres@127.0.0.1:55433/postgres]

Prints the figures and writes bench/reports/harvest.{md,json}. Targets (issue 16, 2 cores): into SQLite at
least 5,000 studies/s end to end and within 6x the floor, peak memory under 500 MiB; PostgreSQL reported
beside it (a fresh database ``trials_bench_harvest`` is created on the server given with ``--pg``).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, WORK, fake_api_process, peak_rss_mb, synthetic_corpus, write_report

ALL_LABEL = "everything (no filter)"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:55433/postgres"
PG_BENCH_DB = "trials_bench_harvest"
#: Stages of the profile, by the function whose cumulative time is the stage (file suffix, function name).
STAGES = (
    ("decode + normalise + enrich (classify)", "trials/rules/classify.py", "classify"),
    ("column screening (db.limits)", "db/limits.py", "screen"),
    ("database writes (Store._write_page)", "db/store.py", "_write_page"),
)


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


def fresh_database(db_url: str) -> str:
    """An empty database to harvest into: the SQLite file removed, or PostgreSQL's bench database re-created."""
    if db_url.startswith("sqlite"):
        path = Path(db_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return db_url
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')
    return db_url.rsplit("/", 1)[0] + f"/{PG_BENCH_DB}"


def database_mb(engine: Any) -> float:
    if engine.dialect.name == "sqlite":
        return Path(str(engine.url.database)).stat().st_size / 2**20
    with engine.connect() as conn:
        size: int = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
    return size / 2**20


def harvest_into(base_url: str, db_url: str, *, parallel: bool | None = None) -> tuple[dict[str, Any], Any]:
    """One full harvest of the fake API into a fresh database; the figures and the store (for a digest)."""
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.store import Store
    from trials.jobs.harvest import Harvester
    from trials.source.api import CtgovClient, StudyQuery

    engine = make_engine(fresh_database(db_url))
    upgrade(engine)
    store = Store(engine)
    started = time.perf_counter()
    with CtgovClient(base_url, rate_per_second=0) as client:
        harvester = Harvester(store, parallel=parallel)
        report = harvester.harvest(client, [StudyQuery(ALL_LABEL, {})], request={"bench": True})
    seconds = time.perf_counter() - started
    assert report.outcome == "success", report.summary()
    figures = {
        "backend": engine.dialect.name,
        "studies": report.inserted,
        "seconds": seconds,
        "requests": report.requests,
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_children_mb": peak_rss_mb(children=True),
        "db_mb": database_mb(engine),
    }
    return figures, store


def phase_e2e(base_url: str, db_url: str, digest: bool) -> dict[str, Any]:
    figures, store = harvest_into(base_url, db_url)
    if digest:
        figures["digest"] = store.digest()
    return figures


def phase_profile(base_url: str, db_url: str, top: int = 12) -> dict[str, Any]:
    """The harvest in one process (no decoder process) under cProfile: every stage's share and the
    functions with the most own time. cProfile slows Python code more than C code (SQLite, zlib, msgspec),
    so the shares lean towards the Python stages; the split is what matters."""
    profiler = cProfile.Profile()
    profiler.enable()
    figures, _ = harvest_into(base_url, db_url, parallel=False)
    profiler.disable()
    stats = pstats.Stats(profiler)
    entries: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in entries.values())
    stages: list[dict[str, Any]] = []
    for label, suffix, name in STAGES:
        cum = max((ct for (f, _, fn), (_, _, _, ct, _) in entries.items() if fn == name and f.endswith(suffix)),
                  default=0.0)  # fmt: skip
        stages.append({"stage": label, "seconds": cum, "share": cum / total})
    rest = total - sum(s["seconds"] for s in stages)
    stages.append({"stage": "the rest (HTTP, paging, run bookkeeping)", "seconds": rest, "share": rest / total})
    ranked = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    functions = [
        {"function": _name(f, line, fn), "calls": nc, "own_s": tt, "share": tt / total, "cumulative_s": ct}
        for (f, line, fn), (_, nc, tt, ct, _) in ranked
    ]
    return {"profiled_seconds": total, "wall_seconds": figures["seconds"], "stages": stages, "top": functions}


def _name(path: str, line: int, fn: str) -> str:
    if path == "~":
        return fn  # a built-in: "{method 'executemany' of 'sqlite3.Cursor' objects}"
    short = path.removeprefix(f"{ROOT}/").rpartition("site-packages/")[2]
    return f"{short}:{line} {fn}"


def run_phase(name: str, base_url: str, db_url: str | None = None, *extra: str) -> dict[str, Any]:
    """Each phase in a fresh process, so its peak memory is its own."""
    cmd = [sys.executable, "-m", "bench.harvest_bench", "--phase", name, "--base-url", base_url]
    if db_url:
        cmd += ["--db-url", db_url]
    out = subprocess.run([*cmd, *extra], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--studies", type=int, default=100_000)
    ap.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL server for the side-by-side run ('' to skip)")
    ap.add_argument("--no-profile", action="store_true", help="skip the profiled run")
    ap.add_argument("--digest", action="store_true", help="also compute each database's content digest")
    ap.add_argument("--phase", choices=["floor", "e2e", "profile"])
    ap.add_argument("--base-url")
    ap.add_argument("--db-url")
    args = ap.parse_args()
    if args.phase == "floor":
        print(json.dumps(phase_floor(args.base_url)))
        return
    if args.phase == "e2e":
        print(json.dumps(phase_e2e(args.base_url, args.db_url, args.digest)))
        return
    if args.phase == "profile":
        print(json.dumps(phase_profile(args.base_url, args.db_url)))
        return

    corpus = synthetic_corpus(args.studies)
    sqlite_url = f"sqlite:///{WORK / 'bench_harvest.db'}"
    extra = ["--digest"] if args.digest else []
    with fake_api_process(corpus) as base:
        run_phase("floor", base)  # warm-up: the fake API caches its projected records
        floor = run_phase("floor", base)
        sqlite = run_phase("e2e", base, sqlite_url, *extra)
        pg = run_phase("e2e", base, args.pg, *extra) if args.pg else None
        profile = None if args.no_profile else run_phase("profile", base, sqlite_url)
    figures: dict[str, Any] = {"studies": args.studies, "floor": floor, "end_to_end": sqlite, "postgresql": pg,
                               "profile": profile}  # fmt: skip
    runs = [("SQLite", sqlite)] + ([("PostgreSQL", pg)] if pg else [])
    for _, run in runs:
        run["studies_per_s"] = run["studies"] / run["seconds"]
        run["ratio"] = run["seconds"] / floor["seconds"]
    figures["studies_per_s"], figures["ratio"] = sqlite["studies_per_s"], sqlite["ratio"]

    def row(label: str, fmt: Any, target: str = "") -> str:
        return f"| {label} | " + " | ".join(fmt(r) for _, r in runs) + f" | {target} |"

    lines = [
        "# Harvest benchmark (synthetic corpus, fake API)",
        "",
        f"Command: `.venv/bin/python -m bench.harvest_bench --studies {args.studies}`",
        "",
        f"Floor (download + decode, no database): {floor['seconds']:.1f} s "
        f"({floor['studies'] / floor['seconds']:,.0f} studies/s, {floor['requests']} requests).",
        "",
        "| measure | " + " | ".join(name for name, _ in runs) + " | target (SQLite) |",
        "|---|" + "---|" * len(runs) + "---|",
        row("studies", lambda r: f"{r['studies']:,}", "≥ 100,000"),
        row("end to end", lambda r: f"{r['seconds']:.1f} s"),
        row("end-to-end throughput", lambda r: f"{r['studies_per_s']:,.0f} studies/s", "≥ 5,000"),
        row("ratio end to end / floor", lambda r: f"{r['ratio']:.2f} x", "≤ 6 x"),
        row("peak memory, harvester", lambda r: f"{r['peak_rss_mb']:.0f} MiB", "< 500 MiB"),
        row("peak memory, decoder process", lambda r: f"{r['peak_rss_children_mb']:.0f} MiB"),
        row("requests", lambda r: str(r["requests"])),
        row("database size", lambda r: f"{r['db_mb']:.0f} MiB"),
    ]
    if args.digest:
        lines.append(row("content digest", lambda r: f"`{r['digest'][:16]}`"))
    if profile:
        lines += [
            "",
            f"## Profile (SQLite, one process, cProfile: {profile['profiled_seconds']:.1f} s profiled)",
            "",
            "Run without the decoder process so that every stage shows in one profile; cProfile slows Python",
            "code more than C code (SQLite, zlib, msgspec), so the Python stages weigh a little more here.",
            "",
            "| stage | seconds | share |",
            "|---|---|---|",
            *(f"| {s['stage']} | {s['seconds']:.1f} | {s['share']:.0%} |" for s in profile["stages"]),
            "",
            "| function (own time) | calls | own s | share |",
            "|---|---|---|---|",
            *(f"| `{f['function']}` | {f['calls']:,} | {f['own_s']:.1f} | {f['share']:.0%} |" for f in profile["top"]),
        ]
    lines += [
        "",
        "The fake API runs in its own process on the same 2 cores as the harvester and its decoder process;",
        "data is synthetic. The machine is shared, so figures vary between runs by ±20 %.",
    ]
    write_report("harvest", figures, lines)


if __name__ == "__main__":
    main()
