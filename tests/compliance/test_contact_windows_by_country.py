"""Messages go out only inside each country's contact window, on the debtor's own clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from compliance_helpers import at_local, debtor, local

from bot.compliance import Allowed, Channel, MessageKind, NotBefore, RuleCode, decide

WA = Channel.WHATSAPP
DUE = MessageKind.REMINDER_DUE


def ask(country: str, tz: str, *clock: int, **kw: object):  # type: ignore[no-untyped-def]
    """The gate's answer for a due reminder at a local wall-clock time."""
    return decide(debtor(country, tz, **kw), WA, DUE, [], local(tz, *clock))


# --- the cases from COMPLIANCE.md --------------------------------------------------------

def test_co_saturday_night_reminder_goes_out_monday_at_seven() -> None:
    d = ask("CO", "America/Bogota", 2026, 3, 14, 21, 30)
    assert isinstance(d, NotBefore)
    assert at_local(d.at, "America/Bogota") == (2026, 3, 16, 7, 0)
    assert d.at == datetime(2026, 3, 16, 12, 0, tzinfo=UTC)
    assert d.rule is RuleCode.OUTSIDE_CONTACT_WINDOW


def test_co_when_that_monday_is_a_holiday_it_waits_until_tuesday() -> None:
    d = ask("CO", "America/Bogota", 2026, 3, 21, 21, 30)  # Monday 2026-03-23 is San José
    assert isinstance(d, NotBefore)
    assert at_local(d.at, "America/Bogota") == (2026, 3, 24, 7, 0)
    assert "2026-03-23" in d.explanation and "Saint Joseph" in d.explanation


def test_co_saturday_1459_is_allowed_and_1500_is_not() -> None:
    assert isinstance(ask("CO", "America/Bogota", 2026, 3, 14, 14, 59), Allowed)
    d = ask("CO", "America/Bogota", 2026, 3, 14, 15, 0)
    assert isinstance(d, NotBefore)
    assert at_local(d.at, "America/Bogota") == (2026, 3, 16, 7, 0)


def test_pe_saturday_reminder_in_lima_goes_out_monday_at_seven() -> None:
    d = ask("PE", "America/Lima", 2026, 3, 14, 11, 0)
    assert isinstance(d, NotBefore)
    assert at_local(d.at, "America/Lima") == (2026, 3, 16, 7, 0)


def test_mx_tijuana_at_0630_waits_for_seven_tijuana_time_not_mexico_city() -> None:
    now = local("America/Tijuana", 2026, 2, 10, 6, 30)
    assert at_local(now, "America/Mexico_City")[3:] == (8, 30)  # already open in CDMX
    d = decide(debtor("MX", "America/Tijuana"), WA, DUE, [], now)
    assert isinstance(d, NotBefore)
    assert at_local(d.at, "America/Tijuana") == (2026, 2, 10, 7, 0)
    assert isinstance(decide(debtor("MX", "America/Mexico_City"), WA, DUE, [], now), Allowed)


def test_br_sao_paulo_saturday_1359_allowed_1400_not() -> None:
    assert isinstance(ask("BR", "America/Sao_Paulo", 2026, 3, 14, 13, 59), Allowed)
    d = ask("BR", "America/Sao_Paulo", 2026, 3, 14, 14, 0)
    assert isinstance(d, NotBefore)
    assert at_local(d.at, "America/Sao_Paulo") == (2026, 3, 16, 8, 0)


def test_br_sunday_is_never_open_until_monday_eight() -> None:
    for hour in (0, 8, 10, 14, 20, 23):
        d = ask("BR", "America/Sao_Paulo", 2026, 3, 15, hour, 0)
        assert isinstance(d, NotBefore)
        assert at_local(d.at, "America/Sao_Paulo") == (2026, 3, 16, 8, 0)


# --- US: the window is local wall time, also across daylight-saving changes ---------------

NY = "America/New_York"


def test_us_edges_0800_and_2100() -> None:
    assert isinstance(ask("US", NY, 2026, 6, 10, 7, 59), NotBefore)
    assert isinstance(ask("US", NY, 2026, 6, 10, 8, 0), Allowed)
    assert isinstance(ask("US", NY, 2026, 6, 10, 20, 59), Allowed)
    d = ask("US", NY, 2026, 6, 10, 21, 0)
    assert isinstance(d, NotBefore)
    assert at_local(d.at, NY) == (2026, 6, 11, 8, 0)


def test_us_not_before_across_spring_forward_is_eight_on_the_new_clock() -> None:
    # Saturday 2026-03-07 22:00 EST; clocks jump 02:00 -> 03:00 on Sunday 2026-03-08.
    d = ask("US", NY, 2026, 3, 7, 22, 0)
    assert isinstance(d, NotBefore)
    assert d.at == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # 08:00 EDT (UTC-4)
    assert at_local(d.at, NY) == (2026, 3, 8, 8, 0)
    # Asked in the night, inside the skipped hour's neighbourhood.
    d = decide(debtor("US", NY), WA, DUE, [], datetime(2026, 3, 8, 7, 30, tzinfo=UTC))
    assert isinstance(d, NotBefore) and d.at == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)


def test_us_not_before_across_fall_back_is_eight_on_the_new_clock() -> None:
    # Saturday 2026-10-31 21:30 EDT; clocks go back 02:00 -> 01:00 on Sunday 2026-11-01.
    d = ask("US", NY, 2026, 10, 31, 21, 30)
    assert isinstance(d, NotBefore)
    assert d.at == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)  # 08:00 EST (UTC-5)
    assert at_local(d.at, NY) == (2026, 11, 1, 8, 0)


