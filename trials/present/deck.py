"""The pitch deck as an editable PowerPoint (python-pptx): native charts, one template, EN/DE.

Every number comes from :class:`trials.present.deck_data.DeckData` and is shown in its metric's format in
the deck's language; every word comes from the label catalogue. This module only lays them out, on one
grid: a title band, a body, a caption line and a footer, every text in a box of fixed size whose text is
measured to fit (:mod:`trials.present.textfit`) - long content moves on to further slides (the methods
text, the registry queries of the appendix) and the queries are in the speaker notes as well. The region
is drawn in one accent colour in every chart and table; its peers in muted tones.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE, XL_TICK_MARK
from pptx.enum.lang import MSO_LANGUAGE_ID
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Emu, Inches, Pt

from trials.analytics.metrics import EXTRA_BY_NAME, HEADLINE, LQ, PER_100K, RECRUITING, TRIALS, format_number
from trials.present import palette, textfit
from trials.present.deck_data import STRONG_MIN, DeckData, headline_header, headline_rows
from trials.present.describe import describe_filters, is_filtered
from trials.present.export import neutral_text
from trials.present.labels import (
    counting_rules,
    format_date,
    format_time,
    join_words,
    label,
    metric_label,
)

INK = RGBColor(0x1F, 0x2A, 0x44)  # titles and text
ACCENT = RGBColor.from_string(palette.ACCENT[1:])  # the region, in every chart and table (and in the app)
ACCENT_LIGHT = RGBColor.from_string(palette.ACCENT_LIGHT[1:])  # the region's row or column in tables
GREY = RGBColor(0x5F, 0x67, 0x73)  # captions and the footer
CARD = RGBColor(0xF3, 0xF5, 0xF8)  # callout backgrounds, table banding
OTHER = RGBColor(0xC5, 0xCC, 0xD5)  # countries that are neither the region's nor a peer
RED = RGBColor(0xC0, 0x00, 0x00)  # the synthetic-data warning
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
#: The peers, in order: muted, told apart from each other and from the accent.
#: (Cool tones only: nothing a reader could take for the region's orange.)
PEER_COLOURS = [RGBColor.from_string(c[1:]) for c in palette.PEERS]

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.6)
CONTENT = WIDTH - 2 * MARGIN
TITLE_TOP, TITLE_H = Inches(0.3), Inches(0.8)
BODY_TOP, BODY_BOTTOM = Inches(1.35), Inches(6.7)
CAPTION_H = Inches(0.42)
CHART_BOTTOM = BODY_BOTTOM - CAPTION_H - Inches(0.06)  # charts and tables end above the caption
FOOTER_TOP, FOOTER_H = Inches(6.98), Inches(0.34)
PAD_X, PAD_Y = Inches(0.08), Inches(0.04)  # text inset inside every box


def _neutral(categories: Iterable[object]) -> list[object]:
    """Chart categories as the chart's embedded workbook gets them: text that a spreadsheet would run as a
    formula (``=HYPERLINK(...)`` in a facility name) is neutralised (:func:`trials.present.export.neutral_text`)."""
    return [neutral_text(c) if isinstance(c, str) else c for c in categories]


def _pt(length: int) -> float:
    return float(Emu(length).pt)


@dataclass
class Run:
    text: str
    bold: bool = False
    colour: RGBColor | None = None


#: A paragraph: plain text, or runs (a bold heading, then the text).
Para = str | list[Run]


def _plain(p: Para) -> str:
    return p if isinstance(p, str) else "".join(r.text for r in p)


def _first_bold(p: Para, bold: bool) -> bool:
    """How a paragraph is measured: in the weight of its first run (wider when bold, so never too little room)."""
    return bold if isinstance(p, str) else (p[0].bold if p else bold)


def _needed(paras: Sequence[Para], width: float, size: float, bold: bool, gap: float) -> float:
    """Points of height ``paras`` take in a box ``width`` points wide, ``gap`` points after each paragraph."""
    return sum(textfit.height(len(textfit.wrap(_plain(p), width, size, _first_bold(p, bold))), size) + gap
               for p in paras)  # fmt: skip


def _fits(paras: Sequence[Para], width: float, height: float, size: float, bold: bool, gap: float) -> bool:
    words = all(textfit.longest_word(_plain(p), size, _first_bold(p, bold)) <= width for p in paras)
    return words and _needed(paras, width, size, bold, gap) <= height


class _Deck:
    """The slides of one deck; footers and page numbers are added once every slide is there."""

    def __init__(self, data: DeckData) -> None:
        self.data, self.lg = data, data.lang
        self.language = MSO_LANGUAGE_ID.GERMAN if data.lang == "de" else MSO_LANGUAGE_ID.ENGLISH_UK
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDTH, HEIGHT
        _theme_fonts(self.prs)
        self.keys = [data.region, *data.peers]
        self.colours = {data.region: ACCENT, **{p: PEER_COLOURS[i % len(PEER_COLOURS)] for i, p in
                                                enumerate(data.peers)}}  # fmt: skip

    # -- text ------------------------------------------------------------------------------------------
    def text(self, slide: Any, left: int, top: int, width: int, height: int, paras: Sequence[Para], *,
             size: float = 14, smallest: float | None = None, bold: bool = False, colour: RGBColor = INK,
             align: Any = PP_ALIGN.LEFT, anchor: Any = MSO_ANCHOR.TOP, gap: float = 0.0,
             shape: Any = None) -> Any:  # fmt: skip
        """A text box of fixed size; with ``smallest`` the largest size from ``size`` down that fits is used."""
        box = shape if shape is not None else slide.shapes.add_textbox(left, top, width, height)
        if shape is not None:
            box.left, box.top, box.width, box.height = left, top, width, height
        tf = box.text_frame
        tf.auto_size = MSO_AUTO_SIZE.NONE
        tf.word_wrap = True
        tf.margin_left = tf.margin_right = PAD_X
        tf.margin_top = tf.margin_bottom = PAD_Y
        tf.vertical_anchor = anchor
        inner_w, inner_h = _pt(width - 2 * PAD_X), _pt(height - 2 * PAD_Y)
        if smallest is not None:
            while size > smallest and not _fits(paras, inner_w, inner_h, size, bold, gap):
                size -= 0.5
        for i, para in enumerate(paras):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            p.alignment = align
            if gap and i < len(paras) - 1:
                p.space_after = Pt(gap)
            for run in [Run(para)] if isinstance(para, str) else para:
                self._run(p.add_run(), run.text, size, bold or run.bold, run.colour or colour)
        return box

    def _run(self, r: Any, text: str, size: float, bold: bool, colour: RGBColor) -> None:
        r.text = text
        f = r.font
        f.size, f.bold, f.name, f.language_id = Pt(size), bold, textfit.FONT, self.language
        f.color.rgb = colour

    def caption(self, slide: Any, text: str) -> None:
        self.text(slide, MARGIN, BODY_BOTTOM - CAPTION_H, CONTENT, CAPTION_H, [text], size=11, smallest=8,
                  colour=GREY, anchor=MSO_ANCHOR.BOTTOM)  # fmt: skip

    def card(self, slide: Any, left: int, top: int, width: int, height: int) -> None:
        shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, left, top, width, height)
        shape.fill.solid()
        shape.fill.fore_color.rgb = CARD
        shape.line.fill.background()
        shape.shadow.inherit = False

    def callout(self, slide: Any, left: int, top: int, width: int, height: int, value: str, caption: str,
                colour: RGBColor = ACCENT, big: float = 40) -> None:  # fmt: skip
        """A big number over its caption, on a card."""
        self.card(slide, left, top, width, height)
        value_h = Inches(big * 1.35 / 72)
        self.text(slide, left + Inches(0.12), top + Inches(0.08), width - Inches(0.24), value_h, [value],
                  size=big, smallest=big / 2, bold=True, colour=colour, anchor=MSO_ANCHOR.BOTTOM)  # fmt: skip
        rest = height - value_h - Inches(0.2)
        self.text(slide, left + Inches(0.12), top + Inches(0.1) + value_h, width - Inches(0.24), rest, [caption],
                  size=14, smallest=9, colour=INK)  # fmt: skip

    def rect(self, slide: Any, left: int, top: int, width: int, height: int, colour: RGBColor) -> None:
        shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, left, top, width, height)
        shape.fill.solid()
        shape.fill.fore_color.rgb = colour
        shape.line.fill.background()
        shape.shadow.inherit = False

    # -- slides ----------------------------------------------------------------------------------------
    def slide(self, title: str, notes: Sequence[str] = ()) -> Any:
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[5])  # "Title Only"
        self.rect(slide, 0, 0, WIDTH, Inches(0.1), INK)
        self.text(slide, MARGIN, TITLE_TOP, CONTENT, TITLE_H, [title], size=30, smallest=18, bold=True,
                  anchor=MSO_ANCHOR.MIDDLE, shape=slide.shapes.title)  # fmt: skip
        self.rect(slide, MARGIN + PAD_X, TITLE_TOP + TITLE_H + Inches(0.04), Inches(1.1), Inches(0.06), ACCENT)
        if notes:
            slide.notes_slide.notes_text_frame.text = "\n".join(notes)
        return slide

    def finish(self) -> bytes:
        """Footers (region, source, registry date; the synthetic warning) and page numbers, then the file."""
        d, lg = self.data, self.lg
        source = _source(d)
        total = len(self.prs.slides)
        for number, slide in enumerate(self.prs.slides, start=1):
            runs = [Run(label("synthetic", lg) + " ", bold=True, colour=RED)] if d.synthetic else []
            if number > 1:
                runs.append(Run(f"{d.label} · {source}"))
            if runs:
                self.text(slide, MARGIN, FOOTER_TOP, CONTENT - Inches(1.1), FOOTER_H, [runs], size=9, smallest=6.5,
                          colour=GREY, anchor=MSO_ANCHOR.MIDDLE)  # fmt: skip
            if number > 1:
                self.text(slide, WIDTH - MARGIN - Inches(1.0), FOOTER_TOP, Inches(1.0), FOOTER_H,
                          [label("deck.page", lg, n=number, of=total)], size=9, colour=GREY, align=PP_ALIGN.RIGHT,
                          anchor=MSO_ANCHOR.MIDDLE)  # fmt: skip
        buf = io.BytesIO()
        self.prs.save(buf)
        return buf.getvalue()

    # -- charts ----------------------------------------------------------------------------------------
    def _axis_format(self) -> str:
        # Format codes follow the viewer's locale; "0" never shows an English thousands comma in a German deck.
        return "0" if self.lg == "de" else "#,##0"

    def bars(self, slide: Any, left: int, top: int, width: int, height: int, names: Sequence[str],
             values: Sequence[float], colours: Sequence[RGBColor], texts: Sequence[str], series: str,
             size: float = 12) -> Any:  # fmt: skip
        """A horizontal bar chart, first item at the top, each bar in its colour with its value written at its end."""
        cd = CategoryChartData()
        cd.categories = _neutral(reversed(names))  # bar charts draw the first category at the bottom
        cd.add_series(neutral_text(series), [float(v) for v in reversed(values)])
        chart = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, left, top, width, height, cd).chart
        self._chart_text(chart, size)
        chart.has_legend = False
        plot = chart.plots[0]
        plot.gap_width = 45 if len(names) > 10 else 80 if len(names) > 5 else 130  # few bars stay slim
        plot.vary_by_categories = False
        s = plot.series[0]
        for i, (colour, text) in enumerate(zip(reversed(colours), reversed(texts), strict=True)):
            point = s.points[i]
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = colour
            dl = point.data_label
            dl.has_text_frame = True
            dl.text_frame.text = text
            dl.position = XL_LABEL_POSITION.OUTSIDE_END
            self._run_font(dl.text_frame.paragraphs[0].runs[0], size, colour == ACCENT)
        va = chart.value_axis
        va.visible = False
        va.has_major_gridlines = False
        va.minimum_scale = 0
        va.maximum_scale = max([float(v) for v in values] + [1.0]) * 1.18  # room for the value labels
        ca = chart.category_axis
        ca.major_tick_mark = XL_TICK_MARK.NONE
        ca.format.line.color.rgb = OTHER
        _every_label(ca)
        return chart

    def _region_series(self, categories: Sequence[str], series: dict[str, Sequence[float]]) -> Any:
        """Chart data with one series per region key, named by its short label (cells neutralised)."""
        cd = CategoryChartData()
        cd.categories = _neutral(categories)
        for key, values in series.items():
            cd.add_series(neutral_text(self.data.short[key]), [float(v) for v in values])
        return cd

    def columns(self, slide: Any, left: int, top: int, width: int, height: int, categories: Sequence[str],
                series: dict[str, Sequence[float]]) -> Any:  # fmt: skip
        """Clustered columns, one series per region key (the region in the accent colour), legend on top."""
        cd = self._region_series(categories, series)
        chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, left, top, width, height, cd).chart
        self._chart_text(chart, 12)
        plot = chart.plots[0]
        plot.gap_width = 70
        plot.overlap = -5
        for key, s in zip(series, plot.series, strict=True):
            s.format.fill.solid()
            s.format.fill.fore_color.rgb = self.colours[key]
        self._legend(chart)
        self._value_axis(chart)
        _every_label(chart.category_axis)
        chart.category_axis.major_tick_mark = XL_TICK_MARK.NONE
        return chart

    def lines(self, slide: Any, left: int, top: int, width: int, height: int, categories: Sequence[str],
              series: dict[str, Sequence[float]]) -> Any:  # fmt: skip
        """One line per region key: the region thick in the accent colour, the peers thin."""
        cd = self._region_series(categories, series)
        chart = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, left, top, width, height, cd).chart
        self._chart_text(chart, 12)
        for key, s in zip(series, chart.plots[0].series, strict=True):
            mine = key == self.data.region
            s.smooth = False
            s.format.line.color.rgb = self.colours[key]
            s.format.line.width = Pt(3.5 if mine else 1.75)
            s.marker.style = XL_MARKER_STYLE.CIRCLE
            s.marker.size = 7 if mine else 4
            s.marker.format.fill.solid()
            s.marker.format.fill.fore_color.rgb = self.colours[key]
            s.marker.format.line.color.rgb = self.colours[key]
        self._legend(chart)
        self._value_axis(chart)
        _every_label(chart.category_axis)
        chart.category_axis.major_tick_mark = XL_TICK_MARK.NONE
        return chart

    def _chart_text(self, chart: Any, size: float) -> None:
        chart.has_title = False  # the slide title says what the chart shows
        chart.font.size, chart.font.name, chart.font.color.rgb = Pt(size), textfit.FONT, INK
        lang = chart._chartSpace.find(qn("c:lang"))
        if lang is None:
            lang = OxmlElement("c:lang")
            chart._chartSpace.insert(0, lang)  # c:lang comes first in a chart space
        lang.set("val", "de-DE" if self.lg == "de" else "en-GB")

    def _run_font(self, run: Any, size: float, bold: bool = False) -> None:
        run.font.size, run.font.bold, run.font.name = Pt(size), bold, textfit.FONT
        run.font.color.rgb = INK
        run.font.language_id = self.language

    def _legend(self, chart: Any) -> None:
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False  # the legend gets its own row above the plot, inside the chart
        chart.legend.font.size = Pt(12)

    def _value_axis(self, chart: Any) -> None:
        va = chart.value_axis
        va.minimum_scale = 0
        va.has_major_gridlines = True
        va.major_gridlines.format.line.color.rgb = RGBColor(0xE3, 0xE6, 0xEA)
        va.format.line.fill.background()
        va.major_tick_mark = XL_TICK_MARK.NONE
        va.tick_labels.number_format = self._axis_format()
        va.tick_labels.number_format_is_linked = False
        va.tick_labels.font.size = Pt(11)
        va.tick_labels.font.color.rgb = GREY

    # -- tables ----------------------------------------------------------------------------------------
    def table(self, slide: Any, left: int, top: int, width: int, max_height: int, header: Sequence[str],
              rows: Sequence[Sequence[str]], fractions: Sequence[float], *, right: Sequence[bool] = (),
              highlight_row: int | None = None, highlight_col: int | None = None,
              bold: set[tuple[int, int]] | None = None, size: float = 14, smallest: float = 9,
              fill: int = 0, drop: bool = False) -> tuple[Any, int]:  # fmt: skip
        """A table whose rows are as tall as their text needs, set at the largest size (down to ``smallest``)
        at which every cell's words fit its column and the table fits ``max_height``; rows then grow towards
        ``fill`` (a row height) to use the room. With ``drop``, rows that do not fit are left out (the caller
        shows the most important first); else the caller keeps the table short enough. The region's row or
        column is filled in the light accent colour and set in the accent colour. Returns the table and its
        height."""
        total = sum(fractions)
        widths = [int(width * f / total) for f in fractions]
        right = list(right) or [False] * len(header)
        bold = bold or set()
        pad_x, pad_y = Inches(0.08), Inches(0.05)
        rows = list(rows)

        def heights(body: float) -> list[int] | None:
            out = []
            for r, cells in enumerate([header, *rows]):
                s = body - 1 if r == 0 else body
                tallest = 0.0
                for c, text in enumerate(cells):
                    inner = _pt(widths[c] - 2 * pad_x)
                    b = r == 0 or (r - 1, c) in bold or (r - 1) == highlight_row or c == highlight_col
                    if textfit.longest_word(text, s, b) > inner:
                        return None
                    tallest = max(tallest, textfit.height(len(textfit.wrap(text, inner, s, b)), s))
                out.append(max(int(Pt(tallest) + 2 * pad_y), int(Pt(body * 2.0))))
            return out if sum(out) <= max_height else None

        while True:
            body = size
            plan = heights(body)
            while plan is None and body > smallest:
                body -= 0.5
                plan = heights(body)
            if plan is not None or not drop or len(rows) <= 1:
                break
            rows.pop()
        if plan is None:  # squeeze rather than break words (the layout test reports it)
            body = smallest
            plan = [max_height // (len(rows) + 1)] * (len(rows) + 1)
        if fill:
            spare = max_height - sum(plan)
            plan = [h + min(max(fill - h, 0), spare // len(plan)) for h in plan]
        shape = slide.shapes.add_table(len(rows) + 1, len(header), left, top, width, sum(plan))
        tbl = shape.table
        tbl.first_row, tbl.horz_banding = True, False
        for c, w in enumerate(widths):
            tbl.columns[c].width = w
        for r, h in enumerate(plan):
            tbl.rows[r].height = h
        for r, cells in enumerate([header, *rows]):
            for c, text in enumerate(cells):
                cell = tbl.cell(r, c)
                cell.margin_left = cell.margin_right = pad_x
                cell.margin_top = cell.margin_bottom = pad_y
                cell.vertical_anchor = MSO_ANCHOR.MIDDLE
                mine = (r > 0 and (r - 1) == highlight_row) or c == highlight_col
                cell.fill.solid()
                if r == 0:
                    cell.fill.fore_color.rgb = ACCENT if c == highlight_col else INK
                else:
                    cell.fill.fore_color.rgb = ACCENT_LIGHT if mine else (CARD if r % 2 == 0 else WHITE)
                p = cell.text_frame.paragraphs[0]
                p.alignment = PP_ALIGN.RIGHT if right[c] else PP_ALIGN.LEFT
                colour = WHITE if r == 0 else ACCENT if mine else INK
                self._run(p.add_run(), text, body - 1 if r == 0 else body, r == 0 or mine or (r - 1, c) in bold,
                          colour)  # fmt: skip
        return tbl, sum(plan)


def _source(d: DeckData) -> str:
    """The source line: the registry and the date of its data (when the data carry one)."""
    if d.data_timestamp:
        return label("deck.source", d.lang, ts=format_date(d.data_timestamp, d.lang, long=True))
    return label("deck.source_undated", d.lang)


def _theme_fonts(prs: Any) -> None:
    """Arial as the theme's fonts, so anything not set explicitly (chart parts) is Arial too."""
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    theme = prs.slide_master.part.part_related_by(RT.THEME)
    theme._blob = re.sub(rb'(<a:latin typeface=")[^"]*(")', rb"\g<1>" + textfit.FONT.encode() + rb"\g<2>", theme.blob)


