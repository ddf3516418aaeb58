"""The one-page PDF summary (reportlab): headline figures, the comparison table, one chart, method and source.

The page stands alone: what was counted, how, and from which registry data are on the page itself (a PDF
reader may never see the deck). Numbers are in their metric's format in the page's language; the region
is set in the deck's accent colour in the callouts, the table and the chart.
"""

from __future__ import annotations

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import cm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from trials.analytics.metrics import HEADLINE, PER_100K, format_number
from trials.present.deck_data import DeckData, headline_header, headline_rows
from trials.present.describe import describe_filters, is_filtered
from trials.present.labels import counting_rules, format_date, format_time, join_words, label, metric_label

INK = colors.HexColor("#1F2A44")
ACCENT = colors.HexColor("#E36C0A")
ACCENT_LIGHT = colors.HexColor("#FCE9D9")
GREY = colors.HexColor("#5F6773")
CARD = colors.HexColor("#F3F5F8")
PEER = colors.HexColor("#3E5C7F")
MARGIN = 1.5 * cm


def _fit(text: str, font: str, largest: float, smallest: float, width: float) -> float:
    size = largest
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _lines(c: canvas.Canvas, text: str, x: float, y: float, width: float, font: str, size: float,
           colour: colors.Color, leading: float | None = None) -> float:  # fmt: skip
    """``text`` wrapped to ``width`` from baseline ``y`` down; returns the baseline after the last line."""
    c.setFont(font, size)
    c.setFillColor(colour)
    for line in simpleSplit(text, font, size, width):
        c.drawString(x, y, line)
        y -= leading or size * 1.25
    return y


