"""The debtor's own "not at these times": written in the portfolio, honoured by the gate."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.clock import FixedClock
from bot.compliance import QuietTime
from bot.compliance.quiet import format_quiet_times, parse_quiet_times
from bot.inspect import debtor_text
from bot.portfolio import parse_portfolio
from bot.services import Services
from tests.helpers import HEADER, debtor, load, tick

WEEKDAYS = frozenset(range(5))


def test_days_ranges_and_whole_days_are_read() -> None:
    assert parse_quiet_times("Mon-Fri 12:00-14:00; Sun") == (
        QuietTime(WEEKDAYS, time(12), time(14)), QuietTime(frozenset({6}), time(0), time(0)))


def test_spanish_and_portuguese_day_names_with_accents_are_read() -> None:
    assert parse_quiet_times("lun-vie 21:00-08:00") == parse_quiet_times("seg-sex 21:00-08:00")
    assert parse_quiet_times("sáb, mié") == parse_quiet_times("Sat,Wed")
    assert parse_quiet_times("Segunda-feira 09:00-10:00") == parse_quiet_times("lunes 9:00-10:00")
    assert format_quiet_times(parse_quiet_times("lun-vie 21:00-08:00")) == "Mon-Fri 21:00-08:00"


def test_a_day_range_may_wrap_past_sunday_and_star_is_every_day() -> None:
    [q] = parse_quiet_times("sat-mon 20:00-24:00")
    assert q.days == frozenset({5, 6, 0}) and (q.start, q.end) == (time(20), time(0))
    assert parse_quiet_times("*")[0].days == frozenset(range(7))
    assert parse_quiet_times("") == ()


@pytest.mark.parametrize(("text", "reason"), [
    ("Mondays 12:00-14:00", "'Mondays' is not a day"),
    ("Mon 12-14", "HH:MM-HH:MM"),
    ("lunch", "'lunch' is not a day"),
    ("12:00-14:00", "write the days, then the hours"),
    ("Mon 12:00-12:00", "the range is empty"),
    ("Mon 25:00-26:00", "is not a time of day"),
    ("Mon 12:00-14:00;" * 20, "at most 200 characters"),
])
def test_a_bad_text_says_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_quiet_times(text)


minutes = st.integers(0, 24 * 60 - 1).map(lambda m: time(m // 60, m % 60))
# start == end means the whole day whatever the hour; the canonical form writes it 00:00.
quiet = st.builds(QuietTime, st.frozensets(st.integers(0, 6), min_size=1), minutes, minutes
                  ).map(lambda q: q if q.start != q.end else QuietTime(q.days, time(0), time(0)))


@given(st.lists(quiet, max_size=4).map(tuple))
def test_the_canonical_text_reads_back_as_the_same_quiet_times(values: tuple[QuietTime, ...]
                                                               ) -> None:
    assert parse_quiet_times(format_quiet_times(values)) == values


def _csv(quiet_times: str, due_on: str = "2026-11-24") -> str:
    line = (f"CO-001,Ana María Rojas,+573001234567,F-1001,1200000,COP,{due_on},,whatsapp,"
            f"es-CO,CO,,default,,,,{quiet_times}")
    return f"{HEADER},quiet_times\n{line}\n"


def test_a_bad_quiet_times_cell_is_reported_with_its_line() -> None:
    [error] = parse_portfolio(_csv("lunch")).errors
    assert (error.line, error.reason) == (
        2, "quiet_times: 'lunch' is not a day (mon, tue ... sun; lun ... dom; seg ... dom)")


async def test_a_reminder_due_in_the_debtors_quiet_time_waits_for_its_end(
        services: Services, clock: FixedClock) -> None:
    # Tuesday 10:00 in Bogotá, inside the contact window; Ana asked for nothing before noon.
    await load(services, _csv("lun-vie 08:00-12:00"))
    ana = await debtor(services, "CO-001")
    assert ana.quiet_times == "Mon-Fri 08:00-12:00"
    assert await tick(services) == []
    clock.advance(timedelta(hours=1, minutes=59))
    assert await tick(services) == []
    clock.advance(timedelta(minutes=1))
    [reminder] = await tick(services)
    assert "1.200.000" in reminder


async def test_without_quiet_times_the_same_reminder_goes_at_once(services: Services) -> None:
    await load(services, _csv(""))
    assert (await debtor(services, "CO-001")).quiet_times is None
    assert len(await tick(services)) == 1


async def test_debtor_show_names_the_quiet_times(services: Services) -> None:
    from bot.inspect import debtor_document

    await load(services, _csv("Sun"))
    async with services.db.transaction() as session:
        document = await debtor_document(session, "CO-001")
    assert document is not None and document["quiet_times"] == "Sun"
    assert "not at Sun" in debtor_text(document)
