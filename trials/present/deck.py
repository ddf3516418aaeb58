"""The pitch deck as an editable PowerPoint (python-pptx): native charts, one template, EN/DE.

Every number comes from :class:`trials.present.deck_data.DeckData`; this module only lays it out.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.util import Inches, Length, Pt

from trials.analytics.metrics import PER_100K, RECRUITING, TRIALS, format_number
from trials.present.deck_data import DeckData, headline_header, headline_rows
from trials.present.labels import counting_rules, label, metric_label

ACCENT = RGBColor(0x0B, 0x5C, 0x8E)  # one accent colour for titles and the band
GREY = RGBColor(0x55, 0x55, 0x55)
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)  # 16:9


def _footer(slide: Any, data: DeckData) -> None:
    box = slide.shapes.add_textbox(Inches(0.5), HEIGHT - Inches(0.5), WIDTH - Inches(1), Inches(0.35))
    p = box.text_frame.paragraphs[0]
    p.text = f"{data.label} · " + label("deck.source", data.lang, ts=data.data_timestamp or label("unknown", data.lang))
    p.font.size, p.font.color.rgb = Pt(10), GREY
    if data.synthetic:
        p.text = label("synthetic", data.lang) + " " + p.text
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


def _table(slide: Any, header: Sequence[str], rows: Sequence[Sequence[object]], lang: str,
           top: Length | None = None) -> Any:  # fmt: skip
    """A table; whole numbers get the language's thousands separator, text is shown as it is."""
    height = Inches(0.4) * (len(rows) + 1)
    shape = slide.shapes.add_table(len(rows) + 1, len(header), Inches(0.6), top or Inches(1.4),
                                   WIDTH - Inches(1.2), height)  # fmt: skip
    table = shape.table
    for c, h in enumerate(header):
        table.cell(0, c).text = h
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            whole = value is None or isinstance(value, int)
            table.cell(r, c).text = format_number(value, "int", lang) if whole else str(value)
    for r in range(len(rows) + 1):
        for c in range(len(header)):
            table.cell(r, c).text_frame.paragraphs[0].font.size = Pt(12 if r == 0 else 14)  # long German headers
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
    sub = label("deck.subtitle", lg, peers=", ".join(data.labels[p] for p in data.peers))
    title.placeholders[1].text = f"{sub}\n{data.generated_at:%Y-%m-%d}"
    _footer(title, data)

    _context_slide(prs, data)
    s = _slide(prs, label("deck.headline", lg), data)
    head = data.headline
    _table(s, headline_header(lg), headline_rows(data), lg)

    s = _slide(prs, metric_label(PER_100K, lg), data)
    per = {r["key"]: r[PER_100K.column] or 0 for r in head.iter_rows(named=True)}
    bottom_up = list(reversed(keys))  # bar charts draw the first category at the bottom
    _chart(s, XL_CHART_TYPE.BAR_CLUSTERED, [data.labels[k] for k in bottom_up],
           {metric_label(PER_100K, lg): [per.get(k, 0) for k in bottom_up]}, legend=False)  # fmt: skip

    s = _slide(prs, label("deck.phase_mix", lg), data)
    pm = data.phase_mix
    _chart(s, XL_CHART_TYPE.COLUMN_CLUSTERED, pm["phase_label"].to_list(),
           {data.labels[k]: pm[k].to_list() for k in keys})  # fmt: skip
    _note(s, label("overlap", lg))

    s = _slide(prs, label("deck.areas", lg), data)
    top_areas = data.areas.head(8)
    _table(s, [label("area", lg), metric_label(TRIALS, lg), label("deck.rank_among", lg), label("deck.best_peer", lg)],
           [(r["area_name"], r["trials"], f"{r['rank_among_peers']} / {len(keys)}", r["peers_best"])
            for r in top_areas.iter_rows(named=True)], lg)  # fmt: skip
    _note(s, label("overlap", lg))

    s = _slide(prs, label("top_institutions", lg), data)
    inst = data.top_institutions.reverse()  # bar charts draw bottom-up
    _chart(s, XL_CHART_TYPE.BAR_CLUSTERED, inst["name"].to_list(),
           {metric_label(TRIALS, lg): inst[TRIALS.column].to_list()}, legend=False)  # fmt: skip

    s = _slide(prs, label("deck.industry", lg), data)
    iy = data.industry_by_year
    _chart(s, XL_CHART_TYPE.LINE_MARKERS, iy["year"].to_list(), {data.labels[k]: iy[k].to_list() for k in keys})

    s = _slide(prs, metric_label(RECRUITING, lg), data)
    total = RECRUITING.format(data.mine[RECRUITING.column], lg)
    _note(s, label("deck.recruiting_total", lg, n=total, region=data.label), top=Inches(1.3), size=20)
    if data.recruiting.height:
        _table(s, [label("institution", lg), metric_label(RECRUITING, lg)], data.recruiting.rows(), lg,
               top=Inches(2.0))  # fmt: skip

    s = _slide(prs, label("deck.methods", lg), data)
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
    s = _slide(prs, label("deck.context", lg), data)
    ctx = data.context.head(16).reverse()  # bar charts draw bottom-up
    values = [v or 0 for v in ctx["per_million"].to_list()]
    _chart(s, XL_CHART_TYPE.BAR_CLUSTERED, ctx["label"].to_list(), {label("deck.per_million", lg): values},
           legend=False)  # fmt: skip
    pos, share = data.country_position, data.share_of_country
    if pos and share is not None:
        labels = dict(zip(data.context["key"], data.context["label"], strict=True))
        line = label("deck.context_line", lg, country=labels.get(data.country_code, data.country_code),
                     rank=pos["rank"], of=pos["of"], rank_pm=pos["rank_per_million"], region=data.label,
                     share=format_number(share, "pct", lg))  # fmt: skip
        _note(s, line)


def methods_lines(data: DeckData) -> list[str]:
    """The provenance of every figure: registry timestamp, filters, rules, caveats and the queries."""
    lg = data.lang
    f = data.filters
    filters = ", ".join(f"{k}={v}" for k, v in asdict(f).items() if v not in (None, (), "", "start"))
    out = [
        label("methods.registry", lg, ts=data.data_timestamp or label("unknown", lg),
              at=f"{data.generated_at:%Y-%m-%d %H:%M}"),
        label("methods.filters", lg, filters=filters or label("methods.no_filters", lg),
              regions="; ".join(data.labels.values())),
        label("methods.counting", lg, rules=counting_rules(lg)),
        label("methods.caveats", lg),
        label("methods.industry", lg),
        label("methods.queries", lg),
    ]  # fmt: skip
    out += data.queries[:40] or [label("methods.no_queries", lg)]
    if len(data.queries) > 40:
        out.append(label("methods.more_queries", lg, n=len(data.queries) - 40))
    return out


def _note(slide: Any, text: str, top: Length | None = None, size: int = 12) -> None:
    box = slide.shapes.add_textbox(Inches(0.6), top or HEIGHT - Inches(0.9), WIDTH - Inches(1.2), Inches(0.4))
    box.text_frame.word_wrap = True
    p = box.text_frame.paragraphs[0]
    p.text = text
    p.font.size, p.font.color.rgb = Pt(size), GREY
