"""Site-intelligence sections a page shows in one line each (issue 17): experience profile, specialisation and
sponsor concentration, international ties, and the XLSX with those tables.

Kept apart from the pages so a page's layout can change without touching these, and the pages stay renderers:
the numbers come from :mod:`trials.analytics` (experience, specialisation, ties, extras); the site countries
and the registry's reasons for stopping are read here, through :mod:`benchmark_app.state`'s database, cached
per data version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import polars as pl
import streamlit as st

from benchmark_app.common import file_stem, show_table
from benchmark_app.i18n import t
from benchmark_app.state import data_version, db_url, engine, lang, provenance_queries, regions
from trials.analytics.experience import experience, stopped_trials
from trials.analytics.metrics import EXTRA_BY_NAME, TRIALS, format_number
from trials.analytics.rankings import Filters, Frames, is_synthetic
from trials.analytics.specialisation import location_quotients, sponsor_concentration
from trials.analytics.ties import CountryData, partner_countries, peer_ties, stored_country_data, ties
from trials.present.country_names import country_name
from trials.present.labels import area_label, metric_label, region_label
from trials.rules.regions import default_peers, find_region


@st.cache_resource(max_entries=1, ttl=3600)
def _countries(url: str, version: tuple[int, int]) -> CountryData:
    return stored_country_data(engine(), regions())


def site_countries() -> CountryData:
    """The site countries of the app's database (once per process and data version; kept beside the frames)."""
    url = db_url()
    return _countries(url, data_version(url))


@st.cache_data(max_entries=64, ttl=3600)
def _why_stopped(url: str, version: tuple[int, int], ids: tuple[str, ...]) -> dict[str, str]:
    from db.reader import Reader

    return Reader(engine()).why_stopped(ids)


def peers_of(region: str | None) -> list[str]:
    """The configured peers of ``region`` (regions.toml ``peers``, else the first four others)."""
    if not region:
        return []
    regs = regions()
    return default_peers(find_region(regs, region), regs)


def _peer_names(peers: Sequence[str], lg: str) -> str:
    by_name = {r.name: r for r in regions()}
    return ", ".join(region_label(p, by_name[p].label, lg) for p in peers if p in by_name)


def _country(name: str | None, lg: str) -> str:
    return country_name(name, lg)


def experience_section(fr: Frames, level: str, key: str, f: Filters) -> None:
    """The experience profile of one entity: every figure with the trials behind it, and why its trials stopped."""
    lg = lang()
    st.subheader(t("experience", lg))
    st.caption(t("experience_note", lg))
    figures = experience(fr, level, key, f)
    table = figures.select(
        pl.col("figure").map_elements(lambda k: t(k, lg), return_dtype=pl.String).alias("figure"),
        pl.struct("value", "fmt").map_elements(lambda r: format_number(r["value"], r["fmt"], lg),
                                               return_dtype=pl.String).alias("value"),
        "trials",
        pl.col("nct_ids").list.join(", ").alias("nct_ids"),
    )  # fmt: skip
    show_table(table, key=f"exp_{level}", column_config={
        "figure": t("figure", lg), "value": t("value", lg), "trials": t("trials_behind", lg),
        "nct_ids": st.column_config.TextColumn(t("nct_ids", lg), width="large")})  # fmt: skip
    ids = figures.filter(pl.col("figure") == "exp.stopped_share")["nct_ids"]
    stopped_ids = tuple(ids[0].to_list()) if ids.len() else ()
    if stopped_ids:
        url = db_url()
        reasons = _why_stopped(url, data_version(url), stopped_ids)
        with st.expander(t("stopped_reasons", lg)):
            show_table(stopped_trials(fr, level, key, f, reasons), key=f"exp_stopped_{level}",
                       column_config={"why_stopped": t("why_stopped", lg)})  # fmt: skip


