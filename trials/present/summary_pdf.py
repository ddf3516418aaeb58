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

from trials.present.deck import tx
from trials.present.deck_data import DeckData

ACCENT = colors.HexColor("#0B5C8E")


def build_pdf(data: DeckData) -> bytes:
    """One landscape A4 page: title, headline table (region and peers), trials per 100k chart, provenance."""
    lg = data.lang
    buf = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(buf, pagesize=(width, height))
    c.setTitle(f"{data.label}: clinical-trial benchmark")
    c.setFillColor(ACCENT)
    c.rect(0, height - 0.4 * cm, width, 0.4 * cm, stroke=0, fill=1)
    c.setFont("Helvetica-Bold", 24)
    c.drawString(1.5 * cm, height - 2 * cm, data.label)
    if data.synthetic:
        c.setFillColor(colors.red)
        c.setFont("Helvetica-Bold", 12)
        c.drawRightString(width - 1.5 * cm, height - 2 * cm, tx("synthetic", lg))
    c.setFillColor(colors.black)
    c.setFont("Helvetica", 12)
    c.drawString(1.5 * cm, height - 2.8 * cm, tx("subtitle", lg, peers=", ".join(data.labels[p] for p in data.peers))
                 + f" · {data.generated_at:%Y-%m-%d}")  # fmt: skip

    header = [tx(k, lg) for k in ("rank", "region", "trials", "industry_trials", "recruiting_now")] + ["/100k"]
    xs = [1.5, 3.0, 11.0, 14.0, 19.0, 23.0]
    y = height - 4.2 * cm
    c.setFont("Helvetica-Bold", 11)
    for x, h in zip(xs, header, strict=True):
        c.drawString(x * cm, y, h)
    c.setFont("Helvetica", 11)
    for row in data.headline.iter_rows(named=True):
        y -= 0.6 * cm
        bold = row["key"] == data.region
        c.setFont("Helvetica-Bold" if bold else "Helvetica", 11)
        per = "-" if row["per_100k"] is None else f"{row['per_100k']:.1f}"
        values = [row["rank"], row["name"], f"{row['trials']:,}", f"{row['industry_trials']:,}",
                  f"{row['recruiting_now']:,}", per]  # fmt: skip
        for x, v in zip(xs, values, strict=True):
            c.drawString(x * cm, y, str(v)[:38])

    keys = [data.region, *data.peers]
    per_100k = {r["key"]: r["per_100k"] or 0.0 for r in data.headline.iter_rows(named=True)}
    drawing = Drawing(width - 3 * cm, 7 * cm)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 4.5 * cm, 0.5 * cm, width - 9 * cm, 5.5 * cm
    chart.data = [[float(per_100k.get(k, 0.0)) for k in reversed(keys)]]
    chart.categoryAxis.categoryNames = [data.labels[k][:30] for k in reversed(keys)]
    chart.bars[0].fillColor = ACCENT
    chart.valueAxis.valueMin = 0
    drawing.add(chart)
    c.setFont("Helvetica-Bold", 13)
    c.drawString(1.5 * cm, y - 1.2 * cm, tx("per_100k", lg))
    renderPDF.draw(drawing, c, 1.5 * cm, y - 8.8 * cm)

    c.setFont("Helvetica", 8)
    c.setFillColor(colors.HexColor("#555555"))
    prov = (tx("source", lg, ts=data.data_timestamp or "unknown")
            + f"; generated {data.generated_at:%Y-%m-%d %H:%M} UTC; "
            + f"{len(data.queries)} registry queries (listed in the deck's methods slide). "
            + "A study counts once per region; phases and areas overlap.")  # fmt: skip
    if data.synthetic:
        prov = tx("synthetic", lg) + " " + prov
    for i, line in enumerate(simpleSplit(prov, "Helvetica", 8, width - 3 * cm)[:3]):
        c.drawString(1.5 * cm, 1.4 * cm - i * 0.4 * cm, line)
    c.showPage()
    c.save()
    return buf.getvalue()
