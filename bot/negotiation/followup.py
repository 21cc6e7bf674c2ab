"""Following an agreement up: which payments are due soon or missed, and what to do on a break.

Pure: the engine passes the schedule, how much has been paid towards it and today's date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.negotiation.limits import Limits
from bot.negotiation.offers import Installment


class PaymentState(StrEnum):
    """Where one scheduled payment stands today."""

    PAID = "paid"
    UPCOMING = "upcoming"  # due later than the reminder window
    DUE_SOON = "due_soon"  # due today or within the reminder window
    LATE = "late"  # past due, still inside the grace days
    MISSED = "missed"  # past due and past the grace days: the agreement is broken


@dataclass(frozen=True, slots=True)
class PaymentReview:
    """One scheduled payment: what was due, what of it is paid, and its state."""

    index: int
    due: date
    amount: int
    paid: int
    state: PaymentState


@dataclass(frozen=True, slots=True)
class Review:
    """An agreement today: each payment's state and the summary the engine acts on."""

    payments: tuple[PaymentReview, ...]
    paid: int
    outstanding: int

    @property
    def due_soon(self) -> tuple[PaymentReview, ...]:
        """Payments to remind about."""
        return tuple(p for p in self.payments if p.state is PaymentState.DUE_SOON)

    @property
    def late(self) -> tuple[PaymentReview, ...]:
        """Payments past due but inside the grace days."""
        return tuple(p for p in self.payments if p.state is PaymentState.LATE)

    @property
    def missed(self) -> tuple[PaymentReview, ...]:
        """Payments missed after the grace days."""
        return tuple(p for p in self.payments if p.state is PaymentState.MISSED)

    @property
    def broken(self) -> bool:
        """True when a payment was missed: the promise or plan is broken."""
        return any(p.state is PaymentState.MISSED for p in self.payments)

    @property
    def complete(self) -> bool:
        """True when everything scheduled has been paid."""
        return self.outstanding == 0


def review(
    schedule: Sequence[Installment],
    paid: int,
    today: date,
    grace_days: int,
    remind_days: int = 3,
) -> Review:
    """The state of each payment when `paid` minor units were applied to the schedule.

    Payments are applied to the oldest instalment first, so a partial payment covers the
    earliest one; an instalment still short after its grace days is missed.
    """
    left = max(0, paid)
    out: list[PaymentReview] = []
    for index, (due, amount) in enumerate(schedule):
        applied = min(amount, left)
        left -= applied
        days = (due - today).days
        if applied == amount:
            state = PaymentState.PAID
        elif days >= 0:
            state = PaymentState.DUE_SOON if days <= remind_days else PaymentState.UPCOMING
        elif -days <= grace_days:
            state = PaymentState.LATE
        else:
            state = PaymentState.MISSED
        out.append(PaymentReview(index, due, amount, applied, state))
    total = sum(amount for _, amount in schedule)
    covered = sum(p.paid for p in out)
    return Review(tuple(out), covered, total - covered)


class AfterBreak(StrEnum):
    """What to do when an agreement is broken."""

    RENEGOTIATE = "renegotiate"
    ESCALATE = "escalate"


def after_break(previously_broken: int, limits: Limits) -> AfterBreak:
    """Renegotiate while the debtor has broken fewer than `max_renegotiations` earlier deals.

    `previously_broken` counts the agreements this debtor broke BEFORE the one just broken;
    with the default of 1 the bot renegotiates once, and the next break goes to staff.
    """
    if previously_broken < limits.max_renegotiations:
        return AfterBreak.RENEGOTIATE
    return AfterBreak.ESCALATE
