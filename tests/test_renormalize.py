"""Re-normalisation without the network, and the inspection commands (real subprocesses, real SQLite)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

from tests.helpers import read_ndjson


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trials", *args], capture_output=True, text=True, timeout=300,
                          check=False, env={**os.environ, **(env or {})})  # fmt: skip


def sites(url: str, *extra: str, env: dict[str, str] | None = None) -> list[dict[str, str]]:
    r = run("sites", "--db", url, "--format", "csv", *extra, env=env)
    assert r.returncode == 0, r.stderr
    return list(csv.DictReader(io.StringIO(r.stdout)))


def test_changing_an_alias_and_renormalizing_changes_assignments(real_db_copy: str, tmp_path: Path) -> None:
    url = real_db_copy
    before = sites(url, "--region", "ruhr")
    kopf = [s for s in before if "kopfschmerzzentrum" in s["facility"].lower() and s["place_name"] == "Essen"]
    assert kopf and all(s["institution_id"] == "de-essen-uk" for s in kopf)

    # A curator decides the headache centre is an institution of its own.
    default = resources.files("trials.data").joinpath("institutions.toml").read_text(encoding="utf-8")
    edited = default.replace("parent = \"de-essen-uk\"\npatterns = ['westdeut\\w* kopfschmerz']",
                             "patterns = ['westdeut\\w* kopfschmerz']")  # fmt: skip
    assert edited != default
    aliases = tmp_path / "institutions.toml"
    aliases.write_text(edited, encoding="utf-8")
    env = {"TRIALS_INSTITUTIONS_FILE": str(aliases)}
    r = run("renormalize", "--db", url, "--no-progress", env=env)
    assert r.returncode == 0, r.stderr
    assert "updated 1176" in r.stdout
    after = sites(url, "--region", "ruhr")
    changed = {(s["nct_id"], s["ordinal"]) for s in after if s["institution_id"] == "de-essen-wkz"}
    assert changed == {(s["nct_id"], s["ordinal"]) for s in kopf}
    untouched = [(a["nct_id"], a["institution_id"]) for a, b in zip(after, before, strict=True)
                 if (a["nct_id"], a["ordinal"]) not in changed]  # fmt: skip
    assert untouched == [
        (b["nct_id"], b["institution_id"]) for b in before if (b["nct_id"], b["ordinal"]) not in changed
    ]


def test_sites_csv_has_the_documented_columns(real_corpus: Path, real_db_url: str) -> None:
    url = real_db_url
    rows = sites(url)
    required = ["nct_id", "facility", "city", "country", "lat", "lon", "place_id", "place_name", "regions",
                "institution_id", "institution_name", "placeholder"]  # fmt: skip
    assert set(required) <= set(rows[0])
    listed_sites = sum(
        len(r["protocolSection"].get("contactsLocationsModule", {}).get("locations", []))
        for r in read_ndjson(real_corpus)
    )
    assert len(rows) == listed_sites  # every site of the real corpus, placed or not
    ruhr = sites(url, "--region", "ruhr")
    assert ruhr and all("ruhr" in r["regions"].split("|") for r in ruhr)
    placeholders = [r for r in ruhr if r["placeholder"] == "True"]
    assert placeholders and all(r["institution_id"] == "" and r["place_id"] for r in placeholders)
    unresolved = run("institutions", "--unresolved", "--region", "ruhr", "--db", url, "--format", "csv")
    assert unresolved.returncode == 0
    listed = list(csv.DictReader(io.StringIO(unresolved.stdout)))
    assert any("Stude" in r["facility"] for r in listed)
    assert all(r["status"] in ("local", "fuzzy") for r in listed)
