"""Negotiating like a good collector, never outside the segment's limits.

The decisions come from the pure negotiation core (`bot.negotiation`): this module turns a
debtor's message into a `Proposal`, the core's `Decision` into what the debtor reads, and a
"yes" to a written offer into an agreement, after checking it once more with the core's
independent `violations`. The negotiation so far (every offer made and proposal heard) is
kept in the conversation's data, so a replay rebuilds it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot.domain import Context
from bot.flows.common import CONFIRM_OPTIONS, greeting_params, how_to_pay, reply
from bot.flows.core import (
    Conversation,
    CreateAgreement,
    Decision,
    Escalate,
    Note,
    Schedule,
    State,
)
from bot.money import Money
from bot.negotiation import (
    Authority,
    Currency,
    Offer,
    OfferKind,
    Outcome,
    Proposal,
    Rule,
    Situation,
    days_overdue,
    evaluate,
    history_from_dicts,
    ladder,
    next_offer,
    proposal_from_understanding,
    violations,
)
from bot.negotiation import Decision as Verdict
from bot.texts import Percent, Say
from bot.understanding import Understanding

OFFER_OPTIONS = ("yes", "no", "human")
REMIND_DAYS_BEFORE = 3  # an instalment is reminded this many days before it is due
AGREEMENT_KINDS = {OfferKind.PAY_IN_FULL: "promise", OfferKind.PROMISE: "promise",
                   OfferKind.PLAN: "plan", OfferKind.SETTLEMENT: "settlement"}


def situation(ctx: Context) -> Situation | None:
    """What is being negotiated now, or None when nothing is owed."""
    balance = ctx.balance
    if balance is None or balance.minor <= 0:
        return None
    oldest = min(i.due_on for i in ctx.invoices)
    return Situation(balance.minor, Currency.of(balance.currency),
                     days_overdue(oldest, ctx.today), ctx.today, ctx.now)


def _history(conv: Conversation) -> list[dict[str, Any]]:
    return list(conv.data.get("negotiation") or [])


def propose(conv: Conversation, ctx: Context, reading: Understanding) -> Decision:
    """Answer what the debtor proposes (a plan, an amount, a date, a discount, or "I can't")."""
    sit = situation(ctx)
    assert sit is not None, "the router only negotiates a debt that exists"
    history = _history(conv)
    proposal = proposal_from_understanding(reading, sit.currency)
    if proposal is None:
        # "No puedo pagar": the reminder already asked for payment in full, so the next rung.
        if not history:
            history.append(ladder(sit, ctx.policy.limits)[0].as_dict())
        verdict = next_offer(sit, ctx.policy.limits, history_from_dicts(history))
        return _answer(conv, ctx, verdict, history, text="offer.proposal")
    history.append(proposal.as_dict())
    verdict = evaluate(proposal, sit, ctx.policy.limits, history_from_dicts(history[:-1]))
    return _answer(conv, ctx, verdict, history, text="offer.counter")


def promise_on(conv: Conversation, ctx: Context, day: date) -> Decision:
    """The debtor names a day to pay it all."""
    sit = situation(ctx)
    assert sit is not None
    history = [*_history(conv), Proposal.promise(day).as_dict()]
    verdict = evaluate(Proposal.promise(day), sit, ctx.policy.limits,
                       history_from_dicts(history[:-1]))
    return _answer(conv, ctx, verdict, history, text="offer.counter")


def decline(conv: Conversation, ctx: Context) -> Decision:
    """The debtor says no to the offer on the table: concede the next step, or a person.

    A "no" to their own terms written back (a day they named) asks for another day instead.
    """
    sit = situation(ctx)
    assert sit is not None
    stored = conv.data.get("offer") or {}
    if conv.data.get("offer_from") == "debtor" and stored.get("kind") == "promise":
        data = {k: v for k, v in conv.data.items()
                if k not in ("offer", "offer_authority", "offer_from")}
        return ask_date(Conversation(conv.state, data), ctx)
    history = _history(conv)
    verdict = next_offer(sit, ctx.policy.limits, history_from_dicts(history))
    return _answer(conv, ctx, verdict, history, text="offer.next")


def accept(conv: Conversation, ctx: Context) -> Decision:
    """The debtor says yes to the written offer: record the agreement and its follow-up."""
    sit = situation(ctx)
    stored = conv.data.get("offer")
    assert sit is not None and stored is not None
    offer = Offer.from_dict(stored)
    authority = Authority(conv.data.get("offer_authority", Authority.BOT.value))
    broken = violations(offer, sit, ctx.policy.limits, authority)
    if broken and {v.rule for v in broken} == {Rule.APPROVAL_THRESHOLD.value}:
        # A balance above the segment's threshold: the debtor's yes goes to a person, who
        # approves it (then the debtor confirms once more) or not.
        return _for_approval(conv, offer)
    if broken:
        # Expired, or the balance moved (a payment arrived): what was written no longer
        # holds, so write what holds today.
        verdict = next_offer(sit, ctx.policy.limits, ())
        return _answer(conv, ctx, verdict, [], text="offer.expired")
    data = {k: v for k, v in conv.data.items()
            if k not in ("offer", "offer_authority", "offer_from", "negotiation")}
    decision = reply(Conversation(conv.state, data), Say("agreement.confirmed", {
        **greeting_params(ctx), "terms": terms(offer, ctx), "how_to_pay": how_to_pay(ctx)}),
        state=State.AGREED)
    currency = offer.currency
    schedule = tuple((i.due, Money(i.amount, currency)) for i in offer.schedule)
    actions: list[Any] = [CreateAgreement(
        AGREEMENT_KINDS[offer.kind], schedule, offer.as_dict(), authority.value,
        discount_percent=format(offer.discount_percent, "f"))]
    count = len(schedule)
    for seq, (due, amount) in enumerate(schedule, start=1):
        data_for = {"seq": seq, "count": count, "due": due.isoformat(),
                    "amount": amount.as_json()}
        remind_on = due - timedelta(days=REMIND_DAYS_BEFORE if count > 1 else 1)
        if remind_on > ctx.today:
            actions.append(Schedule("installment_reminder", str(seq), day=remind_on,
                                    data=data_for))
        actions.append(Schedule("installment_check", str(seq),
                                day=due + timedelta(days=ctx.policy.promise_grace_days + 1),
                                data=data_for))
    return Decision(decision.state, decision.data, (*actions, *decision.actions))


def _for_approval(conv: Conversation, offer: Offer) -> Decision:
    data = {k: v for k, v in conv.data.items()
            if k not in ("offer", "offer_authority", "offer_from")}
    decision = reply(Conversation(conv.state, data), Say("negotiation.review"), state=State.HUMAN)
    escalate = Escalate("approval_threshold", "normal", {"decision": {
        "outcome": "escalate", "reason": "approval_threshold", "offer": None,
        "broken": [Rule.APPROVAL_THRESHOLD.value], "proposal": None,
        "requested": offer.as_dict()}})
    return Decision(decision.state, decision.data, (escalate, *decision.actions))


def staff_approved(conv: Conversation, ctx: Context, offer_data: dict[str, Any]) -> Decision:
    """Staff approved terms beyond the bot's limits: write them out for the debtor's yes."""
    offer = Offer.from_dict(offer_data)
    sit = situation(ctx)
    found = [] if sit is None else violations(offer, sit, ctx.policy.limits, Authority.STAFF)
    broken = ["no_debt"] if sit is None else [v.rule for v in found]
    if broken:
        # Beyond even the staff ceilings (or stale): nothing is written to the debtor; the
        # staff screen shows the refusal from this note.
        messages = ["Nothing is owed any more."] if sit is None else [v.message for v in found]
        return Decision(conv.state, dict(conv.data), (Note("approval_refused", {
            "broken": broken, "messages": messages, "offer": offer_data}),))
    data = dict(conv.data) | {"offer": offer.as_dict(), "offer_authority": "staff"}
    return reply(Conversation(conv.state, data), Say("offer.approved", {
        **greeting_params(ctx), "terms": terms(offer, ctx)}, CONFIRM_OPTIONS),
        state=State.NEGOTIATING)


def _answer(conv: Conversation, ctx: Context, verdict: Verdict, history: list[dict[str, Any]],
            *, text: str) -> Decision:
    base = {k: v for k, v in conv.data.items()
            if k not in ("offer", "offer_authority", "offer_from")}
    base["negotiation"] = history
    note = Note("negotiation", verdict.as_dict())
    offer = verdict.offer
    if verdict.outcome is Outcome.ACCEPT and offer is not None:
        data = base | {"offer": offer.as_dict(), "offer_authority": "bot",
                       "offer_from": "debtor"}
        decision = reply(Conversation(conv.state, data),
                         Say("offer.accepted", {"terms": terms(offer, ctx)}, CONFIRM_OPTIONS),
                         state=State.NEGOTIATING)
        return Decision(decision.state, decision.data, (note, *decision.actions))
    if verdict.outcome is Outcome.OFFER and offer is not None:
        data = base | {"offer": offer.as_dict(), "offer_authority": "bot"}
        history.append(offer.as_dict())
        key = text if (verdict.broken or text != "offer.counter") else "offer.proposal"
        decision = reply(Conversation(conv.state, data), Say(key, {
            "terms": terms(offer, ctx), "expires": _local_day(offer, ctx)}, OFFER_OPTIONS),
            state=State.NEGOTIATING)
        return Decision(decision.state, decision.data, (note, *decision.actions))
    # ESCALATE: a person decides; the best offer inside the limits may stand meanwhile.
    escalate = Escalate(f"negotiation_{verdict.reason.value if verdict.reason else 'other'}",
                        "normal", {"decision": verdict.as_dict()})
    if offer is not None and not offer.needs_approval:
        history.append(offer.as_dict())
        data = base | {"offer": offer.as_dict(), "offer_authority": "bot"}
        decision = reply(Conversation(conv.state, data), Say("negotiation.review_meanwhile", {
            "terms": terms(offer, ctx)}, OFFER_OPTIONS), state=State.NEGOTIATING)
    elif history and verdict.proposal is None:
        decision = reply(Conversation(conv.state, base), Say("negotiation.exhausted"),
                         state=State.HUMAN)
    else:
        decision = reply(Conversation(conv.state, base), Say("negotiation.review"),
                         state=State.HUMAN)
    return Decision(decision.state, decision.data, (note, escalate, *decision.actions))


def terms(offer: Offer, ctx: Context) -> Say:
    """The offer written out: every payment's amount and date, and the total."""
    money = lambda minor: Money(minor, offer.currency)  # noqa: E731
    total, balance = money(offer.total), money(offer.balance)
    if offer.kind is OfferKind.PLAN:
        lines = tuple(Say("terms.line", {"date": i.due, "amount": money(i.amount)})
                      for i in offer.schedule)
        params: dict[str, Any] = {"count": offer.installments, "lines": lines, "total": total}
        if offer.charges:
            return Say("terms.plan_charges", params | {"charges": money(offer.charges)})
        return Say("terms.plan", params)
    day = offer.schedule[0].due
    if offer.kind is OfferKind.SETTLEMENT:
        return Say("terms.settlement", {"total": total, "date": day, "balance": balance,
                                        "percent": Percent(offer.discount_percent)})
    if offer.kind is OfferKind.PAY_IN_FULL and offer.discount_percent > 0:
        return Say("terms.pay_in_full_discount", {"total": total, "date": day,
                                                  "balance": balance,
                                                  "percent": Percent(offer.discount_percent)})
    key = "terms.pay_in_full" if offer.kind is OfferKind.PAY_IN_FULL else "terms.promise"
    return Say(key, {"total": total, "date": day})


def _local_day(offer: Offer, ctx: Context) -> date:
    return offer.expires_at.astimezone(ctx.debtor.zone).date()


def ask_date(conv: Conversation, ctx: Context) -> Decision:
    """Ask on which day the debtor can pay it all."""
    balance = ctx.balance
    assert balance is not None
    return reply(conv, Say("promise.ask_date", {"total": balance}), state=State.AWAITING_DATE)
