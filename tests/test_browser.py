"""Real-browser tests: Debian's chromium driven by Playwright against ``streamlit run``.

The tests wait on the health endpoint and on the app's script state (``data-test-script-state``),
never on sleeps. Screenshots go to ``artifacts/browser/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmark_app.launch import free_port, start_app, stop_app, wait_healthy
from db.engine import make_engine
from tests.conftest import ROOT, require
from trials.analytics.rankings import Filters, build_frames, rank, studies_in
from trials.rules.regions import load_regions

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "browser"
PAGES = {"overview": "", "rankings": "rankings", "compare": "compare", "profile": "profile", "map": "map",
         "world": "world", "data": "data"}  # fmt: skip
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync"]  # fmt: skip

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, real_db_url: str) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("browser")
    url = real_db_url
    port = free_port()
    proc = start_app(url, port, tmp / "streamlit.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        yield base, url
    finally:
        stop_app(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require(CHROMIUM.exists(), f"no chromium at {CHROMIUM} (apt-get install chromium; CI installs it)")
    require(importlib.util.find_spec("playwright") is not None, "playwright is not installed (./test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def wait_for_app_run(pg: Any) -> None:
    """Connected, and the script finished its run (Streamlit's own e2e tests wait the same way)."""
    pg.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    pg.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")


def shot(pg: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def download(pg: Any, url: str, button: str, target: Path) -> Path:
    """Open ``url``, click the download ``button`` and save what the browser received to ``target``."""
    pg.goto(url)
    wait_for_app_run(pg)
    with pg.expect_download() as info:
        pg.get_by_role("button", name=button).click()
    info.value.save_as(target)
    return target


def metric(pg: Any, label: str) -> str:
    box = pg.locator("[data-testid='stMetric']").filter(has_text=label)
    return str(box.locator("[data-testid='stMetricValue']").inner_text()).strip()


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_loads_in_a_real_browser(name: str, app_url: tuple[str, str], page: Any) -> None:
    base, _ = app_url
    page.goto(f"{base}/{PAGES[name]}?region=ruhr")
    wait_for_app_run(page)
    page.wait_for_selector("h1")
    assert page.locator("[data-testid='stException']").count() == 0
    shot(page, name)


def test_a_filter_change_updates_the_ranking(app_url: tuple[str, str], page: Any) -> None:
    base, url = app_url
    fr = build_frames(make_engine(url), load_regions())
    everything = studies_in(fr, "city", Filters(region="ruhr")).height
    industry = studies_in(fr, "city", Filters(region="ruhr", sponsor_classes=("INDUSTRY",))).height
    assert everything != industry, "the fixture must let the filter make a difference"
    page.goto(f"{base}/rankings?region=ruhr&by=city")
    wait_for_app_run(page)
    assert metric(page, "Trials matching") == str(everything)
    box = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").filter(has_text="Lead sponsor class")
    box.locator("input").fill("INDUSTRY")
    page.keyboard.press("Enter")
    page.wait_for_url("**sponsor_class=INDUSTRY**")
    page.locator("[data-testid='stMetricValue']").filter(has_text=str(industry)).first.wait_for()
    wait_for_app_run(page)
    assert metric(page, "Trials matching") == str(industry)
    shot(page, "rankings_industry")


def test_the_csv_download_holds_the_ranking_shown(app_url: tuple[str, str], page: Any, tmp_path: Path) -> None:
    base, url = app_url
    target = download(page, f"{base}/rankings?region=ruhr&by=city&phase=phase3", "Download CSV", tmp_path / "r.csv")
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["rank", "name", "trials"]
    expected = rank(build_frames(make_engine(url), load_regions()), "city", Filters(region="ruhr", phases=("phase3",)))
    assert [(r[1], int(r[2])) for r in rows[1:]] == list(zip(expected["name"], expected["trials"], strict=True))
    shutil.copy(target, ARTIFACTS / "ranking_phase3.csv") if ARTIFACTS.exists() else None


def test_the_pitch_deck_downloads_from_the_overview(app_url: tuple[str, str], page: Any, tmp_path: Path) -> None:
    from pptx import Presentation

    base, _ = app_url
    target = download(page, f"{base}/?region=ruhr&from=2013&to=2022&phase=phase3", "Pitch deck (PowerPoint)",
                      tmp_path / "deck.pptx")  # fmt: skip
    prs = Presentation(str(target))
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles[0] == "Ruhr (Regionalverband Ruhr)" and "Methods and sources" in titles
    methods = prs.slides[titles.index("Methods and sources")]
    text = " ".join(sh.text_frame.text for sh in methods.shapes if sh.has_text_frame)
    assert "Trials counted: started 2013\u20132022; Phase 3." in text  # the app's filters, in words
