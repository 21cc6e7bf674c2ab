"""Following an agreement up: reminders, grace days, broken agreements, renegotiating once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.negotiation import (
    AfterBreak,
    Installment,
    Limits,
    PaymentState,
    after_break,
    review,
)

START = date(2025, 3, 1)
PLAN = tuple(Installment(START + timedelta(days=30 * i), 100_000) for i in range(3))


def states(paid: int, today: date, grace: int = 3) -> list[PaymentState]:
    """The state of each PLAN payment."""
    return [p.state for p in review(PLAN, paid, today, grace).payments]


def test_a_payment_due_in_two_days_is_due_soon_and_the_rest_upcoming() -> None:
    assert states(0, START - timedelta(days=2)) == [
        PaymentState.DUE_SOON, PaymentState.UPCOMING, PaymentState.UPCOMING
    ]


def test_a_payment_two_days_late_is_late_but_the_plan_is_not_broken_within_the_grace_days() -> None:
    result = review(PLAN, 0, START + timedelta(days=2), grace_days=3)
    assert result.payments[0].state is PaymentState.LATE
    assert not result.broken


def test_a_payment_unpaid_after_the_grace_days_is_missed_and_breaks_the_plan() -> None:
    result = review(PLAN, 0, START + timedelta(days=4), grace_days=3)
    assert [p.index for p in result.missed] == [0]
    assert result.broken


def test_a_partial_payment_covers_the_oldest_instalment_first() -> None:
    result = review(PLAN, 150_000, START + timedelta(days=34), grace_days=3)
    assert [p.paid for p in result.payments] == [100_000, 50_000, 0]
    assert [p.state for p in result.payments] == [
        PaymentState.PAID, PaymentState.MISSED, PaymentState.UPCOMING
    ]
    assert result.outstanding == 150_000


def test_a_promise_paid_in_full_is_complete() -> None:
    promise = (Installment(START, 500_000),)
    result = review(promise, 500_000, START + timedelta(days=40), grace_days=3)
    assert result.complete and not result.broken


def test_the_bot_renegotiates_once_then_hands_to_staff() -> None:
    assert after_break(0, Limits()) is AfterBreak.RENEGOTIATE
    assert after_break(1, Limits()) is AfterBreak.ESCALATE
    assert after_break(1, replace(Limits(), max_renegotiations=2)) is AfterBreak.RENEGOTIATE
    assert after_break(0, replace(Limits(), max_renegotiations=0)) is AfterBreak.ESCALATE


@given(paid=st.integers(0, 400_000), offset=st.integers(-10, 100), grace=st.integers(0, 10))
def test_paid_and_outstanding_always_add_up_to_the_schedule(paid: int, offset: int,
                                                             grace: int) -> None:
    result = review(PLAN, paid, START + timedelta(days=offset), grace)
    assert result.paid + result.outstanding == 300_000
    assert result.paid == min(paid, 300_000)
    assert result.broken == any(p.state is PaymentState.MISSED for p in result.payments)