def build_pdf(data: DeckData) -> bytes:
    """One landscape A4 page: title, four callouts, the table of region and peers, per 100k chart, method, source."""
    lg = data.lang
    buf = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(buf, pagesize=(width, height))
    c.setTitle(label("pdf.title", lg, region=data.label))
    c.setFillColor(ACCENT)
    c.rect(0, 0, 0.3 * cm, height, stroke=0, fill=1)
    c.setFillColor(INK)
    c.rect(0.3 * cm, height - 0.25 * cm, width, 0.25 * cm, stroke=0, fill=1)
    inner = width - 2 * MARGIN

    title_size = _fit(data.label, "Helvetica-Bold", 24, 14, inner * 0.72)
    c.setFont("Helvetica-Bold", title_size)
    c.setFillColor(INK)
    c.drawString(MARGIN, height - 1.9 * cm, data.label)
    if data.synthetic:
        _lines(c, label("synthetic", lg), MARGIN + inner * 0.74, height - 1.5 * cm, inner * 0.26, "Helvetica-Bold", 8,
               colors.red)  # fmt: skip
    peers = join_words([data.labels[p] for p in data.peers], lg)
    y = _lines(c, label("deck.subtitle", lg, peers=peers) + " · " + format_date(data.generated_at.date(), lg, True),
               MARGIN, height - 2.6 * cm, inner, "Helvetica", 12, GREY)  # fmt: skip
    scope = label("deck.scope", lg, filters=describe_filters(data.filters, lg)) if is_filtered(data.filters) else label(
        "deck.scope_all", lg)  # fmt: skip
    y = _lines(c, scope, MARGIN, y - 2, inner, "Helvetica", 10.5, INK)

    # Method and source (bottom of the page, measured first): the page stands alone
    parts = [label("deck.source", lg, ts=format_date(data.data_timestamp, lg, True)) if data.data_timestamp
             else label("deck.source_undated", lg)]  # fmt: skip
    if data.queries:
        parts.append(label("pdf.queries", lg, n=len(data.queries)))
    parts.append(label("pdf.generated", lg, at=format_time(data.generated_at, lg)))
    source = "; ".join(parts) + "."
    texts = [label("pdf.method", lg, filters=describe_filters(data.filters, lg)), source, counting_rules(lg)]
    leading = 10.5
    footer_h = sum(len(simpleSplit(t, "Helvetica", 8.5, inner)) * leading + 3 for t in texts)
    footer_top = 1.2 * cm + footer_h

    # Callouts: the region's value of each headline metric, its rank among the peers
    mine = data.mine
    gap = 0.4 * cm
    box_w = (inner - gap * (len(HEADLINE) - 1)) / len(HEADLINE)
    box_h = 3.3 * cm
    top = y - 0.3 * cm
    for i, m in enumerate(HEADLINE):
        x = MARGIN + i * (box_w + gap)
        c.setFillColor(CARD)
        c.rect(x, top - box_h, box_w, box_h, stroke=0, fill=1)
        _lines(c, metric_label(m, lg), x + 0.3 * cm, top - 0.6 * cm, box_w - 0.6 * cm, "Helvetica", 9.5, GREY)
        value = m.format(mine[m.column], lg)
        c.setFont("Helvetica-Bold", _fit(value, "Helvetica-Bold", 26, 12, box_w - 0.6 * cm))
        c.setFillColor(ACCENT)
        c.drawString(x + 0.3 * cm, top - 2.15 * cm, value)
        rank = 1 + int((data.headline[m.column].fill_null(0) > (mine[m.column] or 0)).sum())
        _lines(c, label("rank_of", lg, rank=rank, of=data.headline.height), x + 0.3 * cm, top - 2.85 * cm,
               box_w - 0.6 * cm, "Helvetica-Bold", 9.5, INK)  # fmt: skip

    # The table (left) and trials per 100,000 inhabitants (right), between the callouts and the method
    top -= box_h + 0.7 * cm
    room = top - footer_top - 0.6 * cm
    table_w = inner * 0.6
    fractions = [0.6, 2.7, 1.3, 1.8, 1.6, 1.8]
    xs, x = [], MARGIN
    for f in fractions:
        xs.append(x)
        x += table_w * f / sum(fractions)
    xs.append(MARGIN + table_w)
    header = headline_header(lg)
    head_size = 9.0
    while head_size > 6 and any(stringWidth(w, "Helvetica-Bold", head_size) > xs[i + 1] - xs[i] - 6
                                for i, h in enumerate(header) for w in h.split()):  # fmt: skip
        head_size -= 0.5
    head_lines = [simpleSplit(h, "Helvetica-Bold", head_size, xs[i + 1] - xs[i] - 6) for i, h in enumerate(header)]
    head_h = max(len(h) for h in head_lines) * head_size * 1.2 + 8
    row_h = min(max((room - head_h) / max(data.headline.height, 1), 0.45 * cm), 1.1 * cm)
    c.setFillColor(INK)
    c.rect(MARGIN, top - head_h, table_w, head_h, stroke=0, fill=1)
    c.setFillColor(colors.white)
    c.setFont("Helvetica-Bold", head_size)
    for i, lines in enumerate(head_lines):
        for j, line in enumerate(lines):
            base = top - 4 - head_size - j * head_size * 1.2
            if i >= 2:
                c.drawRightString(xs[i + 1] - 3, base, line)
            else:
                c.drawString(xs[i] + 3, base, line)
    y = top - head_h
    rows = [
        [r[0], data.short.get(k, r[1]), *r[2:]] for k, r in zip(data.headline["key"], headline_rows(data), strict=True)
    ]  # the title has the full name
    body = min(11.5, row_h / 1.9)  # one size for every row: the largest at which every cell fits its column
    while body > 6.5 and any(stringWidth(v, "Helvetica-Bold", body) > xs[i + 1] - xs[i] - 6
                             for row in rows for i, v in enumerate(row)):  # fmt: skip
        body -= 0.5
    for n, (key, values) in enumerate(zip(data.headline["key"], rows, strict=True)):
        is_mine = key == data.region
        if is_mine or n % 2:
            c.setFillColor(ACCENT_LIGHT if is_mine else CARD)
            c.rect(MARGIN, y - row_h, table_w, row_h, stroke=0, fill=1)
        font = "Helvetica-Bold" if is_mine else "Helvetica"
        c.setFillColor(ACCENT if is_mine else INK)
        c.setFont(font, body)
        for i, v in enumerate(values):
            baseline = y - row_h / 2 - body * 0.35
            if i >= 2:
                c.drawRightString(xs[i + 1] - 3, baseline, v)
            else:
                c.drawString(xs[i] + 3, baseline, v)
        y -= row_h
    table_bottom = y

    keys = [data.region, *data.peers]
    per = {r["key"]: r[PER_100K.column] or 0.0 for r in data.headline.iter_rows(named=True)}
    order = sorted(keys, key=lambda k: per.get(k, 0.0))  # reportlab draws the first bar at the bottom
    chart_x = MARGIN + table_w + 1.0 * cm
    chart_w = inner - table_w - 1.0 * cm
    c.setFillColor(INK)
    c.setFont("Helvetica-Bold", 10)
    c.drawString(chart_x, top - 10, metric_label(PER_100K, lg))
    chart_h = max(top - 18 - table_bottom, 3 * cm)
    drawing = Drawing(chart_w, chart_h)
    chart = HorizontalBarChart()
    label_w = 2.6 * cm
    chart.x, chart.y, chart.width, chart.height = label_w, 0, chart_w - label_w - 1.2 * cm, chart_h - 0.2 * cm
    chart.data = [[float(per.get(k, 0.0)) for k in order]]
    chart.categoryAxis.categoryNames = [data.short[k][:20] for k in order]
    chart.categoryAxis.labels.fontName, chart.categoryAxis.labels.fontSize = "Helvetica", 9
    chart.categoryAxis.visibleTicks = False
    chart.bars[0].fillColor = PEER
    chart.bars[0].strokeColor = None
    for i, k in enumerate(order):
        if k == data.region:
            chart.bars[(0, i)].fillColor = ACCENT
    chart.barLabelFormat = lambda v: format_number(v, "dec1", lg)
    chart.barLabels.fontName, chart.barLabels.fontSize = "Helvetica", 9
    chart.barLabels.boxAnchor, chart.barLabels.dx = "w", 3
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max([*per.values(), 1.0]) * 1.2
    chart.valueAxis.visible = False
    drawing.add(chart)
    renderPDF.draw(drawing, c, chart_x, top - 18 - chart_h)

    y = footer_top
    for text in texts:
        y = _lines(c, text, MARGIN, y, inner, "Helvetica", 8.5, GREY, leading=leading) - 3
    if data.synthetic:
        _lines(c, label("synthetic", lg), MARGIN, 0.8 * cm, inner, "Helvetica-Bold", 8.5, colors.red)
    c.showPage()
    c.save()
    return buf.getvalue()
