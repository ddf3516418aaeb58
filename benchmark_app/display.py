"""How every table of the app looks: headers, units, number formats and codes in words, from the label catalogue.

One function, :func:`table`, shows a polars frame the way a reader should see it, in English or German:

- headers come from the catalogue (a metric's name from the metric table, other columns from ``col.<name>``),
  with the metric's unit as the header's help;
- numbers are formatted as the reader's language writes them (``1,234.5`` / ``1.234,5``, ``12.3%`` /
  ``12,3 %``), each metric in its own format; the data underneath stays numeric, so sorting still works;
- dates have no time, timestamps no microseconds;
- registry codes (status, phase and sponsor buckets, areas, sponsor classes, study types, run outcomes) are
  shown in words;
- a column that is empty throughout (growth without a time window, per 100,000 for institutions) is left
  out instead of showing "None" in every row;
- NCT IDs link to the registry.

The data keeps its column names (CSV, JSON and XLSX downloads use them); only the display changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl
import streamlit as st

from trials.analytics.metrics import BY_COLUMN, EXTRA, LQ, PARTIAL, Metric, NumberFormat, format_number
from trials.present.country_names import country_name
from trials.present.labels import code_label, format_date, has_label, label, metric_help, metric_label
from trials.present.markdown import quote_markdown
from trials.present.palette import ACCENT, MUTED, series_colours

#: Columns that hold codes, and the catalogue group that names them (``<group>.<code>``).
CODE_GROUPS = {
    "phase_bucket": "phase", "sponsor_bucket": "sponsor", "area": "area", "overall_status": "status",
    "old_status": "status", "site_status": "status", "new_status": "status", "status": "status",
    "lead_sponsor_class": "sponsor_class", "study_type": "study_type", "outcome": "outcome", "mode": "run_mode",
    "kind": "event", "grouping": "grouping",
    "scope": "count_scope", "flag": "place_flag", "country": "country", "table": "db_table",
}  # fmt: skip
#: Every metric a table can show, by column: a ranking's, and the site-intelligence ones (``lq_<area>`` as ``lq``).
METRIC_COLUMNS: dict[str, Metric] = {**BY_COLUMN, **{m.column: m for m in (*EXTRA, LQ)}}


def metric_of(column: str) -> Metric | None:
    """The metric a column holds, if any."""
    return METRIC_COLUMNS.get(column) or (LQ if column.startswith("lq_") else None)


#: Number formats of columns that are not metrics (metrics bring their own from the metric table).
COLUMN_FORMATS: dict[str, NumberFormat] = {"share": "pct", "peer_share": "pct", "top_share": "pct", "ratio": "dec1",
                                           "per_million": "dec1"}  # fmt: skip
#: What an empty cell shows (an en dash, not "None").
MISSING = "\u2013"
#: Most rows a table shows (the downloads hold every row): a browser table of 100,000 rows helps nobody and
#: formatting them would cost seconds.
MAX_ROWS = 1000
REGISTRY = "https://clinicaltrials.gov/study/"


def registry_date(value: str | None, lang: str) -> str:
    """The registry's data timestamp as a reader writes the date; text that is not a date (the registry's, so
    anyone's) as a code span, so no link, image or HTML in it can take effect in markdown."""
    if not value:
        return label("unknown", lang)
    try:
        dt.date.fromisoformat(value[:10])
    except ValueError:
        return quote_markdown(value)
    return format_date(value, lang, long=True)


def header(column: str, lang: str) -> str:
    """A column's header: the metric's name, else ``col.<column>`` from the catalogue (a missing one raises)."""
    metric = metric_of(column)
    if metric is not None:
        return metric_label(metric, lang)
    if column == PARTIAL:
        return label("partial", lang)
    return label(f"col.{column}", lang)


