"""Filters in words, in English or German: what the title slide, the methods slide and the PDF say was counted.

A reader of a deck never sees a program value (``areas=('oncology',)``): each filter becomes a phrase
built from the label catalogue ("started 2013-2022; Phase 3; lead sponsor class industry").
"""

from __future__ import annotations

from trials.analytics.rankings import Filters
from trials.present.labels import area_label, code_label, join_words, label, phase_label

DASH = "\u2013"  # between years, as typeset text has it


def _years(f: Filters, lang: str) -> str | None:
    first, last = f.year_from, f.year_to
    posted = f.date_field == "first_posted"
    if first is not None and last is not None:
        years = str(first) if first == last else f"{first}{DASH}{last}"
        return label("filter.posted_years", lang, years=years) if posted else label("filter.start_years", lang,
                                                                                      years=years)  # fmt: skip
    if first is not None:
        return label("filter.posted_from", lang, year=first) if posted else label("filter.start_from", lang, year=first)
    if last is not None:
        return label("filter.posted_to", lang, year=last) if posted else label("filter.start_to", lang, year=last)
    return None


def filter_phrases(f: Filters, lang: str = "en") -> list[str]:
    """One phrase per filter that restricts the count, in the order a reader asks about them (the region is
    left out: the deck names its regions itself)."""
    out = [p for p in [_years(f, lang)] if p]
    if f.phases:
        out.append(
            label("filter.phases", lang, phases=join_words([phase_label(p, lang) for p in f.phases], lang, "or"))
        )
    if f.registry_phases:
        names = [code_label("registry_phase", p, lang) for p in f.registry_phases]
        out.append(label("filter.phases", lang, phases=join_words(names, lang, "or")))
    if f.sponsor_classes:
        names = [code_label("sponsor_class", c, lang) for c in f.sponsor_classes]
        out.append(label("filter.sponsor_classes", lang, classes=join_words(names, lang, "or")))
    if f.sponsor_name:
        out.append(label("filter.sponsor_name", lang, text=f.sponsor_name))
    if f.areas:
        out.append(label("filter.areas", lang, areas=join_words([area_label(a, lang) for a in f.areas], lang, "or")))
    if f.statuses:
        names = [code_label("status", s, lang) for s in f.statuses]
        out.append(label("filter.statuses", lang, statuses=join_words(names, lang, "or")))
    if f.study_types:
        names = [code_label("study_type", s, lang) for s in f.study_types]
        out.append(label("filter.study_types", lang, types=join_words(names, lang, "or")))
    return out


def describe_filters(f: Filters, lang: str = "en") -> str:
    """The filters as one phrase ("started 2013-2022; Phase 3"), or "every registered trial (no filters)"."""
    return "; ".join(filter_phrases(f, lang)) or label("methods.no_filters", lang)


def is_filtered(f: Filters) -> bool:
    return bool(filter_phrases(f))
