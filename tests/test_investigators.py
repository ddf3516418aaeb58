"""Investigators (issue 17, item 1) and site-level "recruiting now" (item 2), on the real records.

Hand-checked in the real corpus (``../shared/data/ctgov``):

- NCT04116060 (University Hospital Essen): site PI "Christos Rammos, MD, PHD"; overall officials "Tienush Rassaf,
  Prof" (study director) and "Christos Rammos, MD" (principal investigator), affiliation "University Hospital,
  Essen"; a site contact "Fadi Al-Rashid, Dr.med." (role CONTACT, with phone and e-mail) and a central contact
  with phone 020172384808 and an @uk-essen.de address, neither of which may be stored. Its Essen site is
  RECRUITING while the study's overall status is UNKNOWN.
- NCT02344823 (Medical University of Vienna): site PI Arnulf Ferlitsch, sub-investigator Rémy Schwarzer, and
  Arnulf Ferlitsch as overall principal investigator (affiliation "Medical University of Vienna").
- Universitätsklinikum Essen (de-essen-uk) has 9 trials; two of them (NCT01742767, NCT04116060) have their Essen
  site RECRUITING with the overall status UNKNOWN, the other seven no site status (overall COMPLETED six times,
  NOT_YET_RECRUITING once): recruiting now 2 (the overall status alone: 0).
- NCT05816382 is RECRUITING overall but its only Ruhr site (Universität Witten/Herdecke) is WITHDRAWN: it is not
  recruiting in Witten or the Ruhr (the overall status alone would count it). The Ruhr: 20 trials, recruiting 2.
- London: 36 trials, 14 recruiting overall, 13 recruiting at a London site (NCT05850520's two London sites are
  NOT_YET_RECRUITING).
- Corpus: 1,152 site contacts are principal investigators and 142 sub-investigators (all stored); of 1,071
  overall officials 933 are people (the rest sponsor placeholders such as "Bayer Study Director" or the Lilly
  hotline "Call 1-877-CTLILLY ...").
"""

from __future__ import annotations

import copy
import csv
import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, String, Text, select

from db.models import CONTENT_TABLES, InvestigatorRow, table
from db.reader import Reader
from db.store import Store
from tests.helpers import run_page
from trials.analytics.investigators import in_region, investigator_list, of_entity, of_institution
from trials.analytics.rankings import Filters, build_frames, frames_from, rank
from trials.rules.classify import Accepted, classify
from trials.rules.investigators import (
    is_person_name,
    name_key,
    person_name,
    row_key,
    scrub_contact_details,
    strip_titles,
)
from trials.rules.regions import configured_regions

INV = table(InvestigatorRow)
ESSEN, VIENNA = "NCT04116060", "NCT02344823"


