"""Pitch-deck benchmark: the default Ruhr deck (and its PDF) from a 60,000-study SYNTHETIC database.

    .venv/bin/python -m bench.deck_bench [--studies 60000]

Times the whole command as a user runs it (``trials deck --region ruhr --offline --out ...``: process start,
frame build, numbers, rendering), median of 3, and the parts in-process. Target: deck generation (numbers and
rendering) < 2 s once the frames are built; the whole command < 5 s. The European-context counts are asked
once, of the local fake API over the same synthetic corpus (never the registry), so the deck has every slide;
``--offline`` keeps the timed runs from asking again. Writes bench/reports/deck.{md,json}.
"""

from __future__ import annotations

import argparse
import io
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
    from db.reader import Reader
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
    if latest_counts(engine).height == 0:  # the context slide's figures, from the local fake API only
        from trials.jobs.counts import refresh_counts
        from trials.source.api import CtgovClient

        with fake_api_process(synthetic_corpus(a.studies)) as base, CtgovClient(base, rate_per_second=0) as client:
            refresh_counts(engine, client)
    cli = {}
    for out in ("deck.pptx", "summary.pdf"):
        cmd = [sys.executable, "-m", "trials", "deck", "--db", url, "--region", "ruhr", "--offline", "--out",
               str(WORK / out)]  # fmt: skip
        cli[out] = timed(lambda cmd=cmd: subprocess.run(cmd, check=True, capture_output=True))
    regions = configured_regions()
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
        f"| `trials deck --region ruhr --offline --out deck.pptx`, whole command (median of 3) | "
        f"{cli['deck.pptx']:.2f} s | < 5 s |",
        f"| `trials deck --region ruhr --offline --out summary.pdf`, whole command | {cli['summary.pdf']:.2f} s | |",
        f"| of which: frame build from the database | {build_s:.2f} s | |",
        "",
        "In the app the frames are already built (cached per data version), so a deck download costs",
        "the numbers plus the rendering.",
    ]
    write_report("deck", {"cli_s": cli, "frame_build_s": build_s, "numbers_s": numbers_s, "pptx_s": pptx_s,
                          "pptx_de_s": pptx_de_s, "pdf_s": pdf_s, "generation_s": numbers_s + pptx_s,
                          "slides": slides, "studies": frames.studies.height}, lines)  # fmt: skip


if __name__ == "__main__":
    main()
