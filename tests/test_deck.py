"""The pitch deck and its PDF: slides, text, chart values against the analytics, the app's filters on the
command line, the European-context counts (fetched when missing or stale), German throughout, rendering.

The layout (nothing overflows or overlaps, the footer band) is checked in tests/test_deck_layout.py.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner
from pptx import Presentation

from tests.conftest import ROOT, require
from trials.analytics.rankings import Filters, Frames, build_frames, mix, rank, trend
from trials.cli import main
from trials.present.deck import build_pptx
from trials.present.deck_data import NoMatch, deck_data
from trials.present.describe import describe_filters
from trials.present.labels import label, phase_label
from trials.present.output import write_deck
from trials.rules.regions import load_regions
from trials.source.fakeapi.server import FakeApiServer

ARTIFACTS = ROOT / "artifacts" / "deck"


@pytest.fixture(scope="module")
def harvested(real_db_url: str) -> str:
    return real_db_url


@pytest.fixture(scope="module")
def frames(harvested: str) -> Frames:
    from db.engine import make_engine

    return build_frames(make_engine(harvested), load_regions())


def charts(prs: Any) -> dict[str, Any]:
    """Slide title -> its (first) chart."""
    out = {}
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_chart and slide.shapes.title.text not in out:
                out[slide.shapes.title.text] = shape.chart
    return out


def series(chart: Any) -> dict[str, list[float]]:
    return {s.name: list(s.values) for s in chart.plots[0].series}


def categories(chart: Any) -> list[str]:
    return [str(c) for c in chart.plots[0].categories]


def slide_titled(prs: Any, title: str) -> Any:
    return next(s for s in prs.slides if s.shapes.title.text == title)


def slide_text(slide: Any) -> str:
    """Every text of a slide: text boxes, tables, chart categories, series names and value labels."""
    parts = []
    for sh in slide.shapes:
        if sh.has_text_frame:
            parts.append(sh.text_frame.text)
        if sh.has_table:
            parts += [c.text for row in sh.table.rows for c in row.cells]
        if sh.has_chart:
            plot = sh.chart.plots[0]
            parts += [str(c) for c in plot.categories]
            for s in plot.series:
                parts.append(s.name)
                for i in range(len(s.values)):
                    dl = s.points[i].data_label
                    if dl.has_text_frame:
                        parts.append(dl.text_frame.text)
    return "\n".join(parts)


def methods_text(prs: Any, lang: str = "en") -> str:
    title = label("deck.methods", lang)
    return "\n".join(slide_text(s) for s in prs.slides if s.shapes.title.text.startswith(title))


def test_the_deck_has_every_slide_and_its_charts_hold_the_analytics_numbers(frames: Frames) -> None:
    regions = load_regions()
    data = deck_data(frames, regions, "ruhr", queries=["geo ruhr: filter.geo=distance(51.5,7.2,40km)"])
    prs = Presentation(io.BytesIO(build_pptx(data)))
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles[0] == data.label == "Ruhr (Regionalverband Ruhr)"
    assert titles[-2:] == [label("deck.methods", "en"), label("deck.appendix", "en", n=1, of=1)]
    assert all(titles) and len(set(titles)) == len(titles), titles  # every slide says what it shows, once
    keys = ["ruhr", *data.peers]
    short = data.short
    assert short["ruhr"] == "Ruhr" and short["munich"] == "Munich"
    ranked = rank(frames, "region", Filters())
    per = dict(zip(ranked["key"], ranked["per_100k"], strict=True))
    by = charts(prs)

    per_chart = by["Trials per 100,000 inhabitants"]
    got = dict(zip(categories(per_chart), next(iter(series(per_chart).values())), strict=True))
    assert got == {short[k]: per[k] for k in keys}

    phase_chart = by["Phase mix"]
    ruhr_phases = mix(frames, "region", Filters(), "phase_bucket", key="ruhr")
    shown = dict(zip(categories(phase_chart), series(phase_chart)[short["ruhr"]], strict=True))
    assert {k: v for k, v in shown.items() if v} == {phase_label(b): float(n) for b, n in ruhr_phases.iter_rows()}

    inst_chart = by["Top institutions"]
    top = rank(frames, "institution", Filters(region="ruhr")).head(10)
    assert list(reversed(categories(inst_chart))) == top["name"].to_list()
    assert list(reversed(next(iter(series(inst_chart).values())))) == [float(n) for n in top["trials"]]

    line = by["Industry-sponsored trials by start year"]
    years = [int(y) for y in categories(line)]
    expected = trend(frames, "region", Filters(sponsor_classes=("INDUSTRY",), year_from=years[0], year_to=years[-1]),
                     ["ruhr"])  # fmt: skip
    per_year = dict(zip(expected["year"], expected["trials"], strict=True))
    assert series(line)[short["ruhr"]] == [float(per_year.get(y, 0)) for y in years]

    text = " ".join(slide_text(s) for s in prs.slides)
    assert "filter.geo=distance(51.5,7.2,40km)" in text  # the appendix cites the query
    assert "counts once per place" in text and "Destatis" in text
    methods = slide_titled(prs, label("deck.methods", "en"))
    assert "filter.geo=distance(51.5,7.2,40km)" in methods.notes_slide.notes_text_frame.text  # and the notes


def test_the_headline_figures_and_recruiting_slide_match_the_ranking(frames: Frames) -> None:
    data = deck_data(frames, load_regions(), "ruhr", ["berlin", "hamburg"])
    prs = Presentation(io.BytesIO(build_pptx(data)))
    slide = slide_titled(prs, label("deck.headline", "en"))
    table = next(sh.table for sh in slide.shapes if sh.has_table)
    rows = [[c.text for c in r.cells] for r in table.rows][1:]
    ranked = rank(frames, "region", Filters()).filter(pl.col("key").is_in(["ruhr", "berlin", "hamburg"]))
    assert sorted((r[1], int(r[2].replace(",", ""))) for r in rows) == sorted(ranked.select("name", "trials").rows())
    ruhr = ranked.filter(pl.col("key") == "ruhr").row(0, named=True)
    callouts = slide_text(slide)
    assert f"\n{ruhr['trials']:,}\n" in callouts and "Rank " in callouts and "Best peer: " in callouts
    recruiting = int(ruhr["recruiting_now"])
    text = slide_text(slide_titled(prs, "Recruiting now"))
    phrase = label("deck.recruiting_one" if recruiting == 1 else "deck.recruiting_many", "en")
    assert f"{recruiting}\n{phrase}" in text  # the big number over its words, singular for one trial


def test_singular_and_plural() -> None:
    assert label("deck.recruiting_one", "en").startswith("trial ") and " is " in label("deck.recruiting_one", "en")
    assert label("deck.recruiting_many", "en").startswith("trials ") and " are " in label("deck.recruiting_many", "en")
    assert label("deck.context_more_one", "de", value="1,0").startswith(" 1 weiteres europäisches Land")


def _area_counts_from_the_database(db_url: str, regions: list[str]) -> dict[tuple[str, str], int]:
    """(region, area) -> distinct studies, counted with plain SQL on the stored rows (not the analytics code)."""
    import sqlite3

    con = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    out: dict[tuple[str, str], int] = {}
    for region in regions:
        rows = con.execute(
            "SELECT a.area, COUNT(DISTINCT a.nct_id) FROM study_areas a JOIN studies s ON s.nct_id = a.nct_id "
            "WHERE s.removed_at IS NULL AND a.nct_id IN (SELECT nct_id FROM sites WHERE '|' || regions || '|' LIKE ?) "
            "GROUP BY a.area",
            (f"%|{region}|%",),
        ).fetchall()
        out.update({(region, area): n for area, n in rows})
    con.close()
    return out


def test_area_strengths_rank_the_region_among_its_peers(frames: Frames, harvested: str) -> None:
    data = deck_data(frames, load_regions(), "ruhr")
    counts = _area_counts_from_the_database(harvested, ["ruhr", *data.peers])
    assert data.areas.height > 0
    for row in data.areas.iter_rows(named=True):
        area = row["area"]
        assert row["trials"] == counts.get(("ruhr", area), 0)
        for k in data.peers:
            assert row[f"k:{k}"] == counts.get((k, area), 0)
        # competition ranking: the region's place in the list of itself and its peers, most trials first
        ordered = sorted((counts.get((k, area), 0) for k in ["ruhr", *data.peers]), reverse=True)
        assert row["rank_among_peers"] == ordered.index(counts.get(("ruhr", area), 0)) + 1
    prs = Presentation(io.BytesIO(build_pptx(data)))
    table = next(sh.table for sh in slide_titled(prs, "Therapeutic-area strengths").shapes if sh.has_table)
    header = [c.text for c in table.rows[0].cells]
    assert header == ["Therapeutic area", "Ruhr", "Berlin", "Hamburg", "Munich", "Cologne", "Rank"]
    first = data.areas.row(0, named=True)
    assert table.cell(1, 0).text == first["area_name"]


def test_a_german_region_later_in_the_file_is_compared_with_german_peers(frames: Frames) -> None:
    """The default peers come from the region file: the big German cities for every German region, not only the
    first one (Medical Valley and Munich come after the international clusters or the Ruhr)."""
    regions = load_regions()
    names = [r.name for r in regions]
    country = {r.name: r.country for r in regions}
    for region, expected in (("medical-valley", ["berlin", "hamburg", "munich", "cologne"]),
                             ("munich", ["berlin", "hamburg", "cologne"])):  # fmt: skip
        assert names.index(region) > 0
        data = deck_data(frames, regions, region)
        assert data.peers == expected and data.country_code == "DE"
        assert {country[p] for p in data.peers} == {"DE"}
        assert set(data.headline["key"]) == {region, *expected}


def test_a_peer_without_trials_under_the_filters_keeps_its_row(frames: Frames) -> None:
    data = deck_data(frames, load_regions(), "ruhr", filters=Filters(year_from=2013, year_to=2022, phases=("phase3",)))
    assert set(data.headline["key"]) == {"ruhr", *data.peers}
    assert data.headline.filter(pl.col("key") == "cologne")["trials"][0] == 0


def test_a_german_deck_has_german_titles_names_and_numbers(frames: Frames) -> None:
    data = deck_data(frames, load_regions(), "ruhr", lang="de")
    prs = Presentation(io.BytesIO(build_pptx(data)))
    titles = [s.shapes.title.text for s in prs.slides]
    assert "Kennzahlen im Vergleich" in titles and "Methodik und Quellen" in titles
    assert "Klinische Studien im Vergleich mit Berlin, Hamburg, München und Köln" in slide_text(prs.slides[0])
    per = slide_text(slide_titled(prs, "Studien je 100.000 Einwohner"))
    assert re.search(r"\b\d+,\d\b", per) and not re.search(r"\b\d+\.\d\b", per)  # 0,4 not 0.4


def test_filters_in_words() -> None:
    f = Filters(year_from=2013, year_to=2022, phases=("phase3",), areas=("oncology",), sponsor_classes=("INDUSTRY",),
                statuses=("RECRUITING", "ACTIVE_NOT_RECRUITING"), study_types=("INTERVENTIONAL",),
                sponsor_name="Bayer")  # fmt: skip
    assert describe_filters(f, "en") == (
        "started 2013\u20132022; Phase 3; lead sponsor class industry; lead sponsor name contains \u201cBayer\u201d; "
        "therapeutic area Oncology; overall status recruiting or active (not recruiting); study type interventional"
    )
    assert describe_filters(f, "de") == (
        "Beginn 2013\u20132022; Phase 3; Sponsor-Klasse Industrie; Sponsorname enthält \u201eBayer\u201c; "
        "Therapiegebiet Onkologie; Gesamtstatus rekrutierend oder aktiv (nicht rekrutierend); Studientyp "
        "interventionell"
    )
    assert describe_filters(Filters(year_from=2020, date_field="first_posted"), "en") == "first posted 2020 or later"
    assert describe_filters(Filters(), "en") == "every registered trial (no filters)"
    assert "areas=" not in describe_filters(Filters(areas=("oncology",)), "en")


def test_filters_that_match_nothing_give_a_clear_message_not_an_empty_deck(frames: Frames, harvested: str,
                                                                           tmp_path: Path) -> None:  # fmt: skip
    with pytest.raises(NoMatch, match="nothing to put in a deck"):
        deck_data(frames, load_regions(), "ruhr", filters=Filters(sponsor_name="no such sponsor anywhere"))
    out = tmp_path / "empty.pptx"
    for args, message in ((["--area", "nope"], "unknown area nope"), (["--region", "atlantis"], "unknown region"),
                          (["--phase", "phase9"], "unknown phase bucket phase9"),
                          (["--study-type", "SURVEY"], "unknown study type SURVEY"),
                          (["--sponsor", "no such sponsor anywhere"], "nothing to put in a deck")):  # fmt: skip
        region = [] if "--region" in args else ["--region", "ruhr"]
        result = CliRunner().invoke(main, ["deck", "--db", harvested, *region, *args, "--offline", "--out", str(out)])
        assert result.exit_code == 2 and message in result.output, (args, result.output)
        assert not out.exists()


def test_cli_writes_the_deck_and_the_pdf(harvested: str, tmp_path: Path) -> None:
    for name in ("deck.pptx", "summary.pdf"):
        out = tmp_path / name
        result = CliRunner().invoke(main, ["deck", "--db", harvested, "--region", "ruhr", "--peers", "berlin,munich",
                                           "--offline", "--out", str(out)])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000
    prs = Presentation(str(tmp_path / "deck.pptx"))
    assert "against Berlin and Munich" in prs.slides[0].placeholders[1].text
    assert (tmp_path / "summary.pdf").read_bytes().startswith(b"%PDF")


def test_the_app_filters_on_the_command_line_and_in_words_on_the_methods_slide(frames: Frames, harvested: str,
                                                                              tmp_path: Path) -> None:  # fmt: skip
    """`trials deck --region ruhr --from 2013 --to 2022 --phase phase3 --out x.pptx` works and says so."""
    out = tmp_path / "x.pptx"
    result = CliRunner().invoke(main, ["deck", "--db", harvested, "--region", "ruhr", "--from", "2013", "--to", "2022",
                                       "--phase", "phase3", "--offline", "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    prs = Presentation(str(out))
    assert "Trials counted: started 2013\u20132022; Phase 3." in methods_text(prs)
    assert "Trials counted: started 2013\u20132022; Phase 3" in slide_text(prs.slides[0])  # and the title slide
    f = Filters(year_from=2013, year_to=2022, phases=("phase3",))
    expected = rank(frames, "region", f).filter(pl.col("key") == "ruhr")["trials"][0]
    table = next(sh.table for sh in slide_titled(prs, label("deck.headline", "en")).shapes if sh.has_table)
    ruhr = next(r for r in ([c.text for c in row.cells] for row in table.rows) if r[1].startswith("Ruhr"))
    assert int(ruhr[2]) == expected
    # every other filter of the app, in words
    result = CliRunner().invoke(main, ["deck", "--db", harvested, "--region", "ruhr", "--sponsor-class", "industry",
                                       "--status", "completed", "--study-type", "interventional", "--date-field",
                                       "first_posted", "--from", "2010", "--lang", "de",
                                       "--offline", "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    text = methods_text(Presentation(str(out)), "de")
    assert ("Gezählte Studien: erstregistriert ab 2010; Sponsor-Klasse Industrie; Gesamtstatus abgeschlossen; "
            "Studientyp interventionell.") in text  # fmt: skip


#: English words a German reader must never meet in the German deck's own text (data such as institution
#: names and trial titles, and the registry queries of the appendix, are left as the registry has them).
ENGLISH = ("trial", "trials", "Trials", "per", "million", "rank", "Rank", "ranks", "of", "the", "The", "and", "with",
           "Source", "source", "registry", "Registry", "Filters", "none", "mix", "Early", "Observational",
           "applicable", "Unknown", "Industry", "industry", "sponsored", "Recruiting", "recruiting", "Key", "figures",
           "Methods", "Caveats", "Counting", "generated", "queries", "Appendix", "Germany", "Munich", "Cologne",
           "Vienna", "Europe", "European", "inhabitants", "share", "peer", "peers", "Best", "strengths",
           "Therapeutic", "institutions", "Top", "year", "countries", "Context", "Prepared", "is", "are", "from",
           "million", "Lead", "lead", "sponsor", "started", "Denmark", "Netherlands", "United", "Kingdom", "Spain",
           "Italy", "France", "Switzerland", "Phase mix", "Trial", "number", "Institution", "unknown",
           "area")  # fmt: skip


def english_words(prs: Any, data_texts: set[str]) -> list[str]:
    text = "\n".join(slide_text(s) for s in prs.slides if not s.shapes.title.text.startswith("Anhang"))
    for t in sorted(data_texts, key=len, reverse=True):  # the registry's own names and titles
        text = text.replace(t, " ")
    text = re.sub(r"`[^`]*`", " ", text)  # command names (`trials counts`, `--offline`)
    text = text.replace("ClinicalTrials.gov", " ")
    return sorted({w for w in ENGLISH if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)})


@pytest.fixture
def real_copy(harvested: str, tmp_path: Path) -> str:
    target = tmp_path / "copy.db"
    shutil.copyfile(harvested.removeprefix("sqlite:///"), target)
    return f"sqlite:///{target}"


def test_the_german_deck_has_no_english_ui_words(
    real_copy: str, real_corpus: Path, frames: Frames, fake_api: Callable[..., FakeApiServer], tmp_path: Path
) -> None:
    """`trials deck --region ruhr --lang de --out x.pptx` (counts fetched, so the context slide is there too)."""
    server = fake_api(real_corpus)
    out = tmp_path / "x.pptx"
    result = CliRunner().invoke(main, ["deck", "--db", real_copy, "--region", "ruhr", "--lang", "de", "--base-url",
                                       server.base_url, "--rate", "0", "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    prs = Presentation(str(out))
    titles = [s.shapes.title.text for s in prs.slides]
    assert label("deck.context", "de") in titles
    data = deck_data(frames, load_regions(), "ruhr", lang="de")
    names = {*data.top_institutions["name"], *data.recruiting["name"], *data.recruiting_trials["brief_title"],
             *data.recruiting_trials["lead_sponsor_name"]}  # fmt: skip
    assert english_words(prs, {str(n) for n in names if n}) == []
    context = slide_text(slide_titled(prs, label("deck.context", "de")))
    assert "Deutschland" in context and "München" in context and "Köln" in context
    # the check itself finds English: the English deck fails it
    english = Presentation(io.BytesIO(build_pptx(deck_data(frames, load_regions(), "ruhr", lang="en"))))
    assert {"trials", "Rank", "Methods"} <= set(english_words(english, set()))


def test_the_deck_fetches_the_country_counts_when_missing_or_stale_and_says_so_offline(
    real_copy: str, real_corpus: Path, fake_api: Callable[..., FakeApiServer], tmp_path: Path
) -> None:
    server = fake_api(real_corpus)
    out = tmp_path / "d.pptx"

    def deck(*extra: str) -> tuple[Any, int]:
        before = len(server.api.requests)
        result = CliRunner().invoke(main, ["deck", "--db", real_copy, "--region", "ruhr", "--base-url",
                                           server.base_url, "--rate", "0", *extra, "--out", str(out)])  # fmt: skip
        assert result.exit_code == 0, result.output
        return Presentation(str(out)), len(server.api.requests) - before

    prs, asked = deck("--offline")  # none stored, offline: no context slide, and the methods slide says why
    assert asked == 0 and label("deck.context", "en") not in [s.shapes.title.text for s in prs.slides]
    assert "no country counts are stored and the deck was made offline" in methods_text(prs)
    plain = len(prs.slides)

    prs, asked = deck()  # missing: fetched, one count-only query per country and region (and /version)
    assert asked > 40
    titles = [s.shapes.title.text for s in prs.slides]
    assert label("deck.context", "en") in titles and len(prs.slides) == plain + 1
    assert "They were asked for this deck" in methods_text(prs)
    context = slide_titled(prs, label("deck.context", "en"))
    assert "filter.advanced" in context.notes_slide.notes_text_frame.text  # the query behind every bar

    prs, asked = deck()  # current: not asked again
    assert asked == 0 and label("deck.context", "en") in [s.shapes.title.text for s in prs.slides]

    from db.engine import make_engine
    from db.store import Store
    from trials.jobs.harvest import Harvester

    engine = make_engine(real_copy)  # a newer harvest makes the stored counts stale
    assert Harvester(Store(engine)).harvest_file(real_corpus, request={}).outcome == "success"
    engine.dispose()
    prs, asked = deck("--offline")
    assert asked == 0 and label("deck.context", "en") in [s.shapes.title.text for s in prs.slides]
    assert "They are older than the latest harvest" in methods_text(prs) and "(`--offline`)" in methods_text(prs)
    prs, asked = deck()
    assert asked > 40 and "They are older than" not in methods_text(prs)
    assert "They were asked for this deck" in methods_text(prs)


def test_a_registry_that_does_not_answer_leaves_a_deck_that_says_so(real_copy: str, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "d.pptx"
    nowhere = f"http://127.0.0.1:{port}/api/v2"
    result = CliRunner().invoke(main, ["deck", "--db", real_copy, "--region", "ruhr", "--base-url", nowhere,
                                       "--rate", "0", "--out", str(out)])  # fmt: skip
    assert result.exit_code == 3, result.output  # written, with a warning
    assert "could not fetch the country counts" in result.output
    assert "fetching the country counts failed" in methods_text(Presentation(str(out)))


def test_the_pdf_stands_alone_and_renders(frames: Frames, tmp_path: Path) -> None:
    """The one-page PDF carries its own method and source line (a reader may never see the deck); poppler turns
    it into an image a person can look at (artifacts/deck/summary-*.png; the deck's pages are rendered by
    tests/test_deck_layout.py)."""
    pdftoppm, pdftotext = shutil.which("pdftoppm"), shutil.which("pdftotext")
    require(bool(pdftoppm and pdftotext), "poppler-utils is needed (apt-get install poppler-utils)")
    assert pdftoppm and pdftotext
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):  # this run's pages only (the slides are in en/ and de/)
        old.unlink()
    for lang in ("en", "de"):
        data = deck_data(frames, load_regions(), "ruhr", lang=lang,
                         filters=Filters(year_from=2013, year_to=2022, phases=("phase3",)))  # fmt: skip
        pdf = write_deck(data, tmp_path / f"summary_{lang}.pdf")
        pages = tmp_path / f"pages_{lang}"
        pages.mkdir()
        subprocess.run([pdftoppm, "-png", "-r", "80", str(pdf), str(pages / f"summary-{lang}")], check=True,
                       timeout=300)  # fmt: skip
        assert len(list(pages.glob("*.png"))) == 1  # one page
        for page in pages.glob("*.png"):
            shutil.copy(page, ARTIFACTS / page.name)
        text = " ".join(subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True,
                                       text=True).stdout.split())  # fmt: skip
        ruhr = data.mine
        assert "Ruhr (Regionalverband Ruhr)" in text
        assert "ClinicalTrials.gov" in text and "methods slide" not in text and "Methodenfolie" not in text
        if lang == "en":
            assert f"{ruhr['trials']:,}" in text and "Method: every study in the registry" in text
            assert "Trials counted: started 2013\u20132022; Phase 3" in text
        else:
            assert "Methode: jede Studie im Register" in text and "Beginn 2013\u20132022; Phase 3" in text
