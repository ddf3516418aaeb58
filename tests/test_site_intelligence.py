"""Site intelligence (issue 17) on the real records: experience profile, location quotients and sponsor concentration
against hand computations, international ties of real studies checked by hand, the scout's shortlist, the
``trials rank --metric`` columns, the XLSX sheets and the deck's two new slides (in the deck layout check).

The hand computations count straight from the stored tables (SQL over ``sites`` and ``study_areas``) or from the
raw registry records, never through the polars code under test.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from pptx import Presentation
from sqlalchemy import Engine, bindparam, text

from db.reader import Reader
from tests.conftest import ROOT
from tests.helpers import APP, read_ndjson
from trials.analytics.experience import experience, experience_table
from trials.analytics.extras import add_metrics, intelligence_sheets, metric_names
from trials.analytics.rankings import Filters, Frames, build_frames
from trials.analytics.scout import shortlist
from trials.analytics.specialisation import location_quotients, lq_column, peer_shares, sponsor_concentration
from trials.analytics.ties import CountryData, country_data, partner_countries, study_ties, ties
from trials.errors import ConfigError
from trials.present.deck import build_pptx
from trials.present.deck_data import deck_data
from trials.present.export import to_xlsx
from trials.present.labels import CATALOGUE
from trials.rules.regions import default_peers, find_region, load_regions
from trials.rules.sponsors import default_sponsor_countries

PEERS = ["berlin", "hamburg", "munich", "cologne"]  # the Ruhr's peers in trials/data/regions.toml


@pytest.fixture(scope="module")
def regions() -> list[Any]:
    return load_regions()


@pytest.fixture(scope="module")
def frames(real_engine: Engine, regions: list[Any]) -> Frames:
    return build_frames(real_engine, regions)


@pytest.fixture(scope="module")
def countries(real_engine: Engine, regions: list[Any]) -> CountryData:
    sc = Reader(real_engine).site_countries()
    return country_data(sc.studies, sc.places, regions)


def _ids(conn: Any, sql: str, **params: Any) -> set[str]:
    return {r[0] for r in conn.execute(text(sql), params)}


def _region_ids(conn: Any, region: str) -> set[str]:
    """Studies (not removed) with a stored site in ``region``: straight from the sites table."""
    return _ids(conn, "SELECT DISTINCT s.nct_id FROM sites s JOIN studies st ON st.nct_id = s.nct_id "
                      "WHERE st.removed_at IS NULL AND ('|' || s.regions || '|') LIKE :pat",
                pat=f"%|{region}|%")  # fmt: skip


def _area_ids(conn: Any, area: str) -> set[str]:
    return _ids(conn, "SELECT nct_id FROM study_areas WHERE area = :a", a=area)


# -- specialisation --------------------------------------------------------------------------------------------------
def test_the_peer_set_is_the_regions_configured_peers(regions: list[Any]) -> None:
    assert default_peers(find_region(regions, "ruhr"), regions) == PEERS


def test_location_quotient_of_the_ruhr_matches_a_hand_computation(real_engine: Engine, frames: Frames) -> None:
    """LQ(Ruhr, oncology) = (Ruhr's oncology trials / Ruhr's trials) / (peers' oncology trials / peers' trials).

    By hand on the real records (checked once against the registry's records, then frozen here): the Ruhr has 20
    trials, 7 of them in oncology; its four peers have 37 distinct trials together, 10 in oncology; so
    LQ = (7/20) / (10/37) = 0.35 / 0.27027 = 1.295. The SQL below recounts the same from the stored tables.
    """
    with real_engine.connect() as conn:
        ruhr = _region_ids(conn, "ruhr")
        peers = set().union(*(_region_ids(conn, p) for p in PEERS))
        onc = _area_ids(conn, "oncology")
    assert (len(ruhr), len(ruhr & onc), len(peers), len(peers & onc)) == (20, 7, 37, 10)
    hand = (len(ruhr & onc) / len(ruhr)) / (len(peers & onc) / len(peers))
    assert hand == pytest.approx(1.295)
    lq = location_quotients(frames, "region", Filters(), PEERS, ["ruhr"])
    row = lq.filter(pl.col("area") == "oncology").row(0, named=True)
    assert (row["trials_in_area"], row["trials"], row["peer_trials_in_area"], row["peer_trials"]) == (7, 20, 10, 37)
    assert row["lq"] == pytest.approx(hand)
    # Every area of the Ruhr against the same hand count.
    with real_engine.connect() as conn:
        for r in lq.iter_rows(named=True):
            mine = len(ruhr & _area_ids(conn, r["area"]))
            theirs = len(peers & _area_ids(conn, r["area"]))
            assert r["trials_in_area"] == mine
            assert r["lq"] == (pytest.approx((mine / 20) / (theirs / 37)) if theirs else None)


def test_location_quotient_of_an_institution_uses_its_regions_peer_set(frames: Frames) -> None:
    """Universitätsklinikum Essen: 9 trials in the Ruhr, 6 in neurology; peers 12 of 37 -> (6/9)/(12/37) = 2.056."""
    lq = location_quotients(frames, "institution", Filters(region="ruhr"), PEERS, ["de-essen-uk"])
    row = lq.filter(pl.col("area") == "neurology").row(0, named=True)
    assert (row["trials_in_area"], row["trials"], row["peer_trials_in_area"], row["peer_trials"]) == (6, 9, 12, 37)
    assert row["lq"] == pytest.approx((6 / 9) / (12 / 37))
    column = lq_column(frames, "institution", Filters(region="ruhr"), PEERS, "neurology")
    assert column.filter(pl.col("key") == "de-essen-uk")["lq_neurology"][0] == pytest.approx(2.06, abs=0.005)
    # An area the peers have no trial in has no reference: no quotient rather than infinity.
    shares = peer_shares(frames, Filters(), PEERS)
    assert "womens-health" not in shares["area"].to_list()
    ruhr = location_quotients(frames, "region", Filters(), PEERS, ["ruhr"])
    assert ruhr.filter(pl.col("area") == "womens-health")["lq"][0] is None


def test_sponsor_concentration_matches_a_hand_computation(real_engine: Engine, frames: Frames) -> None:
    """HHI = 10,000 x the sum of squared lead-sponsor shares, counted by hand from the stored studies."""
    table = sponsor_concentration(frames, "institution", Filters(region="ruhr"))
    with real_engine.connect() as conn:
        for row in table.iter_rows(named=True):
            ids = sorted(frames.links["institution"].filter(pl.col("key") == row["key"]).join(
                frames.studies, on="sid")["nct_id"].unique().to_list())  # fmt: skip
            sponsors = [r[0] for r in conn.execute(
                text("SELECT lead_sponsor_name FROM studies WHERE nct_id IN :ids AND lead_sponsor_name IS NOT NULL")
                .bindparams(bindparam("ids", expanding=True)), {"ids": ids})]  # fmt: skip
            counts = {s: sponsors.count(s) for s in set(sponsors)}
            hand = round(10_000 * sum((n / len(sponsors)) ** 2 for n in counts.values()))
            assert row["sponsor_hhi"] == hand, row["name"]
            assert row["sponsors"] == len(counts)
    stude = table.filter(pl.col("key") == "de:05911000/praxis-dr-stude").row(0, named=True)
    assert (stude["sponsored_trials"], stude["sponsors"], stude["sponsor_hhi"]) == (3, 2, 5556)  # (2/3)^2 + (1/3)^2


# -- experience ------------------------------------------------------------------------------------------------------
def test_experience_figures_carry_the_trials_behind_them(real_engine: Engine, frames: Frames) -> None:
    exp = {r["figure"]: r for r in experience(frames, "institution", "de-essen-uk", Filters(region="ruhr")).to_dicts()}
    everything = set(exp["exp.trials"]["nct_ids"])
    assert len(everything) == exp["exp.trials"]["value"] == 9
    for name, row in exp.items():
        assert set(row["nct_ids"]) <= everything, name
        assert row["trials"] == len(row["nct_ids"])
    with real_engine.connect() as conn:
        rows = conn.execute(text("SELECT nct_id, overall_status, lead_sponsor_class, enrollment, start_date, "
                                 "first_posted_date FROM studies WHERE nct_id IN :ids")
                            .bindparams(bindparam("ids", expanding=True)),
                            {"ids": sorted(everything)}).all()  # fmt: skip
    industry = {r[0] for r in rows if r[2] == "INDUSTRY"}
    closed = {r[0] for r in rows if r[1] in ("COMPLETED", "TERMINATED", "WITHDRAWN")}
    done = {r[0] for r in rows if r[1] == "COMPLETED"}
    assert set(exp["exp.industry_share"]["nct_ids"]) == industry
    assert exp["exp.industry_share"]["value"] == pytest.approx(len(industry) / 9)
    assert set(exp["exp.closed"]["nct_ids"]) == closed
    assert exp["exp.completed_share"]["value"] == pytest.approx(len(done) / len(closed))
    enrolments = sorted(r[3] for r in rows if r[3] is not None)
    assert exp["exp.median_enrollment"]["value"] == pytest.approx(pl.Series(enrolments).median())
    # The same definitions, one row per institution (trials rank --metric, the XLSX).
    table = experience_table(frames, "institution", Filters(region="ruhr")).filter(pl.col("key") == "de-essen-uk")
    assert table["industry_share"][0] == pytest.approx(round(len(industry) / 9, 4))
    assert table["completed_share"][0] == pytest.approx(round(len(done) / len(closed), 4))


def test_why_stopped_comes_from_the_registry_records(real_engine: Engine, real_corpus: Any) -> None:
    records = {r["protocolSection"]["identificationModule"]["nctId"]: r for r in read_ndjson(real_corpus)}
    status = {n: r.get("protocolSection", {}).get("statusModule") or {} for n, r in records.items()}
    stopped = {n: s.get("whyStopped") for n, s in status.items()
               if s.get("overallStatus") in ("TERMINATED", "WITHDRAWN")}  # fmt: skip
    got = Reader(real_engine).why_stopped(sorted(stopped))
    assert got == {n: w.strip() for n, w in stopped.items() if w and w.strip()}
    assert got  # the real records give reasons


# -- international ties ----------------------------------------------------------------------------------------------
def _record(real_corpus: Any, nct_id: str) -> dict[str, Any]:
    return next(r for r in read_ndjson(real_corpus) if r["protocolSection"]["identificationModule"]["nctId"] == nct_id)


def test_ties_of_a_multinational_industry_study_checked_by_hand(frames: Frames, countries: CountryData,
                                                                real_corpus: Any) -> None:  # fmt: skip
    """NCT02438826 (Eli Lilly, sites in the Ruhr): by hand from the record, sites in 12 countries - United States,
    France, Germany, United Kingdom, Canada, Italy, Belgium, Denmark, Finland, Greece, Netherlands, Spain - so it is
    multinational; the lead sponsor is a company our institution data does not know: its country is unknown (never
    guessed), so from the Ruhr its side is unknown."""
    hand = ["Belgium", "Canada", "Denmark", "Finland", "France", "Germany", "Greece", "Italy", "Netherlands", "Spain",
            "United Kingdom", "United States"]  # fmt: skip
    locations = _record(real_corpus, "NCT02438826")["protocolSection"]["contactsLocationsModule"]["locations"]
    assert sorted({loc["country"] for loc in locations}) == hand
    got = study_ties(frames, countries, "NCT02438826", "Germany")
    assert got == {"countries": hand, "multinational": True, "lead_sponsor": "Eli Lilly and Company",
                   "sponsor_country": None, "side": "unknown"}  # fmt: skip


def test_ties_of_a_domestic_academic_study_checked_by_hand(frames: Frames, countries: CountryData,
                                                           real_corpus: Any) -> None:  # fmt: skip
    """NCT04970355: 11 sites, all in Germany (not multinational); lead sponsor "Charite University, Berlin,
    Germany", which our institution data places in Berlin: a German sponsor, domestic from the Ruhr (and foreign
    from Vienna)."""
    rec = _record(real_corpus, "NCT04970355")["protocolSection"]
    assert {loc["country"] for loc in rec["contactsLocationsModule"]["locations"]} == {"Germany"}
    assert rec["sponsorCollaboratorsModule"]["leadSponsor"]["name"] == "Charite University, Berlin, Germany"
    got = study_ties(frames, countries, "NCT04970355", "Germany")
    assert got == {"countries": ["Germany"], "multinational": False,
                   "lead_sponsor": "Charite University, Berlin, Germany", "sponsor_country": "Germany",
                   "side": "domestic"}  # fmt: skip
    assert study_ties(frames, countries, "NCT04970355", "Austria")["side"] == "foreign"


def test_ties_of_the_ruhr_add_up(real_engine: Engine, frames: Frames, countries: CountryData) -> None:
    row = ties(frames, countries, "region", Filters(), ["ruhr"]).row(0, named=True)
    with real_engine.connect() as conn:
        ruhr = _region_ids(conn, "ruhr")
        multi = {r[0] for r in conn.execute(text(
            "SELECT nct_id FROM sites WHERE country IS NOT NULL AND country <> '' GROUP BY nct_id "
            "HAVING COUNT(DISTINCT country) > 1"))} & ruhr  # fmt: skip
    assert row["home_country"] == "Germany"
    assert (row["trials"], row["multinational_trials"]) == (len(ruhr), len(multi))
    assert row["domestic_sponsor_trials"] + row["foreign_sponsor_trials"] + row["unknown_sponsor_trials"] == len(ruhr)
    assert row["domestic_sponsor_trials"] == 3  # NCT01742767, NCT04116060 (Essen), NCT04970355 (Charité)
    partners = partner_countries(frames, countries, "region", Filters(), "ruhr")
    assert "Germany" not in partners["country"].to_list()
    top = partners.row(0, named=True)
    assert top["trials"] == len(top["nct_ids"]) and set(top["nct_ids"]) <= {f"{n}" for n in ruhr}


def test_a_sponsor_country_needs_the_institution_and_its_place() -> None:
    sc = default_sponsor_countries(load_regions())
    assert sc.country("University Hospital, Essen") == "Germany"
    assert sc.country("Medical University of Vienna") == "Austria"
    assert sc.country("University College, London") == "United Kingdom"
    # A generic pattern without the place's name is not enough: unknown, never a guess.
    assert sc.country("University Hospital, Ghent") is None
    assert sc.country("Seoul National University Hospital") is None
    assert sc.country("Eli Lilly and Company") is None
    assert sc.country(None) is None


# -- the scout's shortlist -------------------------------------------------------------------------------------------
def test_the_scout_question_on_the_real_records(frames: Frames) -> None:
    """Recruiting oncology phase 2/3 institutions in the Ruhr with industry experience: Universitätsklinikum Essen,
    whose site recruits for NCT01742767 (site status RECRUITING, the trial's overall status UNKNOWN) and which has
    run industry-sponsored trials."""
    f = Filters(region="ruhr", areas=("oncology",), phases=("phase2", "phase3"))
    table = shortlist(frames, "institution", f, recruiting=True, industry=True, peers=PEERS)
    assert table["key"].to_list() == ["de-essen-uk"]
    row = table.row(0, named=True)
    assert row["recruiting_ids"] == ["NCT01742767"] and row["matching_ids"] == ["NCT01742767"]
    assert row["industry_trials"] == len(row["industry_ids"]) > 0
    relaxed = shortlist(frames, "institution", f, peers=PEERS)
    assert relaxed.height >= table.height and relaxed["rank"].to_list() == sorted(relaxed["rank"].to_list())
    assert set(relaxed["key"]) >= set(table["key"])


# -- CLI, XLSX, deck -------------------------------------------------------------------------------------------------
def test_rank_metric_columns_come_after_the_existing_ones(real_db_url: str) -> None:
    cmd = [sys.executable, "-m", "trials", "rank", "--by", "institution", "--region", "ruhr", "--format", "csv",
           "--db", real_db_url]  # fmt: skip
    plain = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT, check=True).stdout
    extra = subprocess.run([*cmd, "--metric", "sponsor_hhi", "--metric", "lq:oncology", "--metric",
                            "multinational_share"], capture_output=True, text=True, timeout=300, cwd=ROOT,
                           check=True).stdout  # fmt: skip
    plain_rows = list(csv.DictReader(io.StringIO(plain)))
    extra_rows = list(csv.DictReader(io.StringIO(extra)))
    head = list(plain_rows[0])
    assert list(extra_rows[0])[: len(head)] == head  # users' scripts read these: unchanged, in place
    assert list(extra_rows[0])[len(head) :] == ["sponsor_hhi", "lq_oncology", "multinational_share"]
    assert [{k: r[k] for k in head} for r in extra_rows] == plain_rows
    essen = next(r for r in extra_rows if r["key"] == "de-essen-uk")
    assert essen["sponsor_hhi"] == "1605" and essen["lq_oncology"] == "0.41"
    bad = subprocess.run([*cmd, "--metric", "nonsense"], capture_output=True, text=True, timeout=300, cwd=ROOT,
                         check=False)  # fmt: skip
    assert bad.returncode == 2 and "unknown metric nonsense" in bad.stderr and "lq:oncology" in bad.stderr


def test_every_extra_metric_has_labels_and_is_computed(frames: Frames, countries: CountryData) -> None:
    from trials.analytics.metrics import EXTRA, LQ
    from trials.analytics.rankings import rank

    for m in (*EXTRA, LQ):
        assert m.label in CATALOGUE and m.unit in CATALOGUE
    f = Filters(region="ruhr")
    table = rank(frames, "institution", f)
    names = [n for n in metric_names() if not n.startswith("lq:")] + ["lq:oncology"]
    out = add_metrics(table, frames, "institution", f, names, peers=PEERS, countries=lambda: countries)
    assert out.columns[: len(table.columns)] == table.columns and out.height == table.height
    with pytest.raises(ConfigError, match="unknown metric"):
        add_metrics(table, frames, "institution", f, ["bogus"])


def test_xlsx_has_the_site_intelligence_sheets(frames: Frames, countries: CountryData) -> None:
    from trials.analytics.rankings import rank

    f = Filters(region="ruhr")
    table = rank(frames, "institution", f)
    sheets = intelligence_sheets(frames, "institution", f, PEERS, countries)
    assert list(sheets) == ["Specialisation (LQ)", "Sponsor concentration", "Experience", "International ties"]
    book = to_xlsx(table, f, "institution", "1", None, (), sheets=sheets)
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        workbook = z.read("xl/workbook.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode()
    names = re.findall(r'<sheet name="([^"]+)"', workbook)
    assert names == ["Ranking", *sheets, "Provenance"]
    assert "lq" in strings and "sponsor_hhi" in strings and "multinational_share" in strings


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("region", ["ruhr", "medicon-valley"])
@pytest.mark.parametrize("filters", [None, Filters(year_from=2013, year_to=2022, phases=("phase3",))])
def test_strong_and_ties_slides_pass_the_deck_layout_check(
    frames: Frames, countries: CountryData, regions: Any, lang: str, region: str, filters: Filters | None
) -> None:
    from tests.test_deck_layout import layout_problems
    from trials.present.labels import label

    d = deck_data(frames, regions, region, None, filters, lang, [], countries=countries)
    prs = Presentation(io.BytesIO(build_pptx(d)))
    assert layout_problems(prs) == []
    titles = [s.shapes.title.text_frame.text for s in prs.slides if s.shapes.title is not None]
    assert label("deck.strong", lang, region=d.short[region]) in titles
    assert label("ties", lang) in titles
    assert d.strong is not None and d.ties is not None
    if d.strong.height:  # the bars are the location quotients of the analytics, in order
        slide = prs.slides[titles.index(label("deck.strong", lang, region=d.short[region]))]
        chart = next(sh.chart for sh in slide.shapes if sh.has_chart)
        values = list(chart.plots[0].series[0].values)
        assert values == pytest.approx(list(reversed(d.strong["lq"].to_list())))
    if region == "ruhr" and filters is None and lang == "en":
        out = ROOT / "artifacts" / "deck"
        out.mkdir(parents=True, exist_ok=True)
        (out / "site_intelligence_ruhr_en.pptx").write_bytes(build_pptx(d))


# -- the app ---------------------------------------------------------------------------------------------------------
@pytest.fixture
def app_db(real_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("TRIALS_DB_URL", real_db_url)
    yield real_db_url


def _open(page: str, **params: str | list[str]) -> Any:
    """Open a page in AppTest: run the app once, so a page with its own url_path is known, then switch to it."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    for k, v in params.items():  # again: the first page may have rewritten the link (it drops what it does not know)
        at.query_params[k] = v
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["en", "de"])
def test_find_sites_answers_the_scout_question(app_db: str, lang: str) -> None:
    at = _open("find_sites", lang=lang)
    assert [x.value for x in at.title] == [CATALOGUE["find_sites"][lang == "de"]]
    assert len(at.success) == 1 and "1" in at.success[0].value
    table = at.dataframe[0].value
    assert table["name"].tolist() == ["Universitätsklinikum Essen"]
    assert "NCT01742767" in table["reasons"][0]
    assert at.query_params["area"] in ("oncology", ["oncology"])  # the question is in the URL, to share
    assert at.query_params["phase"] == ["phase2", "phase3"]


