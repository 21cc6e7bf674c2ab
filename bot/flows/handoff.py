"""When a person is needed: a dispute, a request for a human, abuse, a claimed payment,
a wrong number, hardship a person should handle, or a bot that keeps misunderstanding."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import Context
from bot.flows.common import greeting_params, reply
from bot.flows.core import (
    Conversation,
    Decision,
    Escalate,
    MarkThirdParty,
    Note,
    NotifyStaff,
    SetInvoiceStatus,
    State,
)
from bot.texts import Say


def _with(decision: Decision, *actions: object) -> Decision:
    return Decision(decision.state, decision.data, (*decision.actions, *actions))  # type: ignore[arg-type]


def to_human(conv: Conversation, ctx: Context, *, reason: str = "talk_to_human",
             text: str = "handoff.ack", priority: str = "normal") -> Decision:
    """Hand the conversation to staff and tell the debtor a person will write."""
    decision = reply(conv, Say(text, greeting_params(ctx)), state=State.HUMAN)
    return _with(decision, Escalate(reason, priority, {"from_state": conv.state.value}))


def while_human(conv: Conversation, ctx: Context) -> Decision:
    """A message while the case waits for staff: shown to them; acknowledged once."""
    relay = NotifyStaff("relay")
    if conv.data.get("human_ack"):
        return Decision(conv.state, dict(conv.data), (relay,))
    data = dict(conv.data) | {"human_ack": True}
    return _with(reply(conv, Say("handoff.waiting"), data=data), relay)


def hardship(conv: Conversation, ctx: Context, reason: str) -> Decision:
    """A hardship the segment hands to people (illness, by default): no bargaining by a bot."""
    return to_human(conv, ctx, reason=f"hardship_{reason}", text="hardship.ack",
                    priority="high")


def abuse(conv: Conversation, ctx: Context) -> Decision:
    """Answer calmly and give the case to a person."""
    return to_human(conv, ctx, reason="abuse", text="abuse.reply", priority="high")


def dispute(conv: Conversation, ctx: Context, text: str) -> Decision:
    """The debtor contests the debt: stop reminders for it and ask staff to review."""
    decision = reply(conv, Say("dispute.ack", greeting_params(ctx)), state=State.DISPUTED)
    return _with(decision, SetInvoiceStatus("disputed"),
                 Escalate("dispute", "high", {"debtor_text": text[:500]}))


def payment_claimed(conv: Conversation, ctx: Context, text: str, has_media: bool) -> Decision:
    """The debtor says they paid: thank them, pause reminders, and ask staff to verify."""
    if conv.state == State.PAYMENT_CLAIMED and not has_media:
        return reply(conv, Say("already_paid.waiting", greeting_params(ctx)))
    until = ctx.today + timedelta(days=ctx.policy.payment_claim_pause_days)
    data = dict(conv.data) | {"paused_until": until.isoformat()}
    decision = reply(conv, Say("already_paid.ack", greeting_params(ctx)),
                     state=State.PAYMENT_CLAIMED, data=data)
    return _with(decision, Escalate("payment_claimed", "normal",
                                    {"debtor_text": text[:500], "receipt": has_media}))


def wrong_person(conv: Conversation, ctx: Context) -> Decision:
    """Not the debtor: apologise without a word about the debt, stop, and tell staff."""
    decision = reply(conv, Say("wrong_person.ack"), state=State.THIRD_PARTY,
                     kind="third_party_ack")
    return _with(decision, MarkThirdParty(), Escalate("wrong_person", "normal"),
                 Note("third_party", {}))
