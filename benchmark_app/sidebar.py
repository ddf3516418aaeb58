"""The sidebar filters, shared by the pages: read from the URL, shown as widgets, written back."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from benchmark_app.i18n import t
from benchmark_app.state import (
    DATE_FIELDS,
    STATUSES,
    STUDY_TYPES,
    home_region,
    lang,
    read_filters,
    regions,
    write_filters,
)
from trials.analytics.rankings import SPONSOR_CLASSES, Filters
from trials.present.labels import area_label, code_label, level_label, phase_label, region_label
from trials.rules.areas import AREA_BY_CODE
from trials.rules.buckets import PHASE_BUCKETS


def sidebar_filters(default_level: str = "institution", with_level: bool = False,
                    disabled: bool = False) -> tuple[Filters, str]:  # fmt: skip
    """The filters from the URL as sidebar widgets (switched off when ``disabled``: a preset ignores them)."""
    url = read_filters(default_level)
    for notice in url.notices:
        st.warning(notice)
    f, lg = url.filters, lang()
    sb = st.sidebar
    choose: dict[str, Any] = {"placeholder": t("choose", lg), "disabled": disabled}  # multiselects
    names = [r.name for r in regions()]
    labels = {r.name: region_label(r.name, r.label, lg) for r in regions()}
    region = sb.selectbox(t("region", lg), names, index=names.index(f.region or home_region()),
                          format_func=lambda n: labels[n], key="f_region", placeholder=t("choose_one", lg),
                          disabled=disabled)  # fmt: skip
    level = url.level
    if with_level:
        levels = ["institution", "site", "city", "region"]
        level = sb.radio(t("level", lg), levels, index=levels.index(level), key="f_level",
                         format_func=lambda v: level_label(v, lg), horizontal=True, disabled=disabled)  # fmt: skip
    years = sb.slider(
        t("years", lg), 2000, 2030, (f.year_from or 2000, f.year_to or 2030), key="f_years", disabled=disabled
    )
    date_field = sb.radio(t("date_field", lg), DATE_FIELDS, index=DATE_FIELDS.index(f.date_field), key="f_date",
                          format_func=lambda v: t(f"date_{v}", lg), horizontal=True, disabled=disabled)  # fmt: skip
    phases = sb.multiselect(t("phase", lg), PHASE_BUCKETS, default=list(f.phases), key="f_phase",
                            format_func=lambda p: phase_label(p, lg),
                 **choose)  # fmt: skip
    classes = sb.multiselect(t("sponsor_class", lg), SPONSOR_CLASSES, default=list(f.sponsor_classes), key="f_cls",
                             format_func=lambda c: code_label("sponsor_class", c, lg),
                 **choose)  # fmt: skip
    sponsor = sb.text_input(t("sponsor", lg), value=f.sponsor_name or "", key="f_sponsor", disabled=disabled)
    areas = sb.multiselect(t("area", lg), list(AREA_BY_CODE), default=list(f.areas), key="f_area",
                           format_func=lambda a: area_label(a, lg),
                 **choose)  # fmt: skip
    statuses = sb.multiselect(t("status", lg), STATUSES, default=list(f.statuses), key="f_status",
                              format_func=lambda c: code_label("status", c, lg),
                 **choose)  # fmt: skip
    types = sb.multiselect(t("study_type", lg), STUDY_TYPES, default=list(f.study_types), key="f_type",
                           format_func=lambda c: code_label("study_type", c, lg),
                 **choose)  # fmt: skip
    sb.caption(t("counting", lg))
    chosen = replace(
        f,
        region=region,
        year_from=years[0] if years[0] > 2000 else None,
        year_to=years[1] if years[1] < 2030 else None,
        date_field=date_field,
        study_types=tuple(types),
        phases=tuple(phases),
        sponsor_classes=tuple(classes),
        sponsor_name=sponsor.strip() or None,
        areas=tuple(areas),
        statuses=tuple(statuses),
    )
    write_filters(chosen, level if with_level else None)
    return chosen, level