def specialisation_section(fr: Frames, level: str, key: str, f: Filters) -> None:
    """Location quotients of one entity per area against its region's peers, and its sponsor concentration, each
    explained in one sentence."""
    lg = lang()
    st.subheader(t("specialisation", lg))
    region = key if level == "region" else f.region
    peers = peers_of(region)
    if not peers:
        st.caption(t("no_peers", lg))
    else:
        st.caption(t("lq_explain", lg, peers=_peer_names(peers, lg)))
        lq = location_quotients(fr, level, f, peers, [key]).select(
            pl.col("area").map_elements(lambda a: area_label(a, lg), return_dtype=pl.String),
            "trials_in_area", "share", "peer_share", "lq",
        )  # fmt: skip
        show_table(lq, key=f"lq_{level}", empty=t("none", lg), column_config={
            "area": t("area", lg), "trials_in_area": t("trials_in_area", lg),
            "share": st.column_config.Column(t("share", lg)),
            "peer_share": st.column_config.Column(t("peer_share", lg))})  # fmt: skip
    st.caption(t("hhi_explain", lg))
    hhi = sponsor_concentration(fr, level, f, [key]).select("sponsors", "top_sponsor", "top_share", "sponsor_hhi")
    show_table(hhi, key=f"hhi_{level}", empty=t("none", lg), column_config={
        "sponsors": metric_label(EXTRA_BY_NAME["distinct_sponsors"], lg), "top_sponsor": t("top_sponsor", lg),
        "top_share": st.column_config.Column(t("top_share", lg))})  # fmt: skip


def _ties_table(table: pl.DataFrame, lg: str) -> pl.DataFrame:
    return table.with_columns(pl.col("home_country").map_elements(lambda c: _country(c, lg), return_dtype=pl.String))


def ties_section(fr: Frames, level: str, key: str, f: Filters) -> None:
    """International ties of one entity: multinational share, partner countries (with their trials), lead sponsor
    sides, and the same figures for its region's peers."""
    lg = lang()
    st.subheader(t("ties", lg))
    st.caption(t("ties_explain", lg))
    cd = site_countries()
    mine = ties(fr, cd, level, f, [key])
    config = {"name": t("name", lg), "home_country": t("home_country", lg), "trials": metric_label(TRIALS, lg),
              "top_partners": t("top_partners", lg)}  # fmt: skip
    show_table(_ties_table(mine, lg).drop("key"), key=f"ties_{level}", empty=t("none", lg), column_config=config)
    left, right = st.columns(2)
    left.markdown(f"**{t('partner_countries', lg)}**")
    partners = partner_countries(fr, cd, level, f, key).with_columns(
        pl.col("country").map_elements(lambda c: _country(c, lg), return_dtype=pl.String),
        pl.col("nct_ids").list.join(", "),
    )
    show_table(partners, key=f"partners_{level}", where=left, empty=t("none", lg),
               column_config={"country": t("country", lg), "nct_ids": t("nct_ids", lg)})  # fmt: skip
    region = key if level == "region" else f.region
    peers = peers_of(region)
    if region and peers:
        right.markdown(f"**{t('ties_peers', lg)}**")
        names = {r.name: region_label(r.name, r.label, lg) for r in regions()}  # München, not Munich, in German
        table = (
            peer_ties(fr, cd, replace(f, region=None), region, peers)
            .with_columns(pl.col("key").cast(pl.String).replace_strict(names, default=pl.col("name")).alias("name"))
            .select("name", "multinational_share", "foreign_sponsor_share", "unknown_sponsor_trials", "top_partners")
        )
        config = {"name": t("name", lg), "top_partners": t("top_partners", lg)}
        show_table(table, key=f"ties_peers_{level}", where=right, column_config=config)


def intelligence_xlsx_button(fr: Frames, table: pl.DataFrame, f: Filters, level: str, name: str) -> None:
    """A download of the ranking with the site-intelligence sheets (specialisation, concentration, experience,
    international ties, the region's investigators); built only when clicked."""
    from benchmark_app.state import investigators
    from trials.analytics.extras import intelligence_sheets
    from trials.analytics.investigators import in_region
    from trials.present.export import to_xlsx

    lg = lang()
    synthetic = is_synthetic(fr)

    def build() -> bytes:
        people = in_region(investigators(), f.region) if f.region else None
        sheets = intelligence_sheets(fr, level, f, peers_of(f.region), site_countries(), people)
        return to_xlsx(table, f, level, fr.data_version, fr.data_timestamp, provenance_queries(), synthetic,
                       sheets=sheets)  # fmt: skip

    stem = file_stem(f"{name}_site_intelligence", synthetic)
    st.download_button(t("download_xlsx_intel", lg), build, file_name=f"{stem}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"xlsx_intel_{level}")  # fmt: skip


def profile_sections(fr: Frames, level: str, key: str, f: Filters) -> None:
    """Everything of issue 17 the Profile page shows for one entity, in one call."""
    experience_section(fr, level, key, f)
    specialisation_section(fr, level, key, f)
    ties_section(fr, level, key, f)


def region_sections(fr: Frames, f: Filters) -> None:
    """The region's international ties against its configured peers (the Compare page, under the comparison; the
    Overview stays the lean first screen of a pitch), in one call."""
    if f.region:
        ties_section(fr, "region", f.region, replace(f, region=None))
