"""When reminders fall due around each invoice's due date."""

from datetime import date

from bot.cadence import DEFAULT_OFFSETS, due_offsets, next_reminder_day, stage
from bot.domain import InvoiceView
from bot.money import Money


def invoice(due: str, last: int | None = None, key: str = "F-1") -> InvoiceView:
    amount = Money.of("100000", "COP")
    return InvoiceView(key, amount, amount, date.fromisoformat(due), "open", last)


def test_three_days_before_due_the_first_reminder_is_due() -> None:
    assert due_offsets([invoice("2026-11-27")], DEFAULT_OFFSETS, date(2026, 11, 24)) == {"F-1": -3}


def test_nothing_is_due_between_steps() -> None:
    assert due_offsets([invoice("2026-11-27", last=-3)], DEFAULT_OFFSETS,
                       date(2026, 11, 25)) == {}


def test_a_late_pass_sends_only_the_latest_step_not_a_burst() -> None:
    # Imported 20 days overdue: one reminder for step +15, not -3, 0, +3, +7 and +15.
    assert due_offsets([invoice("2026-11-04")], DEFAULT_OFFSETS, date(2026, 11, 24)) == {"F-1": 15}


def test_the_next_reminder_day_is_the_next_step_not_yet_reminded() -> None:
    assert next_reminder_day([invoice("2026-11-27", last=-3)], DEFAULT_OFFSETS,
                             date(2026, 11, 24)) == date(2026, 11, 27)
    assert next_reminder_day([invoice("2026-11-27", last=45)], DEFAULT_OFFSETS,
                             date(2026, 11, 24)) is None


def test_with_several_invoices_the_earliest_step_wins() -> None:
    days = next_reminder_day([invoice("2026-12-20", key="A"), invoice("2026-11-30", key="B")],
                             DEFAULT_OFFSETS, date(2026, 11, 24))
    assert days == date(2026, 11, 27)


def test_stages() -> None:
    assert stage(-3, DEFAULT_OFFSETS, first_contact=False) == "before_due"
    assert stage(0, DEFAULT_OFFSETS, first_contact=False) == "due_today"
    assert stage(7, DEFAULT_OFFSETS, first_contact=False) == "overdue"
    assert stage(45, DEFAULT_OFFSETS, first_contact=False) == "last_notice"


def test_a_first_contact_is_never_a_last_notice() -> None:
    assert stage(45, DEFAULT_OFFSETS, first_contact=True) == "overdue"
