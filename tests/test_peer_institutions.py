"""Curated institutions of the international comparison regions (issue 12, item 5).

London, Oxford, Cambridge, Vienna, Lyon, Medicon Valley (Copenhagen, Malmö, Lund), Eindhoven, Medical
Valley (Nuremberg/Erlangen/Fürth) and Lausanne/Geneva: spelling variants of one hospital or trust
resolve to one curated institution, different hospitals stay apart, and the sites of the real
ClinicalTrials.gov records resolve to the hospital their facility string names.

Every site goes through the gazetteer first (facility, city, country, the registry's geoPoint), so an
entry keyed to the wrong place id fails here, not only in a hand-made call with a place id.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import SHARED, require
from trials.rules.enrich import gazetteer
from trials.rules.institutions import InstitutionResolver, load_institutions
from trials.rules.regions import load_regions
from trials.textnorm import match_key

#: The registry's geoPoints for these city strings (as in the real records; the point decides the
#: place when a name is ambiguous, and a town missing from the gazetteer needs one to be placed).
POINTS: dict[tuple[str, str], tuple[float, float]] = {
    ("London", "United Kingdom"): (51.50853, -0.12574),
    ("Sutton", "United Kingdom"): (51.35, -0.2),
    ("Chelsea", "United Kingdom"): (51.48755, -0.16936),
    ("Barnet", "United Kingdom"): (51.65, -0.2),
    ("Harrow", "United Kingdom"): (51.58, -0.33),
    ("Croydon", "United Kingdom"): (51.38333, -0.1),
    ("Harefield", "United Kingdom"): (51.60, -0.48),
    ("Oxford", "United Kingdom"): (51.75222, -1.25596),
    ("Cambridge", "United Kingdom"): (52.2, 0.11667),
    ("Papworth Everard", "United Kingdom"): (52.25, -0.12),
    ("Vienna", "Austria"): (48.20849, 16.37208),
    ("Wien", "Austria"): (48.20849, 16.37208),
    ("Lyon", "France"): (45.74848, 4.84669),
    ("Pierre-Bénite", "France"): (45.7009, 4.82511),
    ("Pierre Benite", "France"): (45.7009, 4.82511),
    ("Bron", "France"): (45.73865, 4.91303),
    ("Copenhagen", "Denmark"): (55.67594, 12.56553),
    ("Hellerup", "Denmark"): (55.73165, 12.57098),
    ("Herlev", "Denmark"): (55.72366, 12.43998),
    ("Gentofte", "Denmark"): (55.74, 12.55),
    ("Hvidovre", "Denmark"): (55.64297, 12.47708),
    ("Glostrup Municipality", "Denmark"): (55.6666, 12.40377),
    ("Malmö", "Sweden"): (55.60587, 13.00073),
    ("Lund", "Sweden"): (55.70584, 13.19321),
    ("Eindhoven", "Netherlands"): (51.44083, 5.47778),
    ("Veldhoven", "Netherlands"): (51.41833, 5.40278),
    ("Erlangen", "Germany"): (49.59099, 11.00783),
    ("Nürnberg", "Germany"): (49.45421, 11.07752),
    ("Fürth", "Germany"): (49.47593, 10.98856),
    ("Lausanne", "Switzerland"): (46.516, 6.63282),
    ("Geneva", "Switzerland"): (46.20222, 6.14569),
    ("Genève", "Switzerland"): (46.20222, 6.14569),
}

#: One curated institution each: the examples of issue 12 and the spellings of the real records
#: (ctgov), the GRID release and the German UMC affiliation list.
SAME: dict[str, list[tuple[str, str]]] = {
    "gb-london-royalfree": [
        ("Royal Free Hospital", "London"), ("Royal Free London NHS Foundation Trust", "London"),
        ("Royal Free", "London"), ("Royal Free Hospital, Royal Free London NHS Foundation Trust", "London"),
        ("Royal Free, Dept for Neurology and Clinical Neurosciences", "London"),
        ("Barnet General Hospital", "Barnet"),
    ],
    "gb-london-uclh": [
        ("UCLH", "London"), ("University College London Hospitals NHS Foundation Trust", "London"),
        ("UCLH NHS FT", "London"), ("University College London Hospital", "London"),
        ("University College London Hospital NHS Trust", "London"), ("University College Hospital", "London"),
        ("National Hospital of Neurology and Neurosurgery, University College of London", "London"),
        ("The National Hospital for Neurology and Neurosurgery", "London"),
    ],
    "gb-london-marsden": [
        ("The Royal Marsden NHS Foundation Trust", "London"),
        ("The Royal Marsden NHS Foundation Trust. ( Site 2606)", "London"),
        ("The Royal Marsden NHS Foundation Trust", "Sutton"), ("The Royal Marsden Sutton", "London"),
        ("Royal Marsden Hospital Chelsea", "Chelsea"),
        ("The Institute of Cancer Research and Royal Marsden NHS Foundation Trust", "Sutton"),
    ],
    "gb-london-gstt": [
        ("Guy's and St Thomas' NHS Foundation Trust", "London"), ("Guy's and St Thomas' NHS Trust", "London"),
        ("Guys and St Thomas NHS Foundation Trust /ID# 252978", "London"),
        ("Guys and St Thomas' NHS Foundation Trust", "London"), ("Guy\u2019s Hospital", "London"),
        ("St Thomas' Hospital", "London"), ("Evelina London Children's Hospital", "London"),
        ("St Thomas Hospital, Liverpool University Hospitals NHS Foundation Trust", "London"),
        ("Royal Brompton Hospital", "London"), ("Harefield Hospital", "Harefield"),
    ],
    "gb-london-kch": [
        ("King's College Hospital NHS Foundation Trust", "London"), ("Kings College Hospital", "London"),
        ("King's College Hospital, King's College Hospital NHS Foundation Trust", "London"),
        ("King\u2019s College Hospital", "London"),
    ],
    "gb-london-imperial-nhs": [
        ("Imperial College Healthcare NHS Trust", "London"), ("Hammersmith Hospital", "London"),
        ("Charing Cross Hospital", "London"), ("St Mary's Hospital", "London"),
        ("Imperial College London, Hammersmith Hospital", "London"),
        ("Queen Charlotte's and Chelsea Hospital", "London"),
    ],
    "gb-london-barts": [
        ("Barts health NHS Trust", "London"), ("The Royal London Hospital, Barts Health NHS Trust", "London"),
        ("St Bartholomew's Hospital", "London"), ("Whipps Cross University Hospital", "London"),
    ],
    "gb-london-gosh": [
        ("Great Ormond Street Hospital for Children", "London"),
        ("Great Ormond Street Hospital For Children NHS Trust", "London"),
        ("Great Ormond Street Hospital NHS Foundation Trust", "London"),
    ],
    "gb-london-stgeorges": [
        ("St George's Hospital, St George's university Hospital NHS Foundation Trust", "London"),
        ("St George's University Hospitals NHS Foundation Trust", "London"),
    ],
    "gb-oxford-ouh": [
        ("Oxford University Hospitals NHS Foundation Trust", "Oxford"),
        ("John Radcliffe Hospital, Oxford Radcliffe Hospitals NHS Trust", "Oxford"),
        ("John Radcliff Hospital, Oxford University Hospitals NHS Foundation Trust", "Oxford"),
        ("Churchill Hospital", "Oxford"), ("Nuffield Orthopaedic Centre", "Oxford"),
    ],
    "gb-oxford-university": [
        ("University of Oxford", "Oxford"), ("Oxford Vaccine Group, University of Oxford", "Oxford"),
    ],
    "gb-cambridge-cuh": [
        ("Addenbrookes Hospital, Cambridge University Hospitals NHS Foundation Trust", "Cambridge"),
        ("Addenbrooke's Hospital", "Cambridge"), ("Cambridge University Hospitals NHS Foundation Trust", "Cambridge"),
    ],
    "gb-cambridge-papworth": [
        ("Royal Papworth Hospital", "Cambridge"), ("Papworth Hospital NHS Foundation Trust", "Papworth Everard"),
    ],
    "gb-cambridge-university": [("University of Cambridge", "Cambridge")],
    "at-vienna-meduni": [
        ("Medical University of Vienna", "Vienna"), ("Medizinische Universität Wien", "Wien"),
        ("Medical Universitiy of Vienna", "Vienna"), ("Universitätsklinikum AKH Wien", "Wien"),
        ("AKH Wien", "Wien"), ("Vienna General Hospital", "Vienna"),
        ("Medical University of Vienna Department of Obstetrics and Gynaecology", "Vienna"),
        ("Medical University Vienna - Coop Group Surgery/Oncology", "Vienna"),
        ("Dept. of Internal Medicine III, Gastroenterology and Hepatology, Medical University of Vienna", "Vienna"),
        ("Universitätsklinik für Chirurgie Wien", "Wien"), ("Allgemeines Krankenhaus der Stadt Wien", "Wien"),
    ],
    "fr-lyon-hcl": [
        ("CH Lyon Sud", "Lyon"), ("CHU Lyon Sud", "Lyon"), ("Centre Hospitalier Lyon Sud", "Lyon"),
        ("Centre Hospitalier Universitaire Lyon Sud", "Lyon"), ("Hospices Civils de Lyon", "Lyon"),
        ("Hospices Civils de LYON", "Lyon"), ("Hospices civils de Lyon, Hôpital Pierre Wertheimer", "Lyon"),
        ("HCL - Hopital de la Croix-Rousse /ID# 254147", "Lyon"), ("HOP Edouard Herriot", "Lyon"),
        ("Hôpital Lyon Sud", "Pierre-Bénite"), ("CHU de Lyon - Centre Hospitalier Lyon Sud", "Pierre Benite"),
        ("Centre Hospitalier Lyon-Sud ( Site 0804)", "Pierre Benite"),
        ("Department of Urology, Lyon Sud Hospital,", "Pierre-Bénite"),
        ("Hôpital Pierre Wertheimer", "Bron"), ("Hôpital Femme Mère Enfant", "Bron"),
    ],
    "fr-lyon-clb": [("Centre Leon Berard", "Lyon"), ("Centre Leon Bérard", "Lyon"), ("Centre Léon Bérard", "Lyon")],
    "dk-rigshospitalet": [
        ("Rigshospitalet", "Copenhagen"), ("Neurobiology Research Unit, Rigshospitalet", "Copenhagen"),
        ("Copenhagen University Hospital, Rigshospitalet", "Copenhagen"),
        ("Copenhagen University Hospital", "Copenhagen"), ("Danish Headache Center", "Copenhagen"),
        ("Danish Headache Center", "Glostrup Municipality"), ("Glostrup Hospital", "Glostrup Municipality"),
        ("Danish Headache Center, Dept. of Neurology, Rigshospitalet -Glostrup", "Glostrup Municipality"),
        ("Glostrup Hospital, Danish Headache Centre", "Glostrup Municipality"),
        ("Rigshospitalet Glostrup", "Glostrup Municipality"), ("Rigshospitalet Neurocenter", "Glostrup Municipality"),
    ],
    "dk-herlev-gentofte": [
        ("Herlev Hospital", "Herlev"), ("Herlev and Gentofte Hospital", "Herlev"),
        ("Copenhagen University Hospital in Herlev, Denmark", "Herlev"),
        ("Department of urology, Herlev Hospital", "Herlev"), ("Urological Research Unit", "Herlev"),
        ("Herlev Hospital", "Copenhagen"), ("Copenhagen University Hospital, Herlev", "Copenhagen"),
        ("Herlev Hospital, Copenhagen University Hospital", "Copenhagen"),
        ("Gentofte Hospital", "Hellerup"), ("Gentofte Hospital", "Gentofte"),
    ],
    "dk-bispebjerg-frederiksberg": [
        ("Dept of Neurology, Bispebjerg Hospital", "Copenhagen"),
        ("Bispebjerg og Frederiksberg Hospital", "Copenhagen"),
        ("Bispebjerg Hospital, Copenhagen University Hospital", "Copenhagen"), ("Frederiksberg Hospital", "Copenhagen"),
    ],
    "dk-hvidovre": [
        ("Hvidovre Hospital", "Hvidovre"), ("Copenhagen University Hospital Hvidovre", "Hvidovre"),
        ("Hvidovre Hospital", "Copenhagen"), ("Copenhagen University Hospital, Hvidovre", "Copenhagen"),
    ],
    "se-sus": [
        ("Skåne University Hospital", "Lund"), ("Skånes universitetssjukhus, Lund", "Lund"),
        ("Lund University Hospital", "Lund"), ("Skane University Hospital Malmo", "Malmö"),
        ("Skånes Universitetssjukhus Malmö", "Malmö"), ("University Hospital MAS", "Malmö"),
        ("Malmö University Hospital", "Malmö"),
    ],
    "nl-eindhoven-catharina": [
        ("Catharina Ziekenhuis", "Eindhoven"), ("Catharina Hospital", "Eindhoven"),
        ("Catharina Ziekenhuis Eindhoven", "Eindhoven"),
    ],
    "nl-eindhoven-maxima": [
        ("Máxima Medisch Centrum", "Eindhoven"), ("Maxima Medical Center", "Veldhoven"), ("Máxima MC", "Veldhoven"),
    ],
    "de-erlangen-uk": [
        ("Universitätsklinikum Erlangen", "Erlangen"), ("Frauenklinik/University Hospital Erlangen", "Erlangen"),
        ("Friedrich-Alexander-Universität Erlangen-Nürnberg", "Erlangen"),
        ("University of Erlangen-Nuremberg", "Erlangen"), ("University Clinic Erlangen", "Erlangen"),
    ],
    "de-nuremberg-klinikum": [
        ("Klinikum Nürnberg", "Nürnberg"), ("Klinikum Nürnberg Nord", "Nürnberg"),
        ("Klinikum Nuernberg Sued", "Nürnberg"), ("Paracelsus Medical University Nuremberg", "Nürnberg"),
    ],
    "de-furth-klinikum": [("Klinikum Fürth", "Fürth")],
    "ch-lausanne-chuv": [
        ("Centre Hospitalier Universitaire Vaudois Chuv Lausanne", "Lausanne"), ("CHUV", "Lausanne"),
        ("Lausanne University Hospital", "Lausanne"), ("Centre Hospitalier Universitaire Vaudois", "Lausanne"),
    ],
    "ch-lausanne-unil": [("Université de Lausanne", "Lausanne"), ("University of Lausanne", "Lausanne")],
    "ch-geneva-hug": [
        ("Hôpitaux Universitaires de Genève", "Genève"), ("Hug Hopitaux Universitaires De Geneve", "Geneva"),
        ("Geneva University Hospitals", "Geneva"), ("HUG", "Geneva"),
    ],
    "ch-geneva-unige": [("Université de Genève", "Geneva"), ("University of Geneva", "Geneva")],
}  # fmt: skip


def _country(city: str) -> str:
    return next(country for (c, country) in POINTS if c == city)


@pytest.fixture(scope="module")
def resolver() -> InstitutionResolver:
    return InstitutionResolver(load_institutions())


def resolve(resolver: InstitutionResolver, facility: str, city: str) -> tuple[str | None, str | None]:
    """(place id, curated institution id or None) of a site, through the gazetteer as the pipeline does."""
    country = _country(city)
    lat, lon = POINTS[(city, country)]
    place = gazetteer().assign(city, None, country, lat, lon).place
    assert place is not None, (city, country)
    m = resolver.resolve(facility, place.id)
    return place.id, (m.id if m.status in ("curated", "fuzzy") else None)


@pytest.mark.parametrize("want", sorted(SAME))
def test_spelling_variants_resolve_to_one_curated_institution(resolver: InstitutionResolver, want: str) -> None:
    got = {(facility, city): resolve(resolver, facility, city)[1] for facility, city in SAME[want]}
    assert {k: v for k, v in got.items() if v != want} == {}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Royal Free Hospital", "London"), ("University College London Hospitals NHS Foundation Trust", "London")),
        (("Royal Free", "London"), ("UCLH", "London")),
        (("University College London", "London"), ("University College London Hospital", "London")),
        (("Guy's and St Thomas' NHS Foundation Trust", "London"),
         ("King's College Hospital NHS Foundation Trust", "London")),
        (("King's College London", "London"), ("King's College Hospital", "London")),
        (("Imperial College London", "London"), ("Imperial College Healthcare NHS Trust", "London")),
        (("Hammersmith Medicines Research", "London"), ("Hammersmith Hospital", "London")),
        (("The Royal Marsden NHS Foundation Trust", "London"), ("The Institute of Cancer Research", "London")),
        (("St George's, University of London", "London"), ("St George's Hospital", "London")),
        (("Queen Mary University of London", "London"), ("The Royal London Hospital", "London")),
        (("Oxford University Hospitals NHS Foundation Trust", "Oxford"), ("University of Oxford", "Oxford")),
        (("Addenbrooke's Hospital", "Cambridge"), ("Royal Papworth Hospital", "Cambridge")),
        (("Addenbrooke's Hospital", "Cambridge"), ("University of Cambridge", "Cambridge")),
        (("Herlev Hospital", "Copenhagen"), ("Rigshospitalet", "Copenhagen")),
        (("Herlev Hospital", "Herlev"), ("Rigshospitalet", "Copenhagen")),
        (("Bispebjerg Hospital", "Copenhagen"), ("Rigshospitalet", "Copenhagen")),
        (("Hvidovre Hospital", "Hvidovre"), ("Herlev Hospital", "Herlev")),
        (("Steno Diabetes Center", "Copenhagen"), ("Rigshospitalet", "Copenhagen")),
        (("University of Copenhagen", "Copenhagen"), ("Copenhagen University Hospital", "Copenhagen")),
        (("Medical University of Vienna", "Vienna"), ("Hanusch-Krankenhaus Wien", "Wien")),
        (("Medical University of Vienna", "Vienna"), ("Klinik Ottakring", "Vienna")),
        (("Medical University of Vienna", "Vienna"), ("Faculty of Psychology, University of Vienna", "Vienna")),
        (("Hospices Civils de Lyon", "Lyon"), ("Centre Léon Bérard", "Lyon")),
        (("Skåne University Hospital", "Lund"), ("Lund University", "Lund")),
        (("Catharina Ziekenhuis", "Eindhoven"), ("Máxima Medisch Centrum", "Eindhoven")),
        (("CHUV", "Lausanne"), ("University Eye Hospital Jules Gonin", "Lausanne")),
        (("Hôpitaux Universitaires de Genève", "Genève"), ("Université de Genève", "Geneva")),
    ],
)  # fmt: skip
def test_different_institutions_stay_apart(
    resolver: InstitutionResolver, a: tuple[str, str], b: tuple[str, str]
) -> None:
    id_a, id_b = resolve(resolver, *a)[1], resolve(resolver, *b)[1]
    assert id_a is not None and id_b is not None
    assert id_a != id_b


@pytest.mark.parametrize(
    ("facility", "city"),
    [
        ("Princess Máxima Center for Pediatric Oncology", "Eindhoven"),  # the Utrecht children's cancer centre
        ("Sigmund Freud University Vienna", "Vienna"),
        ("Queen Mary's Hospital", "London"),  # Roehampton / Sidcup, not Queen Mary University
        ("Lindus Health Ltd", "London"),
        ("London Met university", "London"),
        ("GenesisCare - Oxford ( Site 2607)", "Oxford"),
        ("Clinique Saint Charles", "Lyon"),
        ("Malmö University", "Malmö"),
        ("Skåneuro Privatmottagning", "Lund"),
        ("Klinikum Nürnberg", "Erlangen"),
        ("Universitätsklinikum Erlangen", "Nürnberg"),
        ("Onkol. GP Dres. med. Wilke/Wagner/Petzoldt", "Fürth"),
        ("RétinElysée", "Lausanne"),
        ("Clinicque Générale Beaulieu", "Geneva"),
    ],
)
def test_patterns_do_not_swallow_other_sites(resolver: InstitutionResolver, facility: str, city: str) -> None:
    assert resolve(resolver, facility, city)[1] is None


def test_every_peer_entry_is_reachable_and_resolves_its_own_name(resolver: InstitutionResolver) -> None:
    """Each entry's name resolves to its own root in its place; no curated name is taken by a neighbour."""
    peers = [i for i in resolver.curated.values() if not i.place.startswith(("de:0", "de:1"))]
    assert len({resolver.root(i).id for i in peers}) >= 70
    wrong = {i.id: resolver.resolve(i.name, i.place).id for i in peers
             if resolver.resolve(i.name, i.place).id != resolver.root(i).id}  # fmt: skip
    assert wrong == {}


