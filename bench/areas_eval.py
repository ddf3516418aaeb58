"""Therapeutic-area classification against the hand-labelled real studies (tests/data/area_labels.csv).

Prints precision and recall per area and overall, lists the disagreements, and writes
bench/reports/areas.{md,json}. Targets (issue 12): precision >= 95 % and recall >= 90 % overall,
no area below 85 % precision.

    .venv/bin/python -m bench.areas_eval [--show-errors]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, write_report
from trials.rules.areas import classify_evidence
from trials.source.model import decode_study

LABELS = ROOT / "tests" / "data" / "area_labels.csv"
CORPUS = ROOT.parent / "shared" / "data" / "ctgov" / "api_v2" / "corpus_v2_studies.ndjson.gz"


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load_labels(path: Path = LABELS) -> dict[str, set[str]]:
    with path.open(encoding="utf-8") as fh:
        return {r["nct_id"]: {a for a in r["areas"].split("|") if a} for r in csv.DictReader(fh)}


def predictions(corpus: Path, ids: set[str]) -> dict[str, list[str]]:
    """NCT ID -> the classifier's evidence lines, for the labelled studies."""
    out: dict[str, list[str]] = {}
    with gzip.open(corpus, "rb") as fh:
        for line in fh:
            study = decode_study(line)
            ident = study.protocol_section.identification_module if study.protocol_section else None
            nct = ident.nct_id if ident else None
            if nct in ids:
                out[nct] = [e.text() for e in classify_evidence(study)]
    return out


def score(gold: dict[str, set[str]], got: dict[str, set[str]]) -> tuple[Score, dict[str, Score]]:
    """Micro-averaged overall score and one score per area (multi-label: each study-area pair counts)."""
    per: dict[str, Score] = {}
    for nct, truth in gold.items():
        pred = got.get(nct, set())
        for a in truth | pred:
            s = per.setdefault(a, Score())
            if a in truth and a in pred:
                s.tp += 1
            elif a in pred:
                s.fp += 1
            else:
                s.fn += 1
    total = Score(sum(s.tp for s in per.values()), sum(s.fp for s in per.values()), sum(s.fn for s in per.values()))
    return total, per


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    gold = load_labels()
    evidence = predictions(CORPUS, set(gold))
    got = {n: {line.rsplit(" -> ", 1)[1] for line in lines} for n, lines in evidence.items()}
    total, per = score(gold, got)
    t = time.perf_counter()
    n = 0
    with gzip.open(CORPUS, "rb") as fh:
        studies = [decode_study(line) for line in fh]
    for _ in range(20):
        for study in studies:
            classify_evidence(study)
            n += 1
    rate = n / (time.perf_counter() - t)
    lines = [
        "# Therapeutic areas against hand labels",
        "",
        f"{len(gold)} real studies labelled by hand (tests/data/area_labels.csv; method in area_labels.md).",
        "",
        f"**Overall: precision {total.precision:.1%}, recall {total.recall:.1%}** "
        f"(tp {total.tp}, fp {total.fp}, fn {total.fn}); targets >= 95 % and >= 90 %, every area >= 85 % precision.",
        "",
        "| area | labelled | precision | recall | tp | fp | fn |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for a, s in sorted(per.items(), key=lambda kv: -(kv[1].tp + kv[1].fn)):
        lines.append(f"| {a} | {s.tp + s.fn} | {s.precision:.1%} | {s.recall:.1%} | {s.tp} | {s.fp} | {s.fn} |")
    lines += ["", f"Classification speed (cached descriptors): {rate:,.0f} studies/s on one core."]
    if args.show_errors:
        lines += ["", "## Disagreements", ""]
        for nct, truth in sorted(gold.items()):
            pred = got.get(nct, set())
            if pred != truth:
                lines.append(
                    f"- {nct}: missed {sorted(truth - pred)}, extra {sorted(pred - truth)}: {evidence.get(nct)}"
                )
    figures = {
        "studies": len(gold),
        "precision": total.precision,
        "recall": total.recall,
        "per_area": {a: {"precision": s.precision, "recall": s.recall, "tp": s.tp, "fp": s.fp, "fn": s.fn}
                     for a, s in per.items()},
        "studies_per_second": rate,
        "confusions": Counter(a for n, t in gold.items() for a in got.get(n, set()) - t).most_common(),
    }  # fmt: skip
    write_report("areas", figures, lines)


if __name__ == "__main__":
    main()
