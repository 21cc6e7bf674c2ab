"""Every sentence a debtor can read exists in es, en and pt_BR, and renders."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.money import Money
from bot.texts import OPTIONS, TEXTS, Percent, Renderer, Say

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w+)\}")
CATALOGS = {"es": "es-CO", "en": "en-US", "pt_BR": "pt-BR"}


def _catalog(lang: str):  # type: ignore[no-untyped-def]
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "recobro.po").open("rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", ["en", "pt_BR"])
def test_every_sentence_is_translated_with_the_same_placeholders(lang: str) -> None:
    catalog = _catalog(lang)
    for msgid in [*TEXTS.values(), *OPTIONS.values()]:
        message = catalog.get(msgid)
        assert message is not None, f"{lang} lacks {msgid!r}"
        assert message.string, f"{lang} leaves {msgid!r} untranslated"
        assert not message.fuzzy, f"{lang} marks {msgid!r} fuzzy"
        assert set(PLACEHOLDER.findall(message.string)) == set(PLACEHOLDER.findall(msgid)), msgid


def test_the_template_lists_exactly_the_sentences_in_the_code(tmp_path: Path) -> None:
    pot = tmp_path / "recobro.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    str(ROOT / "babel.cfg"), "-k", "N_", "--no-location", "-o", str(pot),
                    str(ROOT)], check=True, capture_output=True, cwd=ROOT)
    with pot.open("rb") as f:
        extracted = {m.id for m in read_po(f) if m.id}
    with (ROOT / "locales" / "recobro.pot").open("rb") as f:
        committed = {m.id for m in read_po(f) if m.id}
    assert extracted == committed, "run `make extract-messages` and translate the new sentences"


@pytest.mark.parametrize("lang", CATALOGS)
def test_quick_reply_titles_fit_whatsapp_buttons(lang: str) -> None:
    renderer = Renderer(CATALOGS[lang], date(2026, 11, 24))
    for option in OPTIONS:
        assert len(renderer.option(option)) <= 20, (lang, renderer.option(option))


SAMPLE = {"name": "Ana", "creditor": "Almacenes Prisma", "total": Money.of("1200000", "COP"),
          "amount": Money.of("300000", "COP"), "due_date": date(2026, 11, 10),
          "date": date(2026, 11, 27), "max_date": date(2026, 12, 24), "url": "https://pay.example",
          "invoice": "F-1", "lines": (), "how_to_pay": "", "tax_id": "CNPJ 12.345.678/0001-90",
          "percent": Percent(Decimal("10")), "balance": Money.of("1200000", "COP"),
          "charges": Money.of("12000", "COP"), "count": 3, "number": 2, "terms": "",
          "expires": date(2026, 11, 26), "channel": "SMS", "hours": 24,
          "text": "Hola, Ana: te escribe Inés."}


@pytest.mark.parametrize("lang", CATALOGS)
def test_every_sentence_renders_in_every_language(lang: str) -> None:
    renderer = Renderer(CATALOGS[lang], date(2026, 11, 24))
    for key in TEXTS:
        text = renderer.text(Say(key, SAMPLE))
        assert "{" not in text and text.strip(), (lang, key)


def test_spanish_dates_carry_the_weekday_and_portuguese_ones_put_it_last() -> None:
    es = Renderer("es-CO", date(2026, 11, 24))
    pt = Renderer("pt-BR", date(2026, 11, 24))
    en = Renderer("en-US", date(2026, 11, 24))
    assert es.date(date(2026, 11, 27)) == "viernes, 27 de noviembre"
    assert pt.date(date(2026, 11, 27)) == "27 de novembro (sexta-feira)"
    assert en.date(date(2026, 11, 27)) == "Friday, November 27"
    assert es.date(date(2027, 1, 4)) == "lunes, 4 de enero de 2027"


def test_an_english_reminder_reads_naturally() -> None:
    text = Renderer("en-US", date(2026, 11, 24)).text(Say("reminder.overdue", SAMPLE))
    assert text.startswith("Hello Ana, this is Almacenes Prisma. Your payment of COP")
    assert "overdue since Tuesday, November 10" in text
