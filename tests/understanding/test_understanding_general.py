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


# --- categories found by dev2.jsonl (the sentences here are new) ---------------------------


def test_a_veto_cancels_its_intent_only_in_its_own_clause() -> None:
    text = "¿cómo que no he pagado?\nsi ya le pagué el martes en el banco"
    assert understand(text, "es-MX", WED).intent is Intent.ALREADY_PAID
    assert understand("todavía no he pagado", "es-MX", WED).intent is not Intent.ALREADY_PAID


@pytest.mark.parametrize(
    ("locale", "text"),
    [("es-CO", "no, ya pagué, revise bien"), ("en-US", "no, I already paid that"),
     ("pt-BR", "não, já paguei, confere aí")],
)
def test_a_no_before_already_paid_answers_the_bot_and_does_not_cancel_it(
    locale: str, text: str
) -> None:
    assert understand(text, locale, WED).intent is Intent.ALREADY_PAID


@pytest.mark.parametrize(
    ("locale", "text", "amount"),
    [
        ("es-CL", "debo como 700 lucas pero le puedo dar 250 y cerramos", "250000"),
        ("es-MX", "de los 8 mil que debo le deposito 3 mil el 30", "3000"),
        ("en-US", "they say I owe $2,000 but I borrowed 900, best I can do is $400", "400"),
        ("pt-BR", "peguei R$ 800 emprestado, posso pagar 300 reais", "300"),
    ],
)
def test_amounts_owed_or_borrowed_are_never_the_amount_offered(
    locale: str, text: str, amount: str
) -> None:
    assert understand(text, locale, WED).amount == Decimal(amount)


def test_not_even_one_is_no_amount() -> None:
    for locale, text in (("es-CO", "el mes que viene le pago, ahora no tengo ni un peso"),
                         ("pt-BR", "mês que vem eu pago, tô sem um real")):
        result = understand(text, locale, WED)
        assert (result.intent, result.amount) == (Intent.PROMISE_TO_PAY, None)


def test_a_bare_number_said_per_period_is_money() -> None:
    result = understand("sei lá, uns 80 por mês?", "pt-BR", WED)
    assert (result.intent, result.amount, result.recurring) == (
        Intent.OFFER_AMOUNT, Decimal(80), True)


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [
        # two weekdays: the one next to the payment verb
        ("es-CO", "le pago el viernes porque el jueves me consignan", date(2026, 11, 20)),
        # today named by its weekday is today, not next week
        ("es-MX", "hoy miércoles no alcanzo, mañana le deposito", date(2026, 11, 19)),
        # a unit before a day number is a date: "400 dia 30"
        ("pt-BR", "pago 400 dia 30", date(2026, 11, 30)),
    ],
)
def test_the_day_of_payment_is_the_one_tied_to_the_payment(
    locale: str, text: str, expected: date
) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, expected)


@pytest.mark.parametrize(
    ("locale", "text"),
    [("es-PE", "mi hermano fue al agente el sábado y pagó todo"),
     ("en-US", "sent $150 on zelle this morning"),
     ("en-US", "I mailed the money order last Tuesday")],
)
def test_a_past_verb_makes_its_day_past(locale: str, text: str) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date, result.amount) == (Intent.ALREADY_PAID, None, None)


def test_a_period_inside_a_date_is_no_period() -> None:
    result = understand("a week from now I'll send the $300", "en-US", WED)
    assert (result.intent, result.date, result.recurring) == (
        Intent.PROMISE_TO_PAY, date(2026, 11, 25), False)


def test_a_reason_inside_a_longer_reason_yields_to_it() -> None:
    result = understand("a oficina tá sem serviço, não consigo pagar", "pt-BR", WED)
    assert result.reason is not None and result.reason.value == "business_slow"


@pytest.mark.parametrize(
    ("locale", "text"),
    [("es-CO", "ok google pon música"), ("en-US", "hey siri call dad"),
     ("pt-BR", "ok google ligar pro João"), ("pt-BR", "foi mal, mandei no grupo errado"),
     ("es-PE", "hola amor, ¿ya comiste?")],
)
def test_messages_for_someone_else_are_unknown_with_low_confidence(
    locale: str, text: str
) -> None:
    result = understand(text, locale, WED)
    assert result.intent is Intent.UNKNOWN and result.confidence < 0.5


