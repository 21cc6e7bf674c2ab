"""Whatever is typed, understanding answers within its contract."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.understanding import Intent, understand

LOCALES = ["es-CO", "es-CL", "es-MX", "es-PE", "en-US", "pt-BR", "es", "xx"]
WORDS = ["ya", "pague", "le", "pago", "el", "viernes", "15", "mil", "500", "$", "cuotas", "3",
         "no", "puedo", "hoy", "mañana", "paid", "I'll", "pay", "on", "Friday", "dia", "20",
         "parcelar", "em", "5", "vezes", "1.200,00", "R$", "palos", "quincena", "fin", "de",
         "mes", "👍", "?", "hola", "2'000.000", "31", "k", "semanales", "a", "month"]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.text(max_size=80), st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join)),
    st.sampled_from(LOCALES),
    st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)),
)
def test_any_text_gets_a_reading_that_keeps_the_contract(
    text: str, locale: str, today: date
) -> None:
    result = understand(text, locale, today)
    assert 0.0 <= result.confidence <= 1.0
    if result.date is not None:
        assert today <= result.date <= today + timedelta(days=400)
        assert result.intent in (Intent.PROMISE_TO_PAY, Intent.WILL_PAY_NOW)
    if result.amount is not None:
        assert result.amount > 0
        assert result.intent in (Intent.PROMISE_TO_PAY, Intent.WILL_PAY_NOW, Intent.OFFER_AMOUNT)
    assert (result.recurring is None) == (result.amount is None)
    if result.reason is not None:
        assert result.intent is Intent.CANT_PAY
    if result.installments is not None:
        assert result.intent in (Intent.REQUEST_PLAN, Intent.OFFER_AMOUNT)
        assert 2 <= result.installments <= 120
    assert result.as_json()["intent"] == result.intent.value
