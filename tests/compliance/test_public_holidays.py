"""No automatic collection message on a public holiday of the debtor's country (or state)."""

from __future__ import annotations

import pytest
from compliance_helpers import at_local, debtor, local

from bot.compliance import Allowed, Channel, MessageKind, NotBefore, RuleCode, decide

WA = Channel.WHATSAPP
DUE = MessageKind.REMINDER_DUE


# (country, zone, a public holiday at 10:00 local, the next open moment in local time)
HOLIDAYS = [
    ("CO", "America/Bogota", (2026, 3, 23), (2026, 3, 24, 7, 0)),  # San José (observed)
    ("CL", "America/Santiago", (2026, 9, 18), (2026, 9, 21, 8, 0)),  # Fiestas Patrias 18+19
    ("PE", "America/Lima", (2026, 7, 28), (2026, 7, 30, 7, 0)),  # Independence 28+29
    ("MX", "America/Mexico_City", (2026, 9, 16), (2026, 9, 17, 7, 0)),  # Independence
    ("US", "America/New_York", (2026, 11, 26), (2026, 11, 27, 8, 0)),  # Thanksgiving
    ("BR", "America/Sao_Paulo", (2026, 7, 9), (2026, 7, 10, 8, 0)),  # SP state holiday
    ("BR", "America/Sao_Paulo", (2026, 4, 21), (2026, 4, 22, 8, 0)),  # Tiradentes, national
    ("ES", "Europe/Madrid", (2026, 10, 12), (2026, 10, 13, 9, 0)),  # Fiesta Nacional
    # default preset; Friday 2026-07-10 is a bridge holiday in Argentina too
    ("AR", "America/Argentina/Buenos_Aires", (2026, 7, 9), (2026, 7, 13, 8, 0)),
]


@pytest.mark.parametrize(("country", "tz", "day", "next_open"), HOLIDAYS)
def test_a_known_public_holiday_is_closed(
    country: str, tz: str, day: tuple[int, int, int], next_open: tuple[int, ...]
) -> None:
    d = decide(debtor(country, tz), WA, DUE, [], local(tz, *day, 10, 0))
    assert isinstance(d, NotBefore)
    assert d.rule is RuleCode.PUBLIC_HOLIDAY
    assert at_local(d.at, tz) == next_open


def test_sao_paulo_state_holiday_does_not_close_a_debtor_known_to_be_in_rio() -> None:
    tz = "America/Sao_Paulo"
    in_rio = debtor("BR", tz, subdivision="RJ")
    assert isinstance(decide(in_rio, WA, DUE, [], local(tz, 2026, 7, 9, 10, 0)), Allowed)
    in_sp = debtor("BR", tz)  # no state known: São Paulo's holidays by default
    assert isinstance(decide(in_sp, WA, DUE, [], local(tz, 2026, 7, 9, 10, 0)), NotBefore)


def test_a_country_the_holidays_package_does_not_know_still_gets_its_window() -> None:
    # "XK"-like unknown codes: the default preset, no holiday calendar, windows still apply.
    tz = "Europe/Madrid"
    who = debtor("QQ", tz)
    assert isinstance(decide(who, WA, DUE, [], local(tz, 2026, 10, 12, 10, 0)), Allowed)
    assert isinstance(decide(who, WA, DUE, [], local(tz, 2026, 10, 12, 7, 0)), NotBefore)


def test_the_explanation_names_the_holiday_and_the_local_time() -> None:
    d = decide(debtor("CO", "America/Bogota"), WA, DUE, [],
               local("America/Bogota", 2026, 3, 23, 10, 0))
    assert isinstance(d, NotBefore)
    text = d.explanation
    assert "Monday 2026-03-23 10:00 America/Bogota" in text
    assert "2026-03-23 15:00 UTC" in text
    assert "Saint Joseph" in text
    assert "Tuesday 2026-03-24 07:00 America/Bogota" in text