def test_profile_shows_experience_specialisation_and_ties(app_db: str) -> None:
    at = _open("profile", entity="de-essen-uk", region="ruhr")
    heads = [h.value for h in at.subheader]
    for key in ("experience", "specialisation", "ties"):
        assert CATALOGUE[key][0] in heads
    assert any("NCT01701245" in str(d.value.to_dict()) for d in at.dataframe)


def test_compare_shows_the_regions_ties(app_db: str) -> None:
    at = _open("compare", cmp=["ruhr", "berlin"])
    assert CATALOGUE["ties"][0] in [h.value for h in at.subheader]
    assert json.dumps([str(d.value.to_dict()) for d in at.dataframe]).count("Italy") >= 1


def test_find_sites_shows_hostile_link_values_as_text(app_db: str) -> None:
    """The question comes from a link anyone can write: a bad value is dropped with a notice that quotes it as code
    (no image or link can take effect), and the page still answers."""
    at = _open("find_sites", area="![t](http://t.example/p.png)", region="ruhr")
    notices = [w.value for w in at.warning]
    assert any("t.example" in n and "`" in n for n in notices), notices
    assert [x.value for x in at.title] == ["Find sites"]


def test_xlsx_has_the_regions_investigators(frames: Frames, countries: CountryData, real_engine: Engine) -> None:
    """The region's investigators become a sheet: the Essen principal investigator of NCT04116060 is there, with
    his trial, and no column holds a phone number or an e-mail address."""
    from trials.analytics.investigators import in_region

    people = in_region(Reader(real_engine).investigators(), "ruhr")
    sheets = intelligence_sheets(frames, "institution", Filters(region="ruhr"), PEERS, countries, people)
    sheet = sheets["Investigators"]
    rammos = sheet.filter(pl.col("name").str.contains("Rammos"))
    assert rammos.height >= 1 and "NCT04116060" in rammos["nct_ids"].str.join(", ")[0]
    text = " ".join(str(v) for row in sheet.iter_rows() for v in row)
    assert "@" not in text, "no e-mail address"
    assert not [c for c in sheet.columns if "phone" in c or "mail" in c], "no contact columns"
