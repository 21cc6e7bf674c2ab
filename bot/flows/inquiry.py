"""What the debtor writes, routed by state and intent: the answers to "why have you not paid?"
and everything a debtor may say between reminders."""

from __future__ import annotations

import re

from bot.domain import Context, DebtorSaid
from bot.flows import handoff, identity, negotiation, optout, reminder
from bot.flows.common import (
    OPTION_INTENTS,
    REASON_OPTIONS,
    greeting_params,
    how_to_pay,
    invoice_lines,
    reply,
    silent,
)
from bot.flows.core import Conversation, Decision, Note, Send, State
from bot.texts import Say
from bot.understanding.types import LOW_CONFIDENCE, Intent

MISSES_BEFORE_STAFF = 2
_OPTION_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")
NEGOTIATION_INTENTS = frozenset({Intent.CANT_PAY, Intent.REQUEST_PLAN, Intent.REQUEST_DISCOUNT,
                                 Intent.OFFER_AMOUNT})


def resolve_intent(conv: Conversation, said: DebtorSaid) -> tuple[Intent, bool]:
    """The intent to act on and whether we are sure of it.

    A tapped quick reply or a bare number answering the options just offered beats the
    reading of the text.
    """
    options = list(conv.data.get("options") or ())
    choice = said.option if said.option in OPTION_INTENTS else None
    match = _OPTION_NUMBER.match(said.text)
    if choice is None and match and options and 1 <= int(match.group(1)) <= len(options):
        choice = options[int(match.group(1)) - 1]
    if choice is not None:
        return OPTION_INTENTS[choice], True
    understood = said.understanding
    sure = understood.intent != Intent.UNKNOWN and understood.confidence >= LOW_CONFIDENCE
    return understood.intent, sure


def on_message(conv: Conversation, said: DebtorSaid, ctx: Context) -> Decision:
    """Answer one debtor message."""
    intent, sure = resolve_intent(conv, said)
    if conv.state in (State.OPTED_OUT, State.THIRD_PARTY):
        # They asked us to stop, or this is not the debtor: staff see the message, we stay
        # silent (writing back would be exactly the contact they refused).
        return silent(conv)
    if intent == Intent.OPT_OUT and sure:
        return optout.opt_out(conv, ctx, said.channel)
    if intent == Intent.WRONG_PERSON and sure:
        return handoff.wrong_person(conv, ctx)
    if conv.state in (State.HUMAN, State.DISPUTED):
        return handoff.while_human(conv, ctx)
    if identity.needed(ctx):
        return _identify(conv, said, ctx)
    if said.has_media and intent in (Intent.UNKNOWN, Intent.ALREADY_PAID):
        return handoff.payment_claimed(conv, ctx, said.text, has_media=True)
    if not sure:
        return _missed(conv, ctx)
    match intent:
        case Intent.TALK_TO_HUMAN:
            return handoff.to_human(conv, ctx)
        case Intent.ABUSE:
            return handoff.abuse(conv, ctx)
        case Intent.DISPUTE:
            return handoff.dispute(conv, ctx, said.text)
        case Intent.ALREADY_PAID:
            return handoff.payment_claimed(conv, ctx, said.text, has_media=said.has_media)
        case Intent.THANKS:
            return reply(conv, Say("thanks", greeting_params(ctx)))
        case Intent.GREETING:
            return reply(conv, Say("greeting", greeting_params(ctx), REASON_OPTIONS))
    balance = ctx.balance
    if balance is None:
        return reply(conv, Say("balance.none", {"creditor": ctx.creditor}), state=State.IDLE)
    if conv.state == State.NEGOTIATING and conv.data.get("offer"):
        if intent == Intent.AFFIRM:
            return negotiation.accept(conv, ctx)
        if intent == Intent.DENY:
            return negotiation.decline(conv, ctx)
    when = said.understanding.date
    if intent in (Intent.PROMISE_TO_PAY, Intent.WILL_PAY_NOW) and when and when > ctx.today:
        return negotiation.promise_on(conv, ctx, when)
    if intent in NEGOTIATION_INTENTS:
        reason = said.understanding.reason
        note = Note("reason", {"intent": intent.value, "reason": reason.value if reason else None})
        if reason is not None and reason.value in ctx.policy.hardship_to_staff:
            decision = handoff.hardship(conv, ctx, reason.value)
        else:
            decision = negotiation.propose(conv, ctx, said.understanding)
        return Decision(decision.state, decision.data, (note, *decision.actions))
    match intent:
        case Intent.PROMISE_TO_PAY:
            return negotiation.ask_date(conv, ctx)
        case Intent.WILL_PAY_NOW:
            return reply(conv, Say("pay.now", greeting_params(ctx) | {
                "total": balance, "how_to_pay": how_to_pay(ctx)}), state=State.IDLE)
        case Intent.ASK_BALANCE:
            return reply(conv, Say("balance", {"creditor": ctx.creditor, "total": balance,
                                               "lines": invoice_lines(ctx)}))
        case Intent.DIDNT_RECEIVE_INVOICE | Intent.ASK_PAYMENT_METHODS:
            return reply(conv, Say("invoice.details", {
                "lines": invoice_lines(ctx), "total": balance, "how_to_pay": how_to_pay(ctx)}))
    if when is not None and conv.state in (State.AWAITING_DATE, State.AWAITING_REASON,
                                           State.NEGOTIATING):
        # "el viernes" alone, after we asked for a day.
        return negotiation.promise_on(conv, ctx, when)
    if conv.state == State.AWAITING_DATE and intent in (Intent.AFFIRM, Intent.DENY):
        return negotiation.ask_date(conv, ctx)
    return _missed(conv, ctx)


def _identify(conv: Conversation, said: DebtorSaid, ctx: Context) -> Decision:
    """Until the contact proves who they are, talk about nothing else."""
    if conv.state != State.AWAITING_IDENTITY:
        return identity.ask(conv, ctx)
    result = identity.answer(conv, ctx, said.text)
    if isinstance(result, Decision):
        return result
    confirmed, verified = result
    # Identified: now what we were holding back, the reminder due or the balance.
    follow = reminder.on_reminder(Conversation(confirmed.state, confirmed.data), verified)
    if not any(isinstance(a, Send) for a in follow.actions) and verified.balance is not None:
        follow = reply(Conversation(confirmed.state, confirmed.data), Say("balance", {
            "creditor": ctx.creditor, "total": verified.balance,
            "lines": invoice_lines(verified)}, REASON_OPTIONS))
    return Decision(follow.state, follow.data, (*confirmed.actions, *follow.actions))


def _missed(conv: Conversation, ctx: Context) -> Decision:
    """Ask again with options; after two misses in a row, a person takes over."""
    misses = int(conv.data.get("misses", 0)) + 1
    if misses >= MISSES_BEFORE_STAFF:
        return handoff.to_human(conv, ctx, reason="misunderstood", text="not_understood.handoff")
    decision = reply(conv, Say("not_understood", {}, REASON_OPTIONS))
    return Decision(decision.state, dict(decision.data) | {"misses": misses}, decision.actions)