@pytest.fixture(scope="module")
def records(real_corpus: Path) -> dict[str, dict[str, Any]]:
    wanted = {ESSEN, VIENNA}
    out = {}
    with gzip.open(real_corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["protocolSection"]["identificationModule"]["nctId"] in wanted:
                out[rec["protocolSection"]["identificationModule"]["nctId"]] = rec
    assert set(out) == wanted
    return out


def _accepted(record: dict[str, Any]) -> Accepted:
    item = classify(json.dumps(record).encode())
    assert isinstance(item, Accepted)
    return item


def _rows(engine: Engine, nct_id: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    with engine.connect() as conn:
        found = conn.execute(select(INV).where(INV.c.nct_id == nct_id)).mappings().all()
    return {(r["kind"], r["role"], r["person"]): dict(r) for r in found}


# -- the name rule -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "person"),
    [
        ("Prof. Dr. med. Jörg Hense", "Jörg Hense"),
        ("Priv.-Doz. Dr. Anna Müller", "Anna Müller"),
        ("Dr.med. Hans Meier", "Hans Meier"),
        ("Prof.Dr. Ulrich Sure", "Ulrich Sure"),
        ("Dr. John Smith", "John Smith"),
        ("Christos Rammos, MD, PHD", "Christos Rammos"),
        ("Kyun-Seop Bae, M.D., Ph.D.", "Kyun-Seop Bae"),
        ("Fengzeng Jian, MD,PhD", "Fengzeng Jian"),
        ("David Hunter MD PhD", "David Hunter"),
        ("Jens Sønksen, Dr., Phd, MD", "Jens Sønksen"),
        ("Goos Laverman, prof. dr.", "Goos Laverman"),
        ("Tienush Rassaf, Prof", "Tienush Rassaf"),
        ("Virginie Corand, Medical Doctor", "Virginie Corand"),
        ("Belinda Morrison, DM(Urol) PhD", "Belinda Morrison"),
        ("  Liza   C. Villaruz ", "Liza C. Villaruz"),
        ("Hoang Do", "Hoang Do"),  # a surname, not the degree DO
        ("Smith, John", "Smith, John"),  # not reordered: never merged with "John Smith" on a guess
        ("John Smith, Jr.", "John Smith, Jr."),
    ],
)
def test_titles_and_degrees_are_stripped_and_nothing_else(given: str, person: str) -> None:
    assert person_name(given) == person
    assert strip_titles(given) == person


def test_the_comparison_key_ignores_case_dots_and_spacing_only() -> None:
    assert name_key("Eugene PLAS") == name_key("Eugene Plas") == "eugene plas"
    assert name_key("Scott B. Phillips") == name_key("Scott B Phillips")
    assert name_key("Michael Schäfer") != name_key("Michael Schafer")  # accents kept: no guess
    assert name_key("Tae-Jin Song") != name_key("Tae Jin Song")


@pytest.mark.parametrize(
    "given",
    ["Bayer Study Director", "Pfizer CT.gov Call Center", "Medical Director", "GSK Clinical Trials", "UCB Cares",
     "Call 1-877-CTLILLY (1-877-285-4559) or 1-317-615-4559", "Email contact via H. Lundbeck A/S",
     "trials@example.org", "Dr. MD", "M.D.; Ph.D.", "", None],
)  # fmt: skip
def test_placeholders_hotlines_and_bare_titles_are_no_person(given: str | None) -> None:
    assert person_name(given) is None
    assert not is_person_name("Call 1-877-285-4559")


def test_contact_details_are_cut_out_of_an_affiliation() -> None:
    assert scrub_contact_details("1-844-599-2273 (UCB)") == "(UCB)"
    assert scrub_contact_details("LundbeckClinicalTrials@Lundbeck.com") is None
    assert scrub_contact_details("University Hospital Essen, +49 201 723 0") == "University Hospital Essen"
    assert scrub_contact_details("University Hospital, Essen") == "University Hospital, Essen"


def test_the_stored_identity_is_the_listing_as_given() -> None:
    key = row_key("site", "PRINCIPAL_INVESTIGATOR", "Christos Rammos, MD, PHD", "University Hospital Essen", "Essen",
                  "Germany")  # fmt: skip
    assert key == row_key("site", "PRINCIPAL_INVESTIGATOR", "CHRISTOS RAMMOS, MD, PHD", "University hospital essen",
                          "Essen", "Germany")  # fmt: skip
    assert key != row_key("site", "SUB_INVESTIGATOR", "Christos Rammos, MD, PHD", "University Hospital Essen",
                          "Essen", "Germany")  # fmt: skip
    assert len(key) == 32


# -- stored from the real records (SQLite and PostgreSQL) ----------------------------------------------------------
def test_investigators_of_named_studies_are_stored_with_roles_and_institutions(real_engine: Engine) -> None:
    essen = _rows(real_engine, ESSEN)
    assert set(essen) == {
        ("site", "PRINCIPAL_INVESTIGATOR", "Christos Rammos"),
        ("official", "PRINCIPAL_INVESTIGATOR", "Christos Rammos"),
        ("official", "STUDY_DIRECTOR", "Tienush Rassaf"),
    }
    site = essen[("site", "PRINCIPAL_INVESTIGATOR", "Christos Rammos")]
    assert site["name"] == "Christos Rammos, MD, PHD"
    assert (site["facility"], site["city"], site["country"]) == ("University Hospital Essen", "Essen", "Germany")
    assert (site["institution_id"], site["institution_name"], site["regions"]) == (
        "de-essen-uk", "Universitätsklinikum Essen", "ruhr")  # fmt: skip
    director = essen[("official", "STUDY_DIRECTOR", "Tienush Rassaf")]
    assert director["affiliation"] == "University Hospital, Essen"
    assert director["institution_id"] == "de-essen-uk"  # the affiliation names the study's own site's institution
    assert all(r["listed"] and r["first_run_id"] == r["last_run_id"] == 1 and r["dropped_run_id"] is None
               for r in essen.values())  # fmt: skip

    vienna = _rows(real_engine, VIENNA)
    assert {k: r["institution_id"] for k, r in vienna.items()} == {
        ("site", "PRINCIPAL_INVESTIGATOR", "Arnulf Ferlitsch"): "at-vienna-meduni",
        ("site", "SUB_INVESTIGATOR", "Rémy Schwarzer"): "at-vienna-meduni",
        ("official", "PRINCIPAL_INVESTIGATOR", "Arnulf Ferlitsch"): "at-vienna-meduni",
    }

    rows = Reader(real_engine).investigators()
    sites = rows.filter(pl.col("kind") == "site")
    assert sites.filter(pl.col("role") == "PRINCIPAL_INVESTIGATOR").height == 1152
    assert sites.filter(pl.col("role") == "SUB_INVESTIGATOR").height == 142
    assert rows.filter(pl.col("kind") == "official").height == 933
    assert not rows["person"].str.contains(r"(?i)study director|call cent|ctlilly").any()


def test_no_contact_phone_or_email_is_stored_outside_the_raw_record(real_engine: Engine) -> None:
    """The raw record is kept as the registry sent it (for re-normalisation); no other column holds a contact's
    details. (A sponsor hotline that a record gives as its *facility* name stays the site's facility text.)"""
    needles = ("uk-essen.de", "020172384808", "00492017230", "Fadi Al-Rashid")
    with real_engine.connect() as conn:
        for tbl in CONTENT_TABLES:
            for col in tbl.columns:
                if not isinstance(col.type, String | Text) or (tbl.name, col.name) == ("raw_records", "body"):
                    continue
                for needle in needles:
                    hit = conn.execute(select(col).where(col.contains(needle)).limit(1)).first()
                    assert hit is None, (tbl.name, col.name, needle)
        texts = conn.execute(select(INV.c.name, INV.c.person, INV.c.affiliation)).all()
    assert texts and not any("@" in (v or "") or "4559" in (v or "") for row in texts for v in row)
    assert {c.name for c in INV.columns}.isdisjoint({"phone", "email", "phone_ext"})


def test_an_investigator_the_registry_drops_is_kept_and_marked(store: Store, records: dict[str, Any]) -> None:
    """Harvest, then a later harvest of the edited record without the study director: the row stays, marked."""
    original = records[ESSEN]
    edited = copy.deepcopy(original)
    module = edited["protocolSection"]["contactsLocationsModule"]
    module["overallOfficials"] = [o for o in module["overallOfficials"] if not o["name"].startswith("Tienush")]
    edited["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2026-11-20", "type": "ACTUAL"}

    first = store.start_run(mode="file", source="test", request={})
    store.write_page(first, [_accepted(original)], [])
    digest = store.digest()
    store.write_page(first, [_accepted(original)], [])  # a rerun of the same page converges
    assert store.digest() == digest

    second = store.start_run(mode="file", source="test", request={})
    assert store.write_page(second, [_accepted(edited)], []).updated == 1
    rows = _rows(store.engine, ESSEN)
    rassaf = rows[("official", "STUDY_DIRECTOR", "Tienush Rassaf")]
    assert not rassaf["listed"]
    assert (rassaf["first_run_id"], rassaf["last_run_id"], rassaf["dropped_run_id"]) == (first, first, second)
    assert rassaf["dropped_at"] is not None
    for key in (("site", "PRINCIPAL_INVESTIGATOR", "Christos Rammos"),
                ("official", "PRINCIPAL_INVESTIGATOR", "Christos Rammos")):  # fmt: skip
        assert rows[key]["listed"] and (rows[key]["first_run_id"], rows[key]["last_run_id"]) == (first, second)

    # A third harvest finds the edited record unchanged: the listed ones were seen again, the dropped one was not.
    third = store.start_run(mode="file", source="test", request={})
    assert store.write_page(third, [_accepted(edited)], []).unchanged == 1
    rows = _rows(store.engine, ESSEN)
    assert rows[("site", "PRINCIPAL_INVESTIGATOR", "Christos Rammos")]["last_run_id"] == third
    assert rows[("official", "STUDY_DIRECTOR", "Tienush Rassaf")]["dropped_run_id"] == second

    # Re-normalising the stored raw records keeps the history as it is (and the content digest).
    digest = store.digest()
    store.write_page(None, [_accepted(edited)], [], force=True)
    assert store.digest() == digest
    again = _rows(store.engine, ESSEN)
    assert {k: (r["first_run_id"], r["last_run_id"], r["dropped_run_id"], r["listed"]) for k, r in again.items()} == {
        k: (r["first_run_id"], r["last_run_id"], r["dropped_run_id"], r["listed"]) for k, r in rows.items()
    }

    # What users see: still there, "no longer listed since" the run that first missed him.
    people = investigator_list(Reader(store.engine).investigators())
    shown = people.filter(pl.col("name") == "Tienush Rassaf").row(0, named=True)
    assert not shown["still_listed"] and shown["dropped_run"] == second
    assert shown["no_longer_listed_since"] == rassaf["dropped_at"].date()
    assert people.filter(pl.col("name") == "Christos Rammos")["still_listed"].all()

    # Listed again later: the same row, listed again, first seen unchanged.
    fourth = store.start_run(mode="file", source="test", request={})
    store.write_page(fourth, [_accepted(original)], [])
    back = _rows(store.engine, ESSEN)[("official", "STUDY_DIRECTOR", "Tienush Rassaf")]
    assert back["listed"] and back["dropped_run_id"] is None and (back["first_run_id"], back["last_run_id"]) == (
        first, fourth)  # fmt: skip

    # An incremental run that skips the study because its update date did not change still saw its investigators.
    fifth = store.start_run(mode="incremental", source="test", request={})
    store.mark_seen([ESSEN], fifth)
    assert {r["last_run_id"] for r in _rows(store.engine, ESSEN).values()} == {fifth}


def test_a_value_no_investigator_column_holds_goes_to_quarantine(store: Store, records: dict[str, Any]) -> None:
    bad = copy.deepcopy(records[VIENNA])
    bad["protocolSection"]["contactsLocationsModule"]["overallOfficials"][0]["role"] = "PRINCIPAL_INVESTIGATOR_" * 3
    counts = store.write_page(None, [_accepted(bad), _accepted(records[ESSEN])], [])
    assert (counts.inserted, counts.quarantined) == (1, 1)
    (entry,) = store.quarantine()
    assert entry["nct_id"] == VIENNA and "investigators.role" in entry["reason"]
    assert store.table_counts()["investigators"] == 3  # Essen's only


def test_renormalize_rebuilds_investigators_keeping_their_history(real_db_copy: str) -> None:
    from db.engine import make_engine

    engine = make_engine(real_db_copy)
    before = Reader(engine).investigators().sort("nct_id", "name", "role", "kind", "facility")
    engine.dispose()
    r = subprocess.run([sys.executable, "-m", "trials", "renormalize", "--db", real_db_copy, "--no-progress"],
                       capture_output=True, text=True, timeout=600, check=False, env=dict(os.environ))  # fmt: skip
    assert r.returncode == 0, r.stderr
    engine = make_engine(real_db_copy)
    after = Reader(engine).investigators().sort("nct_id", "name", "role", "kind", "facility")
    engine.dispose()
    assert after.height == before.height
    history = ["first_run_id", "first_seen_at", "last_run_id", "last_seen_at", "dropped_run_id", "listed"]
    assert after.select(history).equals(before.select(history))
    assert after.drop(history).equals(before.drop(history))


# -- reading them: the CLI and the Profile page --------------------------------------------------------------------
def trials_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trials", *args], capture_output=True, text=True, timeout=300,
                          check=False)  # fmt: skip


