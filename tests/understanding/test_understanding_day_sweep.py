"""The day rules hold on any day of the year: each way of naming a day, said on many days.

Every expected day is computed here with `datetime`, the way the labelled sets were, from the
conventions of data/README.md (a weekday or a day of the month is the next one strictly after
today, a day of the month within 31 days, a named month within 75 days, ...). Month ends,
February, the 15th and the new year all come round because `today` walks through a year.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from bot.understanding import Intent, understand

FIRST = date(2026, 9, 28)
STEP = 5  # every 5th day of a year: every weekday, month end and 15th comes up
DAYS = [FIRST + timedelta(days=i) for i in range(0, 366, STEP)]

WEEKDAYS = {
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
    "en": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    "pt": ["segunda", "terça", "quarta", "quinta", "sexta", "sábado", "domingo"],
}
MONTHS = {
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "pt": ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
           "setembro", "outubro", "novembro", "dezembro"],
}

Case = Callable[[date], "tuple[str, date] | None"]


def _weekday(today: date, weekday: int) -> date | None:
    if today.weekday() == weekday:
        return None  # never said on that same weekday
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _next_week_only(today: date, weekday: int) -> date | None:
    found = _weekday(today, weekday)
    if found is None or today.weekday() == 6 or found.isocalendar()[1] == today.isocalendar()[1]:
        return None  # "next X" only into the following calendar week, never on a Sunday
    return found


def _day_of_month(today: date, day: int) -> date | None:
    year, month = today.year, today.month
    for _ in range(3):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) > today:
            found = date(year, month, day)
            return found if (found - today).days <= 31 else None
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return None


def _month_day(today: date, month: int, day: int) -> date | None:
    for year in (today.year, today.year + 1):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) > today:
            found = date(year, month, day)
            return found if (found - today).days <= 75 else None
    return None


def _next_month(today: date, day: int) -> date:
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return date(year, month, day)


def _end_of_month(today: date) -> date | None:
    last = date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    return None if last == today else last


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _cases() -> list[tuple[str, str, Case]]:
    cases: list[tuple[str, str, Case]] = []

    def add(locale: str, name: str, text: Callable[[date], str],
            day: Callable[[date], date | None]) -> None:
        def case(today: date) -> tuple[str, date] | None:
            found = day(today)
            return None if found is None else (text(today), found)
        cases.append((locale, name, case))

    for wd in range(7):
        add("es-CO", f"el {WEEKDAYS['es'][wd]}",
            lambda t, wd=wd: f"le pago el {WEEKDAYS['es'][wd]}", lambda t, wd=wd: _weekday(t, wd))
        add("en-US", f"on {WEEKDAYS['en'][wd]}",
            lambda t, wd=wd: f"I'll pay on {WEEKDAYS['en'][wd]}", lambda t, wd=wd: _weekday(t, wd))
        add("pt-BR", f"na {WEEKDAYS['pt'][wd]}", lambda t, wd=wd: f"pago na {WEEKDAYS['pt'][wd]}",
            lambda t, wd=wd: _weekday(t, wd))
        add("es-CL", f"el próximo {WEEKDAYS['es'][wd]}",
            lambda t, wd=wd: f"el próximo {WEEKDAYS['es'][wd]} le pago",
            lambda t, wd=wd: _next_week_only(t, wd))
        add("en-US", f"next {WEEKDAYS['en'][wd]}",
            lambda t, wd=wd: f"next {WEEKDAYS['en'][wd]} I'll pay",
            lambda t, wd=wd: _next_week_only(t, wd))
        add("pt-BR", f"{WEEKDAYS['pt'][wd]} que vem",
            lambda t, wd=wd: f"{WEEKDAYS['pt'][wd]} que vem eu pago",
            lambda t, wd=wd: _next_week_only(t, wd))
    for d in (1, 5, 15, 20, 28, 29, 30, 31):
        add("es-CO", f"el {d}", lambda t, d=d: f"le pago el {d}",
            lambda t, d=d: _day_of_month(t, d))
        add("pt-BR", f"dia {d}", lambda t, d=d: f"pago dia {d}", lambda t, d=d: _day_of_month(t, d))
        add("en-US", f"the {_ordinal(d)}", lambda t, d=d: f"I'll pay on the {_ordinal(d)}",
            lambda t, d=d: _day_of_month(t, d))
    for n in (1, 3, 5, 10):
        add("es-MX", f"dentro de {n} días", lambda t, n=n: f"dentro de {n} días le pago",
            lambda t, n=n: t + timedelta(days=n))
        add("en-US", f"in {n} days", lambda t, n=n: f"I will pay in {n} days",
            lambda t, n=n: t + timedelta(days=n))
        add("pt-BR", f"daqui a {n} dias", lambda t, n=n: f"daqui a {n} dias eu pago",
            lambda t, n=n: t + timedelta(days=n))
    for d in (1, 5, 20):
        add("es-CO", f"el {d} del otro mes", lambda t, d=d: f"le pago el {d} del otro mes",
            lambda t, d=d: _next_month(t, d))
        add("pt-BR", f"dia {d} do mês que vem", lambda t, d=d: f"pago dia {d} do mês que vem",
            lambda t, d=d: _next_month(t, d))
    add("es-CO", "a fin de mes", lambda t: "a fin de mes le pago", _end_of_month)
    add("en-US", "end of the month", lambda t: "I'll pay at the end of the month", _end_of_month)
    add("pt-BR", "no fim do mês", lambda t: "pago no fim do mês", _end_of_month)
    add("es-PE", "pasado mañana", lambda t: "pasado mañana le pago", lambda t: t + timedelta(2))
    add("en-US", "a week from today", lambda t: "I'll pay a week from today",
        lambda t: t + timedelta(7))
    for month in range(1, 13):
        for d in (2, 28):
            add("es-CO", f"el {d} de {MONTHS['es'][month - 1]}",
                lambda t, m=month, d=d: f"le pago el {d} de {MONTHS['es'][m - 1]}",
                lambda t, m=month, d=d: _month_day(t, m, d))
            add("en-US", f"{MONTHS['en'][month - 1]} {_ordinal(d)}",
                lambda t, m=month, d=d: f"I'll send $50 on {MONTHS['en'][m - 1]} {_ordinal(d)}",
                lambda t, m=month, d=d: _month_day(t, m, d))
            add("es-MX", f"{d}/{month} (day first)", lambda t, m=month, d=d: f"le pago el {d}/{m}",
                lambda t, m=month, d=d: _month_day(t, m, d))
            add("en-US", f"{month}/{d} (month first)", lambda t, m=month, d=d: f"I'll pay {m}/{d}",
                lambda t, m=month, d=d: _month_day(t, m, d))
    return cases


@pytest.mark.parametrize(("locale", "name", "case"), _cases(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_way_of_naming_a_day_holds_on_every_day(locale: str, name: str, case: Case) -> None:
    wrong = []
    for today in DAYS:
        found = case(today)
        if found is None:
            continue
        text, expected = found
        result = understand(text, locale, today)
        if (result.intent, result.date) != (Intent.PROMISE_TO_PAY, expected):
            wrong.append((today.isoformat(), text, result.intent.value, result.date, expected))
    assert not wrong, wrong[:5]