def _every_label(axis: Any) -> None:
    """Show every category label (LibreOffice and PowerPoint otherwise skip some when they are tight)."""
    ax = axis._element
    if ax.find(qn("c:tickLblSkip")) is None:
        skip = OxmlElement("c:tickLblSkip")
        skip.set("val", "1")
        anchor = ax.find(qn("c:noMultiLvlLbl"))
        if anchor is not None:
            anchor.addprevious(skip)
        else:
            ax.append(skip)


# -- the slides ----------------------------------------------------------------------------------------------------
def build_pptx(data: DeckData) -> bytes:
    """The deck as .pptx bytes, slides in the order a pitch tells them, then the methods and the appendix."""
    deck = _Deck(data)
    _title_slide(deck)
    _headline_slide(deck)
    _context_slide(deck)
    _per_100k_slide(deck)
    _phase_slide(deck)
    _areas_slide(deck)
    _strong_slide(deck)
    _institutions_slide(deck)
    _industry_slide(deck)
    _recruiting_slide(deck)
    _ties_slide(deck)
    _methods_slides(deck)
    return deck.finish()


def _title_slide(deck: _Deck) -> None:
    d, lg = deck.data, deck.lg
    slide = deck.prs.slides.add_slide(deck.prs.slide_layouts[0])  # "Title Slide": title and subtitle
    deck.rect(slide, 0, 0, Inches(0.3), HEIGHT, ACCENT)
    deck.rect(slide, Inches(0.3), 0, WIDTH - Inches(0.3), Inches(0.1), INK)
    left, width = Inches(1.0), WIDTH - Inches(2.0)
    deck.text(slide, left, Inches(1.5), width, Inches(1.8), [d.label], size=48, smallest=28, bold=True,
              anchor=MSO_ANCHOR.BOTTOM, shape=slide.shapes.title)  # fmt: skip
    peers = join_words([d.labels[p] for p in d.peers], lg)
    deck.text(slide, left, Inches(3.4), width, Inches(1.0), [label("deck.subtitle", lg, peers=peers)], size=24,
              smallest=14, colour=GREY, shape=slide.placeholders[1])  # fmt: skip
    scope = label("deck.scope", lg, filters=describe_filters(d.filters, lg)) if is_filtered(d.filters) else label(
        "deck.scope_all", lg)  # fmt: skip
    deck.text(slide, left, Inches(4.45), width, Inches(0.75), [scope], size=18, smallest=11)
    deck.rect(slide, left + PAD_X, Inches(5.35), Inches(1.1), Inches(0.06), ACCENT)
    lines = [label("deck.prepared", lg, date=format_date(d.generated_at.date(), lg, long=True)),
             _source(d)]  # fmt: skip
    deck.text(slide, left, Inches(5.55), width, Inches(0.9), lines, size=14, smallest=10, colour=GREY, gap=4)


