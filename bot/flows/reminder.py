"""Reminders before and after the due date, grouped: one message per debtor per pass."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from bot import cadence
from bot.domain import Context, InvoiceView
from bot.flows import identity
from bot.flows.common import BEFORE_DUE_OPTIONS, REASON_OPTIONS, greeting_params, invoice_lines
from bot.flows.core import SILENT_STATES, Conversation, Decision, MarkReminded, Send, State
from bot.texts import Say


def on_reminder(conv: Conversation, ctx: Context) -> Decision:
    """The reminder due now for the debtor's open invoices, or nothing when none is due."""
    if conv.state in SILENT_STATES or _paused(conv, ctx) or ctx.active_agreement():
        return Decision(conv.state, dict(conv.data))
    due = cadence.due_offsets(ctx.invoices, ctx.policy.cadence_offsets, ctx.today)
    balance = ctx.balance
    if not due or balance is None:
        return Decision(conv.state, dict(conv.data))
    if identity.needed(ctx):
        return identity.ask(conv, ctx)
    first_contact = all(i.last_reminder_offset is None for i in ctx.invoices)
    step = max(due.values())
    kind = ctx.policy.cadence_stages.get(step) or cadence.stage(
        step, ctx.policy.cadence_offsets, first_contact=first_contact)
    oldest_due = min(i.due_on for i in ctx.invoices)
    params = greeting_params(ctx) | {"total": balance, "due_date": oldest_due,
                                     "lines": invoice_lines(ctx)}
    if kind == "before_due":
        say, state = Say("reminder.before_due", params, BEFORE_DUE_OPTIONS), State.IDLE
    elif kind == "due_today":
        say, state = Say("reminder.due_today", params, BEFORE_DUE_OPTIONS), State.IDLE
    elif kind == "last_notice":
        say, state = Say("reminder.last_notice", params, REASON_OPTIONS), State.AWAITING_REASON
    else:
        # Some presets forbid asking a debtor why they have not paid: offer options instead.
        key = "reminder.overdue" if ctx.policy.why_question_allowed else "reminder.overdue_options"
        say, state = Say(key, params, REASON_OPTIONS), State.AWAITING_REASON
    data = dict(conv.data) | {"options": list(say.options), "misses": 0}
    return Decision(state, data, (Send(say, f"reminder_{kind}"), MarkReminded(due)))


def next_reminder_at(state: State, data: dict[str, Any], ctx: Context,
                     reminded: dict[str, int] | None = None) -> datetime | None:
    """When the next automatic reminder is due, given the state after a step (None: never).

    `reminded` holds the steps just reminded in this step, not yet in `ctx.invoices`.
    """
    if state in SILENT_STATES:
        return None
    invoices = ctx.invoices
    if reminded:
        invoices = tuple(
            _with_offset(i, reminded[i.external_id]) if i.external_id in reminded else i
            for i in invoices
        )
    day = cadence.next_reminder_day(invoices, ctx.policy.cadence_offsets, ctx.today)
    if day is None:
        return None
    not_before = [day]
    paused = _paused_until(data)
    if paused is not None:
        not_before.append(paused)
    asked = data.get("identity_asked") if state == State.AWAITING_IDENTITY else None
    if asked:
        not_before.append(date.fromisoformat(asked) + timedelta(days=identity.ASK_AGAIN_AFTER_DAYS))
    agreement = ctx.active_agreement()
    if agreement is not None:
        # A running promise or plan covers the debt: its own follow-ups speak until it ends.
        not_before.append(agreement.last_due_on + timedelta(days=ctx.policy.promise_grace_days + 1))
    day = max(not_before)
    # Earlier today is fine: the timer is simply due. (Clamping to "now" would put it a moment
    # in the future of a process whose clock was set back, as RECOBRO_NOW does on restart.)
    return cadence.local_moment(day, ctx.policy.send_hour, ctx.policy.send_minute,
                                ctx.debtor.zone)


def _paused(conv: Conversation, ctx: Context) -> bool:
    until = _paused_until(conv.data)
    return until is not None and ctx.today < until


def _paused_until(data: Any) -> date | None:
    value = data.get("paused_until") if data else None
    return date.fromisoformat(value) if value else None


def _with_offset(invoice: InvoiceView, offset: int) -> InvoiceView:
    return replace(invoice, last_reminder_offset=offset)