@pytest.mark.parametrize(
    ("locale", "text"),
    [("es-CO", "puedo pagar la mitad ahora y la otra mitad en enero?"),
     ("pt-BR", "dá pra pagar metade agora e metade no mês que vem?"),
     ("en-US", "could I do half now and half next month")],
)
def test_half_now_and_half_later_is_a_plan_of_two_payments(locale: str, text: str) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.installments) == (Intent.REQUEST_PLAN, 2)


def test_a_word_a_phrase_stem_starts_is_not_a_typo() -> None:
    # "cortado" must not become "contado" (one letter away): the service was cut.
    text = "me cobran el mes pero el internet estuvo cortado"
    assert understand(text, "es-CO", WED).intent is Intent.DISPUTE


def test_partial_payments_named_are_not_already_paid() -> None:
    text = "ya he pagado 4 cuotas y el saldo sigue igual, solicito revisión"
    assert understand(text, "es-CO", WED).intent is Intent.DISPUTE


def test_a_payment_to_check_comes_before_stop_writing() -> None:
    text = "ya les pagué la semana pasada, dejen de escribirme"
    assert understand(text, "es-CO", WED).intent is Intent.ALREADY_PAID


@pytest.mark.parametrize(
    ("locale", "text", "intent"),
    [
        ("es-CO", "ya le estoy consignando, deme un minuto", Intent.WILL_PAY_NOW),
        ("es-MX", "ando en la fila del oxxo para pagarle", Intent.WILL_PAY_NOW),
        ("pt-BR", "tô transferindo agora", Intent.WILL_PAY_NOW),
        ("en-US", "sending it right now through zelle", Intent.WILL_PAY_NOW),
        ("es-PE", "quisiera pagar poquito cada mes, ¿se puede?", Intent.REQUEST_PLAN),
        ("en-US", "could I pay a little every month instead?", Intent.REQUEST_PLAN),
        ("es-CL", "¿cuánto es lo mínimo que me aceptan para cerrar?", Intent.REQUEST_DISCOUNT),
        ("pt-BR", "qual o menor valor que vocês aceitam?", Intent.REQUEST_DISCOUNT),
        ("es-CO", "manifiesto mi inconformidad con el cobro de la comisión", Intent.DISPUTE),
        ("en-US", "I want a refund, you billed me twice", Intent.DISPUTE),
        ("pt-BR", "essa dívida já caducou", Intent.DISPUTE),
        ("es-MX", "no deseo seguir recibiendo estas notificaciones", Intent.OPT_OUT),
        ("en-US", "cancel these messages please", Intent.OPT_OUT),
        ("es-PE", "este número es nuevo, recién lo activé", Intent.WRONG_PERSON),
        ("en-US", "this number belongs to a bakery", Intent.WRONG_PERSON),
        ("es-MX", "márqueme, no le entiendo por aquí", Intent.TALK_TO_HUMAN),
    ],
)
def test_dev2_categories_generalise_to_new_sentences(
    locale: str, text: str, intent: Intent
) -> None:
    assert understand(text, locale, WED).intent is intent


def test_the_typo_fixer_keeps_the_first_letter() -> None:
    # "apaguei" (I deleted) is one letter from "paguei" (I paid), but people rarely miss
    # the first letter of a word.
    text = "vc pode me mandar o boleto de novo? apaguei sem querer"
    assert understand(text, "pt-BR", WED).intent is Intent.DIDNT_RECEIVE_INVOICE
    assert understand("ya page", "es-CO", WED).intent is Intent.ALREADY_PAID


def test_an_amount_sent_to_someone_was_paid() -> None:
    text = "I sent you guys 300 last week why am I still getting texts"
    result = understand(text, "en-US", WED)
    assert (result.intent, result.amount) == (Intent.ALREADY_PAID, None)
