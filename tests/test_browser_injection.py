"""A shared link cannot put a link or an image into the app's warning box (issue 13, defect 5), checked in Debian's
chromium against ``streamlit run`` (the fixtures of tests/test_browser.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from tests.test_browser import app_url, browser, page, shot, wait_for_app_run

__all__ = ["app_url", "browser", "page"]  # the fixtures this module uses
pytestmark = pytest.mark.browser


def test_link_values_render_as_text_in_the_warning_box(app_url: tuple[str, str], page: Any) -> None:
    base, _ = app_url
    query = urlencode([("region", "[Session expired: log in again](https://evil.example/login)"),
                       ("phase", "![p](http://127.0.0.1:9/pixel.png)"), ("phase", "phase2"),
                       ("from", "https://evil.example/x")])  # fmt: skip
    page.goto(f"{base}/rankings?{query}")
    wait_for_app_run(page)
    alerts = page.locator("[data-testid='stAlert']")
    alerts.first.wait_for()
    text = " ".join(alerts.all_inner_texts())
    assert "[Session expired: log in again](https://evil.example/login)" in text  # quoted as typed ...
    assert "![p](http://127.0.0.1:9/pixel.png)" in text
    assert alerts.locator("a").count() == 0 and alerts.locator("img").count() == 0  # ... never a link or an image
    assert page.locator("a[href*='evil.example'], img[src*='pixel.png']").count() == 0
    shot(page, "injection_notice")
