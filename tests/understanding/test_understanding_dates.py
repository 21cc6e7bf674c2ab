"""The day a debtor promises, in each language's ways of saying it; never before today."""

from datetime import date
from decimal import Decimal

import pytest

from bot.understanding import Intent, understand

WED = date(2026, 11, 18)  # a Wednesday in the middle of a month


@pytest.mark.parametrize(
    ("locale", "text", "today", "expected"),
    [
        # Spanish
        ("es-CO", "te pago el viernes", WED, date(2026, 11, 20)),
        ("es-CO", "le pago el miércoles", WED, date(2026, 11, 25)),  # strictly after today
        ("es-MX", "mañana le deposito", WED, date(2026, 11, 19)),
        ("es-MX", "mañana en la mañana le pago", WED, date(2026, 11, 19)),
        ("es-CL", "pasado mañana le pago", WED, date(2026, 11, 20)),
        ("es-CO", "le pago el 15", WED, date(2026, 12, 15)),
        ("es-CO", "le pago el 20", WED, date(2026, 11, 20)),
        ("es-PE", "le cancelo el 2 de abril", WED, date(2027, 4, 2)),
        ("es-CO", "a fin de mes le pago", WED, date(2026, 11, 30)),
        ("es-MX", "le pago cuando me llegue la quincena", WED, date(2026, 11, 30)),
        ("es-MX", "le pago en la quincena", date(2026, 11, 3), date(2026, 11, 15)),
        ("es-CO", "dentro de 10 días le pago", date(2026, 12, 28), date(2027, 1, 7)),
        ("es-CO", "me comprometo a pagar el 5 del otro mes", WED, date(2026, 12, 5)),
        ("es-CL", "el lunes 14 le pago", date(2026, 12, 9), date(2026, 12, 14)),
        ("es-PE", "en 3 dias le pago", WED, date(2026, 11, 21)),
        ("es-CO", "le pago el 31", date(2027, 2, 10), date(2027, 3, 31)),
        # English
        ("en-US", "I'll pay on Friday", WED, date(2026, 11, 20)),
        ("en-US", "i'll pay at the end of the month", WED, date(2026, 11, 30)),
        ("en-US", "I'll send it on the 30th", date(2027, 2, 27), date(2027, 3, 30)),
        ("en-US", "i'll pay tomorrow", WED, date(2026, 11, 19)),
        ("en-US", "ill pay the day after tomorrow", date(2026, 12, 31), date(2027, 1, 2)),
        ("en-US", "I will pay in 10 days", WED, date(2026, 11, 28)),
        ("en-US", "I'll send $200 on Dec 31", WED, date(2026, 12, 31)),
        ("en-US", "next Monday I'm sending it", date(2027, 2, 19), date(2027, 2, 22)),
        # Portuguese
        ("pt-BR", "pago no fim do mês", WED, date(2026, 11, 30)),
        ("pt-BR", "pago dia 20", WED, date(2026, 11, 20)),
        ("pt-BR", "sexta-feira eu pago sem falta", WED, date(2026, 11, 20)),
        ("pt-BR", "amanhã faço o pix", WED, date(2026, 11, 19)),
        ("pt-BR", "depois de amanhã te pago", WED, date(2026, 11, 20)),
        ("pt-BR", "daqui a 10 dias consigo pagar", WED, date(2026, 11, 28)),
        ("pt-BR", "pago dia 10 do mês que vem", WED, date(2026, 12, 10)),
    ],
)
def test_a_promised_day_is_the_next_such_day(
    locale: str, text: str, today: date, expected: date
) -> None:
    result = understand(text, locale, today)
    assert result.intent is Intent.PROMISE_TO_PAY, result
    assert result.date == expected


@pytest.mark.parametrize(
    ("locale", "text"),
    [("es-CO", "hoy le pago"), ("es-CL", "hoy en la noche le pago las 60 lucas"),
     ("en-US", "i'll take care of it tonight"), ("pt-BR", "vou pagar o boleto hoje ainda"),
     ("pt-BR", "hj eu pago")],
)
def test_paying_today_is_will_pay_now_dated_today(locale: str, text: str) -> None:
    result = understand(text, locale, WED)
    assert result.intent is Intent.WILL_PAY_NOW, result
    assert result.date == WED


