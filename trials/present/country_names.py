"""Registry country names ("Germany", "United States") in the reader's language.

The registry spells countries in English; the label catalogue names the countries it knows by ISO code
(``country.<code>``). A registry name that is one of those English labels is shown in the catalogue's words, any
other as the registry spells it (never a guessed translation).
"""

from __future__ import annotations

from functools import lru_cache

from trials.present.labels import CATALOGUE, label


@lru_cache(maxsize=1)
def _codes() -> dict[str, str]:
    return {texts[0]: key for key, texts in CATALOGUE.items() if key.startswith("country.")}


def country_name(registry_name: str | None, lang: str = "en") -> str:
    """``registry_name`` in ``lang`` where the catalogue has it, else as given ("unknown" for none)."""
    if not registry_name:
        return label("unknown", lang)
    key = _codes().get(registry_name)
    return label(key, lang) if key else registry_name