#: The GRID release's own names and aliases (2016-01-25, ../shared/data/reference/research_organisations)
#: of the curated institutions, by GRID id -> (curated id, a city the registry gives).
GRID = {
    "grid.437485.9": ("gb-london-royalfree", "London"), "grid.426108.9": ("gb-london-royalfree", "London"),
    "grid.52996.31": ("gb-london-uclh", "London"), "grid.436283.8": ("gb-london-uclh", "London"),
    "grid.439749.4": ("gb-london-uclh", "London"), "grid.83440.3b": ("gb-london-ucl", "London"),
    "grid.420545.2": ("gb-london-gstt", "London"), "grid.239826.4": ("gb-london-gstt", "London"),
    "grid.425213.3": ("gb-london-gstt", "London"), "grid.421662.5": ("gb-london-gstt", "London"),
    "grid.429705.d": ("gb-london-kch", "London"), "grid.46699.34": ("gb-london-kch", "London"),
    "grid.13097.3c": ("gb-london-kcl", "London"), "grid.417895.6": ("gb-london-imperial-nhs", "London"),
    "grid.413629.b": ("gb-london-imperial-nhs", "London"), "grid.426467.5": ("gb-london-imperial-nhs", "London"),
    "grid.7445.2": ("gb-london-imperial", "London"), "grid.139534.9": ("gb-london-barts", "London"),
    "grid.416041.6": ("gb-london-barts", "London"), "grid.416353.6": ("gb-london-barts", "London"),
    "grid.4868.2": ("gb-london-qmul", "London"), "grid.424537.3": ("gb-london-gosh", "London"),
    "grid.420468.c": ("gb-london-gosh", "London"), "grid.5072.0": ("gb-london-marsden", "London"),
    "grid.424926.f": ("gb-london-marsden", "London"), "grid.18886.3f": ("gb-london-icr", "London"),
    "grid.451349.e": ("gb-london-stgeorges", "London"), "grid.264200.2": ("gb-london-sgul", "London"),
    "grid.436474.6": ("gb-london-moorfields", "London"), "grid.37640.36": ("gb-london-slam", "London"),
    "grid.410556.3": ("gb-oxford-ouh", "Oxford"), "grid.8348.7": ("gb-oxford-ouh", "Oxford"),
    "grid.415719.f": ("gb-oxford-ouh", "Oxford"), "grid.461589.7": ("gb-oxford-ouh", "Oxford"),
    "grid.4991.5": ("gb-oxford-university", "Oxford"), "grid.24029.3d": ("gb-cambridge-cuh", "Cambridge"),
    "grid.120073.7": ("gb-cambridge-cuh", "Cambridge"), "grid.412939.4": ("gb-cambridge-papworth", "Cambridge"),
    "grid.5335.0": ("gb-cambridge-university", "Cambridge"), "grid.22937.3d": ("at-vienna-meduni", "Vienna"),
    "grid.411904.9": ("at-vienna-meduni", "Vienna"), "grid.411450.5": ("at-vienna-meduni", "Vienna"),
    "grid.413852.9": ("fr-lyon-hcl", "Lyon"), "grid.411430.3": ("fr-lyon-hcl", "Pierre-Bénite"),
    "grid.412180.e": ("fr-lyon-hcl", "Lyon"), "grid.413306.3": ("fr-lyon-hcl", "Lyon"),
    "grid.414103.3": ("fr-lyon-hcl", "Bron"), "grid.418116.b": ("fr-lyon-clb", "Lyon"),
    "grid.4973.9": ("dk-rigshospitalet", "Copenhagen"), "grid.411719.b": ("dk-rigshospitalet", "Glostrup Municipality"),
    "grid.411900.d": ("dk-herlev-gentofte", "Herlev"), "grid.411646.0": ("dk-herlev-gentofte", "Hellerup"),
    "grid.411702.1": ("dk-bispebjerg-frederiksberg", "Copenhagen"),
    "grid.415046.2": ("dk-bispebjerg-frederiksberg", "Copenhagen"), "grid.411905.8": ("dk-hvidovre", "Hvidovre"),
    "grid.5254.6": ("dk-ku", "Copenhagen"), "grid.411843.b": ("se-sus", "Lund"), "grid.412650.4": ("se-sus", "Malmö"),
    "grid.4514.4": ("se-lund-university", "Lund"), "grid.413532.2": ("nl-eindhoven-catharina", "Eindhoven"),
    "grid.414711.6": ("nl-eindhoven-maxima", "Veldhoven"), "grid.411668.c": ("de-erlangen-uk", "Erlangen"),
    "grid.5330.5": ("de-erlangen-uk", "Erlangen"), "grid.419835.2": ("de-nuremberg-klinikum", "Nürnberg"),
    "grid.8515.9": ("ch-lausanne-chuv", "Lausanne"), "grid.9851.5": ("ch-lausanne-unil", "Lausanne"),
    "grid.150338.c": ("ch-geneva-hug", "Geneva"), "grid.8591.5": ("ch-geneva-unige", "Geneva"),
}  # fmt: skip