def _headline_slide(deck: _Deck) -> None:
    """Big numbers for the region, each with its rank among the peers and the best peer, over the full table."""
    d, lg = deck.data, deck.lg
    slide = deck.slide(label("deck.headline", lg))
    mine = d.mine
    others = d.headline.filter(d.headline["key"] != d.region)
    n, gap = len(HEADLINE), Inches(0.22)
    card_w = int((CONTENT - gap * (n - 1)) / n)
    card_h = Inches(2.35)
    for i, m in enumerate(HEADLINE):
        left = MARGIN + i * (card_w + gap)
        deck.card(slide, left, BODY_TOP, card_w, card_h)
        inner_l, inner_w = left + Inches(0.12), card_w - Inches(0.24)
        deck.text(slide, inner_l, BODY_TOP + Inches(0.08), inner_w, Inches(0.62), [metric_label(m, lg)], size=14,
                  smallest=10, colour=GREY)  # fmt: skip
        deck.text(slide, inner_l, BODY_TOP + Inches(0.7), inner_w, Inches(0.78), [m.format(mine[m.column], lg)],
                  size=40, smallest=20, bold=True, colour=ACCENT, anchor=MSO_ANCHOR.MIDDLE)  # fmt: skip
        values = d.headline[m.column].fill_null(0)
        rank = 1 + int((values > (mine[m.column] or 0)).sum())
        lines: list[Para] = [[Run(label("rank_of", lg, rank=rank, of=d.headline.height), bold=True)]]
        if others.height:
            best = others.sort(m.column, descending=True, nulls_last=True).row(0, named=True)
            lines.append(label("deck.best_peer", lg, name=d.short[best["key"]], value=m.format(best[m.column], lg)))
        deck.text(slide, inner_l, BODY_TOP + Inches(1.5), inner_w, card_h - Inches(1.58), lines, size=13,
                  smallest=9, gap=2)  # fmt: skip
    top = BODY_TOP + card_h + Inches(0.25)
    rows = headline_rows(d)
    mine_row = next(i for i, k in enumerate(d.headline["key"]) if k == d.region)
    deck.table(slide, MARGIN, top, CONTENT, BODY_BOTTOM - top, headline_header(lg), rows,
               [0.7, 3.2, 1.5, 1.5, 1.5, 1.9], right=[False, False, True, True, True, True],
               highlight_row=mine_row, size=13, smallest=9, fill=int(Inches(0.5)))  # fmt: skip