@pytest.mark.parametrize(
    ("locale", "text"),
    [("es-CO", "ya mismo pago"), ("es-MX", "ahorita le transfiero"), ("es-CL", "al tiro le pago"),
     ("en-US", "paying right now"), ("pt-BR", "pago agora mesmo")],
)
def test_paying_right_now_is_will_pay_now_without_a_day(locale: str, text: str) -> None:
    result = understand(text, locale, WED)
    assert result.intent is Intent.WILL_PAY_NOW, result
    assert result.date is None


@pytest.mark.parametrize(
    ("locale", "text"),
    [("es-PE", "la siguiente semana le cancelo"), ("es-MX", "la semana que entra le deposito"),
     ("en-US", "i'll have it next week"), ("pt-BR", "semana que vem eu pago")],
)
def test_next_week_is_a_promise_without_a_day(locale: str, text: str) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, None)


def test_a_past_day_is_no_date() -> None:
    paid = understand("ya pagué el viernes pasado", "es-CO", WED)
    mailed = understand("I mailed a check on the 3rd", "en-US", WED)
    assert (paid.intent, paid.date) == (Intent.ALREADY_PAID, None)
    assert (mailed.intent, mailed.date) == (Intent.ALREADY_PAID, None)


def test_the_most_specific_day_wins() -> None:
    result = understand("hoy no puedo, el lunes a primera hora le pago", "es-CO", WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, date(2026, 11, 23))


def test_a_day_asked_about_in_a_discount_question_is_not_kept() -> None:
    result = understand("si pago todo hoy me rebajan los intereses?", "es-PE", WED)
    assert (result.intent, result.date) == (Intent.REQUEST_DISCOUNT, None)


def test_dates_cross_into_the_new_year() -> None:
    result = understand("le pago el 2 de enero", "es-CO", date(2026, 12, 27))
    assert result.date == date(2027, 1, 2)
    end = understand("a fin de mes le pago", "es-CO", date(2026, 12, 23))
    assert end.date == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [("es-CO", "no puedo sino hasta el 30", date(2026, 11, 30)),
     ("en-US", "can't pay till friday", date(2026, 11, 20)),
     ("pt-BR", "só consigo pagar dia 25", date(2026, 11, 25))],
)
def test_putting_payment_off_to_a_day_is_a_promise_for_that_day(
    locale: str, text: str, expected: date
) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, expected)


def test_putting_payment_off_without_a_day_is_cant_pay() -> None:
    result = understand("no puedo pagar hasta que consiga trabajo", "es-CO", WED)
    assert result.intent is Intent.CANT_PAY


@pytest.mark.parametrize(
    ("locale", "text", "today", "expected"),
    [("es-CO", "mañana no, pasado mañana", WED, date(2026, 11, 20)),
     ("es-CO", "el lunes no, el martes", WED, date(2026, 11, 24)),
     ("es-CL", "hoy no puedo, mañana sí", WED, date(2026, 11, 19)),
     ("es-CO", "no puedo pagarle hoy, pero el lunes sí", WED, date(2026, 11, 23)),
     ("en-US", "tomorrow no, friday", WED, date(2026, 11, 20)),
     ("en-US", "friday won't work, how about monday?", WED, date(2026, 11, 23)),
     ("pt-BR", "sexta não, segunda", WED, date(2026, 11, 23)),
     ("pt-BR", "amanhã não, depois de amanhã", WED, date(2026, 11, 20))],
)
def test_a_refused_day_gives_way_to_the_day_named_instead(
    locale: str, text: str, today: date, expected: date
) -> None:
    result = understand(text, locale, today)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, expected)


@pytest.mark.parametrize(
    ("locale", "text"),
    [("es-CO", "ahorita no puedo, cuando pueda le pago"),
     ("en-US", "I can't pay right now, I'll pay as soon as I can"),
     ("es-CO", "hoy no puedo pagar")],
)
def test_now_refused_is_no_payment_now(locale: str, text: str) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.CANT_PAY, None)


