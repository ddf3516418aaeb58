"""Therapeutic areas: a fixed, multi-label classification of studies from their MeSH terms.

Why MeSH trees: the registry's ``derivedSection.conditionBrowseModule`` maps each study's conditions
to MeSH descriptors (``meshes``) and their tree ``ancestors``. Every MeSH disease descriptor sits in
one or more trees (C04 Neoplasms, C14 Cardiovascular Diseases, F03 Mental Disorders, ...), so an
area is a set of top-level trees. A study gets every area one of its descriptors belongs to:
areas overlap (breast cancer is Oncology and, through "Breast Diseases", Dermatology in MeSH),
so area counts never add up to the number of studies and must not be shown as shares of 100 %.

Evidence, in order: ``meshes`` + ``ancestors`` + HIGH-relevance ``browseLeaves``; then, only when
those give nothing, ``browseBranches`` (noisy: they include LOW-relevance matches); then, for
records without derived data, keywords in the condition strings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from trials.source.model import Study


@dataclass(frozen=True)
class Area:
    code: str
    name_en: str
    name_de: str
    trees: tuple[str, ...]  # MeSH tree prefixes (first three characters)
    branches: tuple[str, ...]  # ClinicalTrials.gov browseBranches abbreviations
    keywords: str  # regular expression over lower-cased condition strings


AREAS: tuple[Area, ...] = (
    Area("oncology", "Oncology", "Onkologie", ("C04",), ("BC04",),
         r"cancer|tumou?r|carcinom|lymphom|leuka?emi|myelom|sarcom|melanom|neoplas|glioblastom|metasta"),
    Area("cardiovascular", "Cardiovascular", "Herz-Kreislauf", ("C14",), ("BC14",),
         r"heart|cardi|coronary|hypertens|atrial|vascular|stroke|infarct|arrhythm|thrombo"),
    Area("neurology", "Neurology", "Neurologie", ("C10",), ("BC10",),
         r"alzheimer|parkinson|epilep|multiple sclerosis|migraine|headache|neuropath|dementia|\bals\b|seizure"),
    Area("mental-health", "Mental health", "Psychische Gesundheit", ("F03",), ("BXM",),
         r"depress|schizophren|bipolar|anxiety|psychos|autism|adhd|substance|alcohol|addict|ptsd"),
    Area("infectious", "Infectious disease", "Infektionskrankheiten", ("C01", "C02", "C03"), ("BC01", "BC02", "BC03"),
         r"infect|hiv|covid|sars|hepatitis|tubercul|malaria|influenza|sepsis|vaccin|bacter|viral"),
    Area("metabolic-endocrine", "Metabolic/endocrine", "Stoffwechsel/Endokrinologie", ("C18", "C19"), ("BC18", "BC19"),
         r"diabet|obes|thyroid|metabolic|lipid|cholesterol|insulin|endocrin|osteopor"),
    Area("respiratory", "Respiratory", "Atemwege", ("C08",), ("BC08",),
         r"asthma|copd|pulmonary|lung|respirat|bronch|cystic fibrosis|pneumon"),
    Area("digestive", "Digestive system", "Verdauungssystem", ("C06",), ("BC06",),
         r"crohn|colitis|liver|hepat|gastr|bowel|pancrea|cirrhosis|esophag"),
    Area("musculoskeletal", "Musculoskeletal", "Bewegungsapparat", ("C05",), ("BC05",),
         r"arthro|osteo|bone|fracture|back pain|spine|muscul|tendon"),
    Area("immunology", "Immunology/rheumatology", "Immunologie/Rheumatologie", ("C20",), ("BC20",),
         r"rheumat|lupus|autoimmun|allerg|psoria|spondyl|vasculitis|transplant"),
    Area("dermatology", "Dermatology", "Dermatologie", ("C17",), ("BC17",),
         r"skin|dermat|eczema|acne|urticaria|wound|hidradenitis"),
    Area("kidney-urology", "Kidney/urology", "Niere/Urologie", ("C12",), ("BC12",),
         r"kidney|renal|urinar|bladder|prostat|nephr|dialysis"),
    Area("womens-health", "Women's health/pregnancy", "Frauengesundheit/Schwangerschaft", ("C13",), ("BC13",),
         r"pregnan|endometrio|menopaus|ovar|uter|cervi|infertil|gynec|obstet|preterm|contracep"),
    Area("eye", "Eye", "Augenheilkunde", ("C11",), ("BC11",),
         r"macular|retin|glaucom|cataract|ocular|eye|uveitis|myopia"),
    Area("ent", "Ear, nose, throat", "HNO", ("C09",), ("BC09",), r"hearing|tinnitus|sinusitis|otitis|rhinitis|laryn"),
    Area("dental-oral", "Dental/oral", "Zahn-/Mundheilkunde", ("C07",), ("BC07",),
         r"dental|tooth|teeth|periodont|caries|oral mucositis|gingiv"),
    Area("blood", "Blood/haematology", "Blut/Hämatologie", ("C15",), ("BC15",),
         r"anemi|anaemi|hemophil|haemophil|sickle|thalass|coagul|bleeding|neutropen"),
    Area("congenital-rare", "Congenital/genetic/neonatal", "Angeboren/genetisch/neonatal", ("C16",), ("BC16",),
         r"congenital|genetic|syndrome|neonat|newborn|preterm infant|inborn"),
    Area("injuries", "Injuries/poisoning", "Verletzungen/Vergiftungen", ("C26", "C25"), ("BC26", "BC25"),
         r"injur|trauma|burn|poison|wound healing"),
)  # fmt: skip
AREA_BY_CODE = {a.code: a for a in AREAS}
_TREE_TO_AREAS: dict[str, list[str]] = {}
for _a in AREAS:
    for _t in _a.trees:
        _TREE_TO_AREAS.setdefault(_t, []).append(_a.code)
_BRANCH_TO_AREAS = {b: a.code for a in AREAS for b in a.branches}
_KEYWORDS = [(a.code, re.compile(a.keywords)) for a in AREAS]


@lru_cache(maxsize=1)
def mesh_categories() -> dict[str, list[str]]:
    """MeSH heading -> its top-level trees (C.., F03), from the 2019 MeSH tree (NLM)."""
    text = resources.files("trials.data").joinpath("mesh_categories.json").read_text(encoding="utf-8")
    cats: dict[str, list[str]] = json.loads(text)["categories"]
    return {k.casefold(): v for k, v in cats.items()}


def areas_from_terms(terms: list[str]) -> set[str]:
    """Areas of MeSH headings (case-insensitive); unknown headings contribute nothing."""
    cats = mesh_categories()
    out: set[str] = set()
    for t in terms:
        for tree in cats.get(t.casefold(), ()):
            out.update(_TREE_TO_AREAS.get(tree, ()))
    return out


def classify_areas(study: Study) -> tuple[list[str], str | None]:
    """The study's areas (sorted codes) and which evidence gave them: mesh | branch | keyword | None."""
    browse = study.derived_section.condition_browse_module if study.derived_section else None
    if browse:
        terms = [m.term for m in (*browse.meshes, *browse.ancestors) if m.term]
        terms += [leaf.name for leaf in browse.browse_leaves if leaf.name and leaf.relevance == "HIGH"]
        found = areas_from_terms(terms)
        if found:
            return sorted(found), "mesh"
        branches = {_BRANCH_TO_AREAS[b.abbrev] for b in browse.browse_branches if b.abbrev in _BRANCH_TO_AREAS}
        if branches:
            return sorted(branches), "branch"
    ps = study.protocol_section
    conditions = ps.conditions_module.conditions if ps and ps.conditions_module else []
    text = " ".join(conditions).lower()
    found = {code for code, rx in _KEYWORDS if rx.search(text)}
    return (sorted(found), "keyword") if found else ([], None)