def in_words(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """``frame`` with the codes of :data:`CODE_GROUPS` columns in words (unknown codes stay as they are)."""
    out = []
    for name in frame.columns:
        group = CODE_GROUPS.get(name)
        if group is None or frame.schema[name] not in (pl.String, pl.Categorical, pl.Enum):
            continue
        codes = [c for c in frame[name].cast(pl.String).unique().to_list() if c is not None]
        words = {c: _word(group, c, lang) for c in codes}
        out.append(pl.col(name).cast(pl.String).replace_strict(words, default=None, return_dtype=pl.String))
    return frame.with_columns(out) if out else frame


def _word(group: str, code: str, lang: str) -> str:
    """A code in words, capitalised as a table cell starts ("Recruiting", "Rekrutierend")."""
    if group == "country":
        return country_name(code, lang)
    key = f"{group}.{code}"
    word = label(key, lang) if has_label(key) else code_label(group, code, lang)
    return word[:1].upper() + word[1:]


def _formatter(column: str, dtype: pl.DataType, lang: str) -> Callable[[Any], str] | None:
    """How a column's values are written, or None to leave them to Streamlit (text, links, check boxes)."""
    metric = metric_of(column)
    if metric is not None:
        return lambda v: metric.format(v, lang)
    if column in COLUMN_FORMATS:
        fmt = COLUMN_FORMATS[column]
        return lambda v: format_number(v, fmt, lang)
    if column in ("lat", "lon"):
        return lambda v: f"{v:.4f}".replace(".", "," if lang == "de" else ".")
    if dtype.is_integer():
        return lambda v: format_number(v, "int", lang)
    if dtype.is_float():
        return lambda v: format_number(v, "dec1", lang)
    return None


def _as_text(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Dates and timestamps as the reader writes them (no ``00:00:00``, no microseconds, no ``+00:00``)."""
    from trials.present.labels import format_time

    out = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            out.append(pl.col(name).map_elements(lambda d: format_date(d, lang), return_dtype=pl.String))
        elif isinstance(dtype, pl.Datetime):
            out.append(pl.col(name).map_elements(lambda d: format_time(d, lang), return_dtype=pl.String))
    return frame.with_columns(out) if out else frame


def readable(frame: pl.DataFrame, lang: str, *, keep: Sequence[str] = ()) -> pl.DataFrame:
    """What :func:`table` shows before formatting numbers: empty columns dropped (except ``keep``), codes in
    words, dates as text. Pure, so the rules can be tested without a browser."""
    empty = [c for c in frame.columns if c not in keep and frame.height and frame[c].null_count() == frame.height]
    if PARTIAL in frame.columns and PARTIAL not in keep and not frame[PARTIAL].any():
        empty.append(PARTIAL)  # nothing is partial: a column of empty check boxes says nothing
    shown = frame.drop(empty)
    return _as_text(in_words(shown, lang), lang)


def table(
    frame: pl.DataFrame,
    *,
    key: str,
    lang: str,
    where: Any = None,
    empty: str | None = None,
    keep: Sequence[str] = (),
    column_config: dict[str, Any] | None = None,
    height: int | None = None,
) -> None:
    """Show ``frame`` as a table in ``lang`` (see the module's rules); ``empty`` is shown instead of an empty
    table; ``column_config`` overrides the generated settings of single columns."""
    target = where if where is not None else st
    if frame.height == 0 and empty is not None:
        target.caption(empty)
        return
    total = frame.height
    shown = readable(frame.head(MAX_ROWS), lang, keep=keep)
    overrides = column_config or {}
    config: dict[str, Any] = {}
    formats: dict[str, Callable[[Any], str]] = {}
    for name, dtype in shown.schema.items():
        metric = metric_of(name)
        if name == "nct_id":
            shown = shown.with_columns((REGISTRY + pl.col(name)).alias(name))
            config[name] = st.column_config.LinkColumn("NCT ID", display_text=r"study/(NCT\d+)")
        elif name == PARTIAL:
            config[name] = st.column_config.CheckboxColumn(header(name, lang), help=label("partial_note", lang))
        else:
            if name not in overrides:  # a column named by the caller (a region's name, say) needs no catalogue key
                config[name] = st.column_config.Column(header(name, lang),
                                                       help=metric_help(metric, lang) if metric else None)  # fmt: skip
            fmt = _formatter(name, dtype, lang)
            if fmt is not None:
                formats[name] = fmt
    config.update(overrides)
    data = shown.to_pandas()
    styled = data.style.format(formats, na_rep=MISSING) if formats else data
    sized: dict[str, Any] = {"height": height} if height else {}
    target.dataframe(styled, hide_index=True, key=key, column_config=config, placeholder=MISSING, **sized)
    if total > MAX_ROWS:
        target.caption(label("first_rows", lang, n=format_number(MAX_ROWS, "int", lang),
                             of=format_number(total, "int", lang)))  # fmt: skip


def year_axis_chart(data: pl.DataFrame, *, x: str, y: str, color: str, lang: str, highlight: str | None = None,
                    title_y: str | None = None) -> dict[str, Any]:  # fmt: skip
    """A line chart by year (a Vega-Lite spec for :func:`chart`): plain year labels (1986, not 1,986), a legend
    that is not cut, the ``highlight`` series in the accent colour and thicker."""
    frame = data.with_columns(pl.col(x).cast(pl.Int64))
    domain, colours = series_colours(highlight, list(dict.fromkeys(frame[color].to_list())))
    y_title = title_y or header(y, lang)
    return {
        "data": {"values": frame.select(x, y, color).to_dicts()},
        "mark": {"type": "line", "point": True},
        "height": 320,
        "encoding": {
            "x": {"field": x, "type": "ordinal", "title": label("col.year", lang),
                  "axis": {"labelAngle": 0, "labelOverlap": True}},
            "y": {"field": y, "type": "quantitative", "title": y_title, "axis": {"format": "d"}},
            "color": {"field": color, "type": "nominal", "title": None, "scale": {"domain": domain, "range": colours},
                      "legend": {"orient": "bottom", "labelLimit": 0, "columns": 3}},
            "strokeWidth": ({"condition": {"test": {"field": color, "equal": highlight}, "value": 4}, "value": 1.5}
                            if highlight else {"value": 2}),
            "tooltip": [{"field": color, "type": "nominal", "title": label("col.name", lang)},
                        {"field": x, "type": "ordinal", "title": label("col.year", lang)},
                        {"field": y, "type": "quantitative", "title": y_title}],
        },
    }  # fmt: skip


def bars(frame: pl.DataFrame, *, category: str, value: str, lang: str, fmt: NumberFormat = "int",
         highlight: str | None = None, title: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Horizontal bars (a Vega-Lite spec for :func:`chart`), largest first, each labelled with its value in
    ``lang``'s number format, the ``highlight`` category in the accent colour: readable without an axis, and no
    label is ever cut."""
    data = frame.select(category, value).drop_nulls(value).sort(value, descending=True)
    rows = [{category: c, value: v, "_text": format_number(v, fmt, lang), "_mine": c == highlight}
            for c, v in data.iter_rows()]  # fmt: skip
    low = min([0.0, *(float(r[value]) for r in rows)])  # growth can fall below zero
    spec: dict[str, Any] = {
        "data": {"values": rows},
        "height": {"step": 22},
        "encoding": {
            "y": {"field": category, "type": "nominal", "sort": [r[category] for r in rows], "title": None,
                  "axis": {"labelLimit": 260, "ticks": False, "labelOverlap": False, "labelFontSize": 12}},
            "x": {"field": value, "type": "quantitative", "title": None, "axis": None,
                  "scale": {"domainMin": low, "nice": False}},
            "tooltip": [{"field": category, "type": "nominal", "title": label("col.name", lang)},
                        {"field": "_text", "type": "nominal", "title": title or header(value, lang)}],
        },
        "layer": [
            {"mark": {"type": "bar", "cornerRadiusEnd": 2},
             "encoding": {"color": {"condition": {"test": "datum._mine", "value": ACCENT}, "value": MUTED}}},
            {"mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 12},
             "encoding": {"text": {"field": "_text", "type": "nominal"}}},
        ],
        "config": {"view": {"stroke": None}},
    }  # fmt: skip
    if title:
        spec["title"] = title
    return spec


def chart(spec: dict[str, Any], where: Any = None) -> None:
    """Show a Vega-Lite spec of :func:`bars` or :func:`year_axis_chart`, as wide as its column.

    Plain specs, not Altair objects: Altair validates every chart against the Vega-Lite schema, which cost about
    60 ms a chart, most of an Overview's render time.
    """
    (where if where is not None else st).vega_lite_chart(spec, width="stretch")