def _context_slide(deck: _Deck) -> None:
    """The region among the European countries and its peers on one scale (per million inhabitants)."""
    d, lg = deck.data, deck.lg
    ctx = d.context
    if ctx is None or ctx.height == 0:
        return
    slide = deck.slide(label("deck.context", lg), notes=d.count_queries)
    colours = {"region": ACCENT, "peer": PEER_COLOURS[0], "home": INK, "country": OTHER}
    values = [v or 0.0 for v in ctx["per_million"].to_list()]
    chart_w = Inches(7.9)
    size = 11 if ctx.height <= 16 else 10 if ctx.height <= 24 else 8.5
    deck.bars(slide, MARGIN, BODY_TOP, chart_w, CHART_BOTTOM - BODY_TOP, ctx["name"].to_list(), values,
              [colours[r] for r in ctx["role"]], [format_number(v, "dec1", lg) for v in values],
              label("deck.per_million", lg), size=size)  # fmt: skip
    left = MARGIN + chart_w + Inches(0.3)
    width = WIDTH - MARGIN - left
    slots = []
    region_pm = ctx.filter(ctx["key"] == d.region)["per_million"]
    if region_pm.len() and d.region_ahead_of is not None:
        k, n = d.region_ahead_of
        text = (label("deck.region_pm_all", lg, region=d.short[d.region], n=n) if k == n
                else label("deck.region_pm", lg, region=d.short[d.region], k=k, n=n))  # fmt: skip
        slots.append((format_number(region_pm[0], "dec1", lg), text, ACCENT))
    if d.share_of_country is not None:
        share = label("deck.region_share", lg, region=d.short[d.region], country=d.country_label)
        slots.append((format_number(d.share_of_country, "pct", lg), share, ACCENT))
    pos = d.country_position
    if pos is not None:
        slots.append((format_number(d.country_per_million, "dec1", lg),
                      label("deck.country_pm", lg, country=d.country_label, rank=pos["rank"],
                            rank_pm=pos["rank_per_million"], of=pos["of"]), INK))  # fmt: skip
    gap = Inches(0.18)
    if slots:
        h = int((CHART_BOTTOM - BODY_TOP - gap * (len(slots) - 1)) / len(slots))
        for i, (value, text, colour) in enumerate(slots):
            deck.callout(slide, left, BODY_TOP + i * (h + gap), width, h, value, text, colour, big=32)
    from trials.analytics.rankings import PRESETS

    strategy = describe_filters(PRESETS[d.counts_preset], lg) if d.counts_preset in PRESETS else d.counts_preset
    more, most = "", format_number(d.context_more_max, "dec1", lg)
    if d.context_more == 1:
        more = label("deck.context_more_one", lg, value=most)
    elif d.context_more > 1 and not d.context_more_max:
        more = label("deck.context_more_none", lg, n=d.context_more)
    elif d.context_more > 1:
        more = label("deck.context_more", lg, n=d.context_more, value=most)
    deck.caption(slide, label("deck.context_caption", lg, strategy=strategy,
                              asked=format_date(d.counts_asked_at.date() if d.counts_asked_at else None, lg),
                              more=more))  # fmt: skip


