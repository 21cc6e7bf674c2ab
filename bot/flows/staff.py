"""What staff decide, as pure steps: take over, approve, counter, reject, mark paid, a receipt
not found, snooze, return to bot, and what a person writes to the debtor during a takeover.

Every button in the staff group (and every form on /admin/staff) arrives here as a
`StaffActed`; the shell only supplies what the case holds (the offer asked for, the
proposal staff typed) and carries out the actions. Staff authority is checked here too:
an offer beyond even the staff ceilings is never written to the debtor.

A takeover is the state HUMAN with `taken_by` in the data; while it lasts the bot writes
nothing on its own: the debtor's messages are relayed to staff, staff's texts go out as
`staff_message`, reminders and follow-ups wait.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.domain import Context, DebtorSaid, StaffActed, TimerFired
from bot.flows import optout
from bot.flows.common import greeting_params, reply
from bot.flows.core import (
    Action,
    Conversation,
    Decision,
    FlowError,
    Note,
    NotifyStaff,
    Schedule,
    Send,
    SetInvoiceStatus,
    State,
    UpdateCase,
)
from bot.flows.inquiry import resolve_intent
from bot.flows.negotiation import OFFER_OPTIONS, situation, staff_approved, terms
from bot.negotiation import (
    Authority,
    Offer,
    Outcome,
    Proposal,
    history_from_dicts,
    next_offer,
    offer_from_proposal,
    violations,
)
from bot.texts import Say
from bot.understanding.types import Intent

TAKEN = ("taken_by", "taken_name", "taken_at", "taken_from")  # the takeover's data keys
OFFER_KEYS = ("offer", "offer_authority", "offer_from")
AFTER_REJECTION_OPTIONS = ("pay_now", "pay_date", "cant_pay", "human")
TIMER_RETRY = timedelta(days=1)  # a follow-up that fell during a takeover is tried again then
MAX_SNOOZE_HOURS = 24 * 7
NEGOTIATION_CASES = ("negotiation_", "approval_threshold")


def taken(conv: Conversation) -> bool:
    """True while a person owns the conversation."""
    return conv.state == State.HUMAN and bool(conv.data.get("taken_by"))


# Decisions that write to the debtor: never for someone who asked for silence.
_TO_DEBTOR = frozenset({"approve_offer", "counter", "reject", "not_received", "message"})


def on_staff(conv: Conversation, event: StaffActed, ctx: Context) -> Decision:
    """Apply one staff decision."""
    case = event.data.get("case")
    case_id = int(case) if case is not None else None
    if event.action in _TO_DEBTOR and conv.state in (State.OPTED_OUT, State.THIRD_PARTY):
        return Decision(conv.state, dict(conv.data), (Note(f"{event.action}_refused", {
            "broken": [conv.state.value], "messages": [
                "The debtor asked for no more messages." if conv.state == State.OPTED_OUT
                else "This contact is not the debtor."]}),))
    match event.action:
        case "take_over":
            return take_over(conv, event, ctx, case_id)
        case "return_to_bot":
            return return_to_bot(conv, event, ctx)
        case "approve_offer":
            return approve(conv, event, ctx, case_id)
        case "counter":
            return counter(conv, event, ctx, case_id)
        case "reject":
            return reject(conv, event, ctx, case_id)
        case "not_received":
            return not_received(conv, ctx, case_id)
        case "mark_paid":
            # The payment itself went through the payment path (PaymentReceived); this
            # closes the case it answered.
            return Decision(conv.state, dict(conv.data),
                            (UpdateCase(case_id, "resolved", resolution="paid"),))
        case "snooze":
            hours = max(1, min(int(event.data.get("hours", 4)), MAX_SNOOZE_HOURS))
            return Decision(conv.state, dict(conv.data), (UpdateCase(
                case_id, "snoozed", until=ctx.now + timedelta(hours=hours)),))
        case "message":
            return message(conv, event)
    raise FlowError(f"no flow handles the staff action {event.action!r}")


def take_over(conv: Conversation, event: StaffActed, ctx: Context,
              case_id: int | None) -> Decision:
    """A person owns the conversation from now on; the bot goes quiet."""
    if conv.state in (State.OPTED_OUT, State.THIRD_PARTY):
        # They asked for silence, or this is not the debtor: nobody writes to them.
        return Decision(conv.state, dict(conv.data),
                        (Note("takeover_refused", {"state": conv.state.value}),))
    data = {k: v for k, v in conv.data.items() if k not in ("human_ack", *TAKEN)}
    data |= {"taken_by": event.actor, "taken_name": str(event.data.get("name") or event.actor),
             "taken_at": ctx.now.isoformat(),
             "taken_from": conv.data.get("taken_from", conv.state.value)
             if taken(conv) else conv.state.value}
    return Decision(State.HUMAN, data, (UpdateCase(None, "taken", assignee=event.actor),))


def _after_staff(conv: Conversation, ctx: Context) -> State:
    """Where a conversation goes when staff hand it back."""
    if conv.state not in (State.HUMAN, State.DISPUTED):
        return conv.state  # nothing was blocking the bot: it simply goes on
    return State.AGREED if ctx.active_agreement() else State.IDLE


def _released(conv: Conversation) -> dict[str, Any]:
    return {k: v for k, v in conv.data.items() if k not in ("human_ack", "misses", *TAKEN)}


def _close(conv: Conversation, case_id: int | None, resolution: str) -> UpdateCase:
    """Resolve the case decided; a decision during a takeover ends it, and with it every
    case the person held."""
    return UpdateCase(None if taken(conv) else case_id, "resolved", resolution=resolution)


def return_to_bot(conv: Conversation, event: StaffActed, ctx: Context) -> Decision:
    """Staff hand the conversation back: the bot resumes, staff get a summary."""
    state = _after_staff(conv, ctx)
    summary = {"by": conv.data.get("taken_name") or event.data.get("name") or event.actor,
               "taken_at": conv.data.get("taken_at"), "state": state.value,
               "returned_by": event.data.get("name") or event.actor}
    return Decision(state, _released(conv), (
        UpdateCase(None, "resolved", resolution="returned"), NotifyStaff("summary", summary)))


def _refused(kind: str, broken: list[Any], offer: dict[str, Any] | None) -> Note:
    return Note(kind, {"broken": [v.rule for v in broken],
                       "messages": [v.message for v in broken], "offer": offer})


def approve(conv: Conversation, event: StaffActed, ctx: Context,
            case_id: int | None) -> Decision:
    """Staff approve what the debtor asked for: written out for the debtor's yes.

    The terms asked for were priced when the debtor asked; if they no longer hold (the
    offer expired, days went by) they are priced again from the debtor's proposal.
    """
    stored = dict(event.data.get("offer") or {})
    sit = situation(ctx)
    proposal = event.data.get("proposal")
    if stored and sit is not None and proposal and violations(
            Offer.from_dict(stored), sit, ctx.policy.limits, Authority.STAFF):
        fresh = offer_from_proposal(Proposal.from_dict(proposal), sit, ctx.policy.limits)
        if fresh is not None:
            stored = fresh.as_dict()
    if not stored:
        return Decision(conv.state, dict(conv.data),
                        (Note("approval_refused", {"broken": ["no_offer"], "messages": [
                            "There is no offer on this case to approve; send a counter."]}),))
    base = Conversation(conv.state, _released(conv))
    decision = staff_approved(base, ctx, stored)
    if decision.state == base.state and not any(isinstance(a, Send) for a in decision.actions):
        return Decision(conv.state, dict(conv.data), decision.actions)  # refused: case stays
    return Decision(decision.state, decision.data, (
        *decision.actions, _close(conv, case_id, "approved")))


def counter(conv: Conversation, event: StaffActed, ctx: Context,
            case_id: int | None) -> Decision:
    """Staff propose their own terms (within the staff ceilings) for the debtor's yes."""
    sit = situation(ctx)
    raw = event.data.get("proposal")
    if sit is None or not raw:
        return Decision(conv.state, dict(conv.data), (
            Note("counter_refused", {"broken": ["no_debt" if sit is None else "no_terms"],
                                     "messages": ["Nothing is owed any more."
                                                  if sit is None else "No terms were given."]}),))
    offer = offer_from_proposal(Proposal.from_dict(raw), sit, ctx.policy.limits)
    if offer is None:
        return Decision(conv.state, dict(conv.data), (
            Note("counter_refused", {"broken": ["no_offer"], "messages": [
                "Those terms make no offer; give a number of payments, an amount or a date."]}),))
    broken = violations(offer, sit, ctx.policy.limits, Authority.STAFF)
    if broken:
        return Decision(conv.state, dict(conv.data),
                        (_refused("counter_refused", broken, offer.as_dict()),))
    data = _released(conv) | {"offer": offer.as_dict(), "offer_authority": "staff",
                              "offer_from": "staff"}
    decision = reply(Conversation(conv.state, data), Say("offer.staff_counter", {
        **greeting_params(ctx), "terms": terms(offer, ctx)}, ("yes", "no")),
        state=State.NEGOTIATING)
    return Decision(decision.state, decision.data, (
        *decision.actions, _close(conv, case_id, "countered")))


