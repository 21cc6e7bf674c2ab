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


def test_a_number_of_weeks_after_en_is_a_day_not_a_number_of_payments() -> None:
    for locale, text in (("es-CO", "en dos semanas le pago"),
                         ("es-MX", "le pago dentro de dos semanas"),
                         ("pt-BR", "pago daqui a duas semanas")):
        result = understand(text, locale, WED)
        assert (result.intent, result.date, result.installments) == (
            Intent.PROMISE_TO_PAY, date(2026, 12, 2), None)


def test_a_past_day_makes_a_payment_verb_past_only_in_its_own_clause() -> None:
    text = "me despidieron hace un mes y sigo buscando, cuando consiga algo le pago"
    assert understand(text, "es-CO", WED).intent is Intent.CANT_PAY
    assert understand("mi hermano le pagó ayer", "es-CO", WED).intent is Intent.ALREADY_PAID


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("es-CO", "Buenos días, el pago lo realicé esta mañana por PSE"),
        ("es-MX", "la transferencia ya la hice desde el martes"),
        ("pt-BR", "Prezados, efetuei o pagamento da fatura na segunda"),
        ("pt-BR", "o pix já foi feito"),
        ("en-US", "Good morning, the payment was submitted on Monday"),
    ],
)
def test_formal_and_object_first_payment_statements_are_already_paid(
    locale: str, text: str
) -> None:
    assert understand(text, locale, WED).intent is Intent.ALREADY_PAID


@pytest.mark.parametrize(
    ("locale", "text", "intent"),
    [
        ("en-US", "STOP", Intent.OPT_OUT),
        ("en-US", "Stop.", Intent.OPT_OUT),
        ("pt-BR", "sair", Intent.OPT_OUT),
        ("es-MX", "baja", Intent.OPT_OUT),
        ("en-US", "I'll stop by the bank tomorrow to pay", Intent.PROMISE_TO_PAY),
        ("pt-BR", "tô internado, assim que sair eu pago", Intent.CANT_PAY),
        ("pt-BR", "o dinheiro chega amanhã e eu pago", Intent.PROMISE_TO_PAY),
    ],
)
def test_opt_out_keywords_count_only_as_the_whole_message(
    locale: str, text: str, intent: Intent
) -> None:
    assert understand(text, locale, WED).intent is intent


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("en-US", "I am requesting that you cease all further communication with me"),
        ("es-MX", "ya no me sigan llamando"),
        ("es-CO", "no me estén molestando más"),
        ("pt-BR", "quero sair dessa lista"),
    ],
)
def test_formal_and_progressive_requests_to_stop_are_opt_out(locale: str, text: str) -> None:
    assert understand(text, locale, WED).intent is Intent.OPT_OUT


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [
        ("es-CO", "ahorita no tengo, pero el lunes sí le pago", date(2026, 11, 23)),
        ("es-PE", "hoy no puedo pero mañana si le pago", date(2026, 11, 19)),
        ("es-MX", "el 25 si le deposito", date(2026, 11, 25)),
    ],
)
def test_si_after_a_day_is_the_emphatic_yes_not_an_if(
    locale: str, text: str, expected: date
) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, expected)


def test_si_starting_a_condition_still_cancels_the_payment() -> None:
    result = understand("si le pago hoy me quitan los intereses?", "es-CO", WED)
    assert result.intent is Intent.REQUEST_DISCOUNT


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [
        ("es-MX", "no puedo pagar el viernes, mejor el lunes", date(2026, 11, 23)),
        ("es-CL", "el lunes no alcanzo, mejor el jueves", date(2026, 11, 19)),
        ("pt-BR", "hoje não consigo, só sexta", date(2026, 11, 20)),
        ("pt-BR", "segunda não dá, melhor quarta", date(2026, 11, 25)),
        ("en-US", "can't do friday, better monday", date(2026, 11, 23)),
        ("en-US", "Can't pay today but I will on Monday", date(2026, 11, 23)),
    ],
)
def test_a_refused_day_corrected_to_another_promises_the_second(
    locale: str, text: str, expected: date
) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, expected)


@pytest.mark.parametrize(
    ("locale", "text", "reason"),
    [
        ("es-CO", "el taller está muy quieto, no me alcanza", "business_slow"),
        ("es-MX", "el changarro anda bien flojo", "business_slow"),
        ("es-PE", "las ventas están super bajas este mes", "business_slow"),
    ],
)
def test_an_intensifier_between_verb_and_adjective_keeps_the_reason(
    locale: str, text: str, reason: str
) -> None:
    result = understand(text, locale, WED)
    assert result.intent is Intent.CANT_PAY and result.reason is not None
    assert result.reason.value == reason


