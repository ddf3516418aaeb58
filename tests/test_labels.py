"""The label catalogue (English and German) and the metric table: complete, consistent, and used."""

from __future__ import annotations

import re
import string
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import ROOT
from trials.analytics.metrics import BY_COLUMN, FLAGS, HEADLINE, METRICS, format_number
from trials.analytics.rankings import LEVELS, SPONSOR_CLASSES, Filters, rank
from trials.present.labels import CATALOGUE, LANGS, REGION_NAMES_DE, label, metric_help, metric_label, region_label
from trials.rules.areas import AREAS
from trials.rules.buckets import PHASE_BUCKETS, SPONSOR_BUCKETS
from trials.rules.regions import load_regions

SOURCES = sorted([*(ROOT / "trials").rglob("*.py"), *(ROOT / "benchmark_app").rglob("*.py")])
LITERAL_CALL = re.compile(r"""\b(?:t|label)\(\s*(["'])([^"'{}]+)\1""")
PREFIX_CALL = re.compile(r"""\b(?:t|label)\(\s*f(["'])([^"'{}]*)\{""")


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_has_an_english_and_a_german_text() -> None:
    assert LANGS == ("en", "de")
    missing = [k for k, texts in CATALOGUE.items() if len(texts) != 2 or not all(t.strip() for t in texts)]
    assert not missing, f"keys without an English or German text: {missing}"


def test_both_languages_take_the_same_placeholders() -> None:
    differ = {k: (fields(en), fields(de)) for k, (en, de) in CATALOGUE.items() if fields(en) != fields(de)}
    assert not differ


def test_every_key_the_code_asks_for_exists() -> None:
    asked: dict[str, Path] = {}
    prefixes: dict[str, Path] = {}
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        asked.update({m.group(2): path for m in LITERAL_CALL.finditer(text)})
        prefixes.update({m.group(2): path for m in PREFIX_CALL.finditer(text)})
    assert len(asked) > 50, "the scan finds the app's, the deck's and the PDF's labels"
    unknown = {k: str(p.relative_to(ROOT)) for k, p in asked.items() if k not in CATALOGUE}
    assert not unknown, f"labels asked for but not in the catalogue: {unknown}"
    dangling = {p: str(f.relative_to(ROOT)) for p, f in prefixes.items() if not any(k.startswith(p) for k in CATALOGUE)}
    assert not dangling, f"label prefixes with no key in the catalogue: {dangling}"


@pytest.mark.parametrize(
    ("prefix", "codes"),
    [("phase", PHASE_BUCKETS), ("sponsor", SPONSOR_BUCKETS), ("area", [a.code for a in AREAS]), ("level", LEVELS),
     ("date", ["start", "first_posted"]), ("scope", ["europe", "all"])],
)  # fmt: skip
def test_every_code_of_a_group_has_a_label(prefix: str, codes: list[str]) -> None:
    sep = "_" if prefix in ("date", "scope") else "."
    assert not [c for c in codes if f"{prefix}{sep}{c}" not in CATALOGUE]


