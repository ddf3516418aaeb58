"""Find sites: a scout's shortlist in one screen (area, phase, recruiting now, industry experience -> ranked sites
with the reasons). The question and the answer live in the URL, so a shortlist can be shared."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from benchmark_app.common import page_frames, show_table
from benchmark_app.i18n import t
from benchmark_app.sections import peers_of
from benchmark_app.state import home_region, lang, regions
from trials.analytics.metrics import format_number
from trials.analytics.rankings import Filters
from trials.analytics.scout import shortlist
from trials.present.labels import area_label, level_label, phase_label, region_label
from trials.present.markdown import escape_markdown, quote_markdown
from trials.rules.areas import AREA_BY_CODE
from trials.rules.buckets import PHASE_BUCKETS

LEVELS = ["institution", "site"]
#: The scout's usual question, the page's starting point.
DEFAULT_AREAS = ["oncology"]
DEFAULT_PHASES = ["phase2", "phase3"]
#: Trials named in a reason before "…" (the table's NCT ID columns have them all).
SHOWN_IDS = 4
#: Sites listed in words above the table (the table has them all).
SHOWN_SITES = 10

lg = lang()
st.title(t("find_sites", lg))
st.caption(t("scout_intro", lg))
qp = st.query_params


def _values(name: str, allowed: list[str], default: list[str]) -> list[str]:
    """Values of a URL parameter that are allowed (others dropped with a notice shown as code, never markdown)."""
    if name not in qp:
        return default
    raw = qp.get_all(name)
    bad = [v for v in raw if v not in allowed]
    if bad:
        st.warning(t("notice_invalid", lg, name=name, values=quote_markdown(", ".join(bad))))
    return [v for v in raw if v in allowed]


def _flag(name: str) -> bool:
    return qp.get(name, "1") != "0"


names = [r.name for r in regions()]
wanted_region = qp.get("region", home_region())
if wanted_region not in names:
    st.warning(t("notice_unknown_region", lg, region=quote_markdown(wanted_region)))
    wanted_region = home_region()
labels = {r.name: region_label(r.name, r.label, lg) for r in regions()}
wanted_level = qp.get("by", "institution")
c1, c2, c3 = st.columns([1.2, 1.6, 1.6])
region = c1.selectbox(t("region", lg), names, index=names.index(wanted_region), format_func=lambda n: labels[n],
                      key="fs_region", placeholder=t("choose_one", lg))  # fmt: skip
level = c1.radio(t("level", lg), LEVELS, index=LEVELS.index(wanted_level) if wanted_level in LEVELS else 0,
                 format_func=lambda v: level_label(v, lg), horizontal=True, key="fs_level")  # fmt: skip
areas = c2.multiselect(t("area", lg), list(AREA_BY_CODE), default=_values("area", list(AREA_BY_CODE), DEFAULT_AREAS),
                       format_func=lambda a: area_label(a, lg), key="fs_area", placeholder=t("choose", lg))  # fmt: skip
phases = c2.multiselect(t("phase", lg), list(PHASE_BUCKETS),
                        default=_values("phase", list(PHASE_BUCKETS), DEFAULT_PHASES),
                        format_func=lambda p: phase_label(p, lg), key="fs_phase",
                        placeholder=t("choose", lg))  # fmt: skip
recruiting = c3.checkbox(t("scout_recruiting", lg), value=_flag("recruiting"), key="fs_recruiting")
industry = c3.checkbox(t("scout_industry", lg), value=_flag("industry"), key="fs_industry")
c3.caption(t("scout_rules", lg))
params: dict[str, Any] = {"lang": lg, "region": region, "by": level, "area": list(areas), "phase": list(phases),
                          "recruiting": "1" if recruiting else "0", "industry": "1" if industry else "0"}  # fmt: skip
qp.from_dict({k: v for k, v in params.items() if v != []})

fr = page_frames()
if fr is not None:
    f = Filters(region=region, areas=tuple(areas), phases=tuple(phases))
    peers = peers_of(region)
    table = shortlist(fr, level, f, recruiting=recruiting, industry=industry, peers=peers)
    where = escape_markdown(labels[region])
    if table.height == 0:
        st.info(t("scout_none", lg, level=level_label(level, lg), region=where))
    else:
        st.success(t("scout_found", lg, n=table.height, level=level_label(level, lg), region=where))
        first_area = area_label(areas[0], lg) if areas else ""

        def ids(values: list[str]) -> str:
            return ", ".join(values[:SHOWN_IDS]) + (", …" if len(values) > SHOWN_IDS else "")

        def reasons(row: dict[str, Any]) -> str:
            parts = [t("reason.matching", lg, n=row["matching_trials"], ids=ids(row["matching_ids"]))]
            if row["recruiting_trials"]:
                parts.append(t("reason.recruiting", lg, ids=ids(row["recruiting_ids"])))
            if row["industry_trials"]:
                parts.append(t("reason.industry", lg, n=row["industry_trials"]))
            if row["lq"] is not None:
                parts.append(t("reason.lq", lg, area=first_area, lq=format_number(row["lq"], "dec2", lg)))
            return "; ".join(parts)

        # The shortlist in words first (the top SHOWN_SITES, each with its reasons), then every detail in the table.
        lines = [f"{r['rank']}. **{escape_markdown(r['name'])}**: {escape_markdown(reasons(r))}"
                 for r in table.head(SHOWN_SITES).iter_rows(named=True)]  # fmt: skip
        st.markdown("\n".join(lines))
        shown = table.with_columns(
            pl.Series("reasons", [reasons(r) for r in table.iter_rows(named=True)], dtype=pl.String),
            pl.col("industry_ids").list.join(", "),
            pl.col("matching_ids").list.join(", "),
        ).select("rank", "name", "reasons", "matching_trials", "recruiting_trials", "industry_trials", "lq",
                 "matching_ids", "industry_ids")  # fmt: skip
        show_table(shown, key="fs_table", column_config={
            "rank": t("rank", lg), "name": level_label(level, lg),
            "reasons": st.column_config.TextColumn(t("reasons", lg), width="large"),
            "matching_trials": t("matching_trials_col", lg), "recruiting_trials": t("recruiting_trials_col", lg),
            "industry_trials": t("industry_trials_col", lg), "matching_ids": t("nct_ids", lg),
            "industry_ids": t("industry_trials_col", lg) + " (NCT)"})  # fmt: skip
