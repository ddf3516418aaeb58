"""The deck's layout, as the cluster office would check it before sending it: nothing overflows or overlaps.

Two checks. The geometry check opens every generated deck (English and German, default and filtered
filters, the Ruhr and a comparison region) and checks that every text frame, table and chart stays within
the slide, that text boxes have a fixed size and their text fits (measured in the deck's font, see
:mod:`trials.present.textfit`), that no table cell breaks a word, and that no two text-bearing shapes overlap.
The rendering check turns the default decks into pages with LibreOffice and checks that the footer band
of every page holds the footer's words and nothing else, and that the strip between the body and the
footer is empty in the page image.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pptx import Presentation
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.oxml.ns import qn
from pptx.util import Emu

from tests.conftest import ROOT, require
from trials.analytics.context import latest_counts
from trials.analytics.rankings import Filters, Frames, build_frames
from trials.present import textfit
from trials.present.deck import build_pptx
from trials.present.deck_data import DeckData, deck_data
from trials.rules.regions import load_regions
from trials.source.queries import region_queries

ARTIFACTS = ROOT / "artifacts" / "deck"
PT = 12700  # EMU per point
INCH = 914400
#: Where the footer lives: below this line (inches from the top) a page holds the footer and nothing else.
FOOTER_BAND = 6.85
#: The strip between the body and the footer (inches from the top): empty on every page.
GAP = (6.78, 6.9)

FILTERED = Filters(year_from=2013, year_to=2022, phases=("phase3",))
CASES = [
    (region, lang, name, filters)
    for region in ("ruhr", "medicon-valley")
    for lang in ("en", "de")
    for name, filters in (("default", None), ("filtered", FILTERED))
]


@pytest.fixture(scope="module")
def frames(real_db_url: str) -> Frames:
    from db.engine import make_engine

    return build_frames(make_engine(real_db_url), load_regions())


@pytest.fixture(scope="module")
def counts(real_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    """Count-only figures as `trials counts` stores them, asked of the fake API over the real records."""
    from db.engine import make_engine
    from db.migrate import upgrade
    from trials.jobs.counts import refresh_counts
    from trials.source.api import CtgovClient
    from trials.source.fakeapi.server import FakeApiServer

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('counts') / 'c.db'}")
    upgrade(engine)
    server = FakeApiServer(real_corpus).start()
    try:
        with CtgovClient(server.base_url, rate_per_second=0) as client:
            refresh_counts(engine, client, load_regions())
    finally:
        server.stop()
    out = latest_counts(engine)
    engine.dispose()
    return out


def harvest_queries() -> list[str]:
    """The registry queries of a harvest of every configured region, as the methods slide cites them."""
    return [f"{q.label}: " + " ".join(f"{k}={v}" for k, v in sorted(q.params.items()))
            for r in load_regions() for q in region_queries(r)]  # fmt: skip


def make(frames: Frames, counts: pl.DataFrame, region: str, lang: str, filters: Filters | None) -> DeckData:
    return deck_data(frames, load_regions(), region, filters=filters, lang=lang, queries=harvest_queries(),
                     counts=counts)  # fmt: skip


# -- geometry ------------------------------------------------------------------------------------------
@dataclass
class Box:
    what: str
    left: int
    top: int
    right: int
    bottom: int

    def overlaps(self, other: Box) -> bool:
        return min(self.right, other.right) > max(self.left, other.left) and min(self.bottom, other.bottom) > max(
            self.top, other.top
        )


def _insets(body_pr: Any, defaults: tuple[int, int, int, int] = (91440, 45720, 91440, 45720)) -> list[int]:
    names = ("lIns", "tIns", "rIns", "bIns")
    return [
        int(body_pr.get(n)) if body_pr is not None and body_pr.get(n) else d
        for n, d in zip(names, defaults, strict=True)
    ]


def _font(paragraph: Any, default: float) -> tuple[float, bool]:
    """Size (pt) and weight of a paragraph: its first run's, else the paragraph's, else ``default``."""
    run = paragraph.runs[0] if paragraph.runs else None
    size = (run.font.size if run is not None else None) or paragraph.font.size
    bold = (run.font.bold if run is not None else None) or paragraph.font.bold
    return (size.pt if size is not None else default), bool(bold)


def _needed(paragraphs: Any, width: float, default: float, wrap: bool = True) -> tuple[float, str | None]:
    """Points of height the paragraphs need in a box ``width`` points wide, and a word that would break."""
    used, broken = 0.0, None
    for p in paragraphs:
        size, bold = _font(p, default)
        text = "".join(r.text for r in p.runs) if p.runs else p.text
        if wrap:
            lines = textfit.wrap(text, width, size, bold)
            widest = textfit.longest_word(text, size, bold)
        else:
            lines = text.split("\n")
            widest = max(textfit.text_width(line, size, bold) for line in lines)
        if widest > width + 0.5:
            broken = max(text.split(), key=lambda w: textfit.text_width(w, size, bold)) if text.split() else text
        before = p.space_before.pt if p.space_before is not None else 0.0
        after = p.space_after.pt if p.space_after is not None else 0.0
        used += textfit.height(len(lines), size) + before + after
    return used, broken


def _default_size(shape: Any) -> float:
    if shape.is_placeholder and shape.placeholder_format.type in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE):
        return 44.0
    return 18.0


def layout_problems(prs: Any) -> list[str]:
    """Everything that would overflow, leave the slide or overlap, one line per problem."""
    width, height = int(prs.slide_width), int(prs.slide_height)
    problems = []
    for number, slide in enumerate(prs.slides, start=1):
        title = slide.shapes.title.text if slide.shapes.title is not None else ""
        where = f"slide {number} ({title[:40]!r})"
        boxes = []
        for shape in slide.shapes:
            name = f"{shape.shape_type} {shape.name!r}"
            left, top, w, h = int(shape.left), int(shape.top), int(shape.width), int(shape.height)
            if shape.has_text_frame and shape.text_frame.text.strip():
                tf = shape.text_frame
                body_pr = tf._txBody.find(qn("a:bodyPr"))
                if body_pr is not None and body_pr.find(qn("a:spAutoFit")) is not None:
                    problems.append(f"{where}: {name} grows with its text (auto-size), not a fixed box")
                li, ti, ri, bi = _insets(body_pr)
                wrap = body_pr is None or body_pr.get("wrap") != "none"
                needed, broken = _needed(tf.paragraphs, (w - li - ri) / PT, _default_size(shape), wrap)
                room = (h - ti - bi) / PT
                if needed > room + 0.5:
                    problems.append(f"{where}: {name} text needs {needed:.0f} pt, its box has {room:.0f} pt: "
                                    f"{tf.text[:60]!r}")  # fmt: skip
                if broken:
                    problems.append(f"{where}: {name} breaks the word {broken!r}")
                boxes.append(Box(f"{name} {tf.text[:30]!r}", left, top, left + w, top + h))
            elif shape.has_table:
                table = shape.table
                widths = [int(c.width) for c in table.columns]
                grown = 0
                for r, row in enumerate(table.rows):
                    row_needs = int(row.height)
                    for c, cell in enumerate(row.cells):
                        margins = (cell.margin_left, cell.margin_top, cell.margin_right, cell.margin_bottom)
                        ml, mt, mr, mb = (int(m) for m in margins)
                        needed, broken = _needed(cell.text_frame.paragraphs, (widths[c] - ml - mr) / PT, 18.0)
                        row_needs = max(row_needs, int((needed * PT) + mt + mb))
                        if broken:
                            problems.append(f"{where}: table cell ({r}, {c}) breaks the word {broken!r}")
                    if row_needs > int(row.height) + PT:
                        problems.append(f"{where}: table row {r} needs {row_needs / PT:.0f} pt, is "
                                        f"{int(row.height) / PT:.0f} pt")  # fmt: skip
                    grown += max(row_needs, int(row.height))
                w, h = max(w, sum(widths)), max(h, grown)
                boxes.append(Box(f"table {shape.name!r}", left, top, left + w, top + h))
            elif shape.has_chart:
                boxes.append(Box(f"chart {shape.name!r}", left, top, left + w, top + h))
            else:
                continue
            box = boxes[-1]
            if box.left < 0 or box.top < 0 or box.right > width or box.bottom > height:
                problems.append(f"{where}: {box.what} leaves the slide ({Emu(box.left).inches:.2f}, "
                                f"{Emu(box.top).inches:.2f})-({Emu(box.right).inches:.2f}, "
                                f"{Emu(box.bottom).inches:.2f}) in")  # fmt: skip
        for a, b in combinations(boxes, 2):
            if a.overlaps(b):
                problems.append(f"{where}: {a.what} overlaps {b.what}")
    return problems


@pytest.mark.parametrize(("region", "lang", "name", "filters"), CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_every_text_fits_its_box_stays_on_the_slide_and_overlaps_nothing(
    frames: Frames, counts: pl.DataFrame, region: str, lang: str, name: str, filters: Filters | None
) -> None:
    prs = Presentation(io.BytesIO(build_pptx(make(frames, counts, region, lang, filters))))
    problems = layout_problems(prs)
    assert not problems, "\n".join(problems)


# -- rendering -----------------------------------------------------------------------------------------
@dataclass
class Rendered:
    pptx: Path
    pages: list[Path]  # one PNG per slide
    words: list[list[tuple[float, float, float, float, str]]]  # per page: (x0, y0, x1, y1, word) in points
    page_size: tuple[float, float]


def _render(pptx_files: list[Path], out: Path) -> dict[str, Rendered]:
    soffice, pdftoppm, pdftotext = shutil.which("soffice"), shutil.which("pdftoppm"), shutil.which("pdftotext")
    require(bool(soffice and pdftoppm and pdftotext),
            "LibreOffice and poppler-utils are needed (apt-get install libreoffice-impress poppler-utils)")  # fmt: skip
    assert soffice and pdftoppm and pdftotext
    convert = [soffice, "--headless", f"-env:UserInstallation=file://{out}/lo", "--convert-to", "pdf", "--outdir",
               str(out), *map(str, pptx_files)]  # fmt: skip
    subprocess.run(convert, check=True, capture_output=True, timeout=600)
    rendered = {}
    for pptx in pptx_files:
        pdf = out / f"{pptx.stem}.pdf"
        pages_dir = out / pptx.stem
        pages_dir.mkdir()
        subprocess.run([pdftoppm, "-png", "-r", "72", str(pdf), str(pages_dir / "slide")], check=True, timeout=300)
        html = subprocess.run([pdftotext, "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True,
                              timeout=300).stdout  # fmt: skip
        words: list[list[tuple[float, float, float, float, str]]] = []
        size = (0.0, 0.0)
        for part in re.split(r"<page ", html)[1:]:
            m = re.match(r'width="([\d.]+)" height="([\d.]+)"', part)
            assert m
            size = (float(m[1]), float(m[2]))
            words.append([
                (float(a), float(b), float(c), float(d), _unescape(w))
                for a, b, c, d, w in re.findall(
                    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', part)
            ])  # fmt: skip
        rendered[pptx.stem] = Rendered(pptx, sorted(pages_dir.glob("slide-*.png")), words, size)
    return rendered


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


@pytest.fixture(scope="module")
def rendered(frames: Frames, counts: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
    dict[str, Rendered]]:  # fmt: skip
    """The default Ruhr deck in English and German, rendered by LibreOffice (pages kept in artifacts/deck/)."""
    out = tmp_path_factory.mktemp("render")
    files = []
    for lang in ("en", "de"):
        path = out / f"ruhr_{lang}.pptx"
        path.write_bytes(build_pptx(make(frames, counts, "ruhr", lang, None)))
        files.append(path)
    result = _render(files, out)
    for lang in ("en", "de"):
        target = ARTIFACTS / lang
        target.mkdir(parents=True, exist_ok=True)
        for old in target.glob("*.png"):
            old.unlink()
        for page in result[f"ruhr_{lang}"].pages:
            shutil.copy(page, target / page.name)
    yield result


def _footer_words(prs: Any, slide_index: int) -> list[str]:
    """The words of the shapes that sit in the footer band (what may appear there)."""
    slide = prs.slides[slide_index]
    words = []
    for shape in slide.shapes:
        if shape.has_text_frame and int(shape.top) >= FOOTER_BAND * INCH - 1:
            words += shape.text_frame.text.split()
    return words


@pytest.mark.parametrize("lang", ["en", "de"])
def test_rendered_pages_have_nothing_but_the_footer_in_the_footer_band(rendered: dict[str, Rendered],
                                                                       lang: str) -> None:  # fmt: skip
    from PIL import Image

    deck = rendered[f"ruhr_{lang}"]
    prs = Presentation(str(deck.pptx))
    assert len(deck.pages) == len(prs.slides) == len(deck.words)
    page_h = deck.page_size[1]
    scale = page_h / (7.5 * 72)  # PDF points per slide point (1.0: LibreOffice keeps the 13.333 x 7.5 in page)
    band_top = FOOTER_BAND * 72 * scale
    problems = []
    for i, words in enumerate(deck.words):
        allowed = _footer_words(prs, i)
        intruders = [w for (_, _, _, y1, w) in words if y1 > band_top and w not in allowed]
        if intruders:
            problems.append(
                f"page {i + 1}: text in the footer band that is not the footer: {' '.join(intruders)[:200]}"
            )
        below = [w for (_, _, _, y1, w) in words if y1 > page_h + 1]
        if below:
            problems.append(f"page {i + 1}: text below the page: {' '.join(below)[:200]}")
        image = Image.open(deck.pages[i]).convert("L")
        top, bottom = (int(y / 7.5 * image.height) for y in GAP)
        inch = image.width / 13.333
        strip = image.crop((int(0.6 * inch), top, int(image.width - 0.6 * inch), bottom))  # within the margins
        dark = sum(strip.histogram()[:200])  # pixels darker than a light grey
        if dark > 20:
            problems.append(f"page {i + 1}: {dark} dark pixels between the body and the footer")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_bar_and_column_is_labelled_on_the_rendered_page(rendered: dict[str, Rendered], lang: str) -> None:
    """No category label and no value label is skipped when LibreOffice draws a chart (the context slide once
    left every second country unlabelled)."""
    deck = rendered[f"ruhr_{lang}"]
    prs = Presentation(str(deck.pptx))
    missing = []
    for i, slide in enumerate(prs.slides):
        page = "".join(w for (*_, w) in deck.words[i])
        for shape in slide.shapes:
            if not shape.has_chart:
                continue
            plot = shape.chart.plots[0]
            labels = [str(c) for c in plot.categories]
            for s in plot.series:
                labels += [s.points[j].data_label.text_frame.text for j in range(len(s.values))
                           if s.points[j].data_label.has_text_frame]  # fmt: skip
            missing += [f"page {i + 1}: {t!r}" for t in labels if "".join(t.split()) not in page]
    assert not missing, missing
