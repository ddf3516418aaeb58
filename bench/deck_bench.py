"""Pitch-deck benchmark: the default Ruhr deck (and its PDF) from a 60,000-study SYNTHETIC database.

    .venv/bin/python -m bench.deck_bench [--studies 60000]

Times the whole command as a user runs it (``trials deck --region ruhr --out ...``: process start,
frame build, numbers, rendering), median of 3, and the parts in-process. Target: < 5 s.
Writes bench/reports/deck.{md,json}.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from bench.analytics_bench import load_db
from bench.common import WORK, write_report


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
    from db.engine import make_engine
    from trials.analytics.rankings import build_frames
    from trials.present.deck import build_pptx
    from trials.present.deck_data import deck_data
    from trials.present.summary_pdf import build_pdf
    from trials.rules.regions import configured_regions

    db = load_db(a.studies)
    url = f"sqlite:///{db}"
    cli = {}
    for out in ("deck.pptx", "summary.pdf"):
        cmd = [sys.executable, "-m", "trials", "deck", "--db", url, "--region", "ruhr", "--out", str(WORK / out)]
        cli[out] = timed(lambda cmd=cmd: subprocess.run(cmd, check=True, capture_output=True))
    regions = configured_regions()
    engine = make_engine(url)
    t = time.perf_counter()
    frames = build_frames(engine, regions)
    build_s = time.perf_counter() - t
    numbers_s = timed(lambda: deck_data(frames, regions, "ruhr"))
    data = deck_data(frames, regions, "ruhr")
    pptx_s = timed(lambda: build_pptx(data))
    pdf_s = timed(lambda: build_pdf(data))
    lines = [
        "# Pitch-deck benchmark (SYNTHETIC corpus)",
        "",
        f"`.venv/bin/python -m bench.deck_bench --studies {a.studies}` ({frames.studies.height:,} studies)",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| `trials deck --region ruhr --out deck.pptx`, whole command (median of 3) | {cli['deck.pptx']:.2f} s "
        "| < 5 s |",
        f"| `trials deck --region ruhr --out summary.pdf`, whole command | {cli['summary.pdf']:.2f} s | |",
        f"| of which: frame build from the database | {build_s:.2f} s | |",
        f"| of which: the deck's numbers (analytics) | {numbers_s * 1000:.0f} ms | |",
        f"| of which: PowerPoint rendering | {pptx_s * 1000:.0f} ms | |",
        f"| of which: PDF rendering | {pdf_s * 1000:.0f} ms | |",
        "",
        "In the app the frames are already built (cached per data version), so a deck download costs",
        "the numbers plus the rendering.",
    ]
    write_report("deck", {"cli_s": cli, "frame_build_s": build_s, "numbers_s": numbers_s, "pptx_s": pptx_s,
                          "pdf_s": pdf_s, "studies": frames.studies.height}, lines)  # fmt: skip


if __name__ == "__main__":
    main()
