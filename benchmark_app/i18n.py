"""The app's words: a thin wrapper over the one label catalogue (:mod:`trials.present.labels`)."""

from __future__ import annotations

from trials.present.labels import label


def t(key: str, lang: str, **kw: object) -> str:
    """The catalogue text of ``key`` in ``lang`` (``KeyError`` for an unknown key)."""
    return label(key, lang, **kw)