@pytest.mark.parametrize(
    ("group", "codes"),
    [("status", ("RECRUITING", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING", "ENROLLING_BY_INVITATION", "COMPLETED",
                 "TERMINATED", "SUSPENDED", "WITHDRAWN", "UNKNOWN")),
     ("sponsor_class", SPONSOR_CLASSES), ("study_type", ("INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS")),
     ("registry_phase", ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA"))],
)  # fmt: skip
def test_every_registry_code_a_reader_can_see_has_words(group: str, codes: tuple[str, ...]) -> None:
    """Filters in words (the deck's methods slide, the PDF) never show a raw registry code."""
    assert not [c for c in codes if f"{group}.{c}" not in CATALOGUE]


def test_every_counted_country_has_a_name_in_both_languages() -> None:
    from trials.jobs.counts import load_countries

    assert not [c.code for c in load_countries() if f"country.{c.code}" not in CATALOGUE]
    assert label("country.DE", "de") == "Deutschland"


def test_an_unknown_key_is_an_error_not_a_raw_key() -> None:
    with pytest.raises(KeyError):
        label("no.such.key", "de")


def test_german_texts_and_region_names() -> None:
    assert label("overview", "de") == "Überblick" and label("overview", "en") == "Overview"
    assert label("overview", "fr") == "Overview"  # any other language falls back to English
    assert label("deck.recruiting_many", "de").startswith("Studien") and label("deck.recruiting_one", "de").startswith(
        "Studie "
    )
    names = {r.name: r.label for r in load_regions()}
    assert set(REGION_NAMES_DE) <= set(names)
    assert region_label("munich", names["munich"], "de") == "München"
    assert region_label("munich", names["munich"], "en") == names["munich"]
    assert region_label("ruhr", names["ruhr"], "de") == names["ruhr"]


def test_the_counting_rules_are_written_once() -> None:
    """Every reader-facing copy of the rules comes from the catalogue's one text."""
    sentence = "counts once per place or institution"
    holders = [str(p.relative_to(ROOT)) for p in SOURCES if sentence in p.read_text(encoding="utf-8")]
    assert holders == ["trials/present/labels.py"]


# The metric table


def test_every_metric_has_a_label_and_a_unit_in_both_languages() -> None:
    for m in METRICS:
        for lg in LANGS:
            assert metric_label(m, lg).strip() and label(m.unit, lg).strip()
            assert metric_help(m, lg).startswith(metric_label(m, lg))
    assert metric_label(BY_COLUMN["per_100k"], "de") == "Studien je 100.000 Einwohner"


SAMPLES = {
    "trials": (12345, "12,345", "12.345"),
    "industry": (1234, "1,234", "1.234"),
    "recruiting": (7, "7", "7"),
    "per_100k": (1234.56, "1,234.6", "1.234,6"),
    "share": (0.1234, "12.3%", "12,3 %"),
    "growth": (-0.05, "-5.0%", "-5,0 %"),
}


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.name)
def test_every_metric_formats_a_sample_in_each_language(metric: object) -> None:
    from trials.analytics.metrics import Metric

    assert isinstance(metric, Metric)
    value, en, de = SAMPLES[metric.name]  # a new metric needs a sample here too
    assert metric.format(value, "en") == en and metric.format(value, "de") == de
    assert metric.format(None, "de") == "-"


def test_number_formats() -> None:
    assert format_number(0.5, "pct_signed", "en") == "+50.0%" and format_number(2.0, "dec1", "de") == "2,0"
    assert format_number(float("nan"), "dec1") == "-"
    with pytest.raises(TypeError):
        format_number("12", "int")


def test_the_ranking_has_exactly_the_metric_columns_in_table_order() -> None:
    from tests.test_profile import hand_frames

    table = rank(hand_frames(), "city", Filters(region="ruhr", year_from=2020, year_to=2021))
    assert table.columns == ["rank", "name", *(m.column for m in METRICS), *FLAGS, "key"]
    assert FLAGS == ("partial",) and not table["partial"].any()  # within a region nothing is partial
    essen = table.filter(pl.col("name") == "Essen").row(0, named=True)
    assert essen["trials"] == 3 and essen["share_of_region"] == round(3 / 5, 4)  # 5 studies have a site in the Ruhr
    assert {m.name for m in HEADLINE} <= {m.name for m in METRICS}


def test_no_dead_labels() -> None:
    """Every key is asked for by the code, or belongs to a group whose keys are built from codes."""
    asked = {m.group(2) for p in SOURCES for m in LITERAL_CALL.finditer(p.read_text(encoding="utf-8"))}
    groups = (
        "phase.",
        "sponsor.",
        "area.",
        "level.",
        "metric.",
        "unit.",
        "date_",
        "scope_",
        "status.",
        "sponsor_class.",
        "study_type.",
        "registry_phase.",
        "country.",
        "exp.",  # the experience figures (trials.analytics.experience names them)
        "col.",  # table headers (benchmark_app.display: col.<column>)
        "outcome.",  # codes in words (benchmark_app.display.CODE_GROUPS)
        "run_mode.",
        "event.",
        "count_scope.",
        "grouping.",
        "place_flag.",
        "db_table.",  # the Data page's table names in words
        "preset.",  # preset names (the Rankings page's preset choice)
    )
    assert not [k for k in CATALOGUE if k not in asked and not k.startswith(groups)]


@pytest.mark.parametrize("page", ["overview", "rankings", "compare", "profile", "map", "world", "data"])
def test_every_page_speaks_german(page: str, real_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every page in German on harvested data: no missing label (that would raise), German headings."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setenv("TRIALS_DB_URL", real_db_url)
    at = AppTest.from_file(str(ROOT / "benchmark_app" / "streamlit_app.py"), default_timeout=60)
    at.query_params["lang"] = "de"
    at.query_params["region"] = "ruhr"
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    st.cache_resource.clear()
    assert not at.exception, [e.value for e in at.exception]
    expected = label("overview_title", "de", region="Ruhr (Regionalverband Ruhr)") if page == "overview" else None
    assert at.title[0].value == (expected or label(page, "de"))
    if page in ("overview", "profile"):
        tiles = {m.label for m in at.metric}
        assert label("metric.trials", "de") in tiles and label("metric.recruiting_now", "de") in tiles
