"""Every real record under ../shared/data/ctgov decodes and normalises, or is quarantined with a reason."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from db.store import Store
from trials.jobs.harvest import Harvester
from trials.rules.classify import Accepted, Rejected, classify
from trials.source.files import iter_file_records


def _record_files(ctgov: Path) -> list[Path]:
    api = ctgov / "api_v2"
    files = sorted((api / "studies" / "fixtures").iterdir()) + sorted((api / "responses").iterdir())
    return [api / "corpus_v2_studies.ndjson.gz", *files]


def test_every_real_record_decodes_and_normalises(ctgov_dir: Path) -> None:
    total = 0
    rejected: list[tuple[str, str]] = []
    for path in _record_files(ctgov_dir):
        for raw in iter_file_records(path):
            total += 1
            item = classify(raw)  # must not raise
            if isinstance(item, Rejected):
                rejected.append((path.name, item.reason))
                continue
            assert isinstance(item, Accepted)
            parsed = json.loads(raw)
            assert item.study.nct_id == parsed["protocolSection"]["identificationModule"]["nctId"]
            locations = parsed["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])
            assert len(item.study.sites) == len(locations)
    assert total > 1200
    # The real records are all well-formed: nothing of them may be lost to quarantine.
    assert rejected == []


def test_real_corpus_counts_match_an_independent_reading(real_corpus: Path, store: Store) -> None:
    report = Harvester(store).harvest_file(real_corpus, request={})
    assert report.outcome == "success"
    with gzip.open(real_corpus, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    ids = {r["protocolSection"]["identificationModule"]["nctId"] for r in records}
    counts = store.table_counts()
    assert counts["studies"] == len(ids) == report.inserted
    assert counts["raw_records"] == len(ids)
    n_sites = sum(len(r["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])) for r in records)
    assert counts["sites"] == n_sites
    n_phase_rows = sum(len(set(r["protocolSection"].get("designModule", {}).get("phases", []))) for r in records)
    assert counts["study_phases"] == n_phase_rows
    assert counts["quarantine"] == 0


def test_a_malformed_line_is_quarantined_and_the_rest_stored(real_corpus: Path, store: Store, tmp_path: Path) -> None:
    with gzip.open(real_corpus, "rb") as fh:
        lines = fh.read().splitlines()[:20]
    bad = lines[5][: len(lines[5]) // 2]  # a cut-off line
    wrong_type = json.dumps({"protocolSection": {"identificationModule": {"nctId": "NCT09999999"},
                                                 "designModule": {"phases": 3}}}).encode()  # fmt: skip
    path = tmp_path / "mixed.ndjson"
    path.write_bytes(b"\n".join([*lines[:5], bad, wrong_type, *lines[6:]]) + b"\n")
    report = Harvester(store).harvest_file(path, request={})
    assert report.outcome == "warning"
    assert report.inserted == 19 and report.quarantined == 2
    q = {row["nct_id"]: row["reason"] for row in store.quarantine()}
    assert "cannot decode record" in q["NCT09999999"]
    assert "designModule.phases" in q["NCT09999999"]
    assert len(q) == 2
