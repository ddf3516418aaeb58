"""The pitch deck and its PDF: slides, text, chart values against the analytics, rendering to PNG."""

from __future__ import annotations

import io
import shutil
import subprocess
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
from trials.present.labels import label, phase_label
from trials.present.output import write_deck
from trials.rules.regions import load_regions

ARTIFACTS = ROOT / "artifacts" / "deck"


@pytest.fixture(scope="module")
def harvested(real_db_url: str) -> str:
    return real_db_url


@pytest.fixture(scope="module")
def frames(harvested: str) -> Frames:
    from db.engine import make_engine

    return build_frames(make_engine(harvested), load_regions())


def charts(prs: Any) -> dict[str, Any]:
    """Slide title -> its chart."""
    out = {}
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_chart:
                out[slide.shapes.title.text] = shape.chart
    return out


def series(chart: Any) -> dict[str, list[float]]:
    return {s.name: list(s.values) for s in chart.plots[0].series}


def categories(chart: Any) -> list[str]:
    return [str(c) for c in chart.plots[0].categories]


def test_the_deck_has_every_slide_and_its_charts_hold_the_analytics_numbers(frames: Frames) -> None:
    regions = load_regions()
    data = deck_data(frames, regions, "ruhr", queries=["geo ruhr: filter.geo=distance(51.5,7.2,40km)"])
    prs = Presentation(io.BytesIO(build_pptx(data)))
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles[0] == data.label and titles[-1] == label("deck.methods", "en")
    assert all(titles) and len(set(titles)) == len(titles), titles  # every slide says what it shows, once
    labels = {r.name: r.label for r in regions}
    keys = ["ruhr", *data.peers]
    ranked = rank(frames, "region", Filters())
    per = dict(zip(ranked["key"], ranked["per_100k"], strict=True))
    by = charts(prs)

    per_chart = by["Trials per 100,000 inhabitants"]
    got = dict(zip(categories(per_chart), next(iter(series(per_chart).values())), strict=True))
    assert got == {labels[k]: per[k] for k in keys}

    phase_chart = by["Phase mix"]
    ruhr_phases = mix(frames, "region", Filters(), "phase_bucket", key="ruhr")
    shown = dict(zip(categories(phase_chart), series(phase_chart)[labels["ruhr"]], strict=True))
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
    assert series(line)[labels["ruhr"]] == [float(per_year.get(y, 0)) for y in years]

    text = " ".join(sh.text_frame.text for s in prs.slides for sh in s.shapes if sh.has_text_frame)
    assert "filter.geo=distance(51.5,7.2,40km)" in text  # the methods slide cites the query
    assert "counts once per place" in text and "Destatis" in text


def test_the_headline_table_and_recruiting_slide_match_the_ranking(frames: Frames) -> None:
    data = deck_data(frames, load_regions(), "ruhr", ["berlin", "hamburg"])
    prs = Presentation(io.BytesIO(build_pptx(data)))
    table = next(sh.table for sh in prs.slides[1].shapes if sh.has_table)
    rows = [[c.text for c in r.cells] for r in table.rows][1:]
    ranked = rank(frames, "region", Filters()).filter(pl.col("key").is_in(["ruhr", "berlin", "hamburg"]))
    assert sorted((r[1], int(r[2].replace(",", ""))) for r in rows) == sorted(ranked.select("name", "trials").rows())
    recruiting = int(ranked.filter(pl.col("key") == "ruhr")["recruiting_now"][0])
    texts = [sh.text_frame.text for sh in prs.slides[7].shapes if sh.has_text_frame]
    assert any(f"{recruiting} trials with a site in Ruhr" in x for x in texts)


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
        # competition ranking: the region's place in the list of itself and its peers, most trials first
        ordered = sorted((counts.get((k, area), 0) for k in ["ruhr", *data.peers]), reverse=True)
        assert row["rank_among_peers"] == ordered.index(counts.get(("ruhr", area), 0)) + 1


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