def _per_100k_slide(deck: _Deck) -> None:
    d, lg = deck.data, deck.lg
    slide = deck.slide(metric_label(PER_100K, lg))
    per = {r["key"]: r[PER_100K.column] for r in d.headline.iter_rows(named=True)}
    order = sorted(deck.keys, key=lambda k: (-(per.get(k) or 0), deck.keys.index(k)))
    values = [per.get(k) or 0.0 for k in order]
    chart_w = Inches(8.3)
    deck.bars(slide, MARGIN, BODY_TOP, chart_w, CHART_BOTTOM - BODY_TOP, [d.short[k] for k in order], values,
              [ACCENT if k == d.region else PEER_COLOURS[0] for k in order],
              [PER_100K.format(per.get(k), lg) for k in order], metric_label(PER_100K, lg), size=13)  # fmt: skip
    rank = 1 + sum(1 for k in deck.keys if (per.get(k) or 0) > (per.get(d.region) or 0))
    left = MARGIN + chart_w + Inches(0.3)
    gap = Inches(0.18)
    h = int((CHART_BOTTOM - BODY_TOP - gap) / 2)
    deck.callout(slide, left, BODY_TOP, WIDTH - MARGIN - left, h, PER_100K.format(per.get(d.region), lg),
                 label("deck.rank_of", lg, region=d.short[d.region], rank=rank, of=len(deck.keys)))  # fmt: skip
    people = label("deck.millions", lg, n=format_number(d.populations.get(d.region, 0) / 1e6, "dec1", lg))
    deck.callout(slide, left, BODY_TOP + h + gap, WIDTH - MARGIN - left, h, people,
                 label("deck.inhabitants", lg, region=d.short[d.region]), INK)  # fmt: skip
    deck.caption(slide, label("deck.per_100k_caption", lg))