def test_hoy_no_mas_is_just_today() -> None:
    result = understand("hoy no más le pago", "es-MX", WED)
    assert (result.intent, result.date) == (Intent.WILL_PAY_NOW, WED)


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [("es-CO", "le pago el viernes o a más tardar el lunes", date(2026, 11, 23)),
     ("es-CO", "le pago el lunes o el martes", date(2026, 11, 24)),
     ("es-PE", "el 20 o el 21 le deposito", date(2026, 11, 21)),
     ("en-US", "I'll pay on the 20th or the 22nd", date(2026, 11, 22)),
     ("pt-BR", "pago sexta ou no máximo segunda", date(2026, 11, 23))],
)
def test_of_days_offered_as_alternatives_the_latest_is_promised(
    locale: str, text: str, expected: date
) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, expected)


@pytest.mark.parametrize(
    ("locale", "text"),
    [("es-CO", "el viernes de la semana que viene"),
     ("es-CO", "la semana que viene el viernes le pago"),
     ("en-US", "I'll pay friday next week"),
     ("en-US", "next week friday"),
     ("pt-BR", "semana que vem na sexta eu pago"),
     ("pt-BR", "pago sexta da outra semana")],
)
def test_a_weekday_of_next_week_is_the_one_after_the_coming_one(locale: str, text: str) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, date(2026, 11, 27))


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [("en-US", "by friday at the latest", date(2026, 11, 20)),
     ("en-US", "monday morning first thing", date(2026, 11, 23)),
     ("es-MX", "el 30 a más tardar", date(2026, 11, 30)),
     ("es-CO", "el viernes no le fallo", date(2026, 11, 20))],
)
def test_a_bare_day_with_a_deadline_word_is_a_promise(
    locale: str, text: str, expected: date
) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, expected)


@pytest.mark.parametrize(
    ("locale", "text"),
    [("es-MX", "en una hora le deposito"), ("en-US", "i'll pay in an hour"),
     ("pt-BR", "daqui a uma hora eu pago")],
)
def test_paying_within_the_hour_is_paying_now_without_a_day(locale: str, text: str) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.WILL_PAY_NOW, None)


def test_now_in_a_clause_without_a_payment_is_not_when_they_pay() -> None:
    result = understand("ahorita ando sin chamba, cuando pueda le pago", "es-MX", WED)
    assert result.intent is Intent.CANT_PAY


@pytest.mark.parametrize(
    ("locale", "text", "amount", "expected"),
    [("es-MX", "dentro de 4 días le pago los 2 mil", "2000", date(2026, 11, 22)),
     ("en-US", "i'll zelle you the 300 on the 24th at 9am", "300", date(2026, 11, 24)),
     ("en-US", "I'll pay 80 tonight around 8", "80", WED)],
)
def test_money_and_times_of_day_are_not_days_and_days_are_not_money(
    locale: str, text: str, amount: str, expected: date
) -> None:
    result = understand(text, locale, WED)
    assert (str(result.amount), result.date) == (amount, expected)


@pytest.mark.parametrize(
    ("locale", "text"),
    [("es-MX", "orita no tengo, en estos días le deposito"), ("es-CO", "esta semana le pago"),
     ("en-US", "I'll pay in a few days"), ("pt-BR", "daqui uns dias eu pago"),
     ("pt-BR", "essa semana eu pago")],
)
def test_a_few_days_or_this_week_is_a_promise_without_a_day(locale: str, text: str) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, None)


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [("pt-BR", "pro dia 25 tá bom?", date(2026, 11, 25)),
     ("pt-BR", "pode ser dia 30?", date(2026, 11, 30)),
     ("pt-BR", "dá pra pagar dia 30?", date(2026, 11, 30)),
     ("es-CO", "le parece bien el 30?", date(2026, 11, 30)),
     ("es-CO", "¿puede ser el lunes?", date(2026, 11, 23)),
     ("en-US", "does the 30th work?", date(2026, 11, 30)),
     ("en-US", "is friday ok?", date(2026, 11, 20)),
     ("es-CO", "a partir del 10 le puedo pagar", date(2026, 12, 10))],
)
def test_a_day_proposed_as_a_question_is_a_promise_for_that_day(
    locale: str, text: str, expected: date
) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, expected)


