"""A synthetic corpus of API v2 study records with realistic shapes, for volume tests and benchmarks.

Distributions (sites per study, design/phase, sponsor class, status, start year, condition/MeSH
bundles) come from ``trials/data/synth_profile.json``, learned from real records. Places are the
Ruhr, the German comparison cities and a spread of world cities, with the messy spellings real
records have. Every record carries ``"x-synthetic": true`` and an NCT ID in the 9xxxxxxx range,
which real studies do not use yet, so synthetic data cannot pass for real.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import random
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

# (spellings, country, state, lat, lon, weight, facilities)
_PLACES: list[tuple[list[str], str, str, float, float, float, list[str]]] = [
    (["Essen", "Essen-Werden", "ESSEN"], "Germany", "Nordrhein-Westfalen", 51.45657, 7.01228, 6,
     ["Universitätsklinikum Essen", "University Hospital Essen", "Essen University Hospital",
      "West German Cancer Center", "Universitätsklinikum Essen, Klinik für Neurologie", "Alfried Krupp Krankenhaus",
      "Evang. Kliniken Essen-Mitte", "Research Site"]),
    (["Bochum"], "Germany", "Nordrhein-Westfalen", 51.48165, 7.21648, 4,
     ["St. Josef-Hospital Bochum", "Knappschaftskrankenhaus Bochum", "Universitätsklinikum Knappschaftskrankenhaus Bochum",
      "BG Universitätsklinikum Bergmannsheil", "Ruhr-Universität Bochum", "Investigational Site Number 276-001"]),
    (["Dortmund"], "Germany", "Nordrhein-Westfalen", 51.51494, 7.466, 3,
     ["Klinikum Dortmund", "Klinikum Dortmund gGmbH", "St.-Johannes-Hospital Dortmund", "Local Institution"]),
    (["Duisburg"], "Germany", "Nordrhein-Westfalen", 51.43247, 6.76516, 2,
     ["Helios Klinikum Duisburg", "Evangelisches Klinikum Niederrhein", "Sana Kliniken Duisburg"]),
    (["Mülheim an der Ruhr", "Muelheim a.d. Ruhr", "Mülheim", "Mülheim/Ruhr"], "Germany", "Nordrhein-Westfalen",
     51.41548, 6.88007, 1, ["Evangelisches Krankenhaus Mülheim", "St. Marien-Hospital Mülheim"]),
    (["Gelsenkirchen"], "Germany", "North Rhine-Westphalia", 51.50508, 7.09654, 1,
     ["Evangelische Kliniken Gelsenkirchen", "Bergmannsheil Buer"]),
    (["Herne"], "Germany", "Nordrhein-Westfalen", 51.5388, 7.22572, 1, ["Marien Hospital Herne", "EvK Herne"]),
    (["Hagen"], "Germany", "Nordrhein-Westfalen", 51.36081, 7.47168, 1, ["Allgemeines Krankenhaus Hagen"]),
    (["Witten"], "Germany", "Nordrhein-Westfalen", 51.44362, 7.35258, 1, ["Marien-Hospital Witten", "Universität Witten/Herdecke"]),
    (["Recklinghausen"], "Germany", "Nordrhein-Westfalen", 51.61379, 7.19738, 1, ["Prosper-Hospital Recklinghausen"]),
    (["Hamm"], "Germany", "Nordrhein-Westfalen", 51.68033, 7.82089, 1, ["St. Marien-Hospital Hamm"]),
    (["Bergkamen-Rünthe", "Unna"], "Germany", "Nordrhein-Westfalen", 51.53795, 7.68969, 0.5, ["Evangelisches Krankenhaus Unna"]),
    (["Berlin", "Berlin-Spandau", "Berlin-Mitte"], "Germany", "Berlin", 52.52437, 13.41053, 10,
     ["Charité - Universitätsmedizin Berlin", "Charite Universitatsmedizin Berlin", "Vivantes Klinikum Neukölln",
      "Helios Klinikum Berlin-Buch", "Research Site"]),
    (["Hamburg", "Hamburg / 287"], "Germany", "Hamburg", 53.55073, 9.99302, 6,
     ["Universitätsklinikum Hamburg-Eppendorf", "University Medical Center Hamburg-Eppendorf", "Asklepios Klinik St. Georg"]),
    (["München", "Munich", "Muenchen"], "Germany", "Bayern", 48.13743, 11.57549, 6,
     ["Klinikum der Universität München", "LMU Klinikum", "Klinikum rechts der Isar der TU München"]),
    (["Köln", "Cologne", "Koeln"], "Germany", "Nordrhein-Westfalen", 50.93333, 6.95, 5,
     ["Universitätsklinikum Köln", "University Hospital of Cologne", "Uniklinik Köln"]),
    (["Düsseldorf"], "Germany", "Nordrhein-Westfalen", 51.22172, 6.77616, 3, ["Universitätsklinikum Düsseldorf"]),
    (["Frankfurt am Main", "Frankfurt"], "Germany", "Hessen", 50.11552, 8.68417, 3, ["Universitätsklinikum Frankfurt"]),
    (["Heidelberg"], "Germany", "Baden-Württemberg", 49.40768, 8.69079, 3, ["Universitätsklinikum Heidelberg"]),
    (["Copenhagen", "København"], "Denmark", "", 55.67594, 12.56553, 3, ["Rigshospitalet", "Herlev Hospital"]),
    (["Lund"], "Sweden", "", 55.70584, 13.19321, 1, ["Skåne University Hospital"]),
    (["Vienna", "Wien"], "Austria", "", 48.20849, 16.37208, 3, ["Medical University of Vienna", "AKH Wien"]),
    (["London"], "United Kingdom", "", 51.50853, -0.12574, 6, ["Guy's and St Thomas' NHS Foundation Trust",
     "University College London Hospitals", "Research Site"]),
    (["Oxford"], "United Kingdom", "", 51.75222, -1.25596, 2, ["Oxford University Hospitals NHS Trust"]),
    (["Cambridge"], "United Kingdom", "", 52.2, 0.11667, 2, ["Addenbrooke's Hospital"]),
    (["Lyon"], "France", "", 45.74846, 4.84671, 2, ["Hospices Civils de Lyon", "Centre Léon Bérard"]),
    (["Paris"], "France", "", 48.85341, 2.3488, 5, ["Hôpital Pitié-Salpêtrière", "Institut Gustave Roussy"]),
    (["Eindhoven"], "Netherlands", "", 51.44083, 5.47778, 1, ["Catharina Ziekenhuis"]),
    (["Lausanne"], "Switzerland", "", 46.516, 6.63282, 1, ["CHUV"]),
    (["Geneva", "Genève"], "Switzerland", "", 46.20222, 6.14569, 1, ["Hôpitaux Universitaires de Genève"]),
    (["Erlangen"], "Germany", "Bayern", 49.59099, 11.00783, 1, ["Universitätsklinikum Erlangen"]),
    (["Nuremberg", "Nürnberg"], "Germany", "Bayern", 49.45421, 11.07752, 1, ["Klinikum Nürnberg"]),
    (["Boston"], "United States", "Massachusetts", 42.35843, -71.05977, 10, ["Massachusetts General Hospital",
     "Dana-Farber Cancer Institute"]),
    (["Cambridge"], "United States", "Massachusetts", 42.3751, -71.10561, 2, ["Cambridge Health Alliance"]),
    (["Houston"], "United States", "Texas", 29.76328, -95.36327, 8, ["MD Anderson Cancer Center"]),
    (["New York"], "United States", "New York", 40.71427, -74.00597, 12, ["Memorial Sloan Kettering Cancer Center",
     "Columbia University Medical Center"]),
    (["Los Angeles"], "United States", "California", 34.05223, -118.24368, 8, ["UCLA Medical Center"]),
    (["Chicago"], "United States", "Illinois", 41.85003, -87.65005, 8, ["Northwestern Memorial Hospital"]),
    (["London"], "Canada", "Ontario", 42.98339, -81.23304, 1, ["London Health Sciences Centre"]),
    (["Toronto"], "Canada", "Ontario", 43.70011, -79.4163, 5, ["Princess Margaret Cancer Centre"]),
    (["Beijing"], "China", "Beijing Municipality", 39.9075, 116.39723, 8, ["Peking Union Medical College Hospital"]),
    (["Shanghai"], "China", "Shanghai Municipality", 31.22222, 121.45806, 8, ["Fudan University Shanghai Cancer Center"]),
    (["Tokyo"], "Japan", "", 35.6895, 139.69171, 5, ["National Cancer Center Hospital"]),
    (["Sydney"], "Australia", "New South Wales", -33.86785, 151.20732, 3, ["Royal Prince Alfred Hospital"]),
    (["Madrid"], "Spain", "", 40.4165, -3.70256, 4, ["Hospital Universitario 12 de Octubre"]),
    (["Milan", "Milano"], "Italy", "", 45.46427, 9.18951, 4, ["Istituto Nazionale dei Tumori"]),
    (["Warsaw", "Warszawa"], "Poland", "", 52.22977, 21.01178, 3, ["Medical University of Warsaw"]),
]  # fmt: skip
_SPONSORS = {
    "INDUSTRY": ["Bayer", "Boehringer Ingelheim", "Novartis Pharmaceuticals", "Hoffmann-La Roche", "Pfizer",
                 "AstraZeneca", "Merck Sharp & Dohme LLC", "Bristol-Myers Squibb", "Eli Lilly and Company", "Sanofi"],
    "OTHER": ["University Hospital, Essen", "Charite University, Berlin, Germany", "Ruhr University of Bochum",
              "Technische Universität München", "University Hospital Tuebingen", "Mayo Clinic"],
    "NIH": ["National Cancer Institute (NCI)"],
    "OTHER_GOV": ["German Research Foundation"],
    "NETWORK": ["German Breast Group"],
    "FED": ["VA Office of Research and Development"],
    "INDIV": ["Dr. Example Investigator"],
}  # fmt: skip


def load_profile() -> dict[str, Any]:
    text = resources.files("trials.data").joinpath("synth_profile.json").read_text(encoding="utf-8")
    profile: dict[str, Any] = json.loads(text)
    return profile


class _Weighted:
    def __init__(self, table: list[list[Any]]) -> None:
        self.values = [row[0] for row in table]
        self.weights = [row[1] for row in table]

    def draw(self, rng: random.Random) -> Any:
        return rng.choices(self.values, self.weights)[0]


def _date(rng: random.Random, year: int, precision_month: bool) -> str:
    d = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
    return d.strftime("%Y-%m") if precision_month else d.isoformat()


def make_study(i: int, rng: random.Random, profile: dict[str, Any], tables: dict[str, _Weighted]) -> dict[str, Any]:
    """One synthetic record: the API's shape, the learned mixes, messy place and facility names."""
    nct_id = f"NCT9{i:07d}"
    study_type, phases = tables["design"].draw(rng).split("|")
    sponsor_class = tables["sponsor_class"].draw(rng) or "OTHER"
    status = tables["overall_status"].draw(rng) or "UNKNOWN"
    year_s = tables["start_year"].draw(rng)
    year = int(year_s) if year_s else 2015
    n_sites = min(tables["sites_per_study"].draw(rng), 1200)
    place_weights = [p[5] for p in _PLACES]
    # Multi-site studies tend to stay in few countries: pick a home place and mostly its neighbours.
    locations = []
    for _ in range(n_sites):
        spellings, country, state, lat, lon, _w, facilities = rng.choices(_PLACES, place_weights)[0]
        loc: dict[str, Any] = {
            "facility": rng.choice(facilities),
            "city": rng.choice(spellings),
            "country": country,
        }
        if state:
            loc["state"] = state
        if rng.random() < 0.05:
            loc.pop("facility")
        if status == "RECRUITING":
            loc["status"] = rng.choice(["RECRUITING", "RECRUITING", "NOT_YET_RECRUITING"])
        r = rng.random()
        if r < 0.93:
            loc["geoPoint"] = {"lat": lat, "lon": lon}
        elif r < 0.95 and country == "Germany":
            loc["geoPoint"] = {
                "lat": 51.6,
                "lon": 13.3,
            }  # a same-named village far away, as real records have
        locations.append(loc)
    bundle = rng.choice(profile["condition_bundles"])
    start = _date(rng, year, rng.random() < 0.4)
    first_post = _date(rng, max(year - rng.randint(0, 1), 1999), False)
    last_update = _date(rng, min(year + rng.randint(0, 8), 2026), False)
    sponsor_names = _SPONSORS.get(sponsor_class, _SPONSORS["OTHER"])
    enrollment = rng.choice([rng.randint(10, 400), rng.randint(10, 3000), 99_999_999 if rng.random() < 0.01 else 120])
    record: dict[str, Any] = {
        "protocolSection": {
            "identificationModule": {
                "nctId": nct_id,
                "organization": {"fullName": rng.choice(sponsor_names), "class": sponsor_class},
                "briefTitle": f"Synthetic study {i} of {bundle['conditions'][0] if bundle['conditions'] else 'a condition'}",
            },
            "statusModule": {
                "overallStatus": status,
                "startDateStruct": {"date": start},
                "studyFirstPostDateStruct": {"date": first_post, "type": "ACTUAL"},
                "lastUpdatePostDateStruct": {"date": last_update, "type": "ACTUAL"},
            },
            "sponsorCollaboratorsModule": {
                "leadSponsor": {"name": rng.choice(sponsor_names), "class": sponsor_class},
            },
            "conditionsModule": {"conditions": bundle["conditions"]},
            "designModule": {
                "studyType": study_type or "INTERVENTIONAL",
                "enrollmentInfo": {"count": enrollment, "type": "ESTIMATED"},
            },
            "contactsLocationsModule": {"locations": locations},
        },
        "derivedSection": {
            "miscInfoModule": {"versionHolder": "2026-11-20"},
            "conditionBrowseModule": {
                "meshes": [{"id": m, "term": t} for m, t in bundle["meshes"]],
                "ancestors": [{"id": m, "term": t} for m, t in bundle["ancestors"]],
                "browseBranches": [{"abbrev": a, "name": n} for a, n in bundle["branches"]],
            },
        },
        "hasResults": status == "COMPLETED" and rng.random() < 0.3,
        "x-synthetic": True,
    }
    if phases:
        record["protocolSection"]["designModule"]["phases"] = phases.split("+")
    if rng.random() < 0.2:
        record["protocolSection"]["sponsorCollaboratorsModule"]["collaborators"] = [
            {"name": rng.choice(_SPONSORS["OTHER"]), "class": "OTHER"}
        ]
    return record


def generate(studies: int, seed: int) -> Iterator[dict[str, Any]]:
    profile = load_profile()
    tables = {k: _Weighted(profile[k]) for k in ("design", "sponsor_class", "overall_status", "start_year",
                                                 "sites_per_study")}  # fmt: skip
    rng = random.Random(seed)
    for i in range(1, studies + 1):
        yield make_study(i, rng, profile, tables)


def write_corpus(out: Path, *, studies: int, seed: int) -> int:
    """Write ``studies`` synthetic records as NDJSON (gzip when ``out`` ends in ``.gz``)."""
    import orjson

    out.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if out.suffix == ".gz" else open
    n = 0
    with opener(out, "wb") as fh:
        for rec in generate(studies, seed):
            fh.write(orjson.dumps(rec) + b"\n")
            n += 1
    return n
