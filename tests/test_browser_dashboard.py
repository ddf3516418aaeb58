"""The dashboard in a real browser, in English and German: every page screenshotted under ``artifacts/browser/``,
no English left on a German page, no developer toolbar, and shareable comparisons.

German pages are checked on what a reader sees as interface: headings, widget labels and placeholders, captions,
notices, buttons, tile labels and table headers (the registry's own texts, such as titles, stay as registered).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.test_browser import ARTIFACTS, app_url, browser, page, wait_for_app_run  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

#: Every page with the query that shows its content for the Ruhr (a profile, a comparison, ...).
PAGES = {
    "overview": "?region=ruhr",
    "rankings": "rankings?region=ruhr&by=institution",
    "rankings_preset": "rankings?preset=city-participation-2013-2022",
    "compare": "compare?cmp=ruhr&cmp=berlin&cmp=hamburg",
    "profile": "profile?region=ruhr&level=institution",
    "find_sites": "find-sites?region=ruhr",
    "map": "map?region=ruhr",
    "world": "world?region=ruhr",
    "data": "data",
}
#: Interface words that must not appear on a German page (whole words, case-sensitive).
ENGLISH = ["Choose", "Trials", "Industry-sponsored", "Recruiting now", "Overview", "Rankings", "Compare", "Growth",
           "Therapeutic", "Sponsor type", "Download", "Year", "Lead sponsor", "Title", "Share", "Rank", "Peers",
           "Institutions", "Sites", "Cities", "Show", "Unknown", "None", "Any", "Deploy", "Start years", "first posted",
           "start date", "Study type", "Overall status", "World", "Country", "Countries", "Harvest", "Quarantine",
           "Investigators", "Find sites", "Refresh", "trials", "per 100,000", "inhabitants", "Profile", "Map",
           "Regions", "strong", "relative", "against", "Where", "Every", "Registry"]  # fmt: skip
#: Where a page shows interface text (not the registry's records).
UI = ", ".join([
    "h1", "h2", "h3", "[data-testid='stWidgetLabel']", "[data-testid='stCaptionContainer']",
    "[data-testid='stAlertContentInfo']", "[data-testid='stAlertContentWarning']", "[data-testid='stMetricLabel']",
    "button", "[data-testid='stExpander'] summary", "[data-testid='stSidebarNav'] a",
    "[data-testid='stDataFrame'] [role='columnheader']", "[data-testid='stRadio'] label",
    "[data-testid='stMarkdownContainer'] p",
])  # fmt: skip


def ui_texts(pg: Any) -> list[str]:
    """The interface texts of the page; code spans (command names such as `trials counts`) left out."""
    texts = pg.locator(UI).evaluate_all(
        "els => els.map(e => { const c = e.cloneNode(true); c.querySelectorAll('code').forEach(x => x.remove());"
        " return c.innerText; })"
    )
    texts = [t for t in texts if t.strip()]
    texts += pg.locator("input[placeholder]").evaluate_all("els => els.map(e => e.placeholder)")
    texts += pg.locator("[data-baseweb='select'] [aria-hidden='false'], [data-baseweb='select'] span").all_inner_texts()
    return texts


def chips(pg: Any, label: str) -> list[str]:
    """The chosen values of the multiselect labelled ``label``, in order."""
    box = pg.locator("[data-testid='stMultiSelect']").filter(has=pg.get_by_text(label, exact=True))
    box.locator("[data-tag]").first.wait_for()
    return [str(v) for v in box.locator("[data-tag]").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")]


def english_words(texts: list[str]) -> list[str]:
    return sorted({w for text in texts for w in ENGLISH if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)})


def open_page(pg: Any, base: str, path: str, lang: str) -> None:
    sep = "&" if "?" in path else "?"
    pg.goto(f"{base}/{path}{sep}lang={lang}")
    wait_for_app_run(pg)
    pg.wait_for_selector("h1")
    assert pg.locator("[data-testid='stException']").count() == 0, pg.locator(
        "[data-testid='stException']"
    ).first.inner_text()


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_in_both_languages(name: str, app_url: tuple[str, str], page: Any) -> None:  # noqa: F811
    base, _ = app_url
    page.set_viewport_size({"width": 1400, "height": 4000})  # Streamlit scrolls inside its main block: a tall window
    for lang in ("en", "de"):
        open_page(page, base, PAGES[name], lang)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}_{lang}.png"), full_page=True)
        assert page.get_by_text("Deploy", exact=True).count() == 0, "the developer toolbar is hidden (viewer mode)"
        if lang == "de":
            texts = ui_texts(page)
            assert texts, "the page shows interface text"
            assert english_words(texts) == [], f"English on the German {name} page"


def test_the_german_check_finds_english() -> None:
    """The check above can fail: English interface text is found, German text and registry names are not."""
    assert english_words(["Choose options", "Trials per 100,000 inhabitants"]) == sorted(
        ["Choose", "Trials", "per 100,000", "inhabitants"]
    )
    assert (
        english_words(["Studien je 100.000 Einwohner", "Medical Valley Nürnberg/Erlangen", "clinicaltrials.gov"]) == []
    )


def test_a_comparison_is_shared_by_its_link(app_url: tuple[str, str], page: Any) -> None:  # noqa: F811
    base, _ = app_url
    open_page(page, base, "compare?cmp=vienna&cmp=ruhr", "en")
    assert chips(page, "Regions") == ["Vienna", "Ruhr (Regionalverband Ruhr)"]
    box = page.locator("[data-testid='stMultiSelect']").filter(has_text="Regions")
    box.locator("input").fill("Berlin")
    page.keyboard.press("Enter")
    page.wait_for_url("**cmp=berlin**")
    wait_for_app_run(page)
    shared = page.url
    page.goto(shared)  # a colleague opening the link sees the same three regions
    wait_for_app_run(page)
    assert chips(page, "Regions") == ["Vienna", "Ruhr (Regionalverband Ruhr)", "Berlin"]


def test_a_preset_switches_off_the_sidebar_filters(app_url: tuple[str, str], page: Any) -> None:  # noqa: F811
    base, _ = app_url
    open_page(page, base, "rankings?preset=city-participation-2013-2022", "en")
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.get_by_role("combobox", name="Phase").is_disabled()
    assert sidebar.get_by_role("textbox", name="Lead sponsor contains").is_disabled()
    open_page(page, base, "rankings?region=ruhr", "en")
    assert not sidebar.get_by_role("combobox", name="Phase").is_disabled()


def test_an_unknown_entity_in_a_link_gets_a_notice(app_url: tuple[str, str], page: Any) -> None:  # noqa: F811
    base, _ = app_url
    open_page(page, base, "profile?region=ruhr&entity=no-such-place", "de")
    notice = page.locator("[data-testid='stAlertContentWarning']").filter(has_text="no-such-place")
    assert notice.count() == 1 and "Link" in notice.inner_text()


def test_the_data_page_puts_the_regions_unplaced_sites_first(app_url: tuple[str, str], page: Any) -> None:  # noqa: F811
    base, _ = app_url
    open_page(page, base, "data", "en")
    headings = page.locator("h3").all_inner_texts()
    first = next(h for h in headings if h.startswith("Unplaced sites inside the configured regions"))
    assert re.search(r"\(\d+\)", first)
    rest = page.locator("[data-testid='stExpander'] summary").filter(has_text="Other unplaced sites")
    assert rest.count() == 1  # folded away
