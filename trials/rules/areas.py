"""Therapeutic areas: a multi-label classification of studies that a clinician would sign, with its evidence.

Why the study's own descriptors and not their ancestors: the registry's ``conditionBrowseModule``
lists the study's own MeSH descriptors (``meshes``) and every broader term above them
(``ancestors``). Broad shared parents ("Genital Diseases", "Urogenital Diseases", "Sexual
Dysfunctions, Psychological", "Paraproteinemias") open sibling categories, so an ancestor-based
rule put erectile dysfunction into women's health and mental health, and myeloma into
cardiovascular. Here each own descriptor reaches only the categories of its *own* MeSH tree numbers,
and subtree rules correct the places where the tree misleads a clinician (:data:`SUBTREE_RULES`).

Evidence, in order, all of it kept per area (``term -> tree/rule -> area``):

1. the study's own MeSH descriptors, through their tree numbers (MeSH 2019 from NLM, shipped as
   ``trials/data/mesh_trees.csv``; descriptors added since are in :data:`NEW_DESCRIPTORS`);
   a descriptor the registry derived from the free-text *keywords* only (not the conditions) is
   context, not the condition studied, and is skipped; a few descriptors the registry is known to
   mis-map from abbreviations ("premature ejaculation" -> "Premature Birth") must be confirmed by
   the condition text (:data:`CONFIRM`);
2. high-precision phrases in the condition strings and the titles (:data:`PHRASES`), which carry
   what MeSH often misses: the population ("in diabetic men", "after radical prostatectomy") and
   records without derived MeSH data.

Areas overlap (a lung-cancer trial is oncology and respiratory): counts per area never add up to
the number of studies and must not be shown as shares of 100 %. Measured against a hand-labelled set
of real studies by ``bench/areas_eval.py``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from trials.source.model import Study


@dataclass(frozen=True)
class Area:
    code: str
    trees: tuple[str, ...]  # MeSH top-level categories (first three characters of a tree number)


AREAS: tuple[Area, ...] = (
    Area("oncology", ("C04",)),
    Area("cardiovascular", ("C14",)),
    Area("neurology", ("C10",)),
    Area("mental-health", ("F03",)),
    Area("infectious", ("C01", "C02", "C03")),
    Area("metabolic-endocrine", ("C18", "C19")),
    Area("respiratory", ("C08",)),
    Area("digestive", ("C06",)),
    Area("musculoskeletal", ("C05",)),
    Area("immunology", ("C20",)),
    Area("dermatology", ("C17",)),
    Area("kidney-urology", ("C12",)),
    Area("womens-health", ("C13",)),
    Area("eye", ("C11",)),
    Area("ent", ("C09",)),
    Area("dental-oral", ("C07",)),
    Area("blood", ("C15",)),
    Area("congenital-rare", ("C16",)),
    Area("injuries", ("C26", "C25")),
)
AREA_BY_CODE = {a.code: a for a in AREAS}
_TOP = {tree: a.code for a in AREAS for tree in a.trees}

#: Subtrees whose top-level category misleads; the longest matching prefix wins. An empty tuple means
#: "this subtree says nothing about the area" (the descriptor's other tree numbers still count).
SUBTREE_RULES: dict[str, tuple[str, ...]] = {
    # Haematological cancers are oncology and blood, never cardiovascular or immunology.
    "C04.557.337": ("oncology", "blood"),  # leukaemia
    "C04.557.386": ("oncology", "blood"),  # lymphoma
    "C04.557.595": ("oncology", "blood"),  # plasma-cell neoplasms (myeloma)
    "C14.907.454": (),  # hemostatic disorders under vascular diseases (paraproteinemias)
    "C15.378.147": (),  # blood protein disorders (paraproteinemias): the cancer tree speaks for them
    "C15.604.780": (),  # thymus neoplasms listed under lymphatic diseases
    "C20.683": (),  # immunoproliferative disorders (myeloma, lymphoma)
    # Male and female urogenital conditions are separated.
    "C12.294": ("kidney-urology",),  # male genital diseases: erectile dysfunction, prostate, male infertility
    "C13.351.968": ("kidney-urology",),  # female urologic diseases (overactive bladder, incontinence)
    "C13.351.500.852": ("kidney-urology", "womens-health"),  # female urinary incontinence
    "C13.351.500.665": (),  # "sexual dysfunction, physiological" in the female tree (also used for men)
    "C13.351.937": (),  # urogenital neoplasms: the organ's own tree speaks (bladder, endometrium)
    "C13.703.420": ("womens-health",),  # obstetric labour complications
    "F03.835": (),  # "sexual dysfunctions, psychological": erectile dysfunction is organic first
    "C17.300.715": ("kidney-urology",),  # penile induration (Peyronie's disease)
    "C17.800.090": (),  # breast diseases are not skin diseases
    # Substance use is a mental disorder, not poisoning; immune deficiency of HIV is an infection.
    "C25.775": ("mental-health",),
    "C20.673": (),  # immunologic deficiency syndromes
    "C20.673.480": ("infectious",),  # HIV infections
    # Sleep: insomnia is psychiatric, sleep apnoea respiratory, narcolepsy neurological.
    "C10.886": (),
    "C10.886.425.800.800": ("mental-health",),
    "C10.886.425.800.750": ("respiratory",),
    "C10.886.425.800.200": ("neurology",),
    "F03.870": (),
    "F03.388": (),  # elimination disorders (enuresis): urology
    "F03.615": (),  # neurocognitive disorders (dementia): neurology
    # Symptoms and manifestations that do not make an area on their own.
    "C23": (),
    "C10.597.613": (),  # neuromuscular manifestations (rigidity, sarcopenia)
    "C10.597.751": (),  # vision disorders listed under neurologic manifestations
    "C10.228.140.055": (),
    "C10.668.491.425": (),  # fibromyalgia: musculoskeletal
    "C07.465.299": (),  # facial neuralgias under stomatognathic diseases
    "C07.465.815": (),  # sialorrhea
    "C07.465.075": (),
    "C09.775.174": (),  # dysphagia under pharyngeal diseases
    "C01.539.160": (),  # infectious spondylitis (spondyloarthritis is not an infection)
    "C14.907.355.830": (),  # retinal vein occlusion: eye
    "C14.907.940": ("immunology",),  # vasculitis
    "C16.320.382": (),
    "C16.320.850": (),  # atopic dermatitis listed as a genetic skin disease
    "C17.800.827": (),
    "C17.300.475": (),
    "C17.300.480": ("immunology",),  # systemic lupus
    "C17.300.775": ("immunology",),  # rheumatic connective-tissue diseases
    "C19.344.762": (),  # testicular neoplasms under endocrine glands
    "C19.391.829": (),
    "C20.111.258": (),  # multiple sclerosis: neurology
    "C20.111.327": (),  # type 1 diabetes: metabolic
    "C20.543.480.680": (),  # asthma: respiratory
}

#: Descriptors whose whole meaning a tree rule cannot express.
TERM_AREAS: dict[str, tuple[str, ...]] = {
    "behcet syndrome": ("immunology",),
    "hidradenitis suppurativa": ("dermatology", "immunology"),
    "spinal cord compression": ("neurology",),
    "brain injuries": ("neurology",),
}

#: Descriptors introduced after the 2019 tree, with their current tree numbers (MeSH 2020-2025).
NEW_DESCRIPTORS: dict[str, tuple[str, ...]] = {
    "covid-19": ("C01.925.782.600.550.200.163",),
    "post-acute covid-19 syndrome": ("C01.925.782.600.550.200.163",),
    "pulmonary arterial hypertension": ("C08.381.423", "C14.280.720"),
    "ejaculatory dysfunction": ("C12.294.644",),
    "bronchiolitis obliterans syndrome": ("C08.127",),
    "axial spondyloarthritis": ("C05.116.900", "C05.550.114"),
    "non-radiographic axial spondyloarthritis": ("C05.116.900",),
    "iron deficiencies": ("C15.378.071.196.300", "C18.654.521"),
    "non-muscle invasive bladder neoplasms": ("C04.588.945.947.960", "C12.777.829.495"),
    "intervertebral disc disease": ("C05.116.900",),
    "infections": ("C01",),
    "urogenital diseases": (),  # the 2023 umbrella term: too broad to name an area
}

#: Descriptors the registry is known to derive from unrelated abbreviations; they count only when the
#: condition text or the title confirms them.
CONFIRM: dict[str, re.Pattern[str]] = {
    term: re.compile(rx)
    for term, rx in {
        "premature birth": r"birth|preterm|pregnan|gestat|neonat|infant",  # from "premature ejaculation"
        "somatoform disorders": r"somat",  # from "chronic pelvic pain syndrome"
        "bronchiolitis obliterans syndrome": r"bronchiolitis|obliterans",  # from "BOS" scales
        "muscle rigidity": r"rigid",  # from "RigiScan"
        "hypokinesia": r"hypokines|bradykines",
        "ganglion cysts": r"cyst",  # from "otic/sphenopalatine ganglion"
        "lacerations": r"lacerat",
        "abortion, spontaneous": r"abortion|miscarriage|pregnan",
        "neoplasm metastasis": r"metasta|cancer|tumou?r|carcinom|neoplas",
        "bone marrow diseases": r"marrow|myelodysplas|aplastic",  # from "myelopathy"
        "nervous system malformations": r"malform|congenital|dysraph|spina bifida|chiari",
    }.items()
}

#: Phrases in the condition strings and titles that name an area with high precision (matched on the
#: lower-cased text: case-insensitive regular expressions are four times slower).
PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, re.compile(rx))
    for code, rx in (
        ("metabolic-endocrine", r"\bdiabet|\bobes|hypogonad|testosterone deficien|andropause|metabolic syndrome"
                                r"|dyslipid"),
        ("oncology", r"prostatectom|prostate cancer|\bcancer\b|carcinoma|\bnsclc\b|tumou?r|leuka?emia|lymphoma"
                     r"|myeloma|neoplasm"),
        ("kidney-urology", r"erectile|impoten|prostat|bladder|urinary|incontinen|premature ejaculation|peyronie"),
        ("cardiovascular", r"hypertensi|coronary|heart failure|cardiovascular|atrial fibrillation|peripheral arter"),
        ("neurology", r"spinal cord injur|multiple sclerosis|parkinson|migraine|headache|epilep|stroke|neuropath"),
        ("injuries", r"spinal cord injur|fracture"),
        ("mental-health", r"depressi|schizophren|bipolar disorder|bipolar depress|psychogenic|insomnia|substance use"
                          r"|opioid use disorder|alcohol use|smoking cessation|adhd"),
        ("respiratory", r"\bnsclc\b|lung cancer|asthma|copd|pulmonary"),
        ("blood", r"leuka?emia|lymphoma|myeloma|myelodysplas|anemi|anaemi"),
        ("womens-health", r"pregnan|endometri|menopaus|postpartum|gyn[ae]c"),
        ("infectious", r"\bhiv\b|hepatitis [bc]|infection"),
    )
)  # fmt: skip


@dataclass(frozen=True)
class AreaEvidence:
    """One reason for one area: the descriptor or phrase, and the tree number or rule that led there."""

    area: str
    term: str
    via: str  # a MeSH tree number, "rule <subtree>", "term rule" or "phrase"

    def text(self) -> str:
        return f"{self.term} -> {self.via} -> {self.area}"


@lru_cache(maxsize=1)
def mesh_trees() -> dict[str, tuple[str, ...]]:
    """MeSH heading (case-folded) -> its tree numbers (C and F03), plus the newer descriptors."""
    text = resources.files("trials.data").joinpath("mesh_trees.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    trees = {r["heading"].casefold(): tuple(r["trees"].split("|")) for r in rows}
    trees.update(NEW_DESCRIPTORS)
    return trees


def areas_of_tree(tree: str) -> tuple[tuple[str, ...], str]:
    """The areas one tree number stands for, and why (the tree number, or the subtree rule applied)."""
    best = ""
    for prefix in SUBTREE_RULES:
        if (tree == prefix or tree.startswith(prefix + ".")) and len(prefix) > len(best):
            best = prefix
    if best:
        return SUBTREE_RULES[best], f"{tree} (rule {best})"
    code = _TOP.get(tree[:3])
    return ((code,) if code else ()), tree


@lru_cache(maxsize=20_000)
def term_evidence(term: str) -> tuple[AreaEvidence, ...]:
    """The areas of one MeSH descriptor with their evidence; unknown descriptors give nothing."""
    key = term.casefold()
    if key in TERM_AREAS:
        return tuple(AreaEvidence(a, term, "term rule") for a in TERM_AREAS[key])
    out: dict[str, AreaEvidence] = {}
    for tree in mesh_trees().get(key, ()):
        codes, via = areas_of_tree(tree)
        for code in codes:
            out.setdefault(code, AreaEvidence(code, term, via))
    return tuple(out.values())


def areas_from_terms(terms: Iterable[str]) -> set[str]:
    """Areas of MeSH headings (case-insensitive); unknown headings contribute nothing."""
    return {e.area for t in terms for e in term_evidence(t)}


def classify_evidence(study: Study) -> list[AreaEvidence]:
    """Every area of the study with the first piece of evidence for it, in a stable order."""
    ps = study.protocol_section
    cm = ps.conditions_module if ps else None
    conditions = list(cm.conditions) if cm else []
    keywords = {k.casefold() for k in (cm.keywords if cm else [])}
    ident = ps.identification_module if ps else None
    titles = [ident.brief_title or "", ident.official_title or ""] if ident else []
    condition_text = " ".join(conditions).casefold()
    confirm_text = " ".join([*conditions, *titles[:1]]).lower()
    found: dict[str, AreaEvidence] = {}
    browse = study.derived_section.condition_browse_module if study.derived_section else None
    for mesh in browse.meshes if browse else []:
        term = mesh.term or ""
        key = term.casefold()
        if key in keywords and key not in condition_text:
            continue  # derived from a keyword only: context, not the condition studied
        check = CONFIRM.get(key)
        if check is not None and not check.search(confirm_text):
            continue
        for ev in term_evidence(term):
            found.setdefault(ev.area, ev)
    text = " | ".join([*conditions, *titles]).lower()
    for code, rx in PHRASES:
        if code not in found:
            m = rx.search(text)
            if m:
                found[code] = AreaEvidence(code, m.group(0), "phrase")
    return [found[a.code] for a in AREAS if a.code in found]


def classify_areas(study: Study) -> tuple[list[str], str | None]:
    """The study's areas (sorted codes) and the strongest kind of evidence: mesh | phrase | None."""
    evidence = classify_evidence(study)
    kind = None
    if evidence:
        kind = "mesh" if any(e.via != "phrase" for e in evidence) else "phrase"
    return sorted(e.area for e in evidence), kind