def test_cli_lists_the_regions_investigators_as_csv(real_db_url: str) -> None:
    r = trials_cli("investigators", "--db", real_db_url, "--region", "ruhr", "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0])[:8] == ["name", "kind", "role", "institution", "city", "country", "trials", "nct_ids"]
    got = sorted((row["name"], row["kind"], row["role"], row["nct_ids"]) for row in rows)
    assert got == [
        ("Christos Rammos", "official", "PRINCIPAL_INVESTIGATOR", ESSEN),
        ("Christos Rammos", "site", "PRINCIPAL_INVESTIGATOR", ESSEN),
        ("Tienush Rassaf", "official", "STUDY_DIRECTOR", ESSEN),
        ("Wilfried Eberhardt", "official", "PRINCIPAL_INVESTIGATOR", "NCT01742767"),
    ]
    r = trials_cli("investigators", "--db", real_db_url, "--institution", "at-vienna-meduni", "--format", "json")
    assert r.returncode == 0, r.stderr
    people = json.loads(r.stdout)
    assert {(p["name"], p["role"]) for p in people} >= {("Rémy Schwarzer", "SUB_INVESTIGATOR")}
    assert all(p["still_listed"] and p["no_longer_listed_since"] is None for p in people)
    table_out = trials_cli("investigators", "--db", real_db_url, "--institution", "Universitätsklinikum Essen")
    assert table_out.returncode == 0 and "Tienush Rassaf" in table_out.stdout


def test_cli_never_creates_a_database_and_rejects_an_unknown_region(tmp_path: Path, real_db_url: str) -> None:
    missing = tmp_path / "none.db"
    r = trials_cli("investigators", "--db", f"sqlite:///{missing}")
    assert r.returncode == 2 and "no database" in r.stderr and not missing.exists()
    r = trials_cli("investigators", "--db", real_db_url, "--region", "atlantis")
    assert r.returncode == 2 and "unknown region" in r.stderr


def test_people_are_one_name_within_one_institution(real_engine: Engine) -> None:
    rows = Reader(real_engine).investigators()
    essen = investigator_list(of_institution(rows, "de-essen-uk"))
    assert essen.filter(pl.col("name") == "Christos Rammos").height == 2  # site PI and overall PI: two roles
    assert set(investigator_list(in_region(rows, "ruhr"))["name"]) == {
        "Christos Rammos", "Tienush Rassaf", "Wilfried Eberhardt"}  # fmt: skip
    # The same name at two institutions is two people.
    twin = pl.concat([rows.filter(pl.col("nct_id") == VIENNA).head(1)] * 2).with_columns(
        pl.Series("institution_id", ["a", "b"]), pl.Series("nct_id", ["NCT1", "NCT2"]))  # fmt: skip
    assert investigator_list(twin).height == 2
    site = of_entity(rows, "site", "de:05113000|university hospital essen")
    assert set(site["person"]) == {"Christos Rammos"}


def test_profile_shows_the_institutions_investigators(real_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALS_DB_URL", real_db_url)
    for lang, still in (("en", "still listed"), ("de", "weiterhin genannt")):
        at = run_page("profile", region="ruhr", level="institution", entity="de-essen-uk", lang=lang)
        people = next(d.value for d in at.dataframe if "listed" in d.value.columns and "role" in d.value.columns)
        assert set(people["name"]) == {"Christos Rammos", "Tienush Rassaf", "Wilfried Eberhardt"}
        assert set(people["listed"]) == {still}


# -- site-level status ---------------------------------------------------------------------------------------------
def test_recruiting_now_counts_the_sites_own_status(real_engine: Engine) -> None:
    frames = build_frames(real_engine, configured_regions())

    def row(level: str, key: str, region: str) -> dict[str, Any]:
        return rank(frames, level, Filters(region=region)).filter(pl.col("key") == key).row(0, named=True)

    essen = row("institution", "de-essen-uk", "ruhr")
    assert (essen["trials"], essen["recruiting_now"]) == (9, 2)
    witten = row("institution", "de-witten-uwh", "ruhr")  # NCT05816382: RECRUITING overall, WITHDRAWN in Witten
    assert (witten["trials"], witten["recruiting_now"]) == (1, 0)
    assert row("site", "de:05113000|university hospital essen", "ruhr")["recruiting_now"] == 2
    assert row("city", "de:05113000", "ruhr")["recruiting_now"] == 2
    ruhr = row("region", "ruhr", "ruhr")
    assert (ruhr["trials"], ruhr["recruiting_now"]) == (20, 2)
    london = row("city", "gn:2643743", "london")
    assert (london["trials"], london["recruiting_now"]) == (36, 13)
    overall = rank(frames, "city", Filters(region="london", statuses=("RECRUITING",)))
    assert overall.filter(pl.col("key") == "gn:2643743")["trials"].item() == 14  # by overall status alone


def test_the_overall_status_stands_in_where_the_site_has_none() -> None:
    """A hand-made case (the real records give every site of a recruiting trial a status)."""
    studies = pl.DataFrame({
        "nct_id": ["NCT00000001", "NCT00000002", "NCT00000003", "NCT00000004"],
        "overall_status": ["RECRUITING", "RECRUITING", "UNKNOWN", "COMPLETED"],
        "study_type": "INTERVENTIONAL", "start_date": None, "first_posted_date": None,
        "lead_sponsor_class": "OTHER", "lead_sponsor_name": "X", "enrollment": None, "synthetic": False,
        "brief_title": "t",
    }).with_columns(pl.col("start_date", "first_posted_date").cast(pl.Date))  # fmt: skip
    sites = pl.DataFrame({
        "nct_id": ["NCT00000001", "NCT00000002", "NCT00000002", "NCT00000003", "NCT00000004"],
        "facility": ["A", "A", "A", "A", "A"],
        "status": [None, "NOT_YET_RECRUITING", "RECRUITING", "RECRUITING", None],
        "place_id": "p", "place_name": "P", "regions": "r", "institution_id": "a", "institution_name": "A",
        "placeholder": False,
    })  # fmt: skip
    phases = studies.select("nct_id", pl.lit("PHASE2").alias("phase"))
    areas = studies.select("nct_id", pl.lit("oncology").alias("area"))
    frames = frames_from(studies, phases, areas, sites)
    for level in ("institution", "site", "city", "region"):
        got = rank(frames, level, Filters()).row(0, named=True)
        # 1: no site status, overall RECRUITING; 2: one of its two sites recruits; 3: the site recruits, overall
        # UNKNOWN; 4: neither.
        assert (got["trials"], got["recruiting_now"]) == (4, 3), level