def _phase_slide(deck: _Deck) -> None:
    d, lg = deck.data, deck.lg
    slide = deck.slide(label("deck.phase_mix", lg))
    pm = d.phase_mix
    deck.columns(slide, MARGIN, BODY_TOP, CONTENT, CHART_BOTTOM - BODY_TOP, pm["phase_label"].to_list(),
                 {k: pm[k].to_list() for k in deck.keys})  # fmt: skip
    deck.caption(slide, label("deck.phase_caption", lg))


def _areas_slide(deck: _Deck) -> None:
    """The region's strongest areas: trials per area for the region and each peer, the best of each row in bold."""
    d, lg = deck.data, deck.lg
    slide = deck.slide(label("deck.areas", lg))
    top = d.areas.head(8)
    if top.height == 0:
        deck.text(slide, MARGIN, BODY_TOP, CONTENT, Inches(1.0), [label("deck.no_areas", lg)], size=18)
    else:
        header = [label("area", lg), *(d.short[k] for k in deck.keys), label("rank", lg)]
        rows, bold = [], set()
        for r, row in enumerate(top.iter_rows(named=True)):
            counts = [row[f"k:{k}"] for k in deck.keys]
            best = max(counts)
            bold |= {(r, 1 + c) for c, n in enumerate(counts) if n == best}
            rows.append([row["area_name"], *(format_number(n, "int", lg) for n in counts),
                         f"{row['rank_among_peers']} / {len(deck.keys)}"])  # fmt: skip
        fractions = [3.0, *([1.4] * len(deck.keys)), 1.0]
        deck.table(slide, MARGIN, BODY_TOP, CONTENT, CHART_BOTTOM - BODY_TOP, header, rows, fractions,
                   right=[False, *([True] * (len(deck.keys) + 1))], highlight_col=1, bold=bold, size=15,
                   fill=int(Inches(0.55)))  # fmt: skip
    deck.caption(slide, label("deck.areas_caption", lg))


def _strong_slide(deck: _Deck) -> None:
    """Where the region is strong relative to its size: its location quotient per area against the peers (issue
    17), the strongest areas as bars (1 = as the peers) and the top one or two explained in shares."""
    d, lg = deck.data, deck.lg
    if d.strong is None:
        return
    slide = deck.slide(label("deck.strong", lg, region=d.short[d.region]))
    peers = join_words([d.short[p] for p in d.peers], lg)
    caption = label("deck.strong_caption", lg, peers=peers, min=STRONG_MIN)
    if d.strong.height == 0:
        deck.text(slide, MARGIN, BODY_TOP, CONTENT, Inches(1.0), [label("deck.no_strong", lg)], size=18)
        deck.caption(slide, caption)
        return
    rows = d.strong.to_dicts()
    values = [float(r["lq"]) for r in rows]
    chart_w = Inches(7.9)
    deck.bars(slide, MARGIN, BODY_TOP, chart_w, CHART_BOTTOM - BODY_TOP, [r["area_name"] for r in rows], values,
              [ACCENT if v >= 1 else PEER_COLOURS[0] for v in values], [LQ.format(v, lg) for v in values],
              metric_label(LQ, lg), size=12)  # fmt: skip
    left = MARGIN + chart_w + Inches(0.3)
    gap = Inches(0.18)
    top = [r for r in rows if r["lq"] >= 1][:2] or rows[:1]
    h = int((CHART_BOTTOM - BODY_TOP - gap) / 2)
    for i, r in enumerate(top):
        text = label("deck.lq_callout", lg, area=r["area_name"], share=format_number(r["share"], "pct", lg),
                     peer_share=format_number(r["peer_share"], "pct", lg))  # fmt: skip
        deck.callout(slide, left, BODY_TOP + i * (h + gap), WIDTH - MARGIN - left, h, LQ.format(r["lq"], lg), text,
                     ACCENT if r["lq"] >= 1 else INK, big=32)  # fmt: skip
    deck.caption(slide, caption)


