"""Pieces every flow uses: the debtor's totals and invoice lines, the option menus."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain import Context
from bot.flows.core import Conversation, Decision, Send, State
from bot.money import Money
from bot.texts import Say
from bot.understanding.types import Intent

# The answers to "why have you not paid?", offered as quick replies.
REASON_OPTIONS = ("already_paid", "pay_date", "cant_pay", "dispute", "no_invoice", "human")
BEFORE_DUE_OPTIONS = ("pay_now", "already_paid", "pay_date", "human")
CONFIRM_OPTIONS = ("yes", "no")

OPTION_INTENTS: Mapping[str, Intent] = {
    "already_paid": Intent.ALREADY_PAID,
    "pay_date": Intent.PROMISE_TO_PAY,
    "pay_now": Intent.WILL_PAY_NOW,
    "cant_pay": Intent.CANT_PAY,
    "dispute": Intent.DISPUTE,
    "no_invoice": Intent.DIDNT_RECEIVE_INVOICE,
    "human": Intent.TALK_TO_HUMAN,
    "yes": Intent.AFFIRM,
    "no": Intent.DENY,
    # Not a button: set by the shell for an exact opt-out keyword ("STOP", "BAJA") or
    # Twilio's own opt-out, which stop us whatever understanding reads.
    "opt_out": Intent.OPT_OUT,
}


def greeting_params(ctx: Context) -> dict[str, Any]:
    """The values most sentences start from: the debtor's first name and the creditor."""
    return {"name": first_name(ctx.debtor.name), "creditor": ctx.creditor}


def first_name(name: str) -> str:
    """The first word of a person's name ("Ana María Rojas" -> "Ana"), the whole of a company's."""
    words = name.split()
    companies = ("sas", "s.a.s.", "ltda", "s.a.", "sa", "inc", "llc", "ltda.", "me", "eireli")
    if not words or any(w.lower().strip(",.") in companies for w in words):
        return name.strip()
    return words[0]


def invoice_lines(ctx: Context) -> tuple[Say, ...]:
    """One line per open invoice, oldest due first."""
    lines = []
    for invoice in sorted(ctx.invoices, key=lambda i: (i.due_on, i.external_id)):
        key = "invoice.line_overdue" if invoice.due_on < ctx.today else "invoice.line"
        lines.append(Say(key, {"invoice": invoice.external_id, "amount": invoice.open,
                               "due_date": invoice.due_on}))
    return tuple(lines)


def how_to_pay(ctx: Context, amount: Money | None = None) -> Say:
    """How to pay `amount` (default: the balance): a payment link when a template is set,
    else the creditor's usual ways."""
    amount = amount or ctx.balance
    if ctx.payment_link is not None and amount is not None:
        return Say("pay.link", {"url": ctx.payment_link(amount)})
    return Say("pay.how", {"creditor": ctx.creditor})


def reply(conv: Conversation, say: Say, *, state: State | None = None,
          data: Mapping[str, Any] | None = None, kind: str = "reply") -> Decision:
    """Answer once, remembering the options offered so that "2" means the second one."""
    new_data = dict(conv.data if data is None else data)
    new_data["options"] = list(say.options)
    new_data["misses"] = 0
    return Decision(state or conv.state, new_data, (Send(say, kind),))


def silent(conv: Conversation) -> Decision:
    """Change nothing and say nothing."""
    return Decision(conv.state, dict(conv.data))
