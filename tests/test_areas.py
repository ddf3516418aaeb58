"""Therapeutic areas and phase/sponsor buckets."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from trials.rules.areas import AREAS, classify_areas
from trials.rules.buckets import phase_buckets, sponsor_bucket
from trials.source.model import decode_study


def study(**derived: object) -> bytes:
    rec = {"protocolSection": {"identificationModule": {"nctId": "NCT00000001"},
                               "conditionsModule": {"conditions": derived.pop("conditions", [])}},
           "derivedSection": {"conditionBrowseModule": derived}}  # fmt: skip
    return json.dumps(rec).encode()


def test_about_twenty_documented_areas() -> None:
    assert 15 <= len(AREAS) <= 22
    assert all(a.name_en and a.name_de and a.trees for a in AREAS)


def test_mesh_terms_give_overlapping_areas() -> None:
    record = study(meshes=[{"id": "D001943", "term": "Breast Neoplasms"}],
                   ancestors=[{"id": "D009369", "term": "Neoplasms"}])  # fmt: skip
    areas, evidence = classify_areas(decode_study(record))
    assert evidence == "mesh" and "oncology" in areas


def test_branches_are_only_a_fallback_and_keywords_the_last_resort() -> None:
    with_branch = decode_study(study(browseBranches=[{"abbrev": "BC14", "name": "Heart and Blood Diseases"}]))
    assert classify_areas(with_branch) == (["cardiovascular"], "branch")
    mesh_wins = decode_study(study(meshes=[{"id": "D003920", "term": "Diabetes Mellitus"}],
                                   browseBranches=[{"abbrev": "BC04", "name": "Neoplasms"}]))  # fmt: skip
    assert classify_areas(mesh_wins) == (["metabolic-endocrine"], "mesh")
    bare = decode_study(
        json.dumps({"protocolSection": {"conditionsModule": {"conditions": ["Non-small cell lung cancer"]}}}).encode()
    )
    assert classify_areas(bare) == (["oncology", "respiratory"], "keyword")
    nothing = decode_study(b'{"protocolSection": {}}')
    assert classify_areas(nothing) == ([], None)


def test_most_real_studies_get_an_area(real_corpus: Path) -> None:
    with_area = total = 0
    with gzip.open(real_corpus, "rb") as fh:
        for line in fh:
            total += 1
            with_area += bool(classify_areas(decode_study(line))[0])
    assert with_area / total > 0.85


@pytest.mark.parametrize(
    ("phases", "study_type", "expected"),
    [
        (["PHASE1", "PHASE2"], "INTERVENTIONAL", ["early", "phase2"]),
        (["EARLY_PHASE1"], "INTERVENTIONAL", ["early"]),
        (["PHASE3"], "INTERVENTIONAL", ["phase3"]),
        (["PHASE4"], "INTERVENTIONAL", ["phase4"]),
        (["NA"], "INTERVENTIONAL", ["not_applicable"]),
        ([], "OBSERVATIONAL", ["observational"]),
        ([], "INTERVENTIONAL", ["unknown"]),
    ],
)
def test_phase_buckets(phases: list[str], study_type: str, expected: list[str]) -> None:
    assert phase_buckets(phases, study_type) == expected


@pytest.mark.parametrize(
    ("klass", "bucket"),
    [("INDUSTRY", "industry"), ("OTHER", "academic_other"), ("INDIV", "academic_other"), ("NIH", "government_network"),
     ("FED", "government_network"), ("OTHER_GOV", "government_network"), ("NETWORK", "government_network"),
     ("AMBIG", "unknown"), (None, "unknown")],
)  # fmt: skip
def test_sponsor_buckets(klass: str | None, bucket: str) -> None:
    assert sponsor_bucket(klass) == bucket