def _ties_slide(deck: _Deck) -> None:
    """International ties of the region against its peers (issue 17): multinational share, foreign lead sponsors
    (where known), top partner countries."""
    d, lg = deck.data, deck.lg
    if d.ties is None or d.ties.height == 0:
        return
    slide = deck.slide(label("ties", lg))
    rows = d.ties.to_dicts()
    mine = next((r for r in rows if r["key"] == d.region), None)
    if mine is None:
        return
    multi, foreign = EXTRA_BY_NAME["multinational_share"], EXTRA_BY_NAME["foreign_sponsor_share"]
    unknown = EXTRA_BY_NAME["unknown_sponsor_trials"]
    panel_w = Inches(3.6)
    gap = Inches(0.18)
    h = int((CHART_BOTTOM - BODY_TOP - gap) / 2)
    deck.callout(slide, MARGIN, BODY_TOP, panel_w, h, multi.format(mine[multi.column], lg),
                 f"{d.short[d.region]}: {metric_label(multi, lg)}", big=36)  # fmt: skip
    deck.card(slide, MARGIN, BODY_TOP + h + gap, panel_w, h)
    partners: list[Para] = [[Run(label("deck.partners", lg, region=d.short[d.region]), bold=True)],
                            mine["top_partners"] or label("none", lg)]  # fmt: skip
    deck.text(slide, MARGIN + Inches(0.12), BODY_TOP + h + gap + Inches(0.1), panel_w - Inches(0.24),
              h - Inches(0.2), partners, size=16, smallest=9, gap=4)  # fmt: skip
    left = MARGIN + panel_w + Inches(0.3)
    header = [label("region", lg), metric_label(multi, lg), metric_label(foreign, lg), metric_label(unknown, lg),
              label("top_partners", lg)]  # fmt: skip
    body = [[d.short.get(r["key"], str(r["name"])), multi.format(r[multi.column], lg),
             foreign.format(r[foreign.column], lg), unknown.format(r[unknown.column], lg), r["top_partners"] or "-"]
            for r in rows]  # fmt: skip
    deck.table(slide, left, BODY_TOP, WIDTH - MARGIN - left, CHART_BOTTOM - BODY_TOP, header, body,
               [1.5, 1.3, 1.4, 1.3, 3.2], right=[False, True, True, True, False], highlight_row=0, size=13,
               smallest=8, fill=int(Inches(0.5)))  # fmt: skip
    deck.caption(slide, label("deck.ties_caption", lg))


def _shorten(name: str, limit: int = 60) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "\u2026"


def _institutions_slide(deck: _Deck) -> None:
    d, lg = deck.data, deck.lg
    slide = deck.slide(label("top_institutions", lg))
    inst = d.top_institutions
    if inst.height == 0:
        deck.text(slide, MARGIN, BODY_TOP, CONTENT, Inches(1.0), [label("deck.no_institutions", lg)], size=18)
    else:
        values = inst[TRIALS.column].to_list()
        deck.bars(slide, MARGIN, BODY_TOP, CONTENT, CHART_BOTTOM - BODY_TOP, [_shorten(n) for n in inst["name"]],
                  values, [ACCENT] * inst.height, [TRIALS.format(v, lg) for v in values], metric_label(TRIALS, lg),
                  size=12)  # fmt: skip
    deck.caption(slide, label("deck.institutions_caption", lg))


def _industry_slide(deck: _Deck) -> None:
    d, lg = deck.data, deck.lg
    slide = deck.slide(label("deck.industry", lg))
    iy = d.industry_by_year
    order = [*d.peers, d.region]  # the region's line drawn last, on top of any peer it meets
    deck.lines(slide, MARGIN, BODY_TOP, CONTENT, CHART_BOTTOM - BODY_TOP, [str(y) for y in iy["year"]],
               {k: iy[k].to_list() for k in order})  # fmt: skip
    last = iy["year"].max()
    current = d.generated_at.year
    deck.caption(slide, label("deck.industry_caption", lg, year=current) if isinstance(last, int) and last >= current
                 else label("deck.industry_caption_done", lg))  # fmt: skip


def _recruiting_slide(deck: _Deck) -> None:
    """How many trials recruit now (region against peers) and where in the region."""
    d, lg = deck.data, deck.lg
    slide = deck.slide(metric_label(RECRUITING, lg))
    n = int(d.headline.filter(d.headline["key"] == d.region)[RECRUITING.column][0] or 0)
    panel_w = Inches(4.6)
    text = label("deck.recruiting_one", lg) if n == 1 else label("deck.recruiting_many", lg)
    deck.callout(slide, MARGIN, BODY_TOP, panel_w, Inches(1.75), RECRUITING.format(n, lg), text, big=36)
    per = {r["key"]: r[RECRUITING.column] or 0 for r in d.headline.iter_rows(named=True)}
    order = sorted(deck.keys, key=lambda k: (-per.get(k, 0), deck.keys.index(k)))
    chart_top = BODY_TOP + Inches(1.95)
    deck.bars(slide, MARGIN, chart_top, panel_w, CHART_BOTTOM - chart_top, [d.short[k] for k in order],
              [per.get(k, 0) for k in order], [ACCENT if k == d.region else PEER_COLOURS[0] for k in order],
              [RECRUITING.format(per.get(k, 0), lg) for k in order], metric_label(RECRUITING, lg), size=11)  # fmt: skip
    left = MARGIN + panel_w + Inches(0.35)
    width = WIDTH - MARGIN - left
    room = CHART_BOTTOM - BODY_TOP
    if d.recruiting.height:
        rows = [[_shorten(str(name), 70), RECRUITING.format(count, lg)] for name, count in d.recruiting.rows()]
        _, used = deck.table(slide, left, BODY_TOP, width, room, [label("institution", lg),
                             metric_label(RECRUITING, lg)], rows, [5.5, 1.6], right=[False, True], size=13,
                             smallest=9, fill=int(Inches(0.45)) if len(rows) >= 6 else 0)  # fmt: skip
    else:
        deck.text(slide, left, BODY_TOP, width, Inches(0.8), [label("deck.no_recruiting", lg)], size=16, smallest=11)
        used = Inches(0.8)
    trials_top = BODY_TOP + used + Inches(0.25)
    if d.recruiting_trials.height and CHART_BOTTOM - trials_top > Inches(1.2):  # room left: which trials
        rows = [[str(nct), _shorten(str(title or ""), 90), _shorten(str(sponsor or ""), 40)]
                for nct, title, sponsor in d.recruiting_trials.rows()]  # fmt: skip
        deck.table(slide, left, trials_top, width, CHART_BOTTOM - trials_top,
                   [label("deck.nct", lg), label("deck.trial", lg), label("deck.lead_sponsor", lg)], rows,
                   [1.45, 4.0, 1.9], size=11, smallest=9, drop=True)  # fmt: skip
    deck.caption(slide, label("deck.recruiting_caption", lg))


