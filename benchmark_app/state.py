"""Shared app state: the database, cached frames, and filters that live in the URL query string."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
import streamlit as st

from db.engine import default_db_url, open_existing
from db.reader import Reader
from trials.analytics.frames_cache import load_frames
from trials.analytics.rankings import SPONSOR_CLASSES, Filters, Frames
from trials.errors import ConfigError, TrialsError
from trials.present.labels import label
from trials.present.markdown import quote_markdown
from trials.rules.areas import AREA_BY_CODE
from trials.rules.buckets import PHASE_BUCKETS
from trials.rules.regions import Region, configured_regions, default_region, find_region

STATUSES = ("RECRUITING", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING", "ENROLLING_BY_INVITATION", "COMPLETED",
            "TERMINATED", "SUSPENDED", "WITHDRAWN", "UNKNOWN")  # fmt: skip


STUDY_TYPES = ("INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS")
DATE_FIELDS = ("start", "first_posted")


def db_url() -> str:
    """``$TRIALS_DB_URL``, else ``./data/trials.db``."""
    return default_db_url()


@st.cache_resource(max_entries=4)
def _engine(url: str) -> Any:
    """The existing database: the app only reads, so it never creates or migrates one (a failure is not cached)."""
    return open_existing(url)


def database_problem() -> str | None:
    """None when the database can be read, else the one line that says which database and what to run."""
    try:
        engine()
    except TrialsError as exc:
        return str(exc)
    return None


def data_version(url: str) -> tuple[int, int]:
    """Changes whenever a harvest run finishes or the study count changes: the cache key of the frames."""
    return Reader(_engine(url)).data_version()


@st.cache_resource(max_entries=1, show_spinner="Loading the analytics data (built once per harvest)…")
def _frames(url: str, version: tuple[int, int]) -> Frames:
    """One copy of the frames per process, shared by every session: loaded (memory-mapped) from the cache the
    last good run wrote, or built once and cached when that is missing or stale. One entry: a new data version
    replaces the old frames rather than keeping both in memory."""
    return load_frames(_engine(url), regions())


@st.cache_resource(max_entries=1)
def regions() -> list[Region]:
    return configured_regions()


def home_region() -> str:
    """The region the app starts from: ``default = true`` in the region file, else its first region."""
    return default_region(regions()).name


@st.cache_resource(max_entries=1)
def place_coords() -> dict[str, tuple[float, float]]:
    """Coordinates of the configured regions' places (for maps and "nearby")."""
    return {p.id: (p.lat, p.lon) for r in regions() for p in r.places}


def frames() -> Frames:
    url = db_url()
    return _frames(url, data_version(url))


@st.cache_data(max_entries=4, ttl=600)
def _queries(url: str, version: tuple[int, int]) -> list[str]:
    return Reader(_engine(url)).last_good_queries()


def provenance_queries() -> list[str]:
    """The registry queries behind the current data (for export provenance)."""
    url = db_url()
    return _queries(url, data_version(url))


@st.cache_resource(max_entries=1, ttl=3600)
def _investigators(url: str, version: tuple[int, int]) -> pl.DataFrame:
    return Reader(_engine(url)).investigators()


def investigators() -> pl.DataFrame:
    """The stored investigator rows (for the Profile page), read once per data version and shared (read-only)."""
    url = db_url()
    return _investigators(url, data_version(url))


def reader() -> Reader:
    """The read-only view of the app's database (runs, quarantine, events, unplaced sites) for the Data page."""
    return Reader(engine())


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
    if bad:  # the values come from a link anyone can write: shown as plain text, never as markdown
        notices.append(label("notice_invalid", lang(), name=name, values=quote_markdown(", ".join(bad))))
    return good


def _year(name: str, notices: list[str]) -> int | None:
    raw = st.query_params.get(name)
    if raw is None:
        return None
    if raw.isdigit() and 1990 <= int(raw) <= 2100:
        return int(raw)
    notices.append(label("notice_invalid", lang(), name=name, values=quote_markdown(raw)))
    return None


def read_filters(default_level: str = "institution") -> UrlFilters:
    """Filters from the URL (so a view can be shared); invalid values are dropped with a notice (markdown: the
    values it quotes are shown as code, so a link cannot put a link or an image into the app's warning)."""
    notices: list[str] = []
    home = home_region()
    wanted = st.query_params.get("region", home)
    try:
        region = find_region(regions(), wanted).name
    except ConfigError:
        notices.append(label("notice_unknown_region", lang(), region=quote_markdown(wanted)))
        region = home
    level = st.query_params.get("by", default_level)
    if level not in ("institution", "site", "city", "region"):
        notices.append(label("notice_invalid", lang(), name="by", values=quote_markdown(level)))
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
