"""Opt-out keywords per language, as data, and the exact-keyword test for one message.

The SMS rule: a message that is just the keyword ("STOP", "Baja.", "  sair!") is an
opt-out, whatever understanding thinks. A longer message is understanding's job (the
`opt_out` intent), so "ya cancelé" (I already paid, in Colombia) is not an opt-out here.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import lru_cache
from importlib import resources

_LANGUAGES = ("es", "en", "pt")
_NON_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Lower case, no accents, punctuation and runs of spaces to one space, trimmed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", plain.replace("_", " ")).strip()


@lru_cache(maxsize=1)
def _data() -> tuple[dict[str, frozenset[str]], dict[str, tuple[str, ...]]]:
    text = resources.files("bot.compliance").joinpath("opt_out_keywords.toml").read_text("utf-8")
    data = tomllib.loads(text)
    lists = {
        lang: frozenset(fold(k) for k in table["keywords"])
        for lang, table in data["keywords"].items()
    }
    regions = {region.upper(): tuple(langs) for region, langs in data["regions"].items()}
    return lists, regions


def _split(locale: str) -> tuple[str, str]:
    parts = re.split(r"[-_@.]", locale.strip(), maxsplit=2)
    lang = parts[0].lower()
    region = parts[1].upper() if len(parts) > 1 else ""
    return lang, region


@lru_cache(maxsize=64)
def opt_out_keywords(locale: str) -> frozenset[str]:
    """The folded keywords honoured for a locale ("es-CO", "en_US", "pt"); all if unknown."""
    lists, regions = _data()
    lang, region = _split(locale)
    if lang not in _LANGUAGES:
        return frozenset().union(*lists.values())
    out = lists["all"] | lists[lang]
    for extra in regions.get(region, ()):
        out |= lists[extra]
    return out


def is_opt_out_keyword(text: str, locale: str) -> bool:
    """True when the whole message is one opt-out keyword of the debtor's locale."""
    return fold(text) in opt_out_keywords(locale)