def reject(conv: Conversation, event: StaffActed, ctx: Context, case_id: int | None) -> Decision:
    """Staff say no: to a dispute (the debt stands), a request, or a claimed payment."""
    reason = str(event.data.get("reason", ""))
    if reason == "dispute":
        # The invoices count again; the engine reschedules the reminders from them.
        decision = reply(Conversation(conv.state, _released(conv)),
                         Say("dispute.rejected", greeting_params(ctx), AFTER_REJECTION_OPTIONS),
                         state=_after_staff(conv, ctx))
        return Decision(decision.state, decision.data, (
            SetInvoiceStatus("open", only="disputed"), *decision.actions,
            _close(conv, case_id, "rejected")))
    if reason == "payment_claimed":
        return not_received(conv, ctx, case_id)
    if reason.startswith(NEGOTIATION_CASES):
        return _reject_request(conv, ctx, case_id)
    return Decision(conv.state, dict(conv.data), (
        Note("reject_refused", {"broken": ["not_a_request"], "messages": [
            f"A case for {reason or 'this reason'} has nothing to reject; take it over or "
            "return it to the bot."]}),))


def _reject_request(conv: Conversation, ctx: Context, case_id: int | None) -> Decision:
    """A request beyond the limits is refused; the best offer within them stands, if any."""
    sit = situation(ctx)
    data = {k: v for k, v in _released(conv).items() if k not in OFFER_KEYS}
    close = _close(conv, case_id, "rejected")
    state = State.AGREED if ctx.active_agreement() else State.IDLE
    if sit is not None:
        history = list(conv.data.get("negotiation") or [])
        verdict = next_offer(sit, ctx.policy.limits, history_from_dicts(history))
        offer = verdict.offer
        if verdict.outcome is Outcome.OFFER and offer is not None and not offer.needs_approval:
            data |= {"offer": offer.as_dict(), "offer_authority": "bot",
                     "negotiation": [*history, offer.as_dict()]}
            expires = offer.expires_at.astimezone(ctx.debtor.zone).date()
            decision = reply(Conversation(conv.state, data), Say("negotiation.rejected_offer", {
                **greeting_params(ctx), "terms": terms(offer, ctx), "expires": expires},
                OFFER_OPTIONS), state=State.NEGOTIATING)
            return Decision(decision.state, decision.data, (*decision.actions, close))
    decision = reply(Conversation(conv.state, data), Say("negotiation.rejected",
                                                         greeting_params(ctx)), state=state)
    return Decision(decision.state, decision.data, (*decision.actions, close))