def methods_paragraphs(data: DeckData) -> list[str]:
    """The methods slide's paragraphs: source, what was counted, regions, rules, caveats, context, queries."""
    lg = data.lang
    regions = join_words(list(data.labels.values()), lg)
    at = format_time(data.generated_at, lg)
    out = [
        label("methods.registry", lg, ts=format_date(data.data_timestamp, lg, long=True), at=at)
        if data.data_timestamp else label("methods.registry_undated", lg, at=at),
        label("methods.filters", lg, filters=describe_filters(data.filters, lg)),
        label("methods.regions", lg, regions=regions),
        label("methods.counting", lg, rules=counting_rules(lg)),
        label("methods.caveats", lg),
        label("methods.industry", lg),
        _context_method(data),
        label("methods.queries", lg, n=len(data.queries)) if data.queries else label("methods.no_queries", lg),
    ]  # fmt: skip
    return out


def _context_method(data: DeckData) -> str:
    """What the methods slide says about the European-context figures: where from, how fresh, or why absent."""
    lg, info = data.lang, data.counts_info
    harvest = format_date(info.harvested_at.date() if info.harvested_at else None, lg)
    error = info.error or label("unknown", lg)
    if data.context is None or data.context.height == 0:
        if not data.country_code:
            return label("methods.no_context_country", lg)
        if info.how == "offline":
            return label("methods.no_context_offline", lg)
        if info.how == "failed":
            return label("methods.no_context_failed", lg, error=error)
        return label("methods.no_context", lg)
    from trials.analytics.rankings import PRESETS

    strategy = describe_filters(PRESETS[data.counts_preset], lg) if data.counts_preset in PRESETS else ""
    text = label("methods.context", lg, n=len(data.count_queries), strategy=strategy,
                 asked=format_date(data.counts_asked_at.date() if data.counts_asked_at else None, lg),
                 ts=format_date(data.counts_timestamp, lg))  # fmt: skip
    if info.how == "fetched":
        text += " " + label("methods.context_fetched", lg)
    if info.state == "stale":
        if info.how == "offline":
            text += " " + label("methods.context_stale_offline", lg, harvest=harvest)
        elif info.how == "failed":
            text += " " + label("methods.context_stale_failed", lg, harvest=harvest, error=error)
        else:
            text += " " + label("methods.context_stale", lg, harvest=harvest)
    return text


def _headed(text: str) -> Para:
    """A methods paragraph with its heading (the words before the first colon) in bold."""
    head, sep, rest = text.partition(": ")
    return [Run(head + sep, bold=True), Run(rest)] if sep and len(head) < 40 else text


def _pages(paras: Sequence[Para], width: float, height: float, size: float, gap: float) -> list[list[Para]]:
    """``paras`` on as few boxes of ``width`` x ``height`` points as they need, in order and spread evenly over
    them (no last page with two lines); a paragraph taller than a box is cut into box-high parts at line ends."""
    parts: list[tuple[Para, float]] = []
    for para in paras:
        lines = textfit.wrap(_plain(para), width, size, _first_bold(para, False))
        if textfit.height(len(lines), size) + gap > height:  # longer than a whole box: cut at line ends
            per = max(int((height - gap) // textfit.height(1, size)), 1)
            for i in range(0, len(lines), per):
                chunk = lines[i : i + per]
                parts.append((" ".join(chunk), textfit.height(len(chunk), size) + gap))
        else:
            parts.append((para, textfit.height(len(lines), size) + gap))

    def pack(limit: float) -> list[list[Para]]:
        pages: list[list[Para]] = [[]]
        used = 0.0
        for part, need in parts:
            if pages[-1] and used + need > limit:
                pages.append([])
                used = 0.0
            pages[-1].append(part)
            used += need
        return pages

    pages = pack(height)
    if len(pages) > 1:  # the same number of boxes, each as full as the others: the smallest limit that fits
        low, high = max(n for _, n in parts), height
        for _ in range(20):
            mid = (low + high) / 2
            low, high = (low, mid) if len(pack(mid)) <= len(pages) else (mid, high)
        pages = pack(high)
    return pages


def _methods_slides(deck: _Deck) -> None:
    """The methods slide (more than one if the text needs it), then the registry queries as an appendix."""
    d, lg = deck.data, deck.lg
    paras = [_headed(p) for p in methods_paragraphs(d)]
    width, height = _pt(CONTENT - 2 * PAD_X), _pt(BODY_BOTTOM - BODY_TOP - 2 * PAD_Y)
    size, gap = 14.0, 7.0
    while size > 10.5 and not _fits(paras, width, height, size, False, gap):
        size -= 0.5
    pages = _pages(paras, width, height, size, gap)
    for i, page in enumerate(pages, start=1):
        title = label("deck.methods", lg) if len(pages) == 1 else label("deck.methods_more", lg, n=i, of=len(pages))
        slide = deck.slide(title, notes=d.queries if i == 1 else ())
        deck.text(slide, MARGIN, BODY_TOP, CONTENT, BODY_BOTTOM - BODY_TOP, page, size=size, gap=gap)
    query_size, query_gap = 9.0, 2.0
    chunks = _pages(d.queries, width, height, query_size, query_gap) if d.queries else []
    for i, chunk in enumerate(chunks, start=1):
        slide = deck.slide(label("deck.appendix", lg, n=i, of=len(chunks)), notes=[_plain(p) for p in chunk])
        deck.text(slide, MARGIN, BODY_TOP, CONTENT, BODY_BOTTOM - BODY_TOP, chunk, size=query_size, gap=query_gap,
                  colour=GREY)  # fmt: skip
