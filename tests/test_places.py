"""Place assignment: spelling variants, namesakes, wrong geoPoints, postal codes, coverage on real records."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from trials.rules.enrich import gazetteer
from trials.rules.places import city_keys

ESSEN, MUELHEIM_RUHR, KOELN, MUENCHEN, BERLIN, HAMBURG = (
    "de:05113000", "de:05117000", "de:05315000", "de:09162000", "de:11000000", "de:02000000",
)  # fmt: skip


@pytest.mark.parametrize(
    ("city", "expected"),
    [
        ("München", MUENCHEN), ("Munich", MUENCHEN), ("Muenchen", MUENCHEN), ("MUNICH", MUENCHEN),
        ("Köln", KOELN), ("Cologne", KOELN), ("Koeln", KOELN),
        ("Mülheim an der Ruhr", MUELHEIM_RUHR), ("Muelheim a.d. Ruhr", MUELHEIM_RUHR), ("Mülheim/Ruhr", MUELHEIM_RUHR),
        ("Berlin-Spandau", BERLIN), ("Berlin - Mitte", BERLIN), ("Essen-Werden", ESSEN), ("45147 Essen", ESSEN),
        ("Hamburg / 287", HAMBURG), ("Bergkamen-Rünthe", "de:05978004"), ("Schermbeck", "de:05170036"),
    ],
)  # fmt: skip
def test_spelling_variants_land_on_the_right_place(city: str, expected: str) -> None:
    a = gazetteer().assign(city, None, "Germany", None, None)
    assert a.place is not None and a.place.id == expected, a


def test_muelheim_an_der_ruhr_is_never_muelheim_in_cologne() -> None:
    gaz = gazetteer()
    plain = gaz.assign("Mülheim", None, "Germany", None, None)
    assert plain.place is not None and plain.place.id == MUELHEIM_RUHR
    in_cologne = gaz.assign("Mülheim", None, "Germany", 50.966, 7.004)  # point in Köln-Mülheim
    assert in_cologne.place is not None and in_cologne.place.id == KOELN
    by_zip = gaz.assign("Mülheim", "51063", "Germany", None, None)  # a Köln-Mülheim postal code
    assert by_zip.place is not None and by_zip.place.id == KOELN
    ruhr_zip = gaz.assign("Mülheim", "45468", "Germany", 50.966, 7.004)  # zip wins over the point
    assert ruhr_zip.place is not None and ruhr_zip.place.id == MUELHEIM_RUHR
    assert ruhr_zip.flag == "geo_point_disagrees"
    assert "ruhr" in plain.place.regions and "ruhr" not in in_cologne.place.regions


def test_a_wrong_geopoint_is_flagged_and_the_city_trusted() -> None:
    a = gazetteer().assign("München", "81377", "Germany", 51.60698, 13.31243)  # a Brandenburg village
    assert a.place is not None and a.place.id == MUENCHEN and a.flag == "geo_point_disagrees"
    f = gazetteer().assign("Frankfurt", "60590", "Germany", 49.68333, 10.53333)  # a point in Bavaria
    assert f.place is not None and f.place.name == "Frankfurt am Main" and f.flag == "geo_point_disagrees"


def test_site_without_city_is_placed_by_its_geopoint() -> None:
    a = gazetteer().assign(None, None, "Germany", 51.4566, 7.0123)
    assert a.place is not None and a.place.id == ESSEN and a.method == "geo"
    street_as_city = gazetteer().assign("Hufelandstr. 26", None, "Germany", 51.4566, 7.0123)
    assert street_as_city.place is not None and street_as_city.place.id == ESSEN


def test_namesakes_abroad_are_not_claimed() -> None:
    gaz = gazetteer()
    ontario = gaz.assign("London", None, "Canada", None, None)
    assert ontario.place is not None and ontario.place.regions == ()
    uk = gaz.assign("London", None, "United Kingdom", None, None)
    assert uk.place is not None and uk.place.regions == ("london",)
    mass = gaz.assign("Cambridge", None, "United States", None, None)
    assert mass.place is not None and "cambridge-uk" not in mass.place.regions
    unknown = gaz.assign("London", None, None, None, None)
    assert unknown.place is None and unknown.flag == "no_country_or_point"


def test_city_keys_strip_noise() -> None:
    assert city_keys("Hamburg / 287")[0] == "hamburg"
    assert "berlin" in city_keys("Berlin-Spandau")
    assert city_keys("Muelheim a.d. Ruhr")[0] == "mulheim an der ruhr"


def test_every_german_site_of_the_real_corpus_is_placed(real_corpus: Path) -> None:
    gaz = gazetteer()
    total = placed = 0
    unplaced = []
    with gzip.open(real_corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            for loc in json.loads(line)["protocolSection"].get("contactsLocationsModule", {}).get("locations", []):
                if loc.get("country") != "Germany":
                    continue
                gp = loc.get("geoPoint") or {}
                a = gaz.assign(loc.get("city"), loc.get("zip"), loc.get("country"), gp.get("lat"), gp.get("lon"))
                total += 1
                placed += a.place is not None
                if a.place is None:
                    unplaced.append(loc.get("city"))
    coverage = placed / total
    print(f"\nGerman sites in the real corpus: {placed}/{total} placed ({coverage:.1%}); unplaced: {unplaced}")
    assert total > 300
    # Only strings that name no place at all may stay unplaced ("Many Locations", mojibake without a point).
    assert coverage >= 0.99
    assert all(c in ("Many Locations", "Gro\ufffdhansdorf") for c in unplaced)


def _real_sites(real_corpus: Path) -> list[dict[str, object]]:
    with gzip.open(real_corpus, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    return [
        loc for r in records for loc in r["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])
    ]


@pytest.mark.parametrize(
    ("city", "country", "expected"),
    [
        ("Paris", "France", "Paris"), ("Madrid", "Spain", "Madrid"), ("Barcelona", "Spain", "Barcelona"),
        ("New York", "United States", "New York City"), ("Chicago", "United States", "Chicago"),
        ("Toronto", "Canada", "Toronto"), ("Brussels", "Belgium", "Brussels"), ("Stockholm", "Sweden", "Stockholm"),
        ("Warszawa", "Poland", "Warsaw"), ("Lille", "France", "Lille"), ("Roma", "Italy", "Rome"),
        ("Palo Alto", "United States", "Palo Alto"), ("Cincinnati", "United States", "Cincinnati"),
    ],
)  # fmt: skip
def test_real_city_strings_land_in_their_municipality_not_a_district(
    real_corpus: Path, city: str, country: str, expected: str
) -> None:
    """Every real site with this city string is placed in the municipality itself (issue 12's examples)."""
    gaz = gazetteer()
    sites = [s for s in _real_sites(real_corpus) if s.get("city") == city and s.get("country") == country]
    assert sites, f"the real corpus has sites in {city}"
    for s in sites:
        point = s.get("geoPoint") or {}
        assert isinstance(point, dict)
        a = gaz.assign(city, s.get("zip"), country, point.get("lat"), point.get("lon"))  # type: ignore[arg-type]
        assert a.place is not None and a.place.name == expected, (s, a)


@pytest.mark.parametrize(
    ("city", "country", "expected"),
    [
        ("Brooklyn", "United States", "New York City"), ("Bronx", "United States", "New York City"),
        ("Sants", "Spain", "Barcelona"), ("Pasing", "Germany", "München"), ("Wattenscheid", "Germany", "Bochum"),
        ("Villejuif", "France", "Villejuif"), ("Solna", "Sweden", "Solna"),
        ("L'Hospitalet de Llobregat", "Spain", "L'Hospitalet de Llobregat"),
    ],
)  # fmt: skip
def test_districts_roll_up_and_separate_municipalities_stay_themselves(city: str, country: str, expected: str) -> None:
    a = gazetteer().assign(city, None, country, None, None)
    assert a.place is not None and a.place.name == expected, a


def test_german_district_with_postal_code_lands_in_its_municipality() -> None:
    a = gazetteer().assign("Pasing", "81241", "Germany", 48.1415, 11.456)
    assert a.place is not None and a.place.id == MUENCHEN


def test_a_small_town_missing_from_the_gazetteer_is_itself_not_its_neighbour() -> None:
    a = gazetteer().assign("Lone Tree", "80124", "United States", 39.5361, -104.8969)
    assert a.place is not None and a.place.name == "Lone Tree" and a.flag == "unlisted_city"
    assert gazetteer().assign("Many Locations", None, "United States", 39.5361, -104.8969).flag != "unlisted_city"


def test_every_country_spelling_in_the_real_records_is_recognised(real_corpus: Path) -> None:
    gaz = gazetteer()
    countries = {str(s["country"]) for s in _real_sites(real_corpus) if s.get("country")}
    assert "Netherlands" in countries
    unknown = sorted(c for c in countries if gaz.country_code(c) is None)
    assert not unknown, unknown
    registry_spellings = ["Türkiye", "Turkey (Türkiye)", "Czechia", "Korea, Republic of", "Iran, Islamic Republic of",
                          "Russian Federation", "Viet Nam", "Côte D'Ivoire", "Hong Kong", "Taiwan", "North Macedonia",
                          "Moldova, Republic of", "Palestinian Territory, occupied", "Puerto Rico",
                          "Réunion"]  # fmt: skip
    assert {c: gaz.country_code(c) for c in registry_spellings if gaz.country_code(c) is None} == {}