#: GRID aliases that no registry site uses for the institution today: Latin names, a bare "King's", "London
#: University" (also the University of London's), and the Royal London's and Hammersmith's historical names.
GRID_NOT_ALIASES = {"Schola Genevensis", "Schola Lausannensis", "King's", "London University", "London Hospital",
                    "London Infirmary", "Military Orthopaedic Hospital"}  # fmt: skip


def test_grid_names_and_aliases_resolve_to_the_curated_institution(resolver: InstitutionResolver) -> None:
    folder = SHARED / "reference" / "research_organisations"
    require(folder.is_dir(), f"GRID release not found at {folder}")
    names: dict[str, list[str]] = defaultdict(list)
    for table, column in (("orgs", "Name"), ("aliases", "alias")):
        with gzip.open(folder / f"grid_2016-01-25_{table}.csv.gz", "rt", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                gid = row.get("ID") or row.get("grid_id") or ""
                if gid in GRID and row[column].strip() not in GRID_NOT_ALIASES:
                    names[gid].append(row[column].strip())
    assert set(names) == set(GRID)
    wrong = {(name, city): got for gid, (want, city) in GRID.items() for name in names[gid]
             if (got := resolve(resolver, name, city)[1]) != want}  # fmt: skip
    assert wrong == {}


#: Per region place: a distinctive word of the facility string -> the curated institution it names.
MARKERS: dict[str, dict[str, str]] = {
    "London": {
        r"royal free|barnet (general )?hospital": "gb-london-royalfree",
        r"university college london hospital|\buclh\b|national hospital (for|of) neurology": "gb-london-uclh",
        r"royal marsden": "gb-london-marsden",
        r"\bguy\W?s\b|\bst\.? thomas": "gb-london-gstt",
        r"king\W?s college hospital": "gb-london-kch",
        r"charing cross|hammersmith hospital|st\.? mary\W?s hospital|imperial college healthcare":
            "gb-london-imperial-nhs",
        r"\bbarts\b|royal london hospital": "gb-london-barts",
        r"great ormond": "gb-london-gosh",
        r"\bst\.? george\W?s (university )?hospital": "gb-london-stgeorges",
        r"moorfields": "gb-london-moorfields",
        r"maudsley": "gb-london-slam",
        r"whittington": "gb-london-whittington",
    },
    "Vienna": {
        r"medi\w* universit\w* (of )?(vienna|wien)|\bakh\b|universitatsklinik": "at-vienna-meduni",
        r"hanusch": "at-vienna-hanusch",
        r"ottakring|wilhelminen": "at-vienna-ottakring",
        r"hietzing": "at-vienna-hietzing",
        r"penzing": "at-vienna-penzing",
        r"rudolfstiftung": "at-vienna-landstrasse",
        r"floridsdorf": "at-vienna-floridsdorf",
    },
    "Lyon": {
        r"hospices civils|\bhcl\b|lyon sud|croix[- ]rousse|herriot|wertheimer": "fr-lyon-hcl",
        r"leon berard": "fr-lyon-clb",
    },
    "Copenhagen": {
        r"rigshospital|danish headache": "dk-rigshospitalet",
        r"bispebjerg|frederiksberg hospital": "dk-bispebjerg-frederiksberg",
        r"herlev|gentofte hospital": "dk-herlev-gentofte",
        r"hvidovre": "dk-hvidovre",
        r"steno diabetes": "dk-steno",
    },
}  # fmt: skip

#: Real facility strings of the corpus that must be among those checked (one region place each).
MUST_SEE = {
    "Royal Free Hospital, Royal Free London NHS Foundation Trust",
    "University College London Hospitals NHS Foundation Trust", "The Royal Marsden NHS Foundation Trust. ( Site 2606)",
    "The Institute of Cancer Research and Royal Marsden NHS Foundation Trust",
    "Guys and St Thomas NHS Foundation Trust /ID# 252978", "Kings College Hospital", "Charing Cross Hospital",
    "Barts health NHS Trust", "Great Ormond Street Hospital NHS Foundation Trust", "Barnet General Hospital",
    "Medical Universitiy of Vienna", "Universitätsklinikum AKH Wien", "Hanusch-Krankenhaus Wien",
    "CH Lyon Sud", "Centre Hospitalier Universitaire Lyon Sud", "Hospices Civils de LYON", "HOP Edouard Herriot",
    "Centre Leon Bérard", "Neurobiology Research Unit, Rigshospitalet", "Dept of Neurology, Bispebjerg Hospital",
    "Danish Headache Center",
}  # fmt: skip


def test_real_sites_in_london_vienna_lyon_and_copenhagen_resolve_to_the_hospital_they_name(
    resolver: InstitutionResolver, real_corpus: Path
) -> None:
    region_of = {"london": "London", "vienna": "Vienna", "lyon": "Lyon", "medicon-valley": "Copenhagen"}
    places = {p.id: region_of[r.name] for r in load_regions() if r.name in region_of for p in r.places
              if r.name != "medicon-valley" or p.country == "DK"}  # fmt: skip
    assert len(places) == 4
    gaz = gazetteer()
    seen: set[str] = set()
    wrong: dict[str, object] = {}
    by_institution: dict[str, set[str]] = defaultdict(set)
    with gzip.open(real_corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            for loc in json.loads(line)["protocolSection"].get("contactsLocationsModule", {}).get("locations", []):
                facility = loc.get("facility") or ""
                gp = loc.get("geoPoint") or {}
                city, country = loc.get("city"), loc.get("country")
                place = gaz.assign(city, loc.get("zip"), country, gp.get("lat"), gp.get("lon")).place
                if place is None or place.id not in places:
                    continue
                key = match_key(facility)
                named = {want for pattern, want in MARKERS[places[place.id]].items() if re.search(pattern, key)}
                if not named:
                    continue
                seen.add(facility)
                got = resolver.resolve(facility, place.id)
                if len(named) == 1:  # a string naming two curated hospitals must resolve to one of them
                    by_institution[next(iter(named))].add(facility)
                if got.status != "curated" or got.id not in named:
                    wrong[facility] = (got.status, got.id, sorted(named))
    assert seen >= MUST_SEE, sorted(MUST_SEE - seen)
    assert wrong == {}
    # Several spellings of one institution were really merged, not only each matched once.
    assert len(by_institution["gb-london-gstt"]) >= 4 and len(by_institution["gb-london-marsden"]) >= 4
    assert len(by_institution["at-vienna-meduni"]) >= 5 and len(by_institution["fr-lyon-hcl"]) >= 5
    assert len(by_institution["dk-rigshospitalet"]) >= 2


def test_erlangen_alias_material_resolves_to_the_university_hospital(resolver: InstitutionResolver) -> None:
    """The German UMC affiliation strings for Erlangen (hospital and FAU), in either gazetteer id of Erlangen."""
    path = SHARED / "ctgov" / "german_umc" / "ctt-umc-update__validation_umcs_ctgov.csv"
    require(path.exists(), f"German UMC alias list not found at {path}")
    erlangen = {p.id for r in load_regions() if r.name == "medical-valley" for p in r.places if p.name == "Erlangen"}
    destatis = gazetteer().assign("Erlangen", "91054", "Germany", None, None).place
    assert destatis is not None
    checked = 0
    with open(path, encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            affil = row["raw_affil"]
            if row["umc"] != "Erlangen" or "erlangen" not in match_key(affil):
                continue
            for place in erlangen | {destatis.id}:
                assert resolver.resolve(affil, place).id == "de-erlangen-uk", (affil, place)
            checked += 1
    assert checked >= 30
