"""Identity before disclosure: where the contact rules ask for it, the bot names the creditor
but not the debt until the contact proves who they are (the last 4 digits of their document).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from bot.domain import Context
from bot.flows.common import greeting_params, reply
from bot.flows.core import Conversation, Decision, Escalate, Send, State, VerifyIdentity
from bot.texts import Say

ASK_AGAIN_AFTER_DAYS = 3  # an unanswered identity question is asked again after this long
MAX_ATTEMPTS = 3
_DIGITS = re.compile(r"\d[\d .-]*\d|\d")


def needed(ctx: Context) -> bool:
    """True while the debt may not be disclosed to this contact."""
    return ctx.policy.identity_required and not ctx.debtor.identity_verified


def ask(conv: Conversation, ctx: Context) -> Decision:
    """The first message to someone not yet identified: who we are, and a question."""
    if ctx.debtor.document_last4 is None:
        # Nothing to check the answer against: a person must reach the debtor another way.
        if conv.data.get("identity_escalated"):
            return Decision(conv.state, dict(conv.data))
        data = dict(conv.data) | {"identity_escalated": True}
        return Decision(State.HUMAN, data, (Escalate("identity_unverifiable", "normal"),))
    asked = conv.data.get("identity_asked")
    if conv.state == State.AWAITING_IDENTITY and asked and \
            ctx.today < date.fromisoformat(asked) + timedelta(days=ASK_AGAIN_AFTER_DAYS):
        return Decision(conv.state, dict(conv.data))
    data = dict(conv.data) | {"identity_asked": ctx.today.isoformat()}
    say = Say("identity.ask", {"creditor": ctx.creditor, "name": ctx.debtor.name})
    return Decision(State.AWAITING_IDENTITY, data | {"options": [], "misses": 0},
                    (Send(say, "identity_check"),))


def answer(conv: Conversation, ctx: Context, text: str) -> tuple[Decision, Context] | Decision:
    """Check the contact's answer. On success returns the decision so far and the context as
    it is once identified, so the caller goes on with what it was going to say."""
    if ctx.debtor.document_last4 is None:
        return ask(conv, ctx)
    candidates = [re.sub(r"\D", "", m) for m in _DIGITS.findall(text)]
    if not candidates:
        return reply(conv, Say("identity.again"), state=State.AWAITING_IDENTITY,
                     kind="identity_check")
    if any(c[-4:] == ctx.debtor.document_last4 for c in candidates if len(c) >= 4):
        data = {k: v for k, v in conv.data.items()
                if k not in ("identity_asked", "identity_attempts")}
        said = reply(Conversation(conv.state, data),
                     Say("identity.confirmed", greeting_params(ctx)), state=State.IDLE)
        verified = replace(ctx, debtor=replace(ctx.debtor, identity_verified=True))
        return Decision(said.state, said.data, (VerifyIdentity(), *said.actions)), verified
    attempts = int(conv.data.get("identity_attempts", 0)) + 1
    data = dict(conv.data) | {"identity_attempts": attempts}
    if attempts >= MAX_ATTEMPTS:
        decision = reply(Conversation(conv.state, data), Say("identity.failed"),
                         state=State.HUMAN, kind="identity_check")
        return Decision(decision.state, decision.data,
                        (Escalate("identity_failed", "normal", {"attempts": attempts}),
                         *decision.actions))
    return reply(Conversation(conv.state, data), Say("identity.mismatch"),
                 state=State.AWAITING_IDENTITY, kind="identity_check")
