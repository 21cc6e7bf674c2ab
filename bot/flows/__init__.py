"""The dialogue as pure code: `step(conversation, event, context) -> Decision`.

States are an Enum (`State`), allowed moves a table (`TRANSITIONS`) checked at import and on
every step. Each topic lives in its own module: reminder, inquiry (why not paid), promise,
negotiation (offers within limits), agreements (their follow-up), identity, handoff (dispute,
person, abuse, wrong number, claimed payment), optout, and staff (what people decide on a
case, and the takeover).
"""

from __future__ import annotations

from dataclasses import replace

from bot.domain import (
    ChannelLinked,
    Context,
    DebtorSaid,
    Event,
    PaymentReceived,
    StaffActed,
    TimerFired,
)
from bot.flows import agreements, inquiry, payments, reminder, staff, switch
from bot.flows.core import (
    TRANSITIONS,
    Conversation,
    Decision,
    FlowError,
    MarkReminded,
    State,
)


def step(conv: Conversation, event: Event, ctx: Context) -> Decision:
    """Apply one event to a conversation: the next state, its data, the actions to take."""
    match event:
        case DebtorSaid() if staff.taken(conv):
            decision = staff.during_takeover(conv, event, ctx)
        case DebtorSaid():
            decision = switch.on_message(conv, event, ctx) or inquiry.on_message(conv, event, ctx)
        case ChannelLinked():
            decision = switch.on_linked(conv, event, ctx)
        case TimerFired() if staff.taken(conv):
            decision = staff.timer_during_takeover(conv, event, ctx)
        case TimerFired(kind="reminder"):
            decision = reminder.on_reminder(conv, ctx)
        case TimerFired(kind="installment_reminder"):
            decision = agreements.on_reminder(conv, event, ctx)
        case TimerFired(kind="installment_check"):
            decision = agreements.on_check(conv, event, ctx)
        case PaymentReceived(amount=amount):
            decision = payments.on_payment(conv, amount, ctx)
            if staff.taken(conv):
                # The person in charge decides what to say; they are told of the payment.
                decision = staff.quiet(decision, "payment")
        case StaffActed():
            decision = staff.on_staff(conv, event, ctx)
        case _:
            raise FlowError(f"no flow handles {event!r}")
    if decision.state not in TRANSITIONS[conv.state]:
        raise FlowError(f"{conv.state} -> {decision.state} is not an allowed transition")
    reminded: dict[str, int] = {}
    for action in decision.actions:
        if isinstance(action, MarkReminded):
            reminded.update(action.offsets)
    at = reminder.next_reminder_at(decision.state, dict(decision.data), ctx, reminded)
    return replace(decision, reminder_at=at)


__all__ = ["Conversation", "Decision", "State", "step"]