def test_pode_ser_alone_stays_a_yes() -> None:
    assert understand("pode ser", "pt-BR", WED).intent is Intent.AFFIRM


@pytest.mark.parametrize(
    ("text", "expected"),
    [("na quinta-feira da semana que vem", date(2026, 11, 26)),
     ("pago na 5ª feira", date(2026, 11, 19)),
     ("pago sexta-feira", date(2026, 11, 20))],
)
def test_portuguese_weekdays_with_feira_are_one_word(text: str, expected: date) -> None:
    assert understand(text, "pt-BR", WED).date == expected


def test_a_range_of_counts_is_no_weekday() -> None:
    assert understand("tenho 2 a 3 boletos", "pt-BR", WED).date is None


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [("en-US", "friday 5pm I'll pay 100", date(2026, 11, 20)),
     ("en-US", "tomorrow by 5 i'll pay 60", date(2026, 11, 19)),
     ("en-US", "I'll pay on the 5th at 5pm", date(2026, 12, 5)),
     ("es-CO", "el 20 en la tarde", date(2026, 11, 20)),
     ("es-MX", "el viernes 27 a las 5 le deposito", date(2026, 11, 27)),
     ("pt-BR", "sexta 27 às 9h eu pago", date(2026, 11, 27))],
)
def test_a_time_of_day_leaves_the_day_alone(locale: str, text: str, expected: date) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, expected)


@pytest.mark.parametrize(
    ("locale", "text"),
    [("es-CO", "a principios del proximo mes me pongo al dia"),
     ("en-US", "I'll pay at the beginning of next month"),
     ("pt-BR", "no início do mês que vem eu pago"),
     ("es-CO", "el fin de semana le pago"), ("en-US", "this weekend i'll take care of it"),
     ("pt-BR", "no fim de semana eu pago")],
)
def test_the_start_of_a_month_and_a_weekend_are_promises_without_a_day(
    locale: str, text: str
) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, None)


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [("es-CO", "el primero de mes le pago", date(2026, 12, 1)),
     ("en-US", "first of the month i'll pay", date(2026, 12, 1)),
     ("en-US", "end of next month i'll pay", date(2026, 12, 31)),
     ("es-MX", "a fin del mes que viene le pago", date(2026, 12, 31)),
     ("pt-BR", "no fim do mês que vem eu pago", date(2026, 12, 31)),
     ("es-CO", "dentro de ocho dias le pago", date(2026, 11, 25)),
     ("es-MX", "en una semanita le pago", date(2026, 11, 25)),
     ("en-US", "give me 3 days and i'll pay it", date(2026, 11, 21)),
     ("es-CL", "mañana o pasado le hago la transferencia", date(2026, 11, 20)),
     ("es-CL", "mañanita temprano le deposito", date(2026, 11, 19)),
     ("es-CL", "el vienes le pago", date(2026, 11, 20)),
     ("en-US", "16th works for me, i'll pay then", date(2026, 12, 16))],
)
def test_more_ways_of_naming_a_day(locale: str, text: str, expected: date) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, expected)


