"""SMS text: GSM-7 or UCS-2, and how many segments (billed messages) a text takes.

Written here rather than taken from a library: the PyPI packages for this are unmaintained
one-offs, and the rules are two fixed tables (3GPP TS 23.038) and a packing loop.

- GSM-7: 160 septets in one SMS, 153 per segment when split; characters of the extension
  table (€ [ ] { } ~ ^ | \\ and form feed) take two septets and never straddle segments.
- UCS-2 (any character outside GSM-7): 70 UTF-16 units in one SMS, 67 per segment; a
  character outside the Basic Multilingual Plane (an emoji) takes two units, never split.

One accent outside GSM-7 (á, í, ó, ú, ã, õ, ç...) turns a whole message into UCS-2, which
more than doubles the segments of a 300-character reminder. `gsm_friendly` therefore
replaces typographic punctuation with its plain form and, when that makes the whole text
GSM-7, drops the accents GSM-7 lacks ("está" -> "esta"; é, ñ, ü and à stay): accentless
Spanish and Portuguese is what SMS readers are used to. Text that still needs UCS-2 (an
emoji, a non-Latin name) is sent exactly as written.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

_PUNCTUATION = str.maketrans({
    "•": "-", "·": "-", "–": "-", "—": "-", "‒": "-", "−": "-",
    "«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'",
    "…": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u200b": "",
})


@dataclass(frozen=True, slots=True)
class Segments:
    """How a text travels as SMS."""

    encoding: str  # GSM-7 | UCS-2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int  # segments billed

    def as_json(self) -> dict[str, object]:
        """The form kept in the message payload."""
        return {"encoding": self.encoding, "units": self.units, "segments": self.count}


def is_gsm7(text: str) -> bool:
    """True when every character of `text` exists in GSM-7 (basic or extension table)."""
    return all(c in GSM_BASIC or c in GSM_EXTENSION for c in text)


def segments(text: str) -> Segments:
    """The encoding, size and segment count of `text` as one SMS."""
    if is_gsm7(text):
        sizes = [2 if c in GSM_EXTENSION else 1 for c in text]
        return Segments("GSM-7", sum(sizes), _pack(sizes, single=160, multi=153))
    sizes = [2 if ord(c) > 0xFFFF else 1 for c in text]
    return Segments("UCS-2", sum(sizes), _pack(sizes, single=70, multi=67))


def _pack(sizes: list[int], *, single: int, multi: int) -> int:
    total = sum(sizes)
    if total <= single:
        return 1
    count, used = 1, 0
    for size in sizes:  # a character never straddles two segments
        if used + size > multi:
            count, used = count + 1, 0
        used += size
    return count


def gsm_friendly(text: str) -> str:
    """`text` in GSM-7 when plain punctuation and dropping accents get it there; else as is."""
    plain = text.translate(_PUNCTUATION)
    if is_gsm7(plain):
        return plain
    folded = "".join(c if c in GSM_BASIC or c in GSM_EXTENSION else _base(c) for c in plain)
    return folded if is_gsm7(folded) else text


def _base(char: str) -> str:
    """The letter without its accent ("á" -> "a"), or the character itself."""
    decomposed = unicodedata.normalize("NFD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base or char
