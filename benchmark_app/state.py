"""Shared app state: the database, cached frames, and filters that live in the URL query string."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import polars as pl
import streamlit as st
from sqlalchemy import func, select

from db.engine import default_db_url, make_engine
from db.migrate import upgrade
from db.models import HarvestRunRow, StudyRow, table
from db.store import Store
from trials.analytics.rankings import SPONSOR_CLASSES, Filters, Frames, build_frames
from trials.rules.areas import AREA_BY_CODE
from trials.rules.buckets import PHASE_BUCKETS
from trials.rules.regions import Region, configured_regions

STATUSES = ("RECRUITING", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING", "ENROLLING_BY_INVITATION", "COMPLETED",
            "TERMINATED", "SUSPENDED", "WITHDRAWN", "UNKNOWN")  # fmt: skip


STUDY_TYPES = ("INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS")
DATE_FIELDS = ("start", "first_posted")


def db_url() -> str:
    return os.environ.get("TRIALS_DB_URL") or default_db_url()


@st.cache_resource(max_entries=4)
def _engine(url: str) -> Any:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def data_version(url: str) -> tuple[int, int]:
    """Changes whenever a harvest run finishes or the study count changes: the cache key of the frames."""
    with _engine(url).connect() as conn:
        runs = table(HarvestRunRow)
        last = conn.execute(select(func.max(runs.c.id)).where(runs.c.finished_at.is_not(None))).scalar() or 0
        n = conn.execute(select(func.count()).select_from(table(StudyRow))).scalar() or 0
    return int(last), int(n)


@st.cache_resource(max_entries=2, ttl=3600)
def _frames(url: str, version: tuple[int, int]) -> Frames:
    return build_frames(_engine(url), regions())


@st.cache_resource(max_entries=1)
def regions() -> list[Region]:
    return configured_regions()


@st.cache_resource(max_entries=1)
def place_coords() -> dict[str, tuple[float, float]]:
    """Coordinates of the configured regions' places (for maps and "nearby")."""
    return {p.id: (p.lat, p.lon) for r in regions() for p in r.places}


def frames() -> Frames:
    url = db_url()
    return _frames(url, data_version(url))


@st.cache_data(max_entries=4, ttl=600)
def _queries(url: str, version: tuple[int, int]) -> list[str]:
    return Store(_engine(url)).last_good_queries()


def provenance_queries() -> list[str]:
    """The registry queries behind the current data (for export provenance)."""
    url = db_url()
    return _queries(url, data_version(url))


def engine() -> Any:
    return _engine(db_url())


def lang() -> str:
    value = st.query_params.get("lang", "en")
    return value if value in ("en", "de") else "en"


@dataclass
class UrlFilters:
    filters: Filters
    level: str
    notices: list[str]


def _multi(name: str, allowed: tuple[str, ...] | list[str], notices: list[str]) -> tuple[str, ...]:
    raw = st.query_params.get_all(name)
    good = tuple(v for v in raw if v in allowed)
    bad = [v for v in raw if v not in allowed]
    if bad:
        notices.append(f"Ignored invalid {name} in the link: {', '.join(bad)}")
    return good


def _year(name: str, notices: list[str]) -> int | None:
    raw = st.query_params.get(name)
    if raw is None:
        return None
    if raw.isdigit() and 1990 <= int(raw) <= 2100:
        return int(raw)
    notices.append(f"Ignored invalid {name} in the link: {raw}")
    return None


def read_filters(default_level: str = "institution") -> UrlFilters:
    """Filters from the URL (so a view can be shared); invalid values are dropped with a notice."""
    notices: list[str] = []
    names = [r.name for r in regions()]
    region = st.query_params.get("region", "ruhr")
    if region not in names:
        notices.append(f"Ignored unknown region in the link: {region}")
        region = "ruhr"
    level = st.query_params.get("by", default_level)
    if level not in ("institution", "site", "city", "region"):
        notices.append(f"Ignored invalid by in the link: {level}")
        level = default_level
    f = Filters(
        region=region,
        year_from=_year("from", notices),
        year_to=_year("to", notices),
        phases=_multi("phase", PHASE_BUCKETS, notices),
        sponsor_classes=_multi("sponsor_class", SPONSOR_CLASSES, notices),
        areas=_multi("area", list(AREA_BY_CODE), notices),
        statuses=_multi("status", STATUSES, notices),
        sponsor_name=st.query_params.get("sponsor") or None,
        study_types=_multi("type", STUDY_TYPES, notices),
        date_field=(_multi("date", DATE_FIELDS, notices) or ("start",))[0],
    )
    return UrlFilters(f, level, notices)


def write_filters(f: Filters, level: str | None = None) -> None:
    """Put the current filters into the URL (other parameters, such as ``by`` or ``entity``, stay)."""
    params: dict[str, Any] = {k: st.query_params.get_all(k) for k in st.query_params}
    for key in ("region", "from", "to", "phase", "sponsor_class", "area", "status", "sponsor", "type", "date"):
        params.pop(key, None)
    params["lang"] = lang()
    if f.region:
        params["region"] = f.region
    if level:
        params["by"] = level
    if f.year_from is not None:
        params["from"] = str(f.year_from)
    if f.year_to is not None:
        params["to"] = str(f.year_to)
    for key, values in (("phase", f.phases), ("sponsor_class", f.sponsor_classes), ("area", f.areas),
                        ("status", f.statuses), ("type", f.study_types)):  # fmt: skip
        if values:
            params[key] = list(values)
    if f.sponsor_name:
        params["sponsor"] = f.sponsor_name
    if f.date_field != "start":
        params["date"] = f.date_field
    st.query_params.from_dict(params)


def is_empty(fr: Frames) -> bool:
    return fr.studies.height == 0


def synthetic_share(fr: Frames) -> float:
    if fr.studies.height == 0:
        return 0.0
    return fr.studies.filter(pl.col("synthetic").fill_null(False)).height / fr.studies.height