def test_us_edges_on_the_days_the_clock_changes() -> None:
    for day in ((2026, 3, 8), (2026, 11, 1)):
        assert isinstance(ask("US", NY, *day, 7, 59), NotBefore)
        assert isinstance(ask("US", NY, *day, 8, 0), Allowed)
        assert isinstance(ask("US", NY, *day, 20, 59), Allowed)
        assert isinstance(ask("US", NY, *day, 21, 0), NotBefore)


def test_us_ambiguous_location_uses_only_hours_valid_in_every_zone() -> None:
    # 08:30 in New York is 05:30 in Los Angeles: wait until 08:00 in Los Angeles.
    d = decide(
        debtor("US", NY, other_time_zones=("America/Los_Angeles",)), WA, DUE, [],
        local(NY, 2026, 6, 10, 8, 30),
    )
    assert isinstance(d, NotBefore)
    assert at_local(d.at, "America/Los_Angeles") == (2026, 6, 10, 8, 0)
    assert at_local(d.at, NY) == (2026, 6, 10, 11, 0)
    # 20:30 in Los Angeles is 23:30 in New York: closed there, so next morning (08:00 LA).
    d = decide(
        debtor("US", NY, other_time_zones=("America/Los_Angeles",)), WA, DUE, [],
        local("America/Los_Angeles", 2026, 6, 10, 20, 30),
    )
    assert isinstance(d, NotBefore)
    assert at_local(d.at, "America/Los_Angeles") == (2026, 6, 11, 8, 0)


# --- every window edge of every preset: one minute before/after opening and closing -------

# (preset country, zone, a weekday date with no holiday, opens, closes)
EDGES = [
    ("CO", "America/Bogota", (2026, 3, 10), (7, 0), (19, 0)),
    ("CO", "America/Bogota", (2026, 3, 14), (8, 0), (15, 0)),  # Saturday
    ("CL", "America/Santiago", (2026, 3, 10), (8, 0), (20, 0)),
    ("CL", "America/Santiago", (2026, 3, 14), (8, 0), (20, 0)),  # Saturday
    ("PE", "America/Lima", (2026, 3, 10), (7, 0), (20, 0)),
    ("MX", "America/Mexico_City", (2026, 3, 10), (7, 0), (22, 0)),
    ("US", "America/Chicago", (2026, 3, 10), (8, 0), (21, 0)),
    ("US", "America/Chicago", (2026, 3, 14), (8, 0), (21, 0)),  # Saturday
    ("BR", "America/Sao_Paulo", (2026, 3, 10), (8, 0), (20, 0)),
    ("BR", "America/Sao_Paulo", (2026, 3, 14), (8, 0), (14, 0)),  # Saturday
    ("ES", "Europe/Madrid", (2026, 3, 10), (9, 0), (21, 0)),
    ("AR", "America/Argentina/Buenos_Aires", (2026, 3, 10), (8, 0), (20, 0)),  # default
]


@pytest.mark.parametrize(("country", "tz", "day", "opens", "closes"), EDGES)
def test_each_window_edge_one_minute_either_side(
    country: str, tz: str, day: tuple[int, int, int], opens: tuple[int, int],
    closes: tuple[int, int],
) -> None:
    open_at = local(tz, *day, *opens)
    close_at = local(tz, *day, *closes)
    minute = timedelta(minutes=1)
    who = debtor(country, tz)
    before = decide(who, WA, DUE, [], open_at - minute)
    assert isinstance(before, NotBefore) and before.at == open_at
    assert isinstance(decide(who, WA, DUE, [], open_at), Allowed)
    assert isinstance(decide(who, WA, DUE, [], close_at - minute), Allowed)
    after = decide(who, WA, DUE, [], close_at)
    assert isinstance(after, NotBefore) and after.at > close_at


@pytest.mark.parametrize(
    ("country", "tz", "day"),
    [
        ("CO", "America/Bogota", (2026, 3, 15)),
        ("PE", "America/Lima", (2026, 3, 14)),
        ("PE", "America/Lima", (2026, 3, 15)),
        ("CL", "America/Santiago", (2026, 3, 15)),
        ("MX", "America/Mexico_City", (2026, 3, 14)),  # weekends: the stricter reading
        ("MX", "America/Mexico_City", (2026, 3, 15)),
        ("ES", "Europe/Madrid", (2026, 3, 14)),
        ("BR", "America/Sao_Paulo", (2026, 3, 15)),
    ],
)
def test_closed_days_are_closed_all_day(
    country: str, tz: str, day: tuple[int, int, int]
) -> None:
    for hour in (0, 9, 12, 18, 23):
        assert isinstance(ask(country, tz, *day, hour, 0), NotBefore)


def test_the_debtors_own_quiet_times_are_respected() -> None:
    from datetime import time

    from bot.compliance import QuietTime

    quiet = (QuietTime(frozenset(range(5)), time(12, 0), time(14, 0)),)  # not at lunch
    d = ask("CO", "America/Bogota", 2026, 3, 10, 12, 30, quiet_times=quiet)
    assert isinstance(d, NotBefore)
    assert d.rule is RuleCode.DEBTOR_QUIET_TIME
    assert at_local(d.at, "America/Bogota") == (2026, 3, 10, 14, 0)
    # Overnight quiet time from Monday 18:00 to Tuesday 10:00.
    quiet = (QuietTime(frozenset({0}), time(18, 0), time(10, 0)),)
    d = ask("CO", "America/Bogota", 2026, 3, 9, 18, 30, quiet_times=quiet)
    assert isinstance(d, NotBefore)
    assert at_local(d.at, "America/Bogota") == (2026, 3, 10, 10, 0)
