"""Pitch-deck benchmark: the default Ruhr deck (and its PDF) from a 60,000-study SYNTHETIC database.

    .venv/bin/python -m bench.deck_bench [--studies 60000]

Times the whole command as a user runs it (``trials deck --region ruhr --offline --out ...``: process start,
frames loaded from the cache written after the harvest, numbers, rendering), median of 3, and the parts
in-process. Targets: the whole command < 1 s when the frames are cached (issue 16); deck generation (numbers and
rendering) < 2 s. Also once without a cache (the command builds and writes it). The European-context counts are
asked once, of the local fake API over the same synthetic corpus (never the registry), so the deck has every
slide; ``--offline`` keeps the timed runs from asking again. Writes bench/reports/deck.{md,json}.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import time

from bench.analytics_bench import load_db
from bench.common import WORK, fake_api_process, synthetic_corpus, write_report


def timed(fn: object, reps: int = 3) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--studies", type=int, default=60_000)
    a = ap.parse_args()
    from pptx import Presentation

    from db.engine import make_engine
    from db.migrate import upgrade
    from db.reader import Reader
    from trials.analytics import frames_cache
    from trials.analytics.context import latest_counts
    from trials.analytics.rankings import build_frames
    from trials.present.deck import build_pptx
    from trials.present.deck_data import deck_data
    from trials.present.summary_pdf import build_pdf
    from trials.rules.regions import configured_regions
    from trials.source.queries import region_queries

    db = load_db(a.studies)
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    upgrade(engine)  # a database built by an older version gets the current schema first
    if latest_counts(engine).height == 0:  # the context slide's figures, from the local fake API only
        from trials.jobs.counts import refresh_counts
        from trials.source.api import CtgovClient

        with fake_api_process(synthetic_corpus(a.studies)) as base, CtgovClient(base, rate_per_second=0) as client:
            refresh_counts(engine, client)
    regions = configured_regions()
    root = frames_cache.cache_root(engine)
    assert root is not None

    def deck_cmd(out: str) -> list[str]:
        return [sys.executable, "-m", "trials", "deck", "--db", url, "--region", "ruhr", "--offline", "--out",
                str(WORK / out)]  # fmt: skip

    shutil.rmtree(root, ignore_errors=True)  # no cache: the command builds the frames and writes it (once)
    t = time.perf_counter()
    subprocess.run(deck_cmd("deck.pptx"), check=True, capture_output=True)
    cold_s = time.perf_counter() - t
    frames_cache.store_frames(engine, regions)  # what after_good_run leaves after every good run
    cli = {out: timed(lambda out=out: subprocess.run(deck_cmd(out), check=True, capture_output=True))
           for out in ("deck.pptx", "summary.pdf")}  # fmt: skip
    t = time.perf_counter()
    frames_cache.load_frames(engine, regions)
    load_s = time.perf_counter() - t
    startup_s = timed(lambda: subprocess.run([sys.executable, "-m", "trials", "--help"], check=True,
                                             capture_output=True))  # fmt: skip
    t = time.perf_counter()
    frames = build_frames(engine, regions)
    build_s = time.perf_counter() - t
    # The synthetic database is loaded from a file (no registry queries recorded): time the appendix with the
    # queries a harvest of the configured regions sends.
    queries = Reader(engine).last_good_queries() or [
        f"{q.label}: " + " ".join(f"{k}={v}" for k, v in sorted(q.params.items()))
        for r in regions for q in region_queries(r)
    ]  # fmt: skip
    counts = latest_counts(engine)

    def numbers() -> object:
        return deck_data(frames, regions, "ruhr", queries=queries, counts=counts)

    numbers_s = timed(numbers)
    data = deck_data(frames, regions, "ruhr", queries=queries, counts=counts)
    pptx_s = timed(lambda: build_pptx(data))
    pdf_s = timed(lambda: build_pdf(data))
    german = deck_data(frames, regions, "ruhr", lang="de", queries=queries, counts=counts)
    pptx_de_s = timed(lambda: build_pptx(german))
    slides = len(Presentation(io.BytesIO(build_pptx(data))).slides)
    lines = [
        "# Pitch-deck benchmark (SYNTHETIC corpus)",
        "",
        f"`.venv/bin/python -m bench.deck_bench --studies {a.studies}` ({frames.studies.height:,} studies)",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| deck generation once the frames are built (numbers + PowerPoint, {slides} slides) | "
        f"{numbers_s + pptx_s:.2f} s | < 2 s |",
        f"| of which: the deck's numbers (analytics, with the European context) | {numbers_s * 1000:.0f} ms | |",
        f"| of which: PowerPoint rendering (English) | {pptx_s * 1000:.0f} ms | |",
        f"| PowerPoint rendering (German) | {pptx_de_s * 1000:.0f} ms | |",
        f"| PDF rendering | {pdf_s * 1000:.0f} ms | |",
        f"| **`trials deck --region ruhr --offline --out deck.pptx`, whole command, frames cached** (median of 3) | "
        f"**{cli['deck.pptx']:.2f} s** | < 1 s |",
        f"| `trials deck --region ruhr --offline --out summary.pdf`, whole command, frames cached | "
        f"{cli['summary.pdf']:.2f} s | |",
        f"| of which: frames loaded from the cache | {load_s * 1000:.0f} ms | |",
        f"| of which: Python start and the command's imports (`trials --help`) | {startup_s:.2f} s | |",
        f"| the same command without a cache (builds the frames and writes the cache) | {cold_s:.2f} s | |",
        f"| frame build from the database (in-process) | {build_s:.2f} s | |",
        "",
        "The frames are written once after every good run (`after_good_run`) as Arrow files keyed by the data",
        "version; the command loads them (the app memory-maps them, once per process), so a deck",
        "download costs the numbers plus the rendering.",
    ]
    write_report("deck", {"cli_s": cli, "cli_without_cache_s": cold_s, "cache_load_s": load_s,
                          "startup_s": startup_s, "frame_build_s": build_s, "numbers_s": numbers_s, "pptx_s": pptx_s,
                          "pptx_de_s": pptx_de_s, "pdf_s": pdf_s, "generation_s": numbers_s + pptx_s,
                          "slides": slides, "studies": frames.studies.height}, lines)  # fmt: skip


if __name__ == "__main__":
    main()
