"""Dashboard benchmark (issue 14): the Overview on a 60,000-study database in a real browser.

``.venv/bin/python -m bench.dashboard_bench [--studies 60000] [--reps 5]``

Measures, in Debian's chromium driven by Playwright against ``streamlit run``:

- Overview interactive: from navigation until the app's script has finished and the headline tiles and charts
  are drawn (median and max of ``--reps`` visits, after one warm-up visit that loads the frames);
- a filter change re-rendered: from choosing a phase in the sidebar (the Enter that picks the typed option) until
  the script has finished again and the page is drawn.

Targets: Overview interactive < 1.5 s, filter change < 0.5 s (median). Writes bench/reports/dashboard.md/.json.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.analytics_bench import load_db
from bench.common import WORK, write_report

ROOT = Path(__file__).resolve().parents[1]


def _upgraded_copy(db: Path) -> Path:
    """A copy of the benchmark database at the current schema (the app never migrates a database itself)."""
    target = WORK / f"dashboard_{db.stem}.db"
    if not target.exists() or target.stat().st_mtime < db.stat().st_mtime:
        shutil.copyfile(db, target)
    trials = str(Path(sys.executable).parent / "trials")
    subprocess.run([trials, "db-upgrade", "--db", f"sqlite:///{target}"], check=True, cwd=ROOT)
    return target


def measure(db: Path, reps: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from benchmark_app.launch import free_port, start_app, stop_app, wait_healthy
    from tests.test_browser import CHROMIUM_ARGS, wait_for_app_run

    port = free_port()
    proc = start_app(f"sqlite:///{db}", port, WORK / "streamlit_dashboard.log")
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/?region=ruhr"
    try:
        wait_healthy(base, proc, timeout=300)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(600_000)

            def visit() -> float:
                started = time.perf_counter()
                page.goto(url)
                wait_for_app_run(page)
                page.locator("[data-testid='stMetricValue']").first.wait_for()
                page.locator("[data-testid='stVegaLiteChart']").first.wait_for()
                return time.perf_counter() - started

            warm = visit()  # the first visit of the process loads the frames
            loads = [visit() for _ in range(reps)]
            changes = []
            for i in range(reps):
                phase = ("phase2", "phase3")[i % 2]
                box = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").filter(has_text="Phase")
                box.locator("input").first.fill(phase.replace("phase", "Phase "))  # the user's typing: not timed
                started = time.perf_counter()
                page.keyboard.press("Enter")
                page.wait_for_url(f"**phase={phase}**")
                wait_for_app_run(page)
                changes.append(time.perf_counter() - started)
                page.goto(url)
                wait_for_app_run(page)
            page.screenshot(path=str(WORK / "overview_60k.png"), full_page=True)
            browser.close()
    finally:
        stop_app(proc)
    return {"first_visit_s": warm, "interactive_s": loads, "filter_rerender_s": changes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=60_000)
    parser.add_argument("--reps", type=int, default=5)
    a = parser.parse_args()
    db = _upgraded_copy(load_db(a.studies))
    m = measure(db, a.reps)
    figures = {
        "studies": a.studies,
        "overview_first_visit_s": m["first_visit_s"],
        "overview_interactive_s_median": statistics.median(m["interactive_s"]),
        "overview_interactive_s_max": max(m["interactive_s"]),
        "filter_rerender_s_median": statistics.median(m["filter_rerender_s"]),
        "filter_rerender_s_max": max(m["filter_rerender_s"]),
        "runs": m,
    }
    lines = [
        "# Dashboard benchmark: the Overview (SYNTHETIC corpus)",
        "",
        f"`.venv/bin/python -m bench.dashboard_bench --studies {a.studies} --reps {a.reps}`",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| Overview, first visit of the app process (loads the frames) | {m['first_visit_s']:.2f} s | |",
        f"| Overview interactive (median / max of {a.reps}) | {figures['overview_interactive_s_median']:.2f} s / "
        f"{figures['overview_interactive_s_max']:.2f} s | < 1.5 s |",
        f"| filter change re-rendered (median / max of {a.reps}) | {figures['filter_rerender_s_median']:.2f} s / "
        f"{figures['filter_rerender_s_max']:.2f} s | < 0.5 s |",
        "",
        "Interactive: from navigation until the script has finished and the tiles and charts are drawn. A filter "
        "change: from the Enter that picks the typed phase (typing is the user's time) until the script has finished. "
        "Wall clock on this machine (2 cores), with Streamlit's websocket round trip and the browser's rendering.",
    ]
    write_report("dashboard", figures, lines)


if __name__ == "__main__":
    main()
