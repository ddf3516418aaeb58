"""Text folding shared by matching code: case, accents and German umlaut spellings."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case, accents removed, whitespace collapsed: ``'Köln '`` -> ``'koln'``."""
    if text.isascii():
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"))


def match_key(text: str) -> str:
    """A spelling-insensitive key: ``Köln``, ``Koeln`` and ``Koln`` all give ``koln``.

    Accents are stripped and the German two-letter umlaut spellings collapsed, so every way a
    registry entry may spell a German name meets the same key. Words such as ``Israel`` change too,
    which is harmless because both sides of a comparison go through this function.
    """
    key = fold(text)
    for digraph, single in _DIGRAPHS:
        key = key.replace(digraph, single)
    return key
