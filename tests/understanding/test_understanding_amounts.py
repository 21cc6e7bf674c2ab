"""Amounts as debtors write them, in every country's format and slang."""

from datetime import date
from decimal import Decimal

import pytest

from bot.understanding import Intent, understand

TODAY = date(2026, 11, 18)  # a Wednesday


@pytest.mark.parametrize(
    ("locale", "text", "amount"),
    [
        ("es-CO", "puedo dar $500.000", "500000"),
        ("es-CO", "le ofrezco 500 mil", "500000"),
        ("es-CO", "le ofrezco 500k", "500000"),
        ("es-CO", "le ofrezco quinientos mil pesos", "500000"),
        ("es-CO", "le puedo dar medio millón", "500000"),
        ("es-CO", "tengo 1,2 millones para pagar todo", "1200000"),
        ("es-CO", "le ofrezco un millón y medio", "1500000"),
        ("es-CO", "solo tengo 2 palos", "2000000"),
        ("es-CO", "le doy 1'200.000 y cerramos", "1200000"),
        ("es-CO", "puedo dar 200 barras", "200000"),
        ("es-CO", "le ofrezco 500,000", "500000"),
        ("es-CO", "le ofrezco dos millones trescientos mil", "2300000"),
        ("es-CO", "le ofrezco 1 millón 200 mil", "1200000"),
        ("es-CL", "le ofrezco 500 lucas", "500000"),
        ("es-CL", "tengo medio palo", "500000"),
        ("es-CL", "puedo pagar $100.000", "100000"),
        ("es-MX", "le puedo dar $3,500", "3500"),
        ("es-MX", "tengo 6k nada mas", "6000"),
        ("es-MX", "le doy 7 mil quinientos", "7500"),
        ("es-MX", "le ofrezco 500 varos", "500"),
        ("es-PE", "solo tengo S/ 1,500", "1500"),
        ("es-PE", "le doy S/. 450", "450"),
        ("es-PE", "mil quinientos cincuenta soles le puedo pagar", "1550"),
        ("en-US", "I can offer $1,500.50", "1500.50"),
        ("en-US", "would you take 2k to settle?", "2000"),
        ("en-US", "i can do three hundred", "300"),
        ("en-US", "all i have is 2 grand", "2000"),
        ("en-US", "how about $1.2k", "1200"),
        ("pt-BR", "posso pagar R$ 1.200,00", "1200"),
        ("pt-BR", "te passo 1,5 mil", "1500"),
        ("pt-BR", "meu limite é 50 conto", "50"),
        ("pt-BR", "consigo dar quinhentos reais", "500"),
        ("pt-BR", "tenho R$ 89,90", "89.90"),
    ],
)
def test_an_offered_amount_is_read_in_major_units(locale: str, text: str, amount: str) -> None:
    result = understand(text, locale, TODAY)
    assert result.intent is Intent.OFFER_AMOUNT, result
    assert result.amount == Decimal(amount)


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("es-CO", "no he recibido la factura 12345"),
        ("es-CO", "llameme al 3104567890 por favor"),
        ("es-CO", "mi cedula es 52.871.440, quiero un plan de pagos"),
        ("es-MX", "quiero pagarlo en 3 cuotas"),
        ("en-US", "can i split it into 4 payments"),
        ("pt-BR", "posso parcelar em 10 vezes?"),
    ],
)
def test_ids_phones_days_and_counts_are_not_amounts(locale: str, text: str) -> None:
    assert understand(text, locale, TODAY).amount is None


def test_a_day_number_is_a_date_not_an_amount() -> None:
    result = understand("le pago el 15", "es-CO", TODAY)
    assert result.intent is Intent.PROMISE_TO_PAY
    assert result.amount is None
    assert result.date == date(2026, 12, 15)


def test_day_and_amount_in_one_promise_are_told_apart() -> None:
    result = understand("el 25 le pago 150 lucas", "es-CL", TODAY)
    assert (result.intent, result.amount, result.date) == (
        Intent.PROMISE_TO_PAY, Decimal("150000"), date(2026, 11, 25))
    assert result.recurring is False


