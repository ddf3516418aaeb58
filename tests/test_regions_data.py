"""The shipped region file: the 53 RVR municipalities with facts matching the Destatis reference."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.helpers import great_circle_km
from trials.errors import ConfigError
from trials.rules.regions import load_regions, parse_regions

EXPECTED = {
    "ruhr", "berlin", "hamburg", "munich", "cologne", "medicon-valley", "eindhoven", "lyon", "vienna", "london",
    "oxford", "cambridge-uk", "medical-valley", "lausanne-geneva",
}  # fmt: skip


def test_regions_present() -> None:
    assert {r.name for r in load_regions()} == EXPECTED


def test_ruhr_municipalities_match_destatis(ctgov_dir: Path) -> None:
    ref_path = ctgov_dir.parent / "reference" / "municipalities" / "ruhr_rvr_and_comparison_cities.csv"
    with open(ref_path, encoding="utf-8") as fh:
        ref = {f"de:{r['ags']}": r for r in csv.DictReader(fh) if r["group"] == "ruhr_rvr"}
    ruhr = next(r for r in load_regions() if r.name == "ruhr")
    assert len(ruhr.places) == 53 == len(ref)
    for p in ruhr.places:
        r = ref[p.id]
        assert p.population == int(r["population"]) and p.county == r["kreis"]
        assert abs(p.lat - float(r["lat"])) < 1e-4 and abs(p.lon - float(r["lon"])) < 1e-4
    assert ruhr.population == 5_162_812  # RVR total, 31.12.2023 (Destatis)
    counties = {p.county for p in ruhr.places}
    assert counties == {"Ennepe-Ruhr-Kreis", "Kreis Recklinghausen", "Kreis Unna", "Kreis Wesel", "kreisfrei"}


def test_every_place_lies_inside_a_harvest_circle() -> None:
    for region in load_regions():
        for p in region.places:
            assert any(great_circle_km((c.lat, c.lon), (p.lat, p.lon)) <= c.radius_km for c in region.circles), (
                region.name,
                p.name,
            )


def test_plan_queries_place_names_too() -> None:
    ruhr = next(r for r in load_regions() if r.name == "ruhr")
    names = [q for q in ruhr.queries() if "filter.advanced" in q.params]
    text = " ".join(q.params["filter.advanced"] for q in names)
    assert all(f'"{p.name}"' in text for p in ruhr.places)
    assert all('AREA[LocationCountry]"Germany"' in q.params["filter.advanced"] for q in names)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[region]]\nname = "x"\ncircles = [[1, 2, 3]]\n[[region.place]]\nid = "p"\nname = "P"\ncountry = "DE"\n',
         "region #1 ('x'), place #1: key 'lat' is missing"),
        ('[[region]]\nname = "x"\ncircles = [[1, 2, 3]]\n\n[[region]]\nname = "x"\ncircles = [[1, 2, 3]]\n',
         "line 5, region #2 ('x'): duplicate region name"),
        ("[[region]]\nname = 3\n", "line 1, region #1: key 'name' is missing or empty"),
        ("[[region]\n", "regions.toml: "),
    ],
)  # fmt: skip
def test_errors_name_file_line_and_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_regions(text, "regions.toml")
    assert str(err.value).startswith("regions.toml")
    assert message in str(err.value)
