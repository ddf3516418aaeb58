"""Text from outside (a shared link's query parameters, the registry's data timestamp, a file's names) shown
inside markdown that the app renders (``st.warning``, ``st.caption``, ``st.info``).

Streamlit renders these as GitHub-flavoured markdown, so a link could otherwise place a clickable phishing link
or a tracking image inside the app's own warning box. Two ways to make such text plain:

* :func:`quote_markdown` shows a value quoted from a link or the registry as inline code: nothing inside a code
  span is markdown (no link, image, emphasis, HTML, math, colour directive, and no bare URL made a link).
* :func:`escape_markdown` keeps running text (a region label, a file path) in the normal font: every ASCII
  punctuation character is backslash-escaped, and the bare-URL forms GitHub-flavoured markdown links by itself
  (``https://``, ``www.``, ``name@host``) are broken by an invisible word joiner.

Both turn line breaks and other control characters into spaces and cut very long values short.
"""

from __future__ import annotations

import re
import string

_PUNCTUATION = frozenset(string.punctuation)
#: Longer values are cut (a notice quotes a value; it is not the place for a page of text).
MAX_CHARS = 200
#: U+2060 WORD JOINER: invisible, and no URL or e-mail address can run across it.
_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)


def _plain(value: object, max_chars: int) -> str:
    text = "".join(" " if (ch.isspace() or not ch.isprintable()) else ch for ch in str(value))
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def escape_markdown(value: object, max_chars: int = MAX_CHARS) -> str:
    """``value`` as markdown that renders as exactly its text, in the surrounding font."""
    text = _AUTOLINK.sub(_JOINER, _plain(value, max_chars))
    return "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in text)


def quote_markdown(value: object, max_chars: int = MAX_CHARS) -> str:
    """``value`` as an inline code span: shown exactly as given (a quoted link value, a registry timestamp)."""
    text = _plain(value, max_chars)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text[:1] in ("`", " ") or text[-1:] in ("`", " ") else ""
    return f"{fence}{pad}{text}{pad}{fence}" if text.strip() else f"{fence} {fence}"
