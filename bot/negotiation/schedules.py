"""The generator's arithmetic: plan charges, payment dates, and splitting a total exactly.

All integer arithmetic on minor units. `check.py` deliberately does not import this module:
the checker must catch this module's mistakes, not repeat them.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from bot.negotiation.limits import Frequency, Limits
from bot.negotiation.money import Currency

PERIOD_DAYS = {Frequency.MONTHLY: 30, Frequency.BIWEEKLY: 14, Frequency.WEEKLY: 7}
"""Days per period for interest (a month counts as 30 days; interest is simple)."""


def add_periods(start: date, periods: int, frequency: Frequency) -> date:
    """The due date `periods` payments after `start`: same day of month (clamped) or +7/+14."""
    if frequency is Frequency.MONTHLY:
        month0 = start.month - 1 + periods
        year, month = start.year + month0 // 12, month0 % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return date(year, month, day)
    return start + timedelta(days=PERIOD_DAYS[frequency] * periods)


def due_dates(first: date, count: int, frequency: Frequency) -> tuple[date, ...]:
    """`count` due dates from `first` at `frequency`."""
    return tuple(add_periods(first, k, frequency) for k in range(count))


def plan_charges(
    balance: int, count: int, frequency: Frequency, limits: Limits, currency: Currency
) -> int:
    """Interest + fee of a plan of `count` payments, rounded down (never overcharge).

    Interest is simple, on the balance, for the plan's term of `count - 1` periods.
    """
    num, den = limits.plan_interest_monthly_percent.as_integer_ratio()
    interest = balance * num * (count - 1) * PERIOD_DAYS[frequency] // (den * 100 * 30)
    return interest + currency.to_minor(limits.plan_fee, up=False)


def ceil_div(a: int, b: int) -> int:
    """Ceiling of a / b for b > 0."""
    return -(-a // b)


def percent_of_up(amount: int, percent: Decimal) -> int:
    """`percent`% of `amount`, rounded up to a minor unit (for minimums)."""
    num, den = percent.as_integer_ratio()
    return ceil_div(amount * num, den * 100)


def split(total: int, count: int, unit: int, first_at_least: int) -> tuple[int, ...] | None:
    """`total` in `count` payments: equal multiples of `unit`, the first absorbing the rest.

    The first payment is raised to `first_at_least` (the down payment) when needed; None
    when the later payments would be zero.
    """
    if count == 1:
        return (total,)
    each = total // count // unit * unit
    if total - each * (count - 1) < first_at_least:
        each = max(0, total - first_at_least) // (count - 1) // unit * unit
    if each <= 0:
        return None
    return (total - each * (count - 1),) + (each,) * (count - 1)


def split_after_first(total: int, first: int, count: int, unit: int) -> tuple[int, ...] | None:
    """`total` in `count` payments with a fixed `first`; the last absorbs the remainder."""
    rest = total - first
    if count < 2 or rest <= 0:
        return None
    each = rest // (count - 1) // unit * unit
    if each <= 0:
        return None
    return (first,) + (each,) * (count - 2) + (rest - each * (count - 2),)


def lump_total(balance: int, off_num: int, off_den: int, unit: int) -> int:
    """The balance less off_num/off_den of it (a fraction, not percent), rounded UP to `unit`.

    Rounding up keeps the real discount at or below the one intended; never above `balance`.
    """
    payable_num = balance * (off_den - off_num)
    return min(balance, ceil_div(payable_num, off_den * unit) * unit)
