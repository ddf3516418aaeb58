"""The pitch deck as an editable PowerPoint (python-pptx): native charts, one template, EN/DE.

Every number comes from :class:`trials.present.deck_data.DeckData`; this module only lays it out.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.util import Inches, Length, Pt

from trials.present.deck_data import DeckData
from trials.present.export import COUNTING_RULES

ACCENT = RGBColor(0x0B, 0x5C, 0x8E)  # one accent colour for titles and the band
GREY = RGBColor(0x55, 0x55, 0x55)
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)  # 16:9

TEXT: dict[str, dict[str, str]] = {
    "subtitle": {"en": "Clinical trials: a benchmark against {peers}",
                 "de": "Klinische Studien: ein Vergleich mit {peers}"},
    "headline": {"en": "Headline figures", "de": "Kennzahlen"},
    "per_100k": {"en": "Trials per 100,000 inhabitants", "de": "Studien je 100.000 Einwohner"},
    "phase_mix": {"en": "Phase mix", "de": "Phasenverteilung"},
    "areas": {"en": "Therapeutic-area strengths", "de": "Stärken nach Therapiegebiet"},
    "institutions": {"en": "Top institutions", "de": "Führende Einrichtungen"},
    "industry": {"en": "Industry-sponsored trials by start year", "de": "Industriegesponserte Studien nach Startjahr"},
    "recruiting": {"en": "Recruiting now", "de": "Aktuell rekrutierend"},
    "methods": {"en": "Methods and sources", "de": "Methodik und Quellen"},
    "region": {"en": "Region", "de": "Region"},
    "trials": {"en": "Trials", "de": "Studien"},
    "industry_trials": {"en": "Industry-sponsored", "de": "Industriegesponsert"},
    "recruiting_now": {"en": "Recruiting now", "de": "Rekrutierend"},
    "rank": {"en": "Rank", "de": "Rang"},
    "area": {"en": "Area", "de": "Gebiet"},
    "rank_among": {"en": "Rank among peers", "de": "Rang unter Vergleichsregionen"},
    "best_peer": {"en": "Best peer", "de": "Beste Vergleichsregion"},
    "institution": {"en": "Institution", "de": "Einrichtung"},
    "overlap": {"en": "Areas and phases overlap: a study counts in each of its areas and phases.",
                "de": "Gebiete und Phasen überschneiden sich: eine Studie zählt in jedem ihrer Gebiete."},
    "source": {"en": "Source: ClinicalTrials.gov (API v2), registry data as of {ts}",
               "de": "Quelle: ClinicalTrials.gov (API v2), Registerstand {ts}"},
    "synthetic": {"en": "SYNTHETIC DATA: made-up records for testing, not registry data.",
                  "de": "SYNTHETISCHE DATEN: erfundene Datensätze zum Testen, keine Registerdaten."},
    "context": {"en": "Context: trials per million inhabitants in Europe",
                "de": "Kontext: Studien je Million Einwohner in Europa"},
    "context_line": {"en": "{country} ranks {rank} of {of} European countries by trials ({rank_pm} per million); "
                           "{region} has {share} of {country}'s trials under the same search strategy.",
                     "de": "{country} liegt auf Rang {rank} von {of} europäischen Ländern ({rank_pm} je Million); "
                           "auf {region} entfallen {share} der Studien in {country} (gleiche Suchstrategie)."},
    "per_million": {"en": "Trials per million inhabitants", "de": "Studien je Million Einwohner"},
    "recruiting_total": {"en": "{n} trials with a site in {region} are recruiting now.",
                         "de": "{n} Studien mit Zentrum in {region} rekrutieren aktuell."},
}  # fmt: skip


def tx(key: str, lang: str, **kw: object) -> str:
    entry = TEXT[key]
    return (entry.get(lang) or entry["en"]).format(**kw)


def _footer(slide: Any, data: DeckData) -> None:
    box = slide.shapes.add_textbox(Inches(0.5), HEIGHT - Inches(0.5), WIDTH - Inches(1), Inches(0.35))
    p = box.text_frame.paragraphs[0]
    p.text = f"{data.label} · " + tx("source", data.lang, ts=data.data_timestamp or "unknown")
    p.font.size, p.font.color.rgb = Pt(10), GREY
    if data.synthetic:
        p.text = tx("synthetic", data.lang) + " " + p.text
        p.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)


def _slide(prs: Any, title: str, data: DeckData) -> Any:
    slide = prs.slides.add_slide(prs.slide_layouts[5])  # "Title Only"
    band = slide.shapes.add_shape(1, 0, 0, WIDTH, Inches(0.18))  # 1 = rectangle
    band.fill.solid()
    band.fill.fore_color.rgb = ACCENT
    band.line.fill.background()
    t = slide.shapes.title
    t.left, t.top, t.width, t.height = Inches(0.5), Inches(0.3), WIDTH - Inches(1), Inches(0.9)
    t.text = title
    para = t.text_frame.paragraphs[0]
    para.font.size, para.font.bold, para.font.color.rgb = Pt(30), True, ACCENT
    _footer(slide, data)
    return slide


def _chart(slide: Any, kind: Any, categories: Sequence[object], series: dict[str, Sequence[float]],
           legend: bool = True) -> Any:  # fmt: skip
    cd = CategoryChartData()
    cd.categories = [str(c) for c in categories]
    for name, values in series.items():
        cd.add_series(name, [float(v) for v in values])
    frame = slide.shapes.add_chart(kind, Inches(0.6), Inches(1.4), WIDTH - Inches(1.2), Inches(5.4), cd)
    chart = frame.chart
    chart.has_title = False  # the slide title says what the chart shows
    chart.has_legend = legend and len(series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    chart.font.size = Pt(12)
    return chart


def _table(slide: Any, header: Sequence[str], rows: Sequence[Sequence[object]], top: Length | None = None) -> Any:
    height = Inches(0.4) * (len(rows) + 1)
    shape = slide.shapes.add_table(len(rows) + 1, len(header), Inches(0.6), top or Inches(1.4),
                                   WIDTH - Inches(1.2), height)  # fmt: skip
    table = shape.table
    for c, h in enumerate(header):
        table.cell(0, c).text = h
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            table.cell(r, c).text = "-" if value is None else (f"{value:,}" if isinstance(value, int) else str(value))
    for r in range(len(rows) + 1):
        for c in range(len(header)):
            table.cell(r, c).text_frame.paragraphs[0].font.size = Pt(14)
    return table


def build_pptx(data: DeckData) -> bytes:
    """The deck as .pptx bytes (slides in the order a pitch tells them)."""
    lg = data.lang
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    keys = [data.region, *data.peers]

    title = prs.slides.add_slide(prs.slide_layouts[0])
    title.shapes.title.text = data.label
    title.shapes.title.text_frame.paragraphs[0].font.color.rgb = ACCENT
    sub = tx("subtitle", lg, peers=", ".join(data.labels[p] for p in data.peers))
    title.placeholders[1].text = f"{sub}\n{data.generated_at:%Y-%m-%d}"
    _footer(title, data)

    _context_slide(prs, data)
    s = _slide(prs, tx("headline", lg), data)
    head = data.headline
    _table(s, [tx(k, lg) for k in ("rank", "region", "trials", "industry_trials", "recruiting_now")] + ["/100k"],
           [(r["rank"], r["name"], r["trials"], r["industry_trials"], r["recruiting_now"], r["per_100k"])
            for r in head.iter_rows(named=True)])  # fmt: skip

    s = _slide(prs, tx("per_100k", lg), data)
    per = {r["key"]: r["per_100k"] or 0 for r in head.iter_rows(named=True)}
    bottom_up = list(reversed(keys))  # bar charts draw the first category at the bottom
    _chart(s, XL_CHART_TYPE.BAR_CLUSTERED, [data.labels[k] for k in bottom_up],
           {tx("per_100k", lg): [per.get(k, 0) for k in bottom_up]}, legend=False)  # fmt: skip

    s = _slide(prs, tx("phase_mix", lg), data)
    pm = data.phase_mix
    _chart(s, XL_CHART_TYPE.COLUMN_CLUSTERED, pm["phase_label"].to_list(),
           {data.labels[k]: pm[k].to_list() for k in keys})  # fmt: skip
    _note(s, tx("overlap", lg))

    s = _slide(prs, tx("areas", lg), data)
    top_areas = data.areas.head(8)
    _table(s, [tx("area", lg), tx("trials", lg), tx("rank_among", lg), tx("best_peer", lg)],
           [(r["area_name"], r["trials"], f"{r['rank_among_peers']} / {len(keys)}", r["peers_best"])
            for r in top_areas.iter_rows(named=True)])  # fmt: skip
    _note(s, tx("overlap", lg))

    s = _slide(prs, tx("institutions", lg), data)
    inst = data.top_institutions.reverse()  # bar charts draw bottom-up
    _chart(s, XL_CHART_TYPE.BAR_CLUSTERED, inst["name"].to_list(), {tx("trials", lg): inst["trials"].to_list()},
           legend=False)  # fmt: skip

    s = _slide(prs, tx("industry", lg), data)
    iy = data.industry_by_year
    _chart(s, XL_CHART_TYPE.LINE_MARKERS, iy["year"].to_list(), {data.labels[k]: iy[k].to_list() for k in keys})

    s = _slide(prs, tx("recruiting", lg), data)
    total = int(data.mine["recruiting_now"])  # type: ignore[call-overload]
    _note(s, tx("recruiting_total", lg, n=total, region=data.label), top=Inches(1.3), size=20)
    if data.recruiting.height:
        _table(s, [tx("institution", lg), tx("recruiting_now", lg)], data.recruiting.rows(), top=Inches(2.0))

    s = _slide(prs, tx("methods", lg), data)
    lines = methods_lines(data)
    box = s.shapes.add_textbox(Inches(0.6), Inches(1.3), WIDTH - Inches(1.2), Inches(5.5))
    box.text_frame.word_wrap = True
    for i, line in enumerate(lines):
        para = box.text_frame.paragraphs[0] if i == 0 else box.text_frame.add_paragraph()
        para.text = line
        para.font.size = Pt(11 if i >= 6 else 14)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def _context_slide(prs: Any, data: DeckData) -> None:
    """Outside in: the country among its European peers, per million inhabitants (when counts are stored)."""
    if data.context is None or data.context.height == 0:
        return
    lg = data.lang
    s = _slide(prs, tx("context", lg), data)
    ctx = data.context.head(16).reverse()  # bar charts draw bottom-up
    values = [v or 0 for v in ctx["per_million"].to_list()]
    _chart(s, XL_CHART_TYPE.BAR_CLUSTERED, ctx["label"].to_list(), {tx("per_million", lg): values}, legend=False)
    pos, share = data.country_position, data.share_of_country
    if pos and share is not None:
        labels = dict(zip(data.context["key"], data.context["label"], strict=True))
        line = tx("context_line", lg, country=labels.get(data.country_code, data.country_code), rank=pos["rank"],
                  of=pos["of"], rank_pm=pos["rank_per_million"], region=data.label, share=f"{share:.1%}")  # fmt: skip
        _note(s, line)


def methods_lines(data: DeckData) -> list[str]:
    """The provenance of every figure: registry timestamp, filters, rules, caveats and the queries."""
    f = data.filters
    filters = ", ".join(f"{k}={v}" for k, v in asdict(f).items() if v not in (None, (), "", "start")) or "none"
    out = [
        f"Registry: ClinicalTrials.gov API v2; data timestamp {data.data_timestamp or 'unknown'}; "
        f"generated {data.generated_at:%Y-%m-%d %H:%M} UTC.",
        f"Filters: {filters}. Regions: " + "; ".join(data.labels.values()) + ".",
        f"Counting rules: {COUNTING_RULES}",
        "Caveats: the registry's city centre stands for every site of a city; enrollment is per study, not per "
        "site; a study's phase and area buckets overlap; per-capita figures use Destatis 31.12.2023 (Germany) "
        "and GeoNames populations.",
        "Industry trend: lead sponsor class INDUSTRY, by start year.",
        "Registry queries behind these numbers:",
    ]
    out += data.queries[:40] or ["(none recorded)"]
    if len(data.queries) > 40:
        out.append(f"... and {len(data.queries) - 40} more (see the Data page of the dashboard).")
    return out


def _note(slide: Any, text: str, top: Length | None = None, size: int = 12) -> None:
    box = slide.shapes.add_textbox(Inches(0.6), top or HEIGHT - Inches(0.9), WIDTH - Inches(1.2), Inches(0.4))
    box.text_frame.word_wrap = True
    p = box.text_frame.paragraphs[0]
    p.text = text
    p.font.size, p.font.color.rgb = Pt(size), GREY


def write_deck(data: DeckData, out: Path) -> Path:
    """Write ``out`` as .pptx, or as the one-page PDF summary when it ends in .pdf."""
    from trials.present.summary_pdf import build_pdf

    body = build_pdf(data) if out.suffix.lower() == ".pdf" else build_pptx(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(body)
    tmp.replace(out)  # never leave half a file under the real name
    return out
