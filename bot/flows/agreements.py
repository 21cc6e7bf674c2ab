"""Following an agreement up: a reminder before each payment, a check after its grace days,
and a broken agreement renegotiated once before a person takes over."""

from __future__ import annotations

from bot.domain import AgreementView, Context, TimerFired
from bot.flows.common import REASON_OPTIONS, greeting_params, how_to_pay, reply
from bot.flows.core import CloseAgreement, Conversation, Decision, Escalate, Send, State
from bot.money import Money
from bot.negotiation import AfterBreak, Installment, after_break, review
from bot.texts import Say


def _installment(ctx: Context, event: TimerFired) -> tuple[AgreementView, int] | None:
    """The running agreement and the 1-based number of the payment this timer is about.

    A timer left over from an agreement that was replaced finds no payment with its date
    and does nothing.
    """
    agreement = ctx.active_agreement()
    if agreement is None:
        return None
    seq, due = int(event.data.get("seq", 0)), event.data.get("due")
    for installment in agreement.installments:
        if installment.seq == seq and installment.due_on.isoformat() == due:
            return agreement, seq
    return None


def _paid(agreement: AgreementView, ctx: Context) -> int:
    # With nothing left owed, the agreement is paid whatever the payment records say.
    if ctx.balance is None:
        return agreement.total.minor
    return sum(i.paid.minor for i in agreement.installments)


def on_reminder(conv: Conversation, event: TimerFired, ctx: Context) -> Decision:
    """Remind the next payment of the running agreement, unless it is already paid."""
    found = _installment(ctx, event)
    if found is None:
        return Decision(conv.state, dict(conv.data))
    agreement, seq = found
    installment = agreement.installments[seq - 1]
    paid = installment.paid.minor >= installment.amount.minor or ctx.balance is None
    # A pass that comes late (the server was down) must not remind a day already gone:
    # the check after the grace days speaks for it.
    if paid or installment.due_on < ctx.today:
        return Decision(conv.state, dict(conv.data))
    owed = Money(installment.amount.minor - installment.paid.minor, installment.amount.currency)
    params = greeting_params(ctx) | {"amount": owed, "date": installment.due_on,
                                     "how_to_pay": how_to_pay(ctx, owed)}
    if len(agreement.installments) == 1:
        say, kind = Say("promise.reminder", params), "promise_reminder"
    else:
        say = Say("installment.reminder", params | {"number": seq,
                                                     "count": len(agreement.installments)})
        kind = "installment_reminder"
    return Decision(conv.state, dict(conv.data), (Send(say, kind),))


def on_check(conv: Conversation, event: TimerFired, ctx: Context) -> Decision:
    """After a payment's grace days: kept, still running, or broken."""
    found = _installment(ctx, event)
    if found is None:
        return Decision(conv.state, dict(conv.data))
    agreement, _ = found
    schedule = tuple(Installment(i.due_on, i.amount.minor) for i in agreement.installments)
    state = review(schedule, _paid(agreement, ctx), ctx.today, ctx.policy.promise_grace_days)
    if state.outstanding <= 0:
        return Decision(State.IDLE if conv.state == State.AGREED else conv.state,
                        dict(conv.data), (CloseAgreement(agreement.id, "kept"),))
    if not state.missed:
        return Decision(conv.state, dict(conv.data))
    missed = state.missed[0]
    broken = int(conv.data.get("broken_agreements", 0))
    data = {k: v for k, v in conv.data.items() if k not in ("negotiation", "offer")}
    data["broken_agreements"] = broken + 1
    params = greeting_params(ctx) | {"amount": Money(missed.amount, agreement.total.currency),
                                     "date": missed.due}
    close = CloseAgreement(agreement.id, "broken")
    if after_break(broken, ctx.policy.limits) is AfterBreak.ESCALATE:
        decision = reply(Conversation(conv.state, data), Say("agreement.broken_staff", params),
                         state=State.HUMAN, kind="agreement_broken")
        escalate = Escalate(f"broken_{agreement.kind}", "high",
                            {"broken_agreements": broken + 1, "agreement_id": agreement.id})
        return Decision(decision.state, decision.data, (close, escalate, *decision.actions))
    # Renegotiate: ask what happened, with the usual options; a new offer follows.
    if len(agreement.installments) == 1:
        say = Say("promise.broken", params, REASON_OPTIONS)
    else:
        say = Say("installment.missed", params | {"number": missed.index + 1}, REASON_OPTIONS)
    decision = reply(Conversation(conv.state, data), say, state=State.AWAITING_REASON,
                     kind="agreement_broken")
    return Decision(decision.state, decision.data, (close, *decision.actions))


