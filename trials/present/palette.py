"""The colours of every chart, in the app and in the deck: the chosen region in one accent colour, its peers
in muted cool tones (nothing a reader could take for the region's orange), everyone else in grey."""

from __future__ import annotations

ACCENT = "#E36C0A"  # the region
ACCENT_LIGHT = "#FCE9D9"  # the region's row or column in tables
MUTED = "#9AA5B1"  # bars of the other entities
PEERS = ("#3E5C7F", "#8FA9C4", "#5E8C6A", "#86729C", "#9AA1AB", "#3F868C", "#27334A", "#A9C7B0")


def series_colours(highlight: str | None, names: list[str]) -> tuple[list[str], list[str]]:
    """Domain and range of a colour scale: ``highlight`` first in the accent, the others in peer colours."""
    others = [n for n in names if n != highlight]
    domain = ([highlight] if highlight in names else []) + others
    colours = ([ACCENT] if highlight in names else []) + [PEERS[i % len(PEERS)] for i in range(len(others))]
    return domain, colours
