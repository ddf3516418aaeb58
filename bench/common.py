"""Helpers for benchmarks: a fake API in its own process, peak memory, and report writing."""

from __future__ import annotations

import json
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
REPORTS = ROOT / "bench" / "reports"


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory in MiB of this process (or of its largest finished child); Linux reports KiB."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def synthetic_corpus(studies: int, seed: int = 1) -> Path:
    from trials.source.synth import write_corpus

    path = WORK / f"synth_{studies}_{seed}.ndjson.gz"
    if not path.exists():
        t = time.perf_counter()
        write_corpus(path, studies=studies, seed=seed)
        print(f"wrote {path} in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    return path


@contextmanager
def fake_api_process(corpus: Path, port: int = 8799) -> Iterator[str]:
    """``trials fake-api`` in a separate process (so it does not share the harvester's GIL)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "trials", "fake-api", "--corpus", str(corpus), "--port", str(port)],
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/api/v2"
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                httpx.get(f"{base}/version", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("fake API did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def machine() -> dict[str, Any]:
    import os

    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


def write_report(name: str, figures: dict[str, Any], lines: list[str]) -> Path:
    """Write bench/reports/NAME.{json,md} and print the Markdown table."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{name}.json").write_text(json.dumps({**figures, "machine": machine()}, indent=2, default=str))
    md = REPORTS / f"{name}.md"
    md.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nreport: {md}")
    return md