def test_a_german_deck_has_german_titles(frames: Frames) -> None:
    prs = Presentation(io.BytesIO(build_pptx(deck_data(frames, load_regions(), "ruhr", lang="de"))))
    titles = [s.shapes.title.text for s in prs.slides]
    assert "Kennzahlen" in titles and "Methodik und Quellen" in titles


def test_filters_that_match_nothing_give_a_clear_message_not_an_empty_deck(frames: Frames, harvested: str,
                                                                           tmp_path: Path) -> None:  # fmt: skip
    with pytest.raises(NoMatch, match="nothing to put in a deck"):
        deck_data(frames, load_regions(), "ruhr", filters=Filters(sponsor_name="no such sponsor anywhere"))
    out = tmp_path / "empty.pptx"
    result = CliRunner().invoke(main, ["deck", "--db", harvested, "--region", "ruhr", "--area", "nope", "--out",
                                       str(out)])  # fmt: skip
    assert result.exit_code == 2 and "unknown area 'nope'" in result.output and not out.exists()
    result = CliRunner().invoke(main, ["deck", "--db", harvested, "--region", "atlantis", "--out", str(out)])
    assert result.exit_code == 2 and "unknown region 'atlantis'" in result.output and not out.exists()


def test_cli_writes_the_deck_and_the_pdf(harvested: str, tmp_path: Path) -> None:
    for name in ("deck.pptx", "summary.pdf"):
        out = tmp_path / name
        result = CliRunner().invoke(main, ["deck", "--db", harvested, "--region", "ruhr", "--peers", "berlin,munich",
                                           "--out", str(out)])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000
    prs = Presentation(str(tmp_path / "deck.pptx"))
    assert "Berlin, Munich" in prs.slides[0].placeholders[1].text
    assert (tmp_path / "summary.pdf").read_bytes().startswith(b"%PDF")


def test_deck_and_pdf_render_to_png_pages(frames: Frames, tmp_path: Path) -> None:
    """LibreOffice and pdftoppm (Debian) turn both into images a person can look at (artifacts/deck/)."""
    soffice, pdftoppm, pdftotext = shutil.which("soffice"), shutil.which("pdftoppm"), shutil.which("pdftotext")
    require(bool(soffice and pdftoppm and pdftotext),
            "LibreOffice and poppler-utils are needed (apt-get install libreoffice-impress poppler-utils)")  # fmt: skip
    assert soffice and pdftoppm and pdftotext
    data = deck_data(frames, load_regions(), "ruhr")
    pptx = write_deck(data, tmp_path / "ruhr.pptx")
    pdf = write_deck(data, tmp_path / "ruhr_summary.pdf")
    convert = [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
               "--outdir", str(tmp_path / "lo_out"), str(pptx)]  # fmt: skip
    subprocess.run(convert, check=True, capture_output=True, timeout=300)
    deck_pdf = tmp_path / "lo_out" / "ruhr.pdf"
    pages = tmp_path / "pages"
    pages.mkdir()
    subprocess.run([pdftoppm, "-png", "-r", "60", str(deck_pdf), str(pages / "slide")], check=True, timeout=300)
    subprocess.run([pdftoppm, "-png", "-r", "80", str(pdf), str(pages / "summary")], check=True, timeout=300)
    slides = sorted(pages.glob("slide-*.png"))  # this run's pages only, never stale ones from an earlier run
    assert len(slides) == len(Presentation(str(pptx)).slides)
    assert len(list(pages.glob("summary-*.png"))) == 1  # one page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    for page in pages.glob("*.png"):
        shutil.copy(page, ARTIFACTS / page.name)
    text = subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    ruhr = data.mine
    assert "Ruhr (Regionalverband Ruhr)" in text and f"{ruhr['trials']:,}" in text
    assert "ClinicalTrials.gov" in text
