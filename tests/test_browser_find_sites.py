"""The Find sites view in a real browser (Debian's chromium via Playwright, as :mod:`tests.test_browser`): the
scout's question "recruiting oncology phase 2/3 sites in the Ruhr with industry experience" answered in one
screen, with the reasons per site. Screenshots go to ``artifacts/browser/`` for a person to look at.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_browser import ARTIFACTS, app_url, browser, page, wait_for_app_run  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("lang", "heading", "reason"), [
    ("en", "Find sites", "recruiting now: NCT01742767"),
    ("de", "Zentren finden", "rekrutiert aktuell: NCT01742767"),
])  # fmt: skip
def test_find_sites_answers_the_scout_question_in_one_screen(
    app_url: tuple[str, str],  # noqa: F811
    page: Any,  # noqa: F811
    lang: str,
    heading: str,
    reason: str,
) -> None:
    base, _ = app_url
    # The page's defaults are the scout's question (oncology, phase 2 and 3, recruiting now, industry experience).
    page.goto(f"{base}/find-sites?region=ruhr&lang={lang}")
    wait_for_app_run(page)
    page.get_by_role("heading", name=heading).wait_for()
    assert page.locator("[data-testid='stException']").count() == 0
    answer = page.locator("[data-testid='stMarkdownContainer'] ol li").filter(has_text="Universitätsklinikum Essen")
    answer.first.wait_for()
    assert reason in answer.first.inner_text()
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for()
    # One screen: the question and the answer are both above the fold of a 1400 x 1000 window.
    box = grid.bounding_box()
    assert box is not None and box["y"] + min(box["height"], 120) <= 1000
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"find_sites_{lang}.png"), full_page=False)