@pytest.mark.parametrize(
    "text",
    ["no estoy de acuerdo con esos intereses tan altos", "esos cargos están muy inflados",
     "estos recargos son abusivos"],
)
def test_plural_charges_contested_are_a_dispute(text: str) -> None:
    assert understand(text, "es-CO", WED).intent is Intent.DISPUTE


@pytest.mark.parametrize(
    ("locale", "text", "amount"),
    [
        ("pt-BR", "mil e oitocentos reais, pode ser?", "1800"),
        ("es-CL", "ok, 300 lucas", "300000"),
        ("es-CO", "dos palos", "2000000"),
        ("en-US", "$400?", "400"),
    ],
)
def test_an_amount_of_money_with_nothing_else_of_weight_is_an_offer(
    locale: str, text: str, amount: str
) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.amount) == (Intent.OFFER_AMOUNT, Decimal(amount))


def test_a_scale_word_in_a_set_phrase_is_no_amount() -> None:
    for text in ("mil gracias", "un millón de gracias"):
        assert understand(text, "es-CO", WED).intent is Intent.THANKS


def test_a_money_word_after_a_number_beats_a_unit_that_starts_the_same() -> None:
    result = understand("aceita mil e duzentos à vista pra quitar?", "pt-BR", WED)
    assert result.amount == Decimal(1200)


def test_a_single_payment_of_an_amount_is_not_recurring() -> None:
    result = understand("i will make a payment of $75.50 tomorrow", "en-US", WED)
    assert (result.intent, result.amount, result.recurring, result.date) == (
        Intent.PROMISE_TO_PAY, Decimal("75.50"), False, date(2026, 11, 19))


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("es-MX", "si me hacen descuento pago todo hoy"),
        ("es-CO", "si me quitan los intereses le pago el viernes"),
        ("en-US", "if you waive the late fees I'll pay today"),
        ("pt-BR", "se tirar os juros eu pago hoje"),
    ],
)
def test_paying_in_exchange_for_a_discount_asks_for_the_discount(locale: str, text: str) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.REQUEST_DISCOUNT, None)


def test_sending_money_later_is_a_promise() -> None:
    result = understand("pasado mañana le mando la feria", "es-MX", WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, date(2026, 11, 20))


@pytest.mark.parametrize(
    ("locale", "text", "intent"),
    [
        ("en-US", "I'll pay mañana, promise", Intent.PROMISE_TO_PAY),
        ("en-US", "gracias!", Intent.THANKS),
        ("es-CO", "ok, thank you", Intent.THANKS),
        ("pt-BR", "ok, thanks", Intent.THANKS),
        ("en-US", "ok thanks", Intent.THANKS),
        ("es-CO", "a como esta el dolar hoy", Intent.UNKNOWN),  # "hoy" keys like "oi"
    ],
)
def test_common_words_of_another_language_are_understood(
    locale: str, text: str, intent: Intent
) -> None:
    assert understand(text, locale, WED).intent is intent


@pytest.mark.parametrize(
    ("locale", "text", "intent"),
    [
        ("es-CL", "wena", Intent.GREETING),
        ("es-PE", "habla causa", Intent.GREETING),
        ("es-MX", "ándale pues", Intent.AFFIRM),
        ("es-CO", "ni hablar", Intent.DENY),
        ("es-PE", "estoy aguja", Intent.CANT_PAY),
        ("es-CL", "estoy más pato que la cresta", Intent.CANT_PAY),
        ("es-MX", "no hay lana", Intent.CANT_PAY),
        ("es-PE", "ya le yapié", Intent.ALREADY_PAID),
        ("es-CO", "ya le giré la plata", Intent.ALREADY_PAID),
        ("es-PE", "ese préstamo no lo saqué yo", Intent.DISPUTE),
        ("es-CO", "yo no he sacado nada con ustedes", Intent.DISPUTE),
    ],
)
def test_each_country_s_slang_is_data(locale: str, text: str, intent: Intent) -> None:
    assert understand(text, locale, WED).intent is intent


def test_every_other_week_is_recurring() -> None:
    result = understand("I can do $200 every other week", "en-US", WED)
    assert (result.intent, result.recurring) == (Intent.OFFER_AMOUNT, True)
