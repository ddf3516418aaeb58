"""``trials deck``: the numbers for the region and peers, then the PowerPoint or the PDF."""

from __future__ import annotations

from pathlib import Path

from db.reader import Engine, Reader
from trials.analytics.context import latest_counts
from trials.analytics.rankings import Filters, build_frames
from trials.errors import ConfigError
from trials.present.deck_data import deck_data
from trials.present.output import write_deck
from trials.rules.areas import AREA_BY_CODE
from trials.rules.regions import configured_regions, find_region


def run_deck(engine: Engine, region: str, peers: str | None, area: str | None, lang: str, out: Path) -> Path:
    if area is not None and area not in AREA_BY_CODE:
        raise ConfigError(f"unknown area {area!r}; choose from {', '.join(AREA_BY_CODE)}")
    regions = configured_regions()
    region = find_region(regions, region).name  # before the frames are built: an unknown name fails fast
    frames = build_frames(engine, regions)
    wanted = [p.strip() for p in peers.split(",") if p.strip()] if peers else None
    f = Filters(areas=(area,) if area else ())
    data = deck_data(frames, regions, region, wanted, f, lang, Reader(engine).last_good_queries(),
                     counts=latest_counts(engine))  # fmt: skip
    return write_deck(data, out)
