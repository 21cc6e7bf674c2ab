"""Locales and gettext catalogs: es is the source language, en and pt_BR are translations."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations, Translations

DOMAIN = "recobro"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
CATALOGS = ("es", "en", "pt_BR")  # what we translate into; es is also the msgid language


class LocaleError(ValueError):
    """A locale tag Recobro cannot serve."""


class CatalogMissing(RuntimeError):
    """A compiled catalog (.mo) is missing: the fix is to compile them."""


def normalize_locale(tag: str) -> str:
    """The canonical form of a locale tag: "es-co" -> "es_CO", "pt-br" -> "pt_BR"."""
    try:
        return str(Locale.parse(tag.strip().replace("-", "_")))
    except (UnknownLocaleError, ValueError) as exc:
        raise LocaleError(f"unknown locale {tag!r}: write it like es-CO, en-US or pt-BR") from exc


def catalog_name(tag: str) -> str:
    """Which of our catalogs serves `tag` (es-CL -> es, en-GB -> en, pt-PT -> pt_BR)."""
    locale = Locale.parse(normalize_locale(tag))
    if locale.language == "pt":
        return "pt_BR"
    if locale.language in ("es", "en"):
        return locale.language
    raise LocaleError(
        f"no messages in {tag!r}: Recobro writes to debtors in Spanish (es-*), English (en-*) "
        "and Brazilian Portuguese (pt-BR)"
    )


@lru_cache(maxsize=64)
def babel_locale(tag: str) -> Locale:
    """The Babel locale used to format numbers and dates for `tag`."""
    return Locale.parse(normalize_locale(tag))


@lru_cache(maxsize=8)
def translations(tag: str) -> NullTranslations:
    """The compiled catalog for `tag`; es uses its msgids when its catalog leaves them alone."""
    name = catalog_name(tag)
    mo = LOCALES_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo.exists():
        raise CatalogMissing(
            f"{mo} is missing: compile the catalogs with `make locales` "
            "(or `pybabel compile -D recobro -d locales`)"
        )
    return Translations.load(str(LOCALES_DIR), [name], DOMAIN)
