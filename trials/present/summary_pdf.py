"""The one-page PDF summary (reportlab): headline figures, one chart, and the provenance line."""

from __future__ import annotations

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import cm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

from trials.analytics.metrics import PER_100K
from trials.present.deck_data import DeckData, headline_header, headline_rows
from trials.present.labels import counting_rules, label, metric_label

ACCENT = colors.HexColor("#0B5C8E")


def build_pdf(data: DeckData) -> bytes:
    """One landscape A4 page: title, headline table (region and peers), trials per 100k chart, provenance."""
    lg = data.lang
    buf = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(buf, pagesize=(width, height))
    c.setTitle(label("pdf.title", lg, region=data.label))
    c.setFillColor(ACCENT)
    c.rect(0, height - 0.4 * cm, width, 0.4 * cm, stroke=0, fill=1)
    c.setFont("Helvetica-Bold", 24)
    c.drawString(1.5 * cm, height - 2 * cm, data.label)
    if data.synthetic:
        c.setFillColor(colors.red)
        c.setFont("Helvetica-Bold", 12)
        c.drawRightString(width - 1.5 * cm, height - 2 * cm, label("synthetic", lg))
    c.setFillColor(colors.black)
    c.setFont("Helvetica", 12)
    c.drawString(1.5 * cm, height - 2.8 * cm,
                 label("deck.subtitle", lg, peers=", ".join(data.labels[p] for p in data.peers))
                 + f" · {data.generated_at:%Y-%m-%d}")  # fmt: skip

    header = headline_header(lg)
    xs = [1.5, 3.0, 11.0, 14.0, 18.5, 22.5]
    y = height - 4.2 * cm
    c.setFont("Helvetica-Bold", 9)  # metric names are long: the header is set smaller than the figures
    for x, h in zip(xs, header, strict=True):
        c.drawString(x * cm, y, h)
    c.setFont("Helvetica", 11)
    for key, values in zip(data.headline["key"], headline_rows(data), strict=True):
        y -= 0.6 * cm
        c.setFont("Helvetica-Bold" if key == data.region else "Helvetica", 11)
        for x, v in zip(xs, values, strict=True):
            c.drawString(x * cm, y, v[:38])

    keys = [data.region, *data.peers]
    per_100k = {r["key"]: r[PER_100K.column] or 0.0 for r in data.headline.iter_rows(named=True)}
    drawing = Drawing(width - 3 * cm, 7 * cm)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 4.5 * cm, 0.5 * cm, width - 9 * cm, 5.5 * cm
    chart.data = [[float(per_100k.get(k, 0.0)) for k in reversed(keys)]]
    chart.categoryAxis.categoryNames = [data.labels[k][:30] for k in reversed(keys)]
    chart.bars[0].fillColor = ACCENT
    chart.valueAxis.valueMin = 0
    drawing.add(chart)
    c.setFont("Helvetica-Bold", 13)
    c.drawString(1.5 * cm, y - 1.2 * cm, metric_label(PER_100K, lg))
    renderPDF.draw(drawing, c, 1.5 * cm, y - 8.8 * cm)

    c.setFont("Helvetica", 8)
    c.setFillColor(colors.HexColor("#555555"))
    prov = " ".join([
        label("deck.source", lg, ts=data.data_timestamp or label("unknown", lg)) + ";",
        label("pdf.generated", lg, at=f"{data.generated_at:%Y-%m-%d %H:%M}", n=len(data.queries)),
        counting_rules(lg),
    ])  # fmt: skip
    if data.synthetic:
        prov = label("synthetic", lg) + " " + prov
    for i, line in enumerate(simpleSplit(prov, "Helvetica", 8, width - 3 * cm)[:4]):
        c.drawString(1.5 * cm, 1.6 * cm - i * 0.4 * cm, line)
    c.showPage()
    c.save()
    return buf.getvalue()
