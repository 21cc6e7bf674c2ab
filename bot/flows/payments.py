"""A payment arrived: thank the debtor once, close what it completes, stop what it covers."""

from __future__ import annotations

from bot.domain import Context
from bot.flows.common import greeting_params
from bot.flows.core import CloseAgreement, Conversation, Decision, Send, State
from bot.money import Money
from bot.texts import Say

# Where the conversation goes once nothing is owed.
_SETTLED_FROM = frozenset({State.IDLE, State.AWAITING_REASON, State.AWAITING_DATE,
                           State.NEGOTIATING, State.AGREED, State.PAYMENT_CLAIMED})


def on_payment(conv: Conversation, amount: Money, ctx: Context) -> Decision:
    """`ctx` already holds the balance after this payment."""
    actions: list[object] = []
    agreement = ctx.active_agreement()
    balance = ctx.balance
    if agreement is not None and (balance is None or all(
            i.paid.minor >= i.amount.minor for i in agreement.installments)):
        actions.append(CloseAgreement(agreement.id, "kept"))
    data = {k: v for k, v in conv.data.items() if k not in ("paused_until",)}
    state = conv.state
    if balance is None:
        data = {k: v for k, v in data.items() if k not in ("offer", "offer_authority",
                                                          "offer_from", "negotiation")}
        if state in _SETTLED_FROM:
            state = State.IDLE
    elif state == State.PAYMENT_CLAIMED:
        state = State.AGREED if agreement is not None else State.IDLE
    if conv.state in (State.OPTED_OUT, State.THIRD_PARTY):
        # No thanks to someone who asked for silence, or to a number that is not the debtor.
        return Decision(conv.state, data, tuple(actions))  # type: ignore[arg-type]
    params = greeting_params(ctx) | {"amount": amount}
    if balance is None:
        say = Say("payment.thanks_full", params)
    else:
        say = Say("payment.thanks_partial", params | {"balance": balance})
    actions.append(Send(say, "payment_thanks"))
    return Decision(state, data, tuple(actions))  # type: ignore[arg-type]
