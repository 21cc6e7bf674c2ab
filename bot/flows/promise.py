"""A promise to pay: ask for the day, write it back, record it once confirmed, follow it up."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain import Context, TimerFired
from bot.flows.common import CONFIRM_OPTIONS, REASON_OPTIONS, greeting_params, how_to_pay, reply
from bot.flows.core import (
    CloseAgreement,
    Conversation,
    CreateAgreement,
    Decision,
    Escalate,
    Note,
    Schedule,
    Send,
    State,
)
from bot.money import Money
from bot.texts import Say

# A second broken promise goes to a person instead of a third promise.
BROKEN_PROMISES_BEFORE_STAFF = 2


def ask_date(conv: Conversation, ctx: Context, balance: Money) -> Decision:
    """Ask on which day the debtor can pay."""
    return reply(conv, Say("promise.ask_date", {"total": balance}), state=State.AWAITING_DATE)


def propose(conv: Conversation, ctx: Context, balance: Money, day: date) -> Decision:
    """Write the promise back for a yes, or say how far we can wait when the day is too late."""
    latest = ctx.today + timedelta(days=ctx.policy.max_postpone_days)
    if day > latest:
        decision = reply(conv, Say("promise.too_far", {"max_date": latest}),
                         state=State.AWAITING_DATE)
        note = Note("promise.too_far", {"asked": day.isoformat(), "latest": latest.isoformat()})
        return Decision(decision.state, decision.data, (*decision.actions, note))
    data = dict(conv.data) | {"proposal": {"date": day.isoformat(), "amount": balance.as_json()}}
    return reply(conv, Say("promise.confirm", {"amount": balance, "date": day}, CONFIRM_OPTIONS),
                 state=State.CONFIRMING_PROMISE, data=data)


def confirm(conv: Conversation, ctx: Context) -> Decision:
    """The debtor said yes to the written promise: record it and plan its follow-up."""
    proposal = conv.data.get("proposal")
    balance = ctx.balance
    if not proposal or balance is None:
        return ask_date(conv, ctx, balance) if balance else Decision(State.IDLE, {})
    day = date.fromisoformat(proposal["date"])
    amount = Money.from_json(proposal["amount"])
    data = {k: v for k, v in conv.data.items() if k != "proposal"}
    decision = reply(conv, Say("promise.confirmed", greeting_params(ctx) | {
        "amount": amount, "date": day}), state=State.PROMISED, data=data)
    actions = (
        *decision.actions,
        CreateAgreement("promise", ((day, amount),), terms={"date": day.isoformat()}),
        Schedule("promise_check", "promise",
                 day=day + timedelta(days=ctx.policy.promise_grace_days),
                 data={"date": day.isoformat(), "amount": amount.as_json()}),
    )
    if day > ctx.today:
        actions += (Schedule("promise_reminder", "promise", day=day - timedelta(days=1) if
                             day - timedelta(days=1) > ctx.today else day,
                             data={"date": day.isoformat(), "amount": amount.as_json()}),)
    return Decision(decision.state, decision.data, actions)


def decline(conv: Conversation, ctx: Context) -> Decision:
    """The debtor did not confirm the day we wrote back: ask for another."""
    data = {k: v for k, v in conv.data.items() if k != "proposal"}
    return reply(conv, Say("promise.declined"), state=State.AWAITING_DATE, data=data)


def on_promise_reminder(conv: Conversation, event: TimerFired, ctx: Context) -> Decision:
    """Remind the debtor of the day they promised, if the promise still runs."""
    agreement = ctx.active_agreement()
    if agreement is None or agreement.kind != "promise" or ctx.balance is None:
        return Decision(conv.state, dict(conv.data))
    params = greeting_params(ctx) | {"amount": agreement.total, "date": agreement.last_due_on,
                                     "how_to_pay": how_to_pay(ctx)}
    return Decision(conv.state, dict(conv.data),
                    (Send(Say("promise.reminder", params), "promise_reminder"),))


def on_promise_check(conv: Conversation, event: TimerFired, ctx: Context) -> Decision:
    """After the promised day and its grace: kept when nothing is owed, else broken."""
    agreement = ctx.active_agreement()
    if agreement is None or agreement.kind != "promise":
        return Decision(conv.state, dict(conv.data))
    if ctx.balance is None:
        return Decision(State.IDLE, dict(conv.data), (CloseAgreement(agreement.id, "kept"),))
    broken = int(conv.data.get("broken_promises", 0)) + 1
    data = dict(conv.data) | {"broken_promises": broken}
    params = greeting_params(ctx) | {"amount": agreement.total, "date": agreement.last_due_on}
    close = CloseAgreement(agreement.id, "broken")
    if broken >= BROKEN_PROMISES_BEFORE_STAFF:
        decision = reply(Conversation(conv.state, data), Say("promise.broken_staff", params),
                         state=State.HUMAN, kind="promise_broken")
        escalate = Escalate("broken_promise", "high", {"broken_promises": broken})
        return Decision(decision.state, decision.data, (close, escalate, *decision.actions))
    decision = reply(Conversation(conv.state, data),
                     Say("promise.broken", params, REASON_OPTIONS),
                     state=State.AWAITING_REASON, kind="promise_broken")
    return Decision(decision.state, decision.data, (close, *decision.actions))
