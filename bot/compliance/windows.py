"""Local wall-clock arithmetic: contact windows, public holidays, quiet times, DST.

Windows are local wall-clock ranges ("08:00-21:00" means what the debtor's clock shows), so
every membership test converts the instant to local time, and every opening is converted
back with care for daylight-saving gaps (the wall time does not exist) and folds (it exists
twice). Everything expensive is cached: holiday calendars per (country, subdivision, year),
zones per name, open ranges per (window day, quiet ranges).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from bot.compliance.policy import MINUTES_PER_DAY, Range
from bot.compliance.types import QuietTime

US_PER_MINUTE = 60_000_000
_ONE_DAY = timedelta(days=1)
_EMPTY: Mapping[date, str] = MappingProxyType({})


@lru_cache(maxsize=4096)
def holiday_names(country: str, subdivision: str, year: int) -> Mapping[date, str]:
    """Public holidays of a country (and subdivision) in one year, as {date: English name}."""
    try:
        calendar = holidays_lib.country_holidays(
            country, subdiv=subdivision or None, years=year, language="en_US"
        )
    except NotImplementedError:
        # An unknown subdivision still has the country's holidays; an unknown country has
        # none we can know of (the default preset then relies on its windows alone).
        return holiday_names(country, "", year) if subdivision else _EMPTY
    return MappingProxyType(dict(calendar))


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo | None:
    """The IANA zone called `name`, or None when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _subtract(ranges: tuple[Range, ...], blocked: tuple[Range, ...]) -> tuple[Range, ...]:
    out: list[Range] = []
    for start, end in ranges:
        pieces = [(start, end)]
        for b_start, b_end in blocked:
            next_pieces: list[Range] = []
            for s, e in pieces:
                if b_end <= s or b_start >= e:
                    next_pieces.append((s, e))
                    continue
                if s < b_start:
                    next_pieces.append((s, b_start))
                if b_end < e:
                    next_pieces.append((b_end, e))
            pieces = next_pieces
        out.extend(pieces)
    return tuple(sorted(out))


@lru_cache(maxsize=8192)
def open_ranges(window_day: tuple[Range, ...], blocked: tuple[Range, ...]) -> tuple[Range, ...]:
    """A day's window ranges minus the debtor's quiet ranges."""
    return _subtract(window_day, blocked) if blocked else window_day


@lru_cache(maxsize=4096)
def quiet_ranges(quiet: tuple[QuietTime, ...]) -> tuple[tuple[Range, ...], ...]:
    """The debtor's quiet times as blocked ranges per weekday (Monday first)."""
    per_day: list[list[Range]] = [[] for _ in range(7)]
    for q in quiet:
        start = q.start.hour * 60 + q.start.minute
        end = q.end.hour * 60 + q.end.minute
        for day in q.days:
            if start == end:
                per_day[day].append((0, MINUTES_PER_DAY))
            elif start < end:
                per_day[day].append((start, end))
            else:  # runs past midnight into the next day
                per_day[day].append((start, MINUTES_PER_DAY))
                per_day[(day + 1) % 7].append((0, end))
    return tuple(tuple(sorted(d)) for d in per_day)


def local_microseconds(local: datetime) -> int:
    """Microseconds since local midnight of an aware local datetime's wall clock."""
    return (
        ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond
    )


@lru_cache(maxsize=65536)
def wall_to_utc(day: date, minute: int, tz: ZoneInfo, fold: int = 0) -> datetime:
    """The earliest UTC instant whose wall clock in `tz` reads `minute` on `day` or later.

    In a fold (the hour repeated in autumn) `fold=0` is the first pass, `fold=1` the second.
    In a gap (the hour skipped in spring) it is the transition instant itself.
    """
    if minute >= MINUTES_PER_DAY:
        day, minute = day + _ONE_DAY, minute - MINUTES_PER_DAY
    naive = datetime.combine(day, time(minute // 60, minute % 60, fold=fold))
    utc = naive.replace(tzinfo=tz).astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None, fold=0) == naive.replace(fold=0):
        return utc
    # A gap: fold=0 maps past the gap, fold=1 before it; the wall clock jumps in between.
    lo = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    hi = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if lo > hi:
        lo, hi = hi, lo
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0) if hi.microsecond else hi


def next_open(
    t: datetime,
    tz: ZoneInfo,
    ranges_on: Callable[[date], tuple[Range, ...]],
    horizon_days: int,
) -> datetime | None:
    """The first instant at or after `t` whose local wall time is inside an open range.

    `ranges_on(local_date)` gives that date's open ranges (empty on a closed day). Returns
    `t` itself when it is open, None when nothing opens within `horizon_days`.
    """
    local = t.astimezone(tz)
    day = local.date()
    now_us = local_microseconds(local)
    for i in range(horizon_days + 1):
        for start, end in ranges_on(day):
            if i == 0:
                if end * US_PER_MINUTE <= now_us:
                    continue
                if start * US_PER_MINUTE <= now_us:
                    return t
            opening = wall_to_utc(day, start, tz)
            if opening > t:
                return opening
            # The wall clock ran backwards (autumn fold): the range's first pass is behind
            # us, its second pass may still be ahead.
            second = wall_to_utc(day, start, tz, fold=1)
            if second > t:
                return second
        day += _ONE_DAY
    return None


def local_day_bounds(t: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where the local day containing `t` starts and the next one starts."""
    return _day_bounds(t.astimezone(tz).date(), tz)


@lru_cache(maxsize=65536)
def _day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return wall_to_utc(day, 0, tz), wall_to_utc(day + _ONE_DAY, 0, tz)