@pytest.mark.parametrize(
    ("locale", "text", "today", "expected"),
    [("es-CO", "este viernes no alcanzo, pero el otro viernes si le pago", date(2027, 2, 23),
      date(2027, 3, 5)),
     ("es-PE", "el otro miercoles le cancelo, este no", date(2027, 4, 19), date(2027, 4, 28))],
)
def test_el_otro_viernes_is_next_weeks_friday(
    locale: str, text: str, today: date, expected: date
) -> None:
    assert understand(text, locale, today).date == expected


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [("es-CO", "el 15 le pago 100 mil y el 30 lo q falta", date(2026, 12, 15)),
     ("en-US", "the 15th i'll pay 100 and the rest on the 30th", date(2026, 12, 15)),
     ("es-CO", "el domingo le pago, q me pagan el sabado en la noche", date(2026, 11, 22)),
     ("es-CL", "el 5 me pagan y le pago altiro po", date(2026, 12, 5))],
)
def test_a_payday_or_a_remainder_gives_way_to_the_day_of_payment(
    locale: str, text: str, expected: date
) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, expected)


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [("es-CO", "si señora, el viernes", date(2026, 11, 20)),
     ("es-MX", "simon, el lunes", date(2026, 11, 23)),
     ("en-US", "yes, friday", date(2026, 11, 20)),
     ("pt-BR", "sim, sexta", date(2026, 11, 20)),
     ("es-CO", "no, el viernes", date(2026, 11, 20))],
)
def test_a_yes_or_no_with_a_day_answers_when_they_will_pay(
    locale: str, text: str, expected: date
) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, expected)


def test_a_remainder_belongs_to_the_day_nearest_it() -> None:
    result = understand("I'll pay $100 on friday and the rest on the 15th", "en-US", WED)
    assert (result.amount, result.date) == (Decimal(100), date(2026, 11, 20))


@pytest.mark.parametrize(
    ("locale", "text"),
    [("es-CO", "en cuanto salga del trabajo le pago"),
     ("en-US", "as soon as I get off work I'll pay"),
     ("pt-BR", "assim que sair do trabalho eu pago"), ("pt-BR", "mais tarde eu pago")],
)
def test_paying_after_work_is_paying_now_without_a_day(locale: str, text: str) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.WILL_PAY_NOW, None)


@pytest.mark.parametrize(
    ("locale", "text"),
    [("es-MX", "mañna le deposito"), ("en-US", "2moro i'll pay"), ("en-US", "i'll pay 2mrw")],
)
def test_chat_spellings_of_tomorrow(locale: str, text: str) -> None:
    assert understand(text, locale, WED).date == date(2026, 11, 19)


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [("mi esposo le paga el sábado", Intent.PROMISE_TO_PAY, date(2026, 11, 21)),
     ("mi hijo le deposita el 15", Intent.PROMISE_TO_PAY, date(2026, 12, 15)),
     ("mi esposa pagó el viernes", Intent.ALREADY_PAID, None),
     ("mi hijo le depositó el 15", Intent.ALREADY_PAID, None)],
)
def test_someone_else_pays_on_a_day_or_paid_on_one(
    text: str, intent: Intent, expected: date | None
) -> None:
    result = understand(text, "es-MX", WED)
    assert (result.intent, result.date) == (intent, expected)


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [("es-CO", "mañana no hay problema, le pago", date(2026, 11, 19)),
     ("es-CO", "mañana no falla", date(2026, 11, 19)),
     ("es-PE", "el sábado no hay pierde, le yapeo", date(2026, 11, 21)),
     ("es-MX", "el lunes no más le deposito", date(2026, 11, 23)),
     ("en-US", "i'll pay friday no matter what", date(2026, 11, 20)),
     ("pt-BR", "amanhã não tem erro, pago", date(2026, 11, 19)),
     ("es-CO", "el lunes sí o sí, no hay falla", date(2026, 11, 23))],
)
def test_a_no_that_confirms_a_day_does_not_refuse_it(
    locale: str, text: str, expected: date
) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, expected)


@pytest.mark.parametrize(
    ("locale", "text"),
    [("es-CO", "hoy no puedo pagar, mañana le aviso"),
     ("en-US", "can't pay today, I'll let you know tomorrow"),
     ("pt-BR", "hoje não consigo, amanhã te aviso")],
)
def test_a_day_named_after_a_refused_one_for_something_else_is_no_promise(
    locale: str, text: str
) -> None:
    result = understand(text, locale, WED)
    assert (result.intent, result.date) == (Intent.CANT_PAY, None)


def test_a_day_named_instead_with_a_yes_is_promised() -> None:
    result = understand("el viernes no me da, el sábado sí", "es-CL", WED)
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, date(2026, 11, 21))
