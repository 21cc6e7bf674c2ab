"""Opt-out: one confirmation, then silence on that channel."""

from __future__ import annotations

from bot.domain import Context
from bot.flows.common import reply
from bot.flows.core import Conversation, Decision, OptOut, State
from bot.texts import Say


def opt_out(conv: Conversation, ctx: Context, channel: str) -> Decision:
    """Confirm once that no more messages will come on `channel`, and record it."""
    decision = reply(conv, Say("opt_out.confirm"), state=State.OPTED_OUT,
                     kind="opt_out_confirmation")
    return Decision(decision.state, decision.data, (*decision.actions, OptOut(channel)))
