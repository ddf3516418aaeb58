"""The shipped region file: the 53 RVR municipalities with facts matching the Destatis reference."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.helpers import great_circle_km
from trials.analytics.rankings import Filters
from trials.errors import ConfigError
from trials.rules.regions import (
    default_peers,
    default_region,
    find_region,
    load_regions,
    parse_regions,
    preset_regions,
    select_regions,
)
from trials.source.queries import region_count_query, region_queries

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
    names = [q for q in region_queries(ruhr) if "filter.advanced" in q.params]
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


def test_the_shipped_file_names_each_regions_country_default_peers_and_presets() -> None:
    regions = load_regions()
    assert default_region(regions).name == "ruhr"
    assert all(len(r.country) == 2 and r.country.isupper() for r in regions)
    by_name = {r.name: r for r in regions}
    for r in regions:
        assert all(by_name[p].country == r.country for p in r.peers), r.name  # peers share the country
    assert preset_regions(regions, "city-participation-2013-2022") == ["ruhr", "berlin", "hamburg", "munich", "cologne"]


REGION = '[[region]]\nname = "{name}"\ncircles = [[51.0, 7.0, 10]]\n{extra}\n'


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('country = "Atlantis"', "line 5, region #2 ('b'): key 'country' must be an ISO 3166 alpha-2 code"),
        ('peers = ["a", "nowhere"]', "line 5, region #2 ('b'): key 'peers' names 'nowhere', which must be"),
        ('peers = ["b"]', "key 'peers' names 'b'"),
        ("peers = 3", "key 'peers' must be a list of names"),
        ('default = "yes"', "key 'default' must be true or false"),
    ],
)  # fmt: skip
def test_bad_region_keys_name_file_line_and_key(extra: str, message: str) -> None:
    text = REGION.format(name="a", extra="") + REGION.format(name="b", extra=extra)
    with pytest.raises(ConfigError) as err:
        parse_regions(text, "regions.toml")
    assert str(err.value).startswith("regions.toml, line 5, region #2 ('b')")
    assert message.split(": ", 1)[-1] in str(err.value)


def test_two_default_regions_are_an_error_and_without_one_the_first_is_the_default() -> None:
    two = REGION.format(name="a", extra="default = true") + REGION.format(name="b", extra="default = true")
    with pytest.raises(ConfigError, match=r"line 5, region #2 \('b'\): 'default = true' is already set on .*line 1"):
        parse_regions(two, "regions.toml")
    plain = parse_regions(REGION.format(name="a", extra="") + REGION.format(name="b", extra=""), "r.toml")
    assert default_region(plain).name == "a"
    assert default_peers(plain[1], plain) == ["a"]  # no peers in the file: the other regions


def test_a_registry_country_name_in_an_older_region_file_becomes_its_code() -> None:
    (region,) = parse_regions(REGION.format(name="a", extra='country = "Germany"'), "r.toml")
    assert region.country == "DE"


def test_an_unknown_country_code_is_an_error_when_building_queries_never_sent_as_it_is() -> None:
    text = (
        REGION.format(name="x", extra="")
        + '[[region.place]]\nid = "p"\nname = "Tokyo"\ncountry = "JP"\nlat = 1\nlon = 2\n'
    )
    (region,) = parse_regions(text, "r.toml")
    with pytest.raises(ConfigError, match=r"region 'x', place 'Tokyo': unknown country code 'JP'"):
        region_queries(region)
    with pytest.raises(ConfigError, match="unknown country code 'JP'"):
        region_count_query(region, Filters())


def test_one_message_for_an_unknown_region() -> None:
    regions = load_regions()
    known = ", ".join(r.name for r in regions)
    for find in (lambda: find_region(regions, "atlantis"), lambda: select_regions(regions, ["ruhr", "atlantis"])):
        with pytest.raises(ConfigError) as err:
            find()
        assert str(err.value) == f"unknown region 'atlantis'; known regions: {known}"
    assert find_region(regions, "Medical-Valley").name == "medical-valley"
