"""How wide a text is in the deck's font, so every text box can be sized to fit before anything is rendered.

The deck sets every text in Arial, which PowerPoint has everywhere and LibreOffice replaces with the
metric-compatible Liberation Sans: the advance widths below (1/1000 em, characters 32-255 and a few more,
measured from Liberation Sans 2) are the widths either program lays the text out with. python-pptx cannot
lay out text, so the deck wraps and measures here: a title gets the largest size that fits its box, a table
row is as tall as its longest cell needs, and long content (the registry queries) moves on to further slides
instead of running over the footer. The layout tests use the same measure; the LibreOffice rendering test
checks the result on real pages.
"""

from __future__ import annotations

#: The one font of the deck (see the module docstring).
FONT = "Arial"
#: Line height as a multiple of the font size (Arial: ascent 0.905 + descent 0.212 em, plus leading).
LINE = 1.2
#: Unknown characters are counted this wide (em): wider than most, so a guess errs on the safe side.
_DEFAULT = 0.75


def _table(numbers: str, extras: dict[str, int]) -> dict[str, float]:
    widths = {chr(32 + i): int(n) / 1000 for i, n in enumerate(numbers.split()) if int(n)}
    widths.update({c: n / 1000 for c, n in extras.items()})
    return widths


#: Symbols as wide in the regular as in the bold face (1/1000 em).
_SYMBOLS: dict[str, int] = {
    "\u2013": 556,
    "\u2014": 1000,
    "\u2026": 1000,
    "\u20ac": 556,
    "\u2022": 350,
    "\u00b7": 333,
    "\u2192": 1000,
    "\u2264": 549,
    "\u2265": 549,
    "\u2248": 549,
    "\u00d7": 584,
    "\u2212": 584,
    "\u0152": 1000,
    "\u0153": 944,
    "\u0160": 667,
    "\u017d": 611,
    "\u017e": 500,
    "\u0178": 667,
}


_REGULAR = _table(
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 "
    "556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 "
    "722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 556 222 222 "
    "500 222 833 556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584 0 0 0 0 0 0 0 0 0 0 "
    "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 278 333 556 556 556 556 260 556 333 737 370 556 584 "
    "333 737 552 400 549 333 333 333 576 537 333 333 333 365 556 834 834 834 611 667 667 667 667 667 667 "
    "1000 722 667 667 667 667 278 278 278 278 722 722 778 778 778 778 778 584 778 722 722 722 722 667 667 "
    "611 556 556 556 556 556 556 889 500 556 556 556 556 278 278 278 278 556 556 556 556 556 556 556 549 "
    "611 556 556 556 556 500 556 500 ",
    {
        **_SYMBOLS,
        "\u2018": 222,
        "\u2019": 222,
        "\u201a": 222,
        "\u201c": 333,
        "\u201d": 333,
        "\u201e": 333,
        "\u0141": 556,
        "\u0142": 222,
        "\u0161": 500,
    },
)
_BOLD = _table(
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 "
    "556 333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 667 778 "
    "722 667 611 722 667 944 667 667 611 333 278 333 584 556 333 556 611 556 611 556 333 611 611 278 278 "
    "556 278 889 611 611 611 611 389 556 333 611 556 778 556 556 500 389 280 389 584 0 0 0 0 0 0 0 0 0 0 "
    "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 278 333 556 556 556 556 280 556 333 737 370 556 584 "
    "333 737 552 400 549 333 333 333 576 556 333 333 333 365 556 834 834 834 611 722 722 722 722 722 722 "
    "1000 722 667 667 667 667 278 278 278 278 722 722 778 778 778 778 778 584 778 722 722 722 722 667 667 "
    "611 556 556 556 556 556 556 889 556 556 556 556 556 278 278 278 278 611 611 611 611 611 611 611 549 "
    "611 611 611 611 611 556 611 556 ",
    {
        **_SYMBOLS,
        "\u2018": 278,
        "\u2019": 278,
        "\u201a": 278,
        "\u201c": 500,
        "\u201d": 500,
        "\u201e": 500,
        "\u0141": 611,
        "\u0142": 278,
        "\u0161": 556,
    },
)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` set in ``size`` points, in points."""
    table = _BOLD if bold else _REGULAR
    return sum(table.get(ch, _DEFAULT) for ch in text) * size


def _break_word(word: str, width: float, size: float, bold: bool) -> list[str]:
    """A word wider than the line, cut where the line is full (what PowerPoint does with it)."""
    parts, current = [], ""
    for ch in word:
        if current and text_width(current + ch, size, bold) > width:
            parts.append(current)
            current = ""
        current += ch
    return [*parts, current]


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """The lines ``text`` takes in a box ``width`` points wide (greedy at spaces; explicit newlines kept)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, size, bold) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            pieces = _break_word(word, width, size, bold) if text_width(word, size, bold) > width else [word]
            lines += pieces[:-1]
            current = pieces[-1]
        lines.append(current)
    return lines


def longest_word(text: str, size: float, bold: bool = False) -> float:
    """Width of the widest word: a cell narrower than this breaks a word in the middle."""
    return max((text_width(w, size, bold) for w in text.split()), default=0.0)


def height(lines: int, size: float) -> float:
    """Height of ``lines`` lines set in ``size`` points, in points."""
    return lines * size * LINE


def fits(text: str, width: float, tall: float, size: float, bold: bool = False) -> bool:
    """Whether ``text`` fits a box of ``width`` x ``tall`` points without breaking a word."""
    return longest_word(text, size, bold) <= width and height(len(wrap(text, width, size, bold)), size) <= tall


def fit_size(text: str, width: float, tall: float, largest: float, smallest: float, bold: bool = False) -> float:
    """The largest size from ``largest`` down to ``smallest`` (half points) at which ``text`` fits; ``smallest``
    when none does (the caller shortens or splits the text then)."""
    size = largest
    while size > smallest and not fits(text, width, tall, size, bold):
        size -= 0.5
    return max(size, smallest)
