"""Writing a deck to a file: the editable PowerPoint or the one-page PDF summary, chosen by the suffix.

Kept apart from both renderers so neither imports the other (:mod:`trials.present.deck` lays out the
slides, :mod:`trials.present.summary_pdf` the page; both take their numbers from
:class:`trials.present.deck_data.DeckData` and their words from :mod:`trials.present.labels`).
"""

from __future__ import annotations

from pathlib import Path

from trials.present.deck import build_pptx
from trials.present.deck_data import DeckData
from trials.present.summary_pdf import build_pdf


def write_deck(data: DeckData, out: Path) -> Path:
    """Write ``out`` as .pptx, or as the one-page PDF summary when it ends in .pdf."""
    body = build_pdf(data) if out.suffix.lower() == ".pdf" else build_pptx(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(body)
    tmp.replace(out)  # never leave half a file under the real name
    return out
