"""The map in a real browser (Debian's chromium via Playwright), checked at pixel level.

A map can "load" and still show nothing (no tile server here, a layer that fails silently, one solid blob), so
these tests read the pixels of deck.gl's canvas: many colours (outlines, shading, bubbles, labels, not one flat
colour), the bubbles' orange, the labels' near-black text and the choropleth's blues. The tile server is not
reachable here, which is the point: what they see is what a reader offline sees. Screenshots go to
``artifacts/browser/map_en.png`` and ``map_de.png`` for a person to look at.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from tests.test_browser import app_url, browser, page, shot, wait_for_app_run  # noqa: F401  (fixtures)
from trials.present.labels import label

pytestmark = pytest.mark.browser

CANVAS = "[data-testid='stDeckGlJsonChart'] canvas"
#: Screenshots of the canvas taken while waiting for deck.gl to draw (a bounded poll, never a sleep).
MAX_POLLS = 120


def pixels(png: bytes) -> list[tuple[int, int, int]]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        raw = im.convert("RGB").tobytes()
    return list(zip(raw[0::3], raw[1::3], raw[2::3], strict=True))


def orange(p: tuple[int, int, int]) -> bool:
    """A bubble pixel: the translucent orange over land or blue shading stays far redder than blue."""
    r, g, b = p
    return r > 170 and r - b > 80 and g < r - 40


def near_black(p: tuple[int, int, int]) -> bool:
    """A label pixel: only the labels' text is this dark (borders and outlines are grey or brown)."""
    return max(p) < 70


def blue(p: tuple[int, int, int]) -> bool:
    """A shaded municipality: the darker classes of the Blues scale."""
    r, _, b = p
    return b - r > 90


def drawn(pg: Any, ready: Callable[[list[tuple[int, int, int]]], bool]) -> list[tuple[int, int, int]]:
    """The canvas's pixels once ``ready`` holds for them (deck.gl draws after the page's script has finished)."""
    canvas = pg.locator(CANVAS).first
    canvas.wait_for(state="visible")
    px: list[tuple[int, int, int]] = []
    for _ in range(MAX_POLLS):
        px = pixels(canvas.screenshot())
        if ready(px):
            return px
    return px


def inside(px: list[tuple[int, int, int]], width: int, test: Callable[[tuple[int, int, int]], bool]) -> tuple[int, int]:
    """A pixel (x, y) well inside an area where ``test`` holds (its 7 x 7 neighbourhood passes too)."""
    height = len(px) // width
    for y in range(3, height - 3, 2):
        for x in range(3, width - 3, 2):
            if all(test(px[(y + dy) * width + x + dx]) for dy in range(-3, 4) for dx in range(-3, 4)):
                return x, y
    raise AssertionError("no such area on the map")


def tooltip_at(pg: Any, x: int, y: int) -> str:
    """deck.gl's tooltip text after hovering the canvas at (x, y)."""
    box = pg.locator(CANVAS).first.bounding_box()
    pg.mouse.move(box["x"] + x, box["y"] + y)
    tip = pg.locator(".deck-tooltip").first
    tip.wait_for(state="visible")
    return str(tip.inner_text())


def counts(px: list[tuple[int, int, int]]) -> dict[str, int]:
    return {"colours": len(set(px)), "orange": sum(map(orange, px)), "text": sum(map(near_black, px)),
            "blue": sum(map(blue, px))}  # fmt: skip


def looks_like_a_map(px: list[tuple[int, int, int]]) -> bool:
    c = counts(px)
    return c["colours"] > 200 and c["orange"] > 300 and c["text"] > 100 and c["blue"] > 300


@pytest.mark.parametrize("lg", ["en", "de"])
def test_the_map_draws_outlines_shading_bubbles_and_labels(lg: str, app_url: tuple[str, str], page: Any) -> None:  # noqa: F811
    base, _ = app_url
    page.goto(f"{base}/map?region=ruhr&lang={lg}")
    wait_for_app_run(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("h1").first.inner_text().strip() == label("map", lg)
    px = drawn(page, looks_like_a_map)
    c = counts(px)
    assert c["colours"] > 200, f"the map canvas is (nearly) one colour: {c}"
    assert c["orange"] > 300, f"no bubbles drawn: {c}"
    assert c["text"] > 100, f"no place labels drawn: {c}"
    assert c["blue"] > 300, f"no municipality shading drawn: {c}"
    # the level switch says what it switches, in the page's language; the sites' ring note only for sites
    assert page.get_by_text(label("map.show", lg), exact=True).count() == 1
    assert page.get_by_text(label("map.show_city", lg), exact=True).count() == 1
    assert page.get_by_text(label("map_note", lg)).count() == 0
    assert page.get_by_text(label("map.size_legend", lg)).count() == 1
    # the layers are live: hovering a bubble names a place and its trials, hovering the shading its rate
    width = int(page.locator(CANVAS).first.bounding_box()["width"])
    trials = label("map.tip_point", lg, name="", trials="").strip(": ")
    rate = label("map.tip_area", lg, name="", per_100k="", trials="").split("(")[0].strip(": ")
    bubble_tip = tooltip_at(page, *inside(px, width, orange))
    assert bubble_tip.endswith(f" {trials}") and rate not in bubble_tip, bubble_tip
    assert rate in tooltip_at(page, *inside(px, width, blue))
    page.mouse.move(0, 0)  # no tooltip over the screenshot
    page.set_viewport_size({"width": 1400, "height": 1600})  # the legends, attribution and table below the map
    wait_for_app_run(page)
    shot(page, f"map_{lg}")


def test_sites_mode_draws_its_bubbles_and_explains_the_ring(app_url: tuple[str, str], page: Any) -> None:  # noqa: F811
    base, _ = app_url
    page.goto(f"{base}/map?region=ruhr&by=site")
    wait_for_app_run(page)
    assert page.get_by_text(label("map_note", "en")).count() == 1
    px = drawn(page, looks_like_a_map)
    assert counts(px)["orange"] > 300
    shot(page, "map_sites_en")


def test_without_matching_trials_no_bubble_is_drawn(app_url: tuple[str, str], page: Any) -> None:  # noqa: F811
    """The orange test above measures the bubbles, not something else on the map: with no trial, no map."""
    base, _ = app_url
    page.goto(f"{base}/map?region=ruhr&sponsor=no-such-sponsor-anywhere")
    wait_for_app_run(page)
    assert page.locator(CANVAS).count() == 0
    assert page.get_by_text(label("no_match", "en")).count() == 1
