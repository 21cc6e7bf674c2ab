"""When to remind: cadence offsets in days around each invoice's due date. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain import InvoiceView

DEFAULT_OFFSETS: tuple[int, ...] = (-3, 0, 3, 7, 15, 30, 45)


def due_offsets(invoices: Iterable[InvoiceView], offsets: Sequence[int],
                today: date) -> dict[str, int]:
    """The cadence step due today for each invoice that has one: {invoice id: offset}.

    A step is due when its day has come and it is later than the last step reminded. When a
    pass comes late (the server was down, the invoice was imported overdue) only the latest
    step is due: a debtor never gets the missed reminders in a burst.
    """
    due: dict[str, int] = {}
    for invoice in invoices:
        if invoice.status != "open":
            continue
        days = (today - invoice.due_on).days
        passed = [o for o in offsets if o <= days and _after(o, invoice.last_reminder_offset)]
        if passed:
            due[invoice.external_id] = max(passed)
    return due


def next_reminder_day(invoices: Iterable[InvoiceView], offsets: Sequence[int],
                      today: date) -> date | None:
    """The first day on or after `today` with a cadence step not yet reminded, if any."""
    days: list[date] = []
    for invoice in invoices:
        if invoice.status != "open":
            continue
        upcoming = [o for o in offsets if _after(o, invoice.last_reminder_offset)]
        if not upcoming:
            continue
        days.append(max(today, invoice.due_on + timedelta(days=min(upcoming))))
    return min(days) if days else None


def stage(offset: int, offsets: Sequence[int], *, first_contact: bool) -> str:
    """The kind of reminder for the most advanced step due: before_due ... last_notice.

    A first contact is never a "last notice", even for an invoice imported long overdue.
    """
    if offset < 0:
        return "before_due"
    if offset == 0:
        return "due_today"
    if offset == max(offsets) and not first_contact:
        return "last_notice"
    return "overdue"


def local_moment(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """`day` at hour:minute on the debtor's wall clock, as an aware datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def _after(offset: int, last: int | None) -> bool:
    return last is None or offset > last
