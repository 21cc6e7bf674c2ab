"""General behaviours, one test per rule: each was a category of mistakes, not one sentence.

The sentences here are new (not copied from a labelled file); each test names the rule it
checks, so a failure says which generalisation broke.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.understanding import Intent, understand

WED = date(2026, 11, 18)  # a Wednesday in the middle of a month
SAT = date(2027, 5, 15)


def _amount(text: str, locale: str) -> Decimal | None:
    return understand(text, locale, WED).amount


# --- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "text", "amount"),
    [
        ("pt-BR", "posso pagar mil e duzentos reais", "1200"),
        ("pt-BR", "ofereço dois mil e quinhentos", "2500"),
        ("pt-BR", "consigo dar trezentos e cinquenta reais", "350"),
        ("en-US", "I can offer a thousand and fifty dollars", "1050"),
        ("es-MX", "le ofrezco mil quinientos pesos", "1500"),
    ],
)
def test_a_connector_after_a_scale_continues_the_number(
    locale: str, text: str, amount: str
) -> None:
    assert _amount(text, locale) == Decimal(amount)


@pytest.mark.parametrize(
    ("locale", "text", "amount"),
    [
        ("en-US", "I can pay half a grand", "500"),
        ("en-US", "would you take half a million", "500000"),
        ("es-CL", "le puedo pasar medio palo", "500000"),
    ],
)
def test_half_before_an_article_and_a_scale_is_half_of_it(
    locale: str, text: str, amount: str
) -> None:
    assert _amount(text, locale) == Decimal(amount)


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [
        ("es-CO", "le pago el quince", date(2026, 12, 15)),
        ("es-MX", "le deposito el día veintiocho", date(2026, 11, 28)),
        ("es-CL", "le pago el primero de diciembre", date(2026, 12, 1)),
        ("en-US", "I'll pay on the fifteenth", date(2026, 12, 15)),
        ("en-US", "I'll pay on the twenty-first", date(2026, 11, 21)),
        ("en-US", "I'll pay December first", date(2026, 12, 1)),
        ("pt-BR", "pago dia primeiro", date(2026, 12, 1)),
        ("pt-BR", "pago dia vinte e cinco", date(2026, 11, 25)),
    ],
)
def test_a_day_of_the_month_in_words_or_ordinals_is_that_day(
    locale: str, text: str, expected: date
) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, expected)


@pytest.mark.parametrize(
    ("locale", "text", "days"),
    [
        ("en-US", "I'll pay in a week", 7),
        ("en-US", "I'll pay a week from today", 7),
        ("es-CO", "una semana a partir de hoy le pago", 7),
        ("pt-BR", "pago em uma semana", 7),
    ],
)
def test_in_one_unit_counts_one(locale: str, text: str, days: int) -> None:
    result = understand(text, locale, WED)
    assert result.intent is Intent.PROMISE_TO_PAY
    assert result.date == WED + timedelta(days=days)