def test_per_period_amounts_are_recurring_and_one_off_amounts_are_not() -> None:
    monthly = understand("puedo dar 150 mil mensuales", "es-CO", TODAY)
    weekly = understand("I can do $50 a week", "en-US", TODAY)
    por_mes = understand("consigo pagar 200 reais por mês", "pt-BR", TODAY)
    assert (por_mes.amount, por_mes.recurring) == (Decimal("200"), True)
    once = understand("solo tengo 2 millones, ¿me lo reciben?", "es-CO", TODAY)
    assert (monthly.amount, monthly.recurring) == (Decimal("150000"), True)
    assert (weekly.amount, weekly.recurring) == (Decimal("50"), True)
    assert (once.amount, once.recurring) == (Decimal("2000000"), False)


def test_n_instalments_of_x_offer_x_per_instalment() -> None:
    for locale, text, count, each in [
        ("es-CO", "le puedo pagar 4 cuotas de 300 mil", 4, "300000"),
        ("en-US", "i can pay 6 payments of $150", 6, "150"),
        ("pt-BR", "posso fazer 10x de 89,90", 10, "89.90"),
    ]:
        result = understand(text, locale, TODAY)
        assert result.intent is Intent.OFFER_AMOUNT, text
        assert (result.installments, result.amount, result.recurring) == (
            count, Decimal(each), True), text


def test_cents_are_kept_as_cents_in_the_output() -> None:
    result = understand("I'll send $1,500.50 on Dec 31", "en-US", TODAY)
    assert result.as_json()["amount"] == "1500.50"
    whole = understand("terça consigo pagar R$ 1.200,00", "pt-BR", TODAY)
    assert whole.as_json()["amount"] == "1200"


def test_an_amount_refused_is_no_offer() -> None:
    result = understand("no tengo ni una luca", "es-CL", TODAY)
    assert result.intent is Intent.CANT_PAY
    assert result.amount is None


def test_an_amount_already_paid_is_not_kept() -> None:
    result = understand("ya le transferí los 200 mil ayer", "es-CO", TODAY)
    assert result.intent is Intent.ALREADY_PAID
    assert result.amount is None and result.recurring is None


@pytest.mark.parametrize(
    ("locale", "text", "amount", "installments"),
    [("es-CO", "tengo 800 mil, si me quita los intereses se los paso el lunes", "800000", None),
     ("en-US", "i have $600 for you monday if you can waive the late fees", "600", None),
     ("es-PE", "le propongo 5 armadas de 200 soles, la primera el 15", "200", 5),
     ("es-PE", "le pago 300 soles cada fin de mes", "300", None),
     ("pt-BR", "consigo 5x de 200, a primeira dia 10", "200", 5)],
)
def test_an_offer_that_names_a_day_stays_an_offer_without_a_day(
    locale: str, text: str, amount: str, installments: int | None
) -> None:
    result = understand(text, locale, date(2026, 11, 18))
    assert result.intent is Intent.OFFER_AMOUNT, result
    assert (result.amount, result.date, result.installments) == (
        Decimal(amount), None, installments
    )


@pytest.mark.parametrize(
    ("locale", "text", "amount"),
    [("es-CL", "pronto le pago, estoy juntando las lucas", None),
     ("es-CL", "altiro le transfiero, deme 5", None),
     ("es-PE", "mañana a primera hora le plineo los 80", Decimal(80)),
     ("es-CO", "te doy mil", Decimal(1000))],
)
def test_money_words_without_a_count_and_minutes_are_no_amount(
    locale: str, text: str, amount: Decimal | None
) -> None:
    assert understand(text, locale, date(2026, 11, 18)).amount == amount


def test_a_period_in_another_clause_is_not_the_amounts() -> None:
    result = understand("I get paid every other Friday and the next one is the 12th, so I'll "
                        "send $275 that day through Zelle.", "en-US", date(2027, 2, 25))
    assert (result.intent, result.amount, result.date, result.recurring) == (
        Intent.PROMISE_TO_PAY, Decimal(275), date(2027, 3, 12), False
    )
