"""The synthetic corpus: learned from real records, marked synthetic, realistic in shape, reproducible."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from tests.helpers import read_ndjson
from trials.rules.classify import Accepted, classify
from trials.source.synth import generate, load_profile
from trials.source.synth_profile import learn_profile


def test_shipped_profile_is_what_the_real_corpus_teaches(real_corpus: Path) -> None:
    assert learn_profile(real_corpus) == load_profile()


def test_records_decode_are_marked_and_use_reserved_ids(synth_corpus: Path) -> None:
    records = read_ndjson(synth_corpus)
    assert len(records) == 3000
    for r in records[:500]:
        item = classify(json.dumps(r).encode())
        assert isinstance(item, Accepted)
        assert item.study.study["synthetic"] is True
        assert item.study.nct_id.startswith("NCT9")


def test_mixes_follow_the_learned_profile(synth_corpus: Path) -> None:
    profile = load_profile()
    records = read_ndjson(synth_corpus)
    n = len(records)

    def share(table: list[list[object]], key: object) -> float:
        return sum(int(str(v)) for k, v in table if k == key) / sum(int(str(v)) for _, v in table)

    types = Counter(r["protocolSection"]["designModule"]["studyType"] for r in records)
    observational = share(profile["design"], "OBSERVATIONAL|")
    assert abs(types["OBSERVATIONAL"] / n - observational) < 0.03
    industry = sum(r["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]["class"] == "INDUSTRY"
                   for r in records)  # fmt: skip
    assert abs(industry / n - share(profile["sponsor_class"], "INDUSTRY")) < 0.03
    sites = [len(r["protocolSection"]["contactsLocationsModule"]["locations"]) for r in records]
    assert max(sites) > 50 > sorted(sites)[n // 2]  # a heavy tail over a small median
    cities = Counter(
        loc["city"] for r in records for loc in r["protocolSection"]["contactsLocationsModule"]["locations"]
    )
    for variant in (
        "München",
        "Munich",
        "Muenchen",
        "Köln",
        "Cologne",
        "Muelheim a.d. Ruhr",
        "Berlin-Spandau",
    ):
        assert cities[variant] > 0, variant


def test_same_seed_same_corpus() -> None:
    assert list(generate(30, seed=5)) == list(generate(30, seed=5))
    assert list(generate(30, seed=5)) != list(generate(30, seed=6))
