"""Small helpers for tests: independent computations that do not reuse the code under test."""

from __future__ import annotations

import gzip
import json
import math
import re
import unicodedata
from pathlib import Path
from typing import Any

from trials.rules.regions import Region
from trials.source.queries import COUNTRY_NAMES


def read_ndjson(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_ndjson(path: Path, records: list[dict[str, Any]]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Spherical law of cosines (a different formula from the fake API's haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    c = math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return 6371.0088 * math.acos(max(-1.0, min(1.0, c)))


def nct(record: dict[str, Any]) -> str:
    return str(record["protocolSection"]["identificationModule"]["nctId"])


def _plain(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()


def studies_in_region(records: list[dict[str, Any]], region: Region) -> set[str]:
    """NCT IDs of the records with a site inside one of the region's circles, or in one of its
    places by name (the harvest plan asks for both)."""
    names = [(COUNTRY_NAMES[p.country], _plain(n)) for p in region.places for n in (p.name, *p.aliases)]
    out = set()
    for r in records:
        locs = r.get("protocolSection", {}).get("contactsLocationsModule", {}).get("locations", [])
        for loc in locs:
            gp = loc.get("geoPoint")
            if gp and any(
                great_circle_km((c.lat, c.lon), (gp["lat"], gp["lon"])) <= c.radius_km for c in region.circles
            ):
                out.add(nct(r))
                break
            city = _plain(loc.get("city") or "")
            if any(loc.get("country") == c and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", city) for c, n in names):
                out.add(nct(r))
                break
    return out


APP = str(Path(__file__).resolve().parents[1] / "benchmark_app" / "streamlit_app.py")


def run_page(page: str, **params: str | list[str]) -> Any:
    """Open one page of the app directly (as a shared link does) in Streamlit's AppTest; no exception allowed.

    The timeout is only an upper bound for a slow run (a refresh starting a process), never a wait.
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