def not_received(conv: Conversation, ctx: Context, case_id: int | None) -> Decision:
    """The claimed payment is not in the accounts: the debtor is told and the pause ends."""
    data = {k: v for k, v in _released(conv).items() if k != "paused_until"}
    state = State.AGREED if ctx.active_agreement() else State.IDLE
    decision = reply(Conversation(conv.state, data), Say(
        "payment.not_found", greeting_params(ctx), AFTER_REJECTION_OPTIONS), state=state)
    return Decision(decision.state, decision.data, (
        *decision.actions, _close(conv, case_id, "not_received")))


def message(conv: Conversation, event: StaffActed) -> Decision:
    """What a person writes to the debtor during their takeover, through the outbox."""
    text = str(event.data.get("text", "")).strip()
    if not taken(conv):
        return Decision(conv.state, dict(conv.data), (Note("message_refused", {
            "broken": ["not_taken"], "messages": ["Take the conversation over first."]}),))
    if not text:
        return Decision(conv.state, dict(conv.data))
    say = Say("staff.message", {"text": text})
    data = dict(conv.data) | {"options": [], "misses": 0}
    return Decision(conv.state, data, (Send(say, "staff_message"),))


def during_takeover(conv: Conversation, said: DebtorSaid, ctx: Context) -> Decision:
    """The debtor writes while a person owns the conversation: relayed, never answered by the
    bot, except that an opt-out is honoured and confirmed (the rules require it)."""
    intent, sure = resolve_intent(conv, said)
    if intent == Intent.OPT_OUT and sure:
        decision = optout.opt_out(conv, ctx, said.channel)
        return Decision(decision.state, decision.data,
                        (*decision.actions, NotifyStaff("relay")))
    return Decision(conv.state, dict(conv.data), (NotifyStaff("relay"),))


def timer_during_takeover(conv: Conversation, event: TimerFired, ctx: Context) -> Decision:
    """A follow-up (an instalment reminder or check) waits until staff hand the case back."""
    actions: tuple[Action, ...] = ()
    if event.kind != "reminder":
        actions = (Schedule(event.kind, event.key, at=ctx.now + TIMER_RETRY,
                            data=dict(event.data)),)
    return Decision(conv.state, dict(conv.data), actions)


def quiet(decision: Decision, note: str) -> Decision:
    """A decision with its messages to the debtor held back and staff told instead."""
    kept = tuple(a for a in decision.actions if not isinstance(a, Send))
    dropped = [a.kind for a in decision.actions if isinstance(a, Send)]
    if not dropped:
        return decision
    return Decision(decision.state, decision.data,
                    (*kept, NotifyStaff("info", {"event": note, "held": dropped})))
