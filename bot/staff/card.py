"""A case as staff read it: the card's text and its buttons. Pure: a `CaseView` in, text out.

Staff-facing text is English for now (debtor-facing sentences are in the gettext catalogs);
amounts are formatted in the debtor's locale, because that is how the debt is written on
their invoices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.money import Money, format_money
from bot.negotiation import Limits, Offer, OfferKind
from bot.staff.cases import CaseView

REASONS = {
    "dispute": "Disputes the debt",
    "talk_to_human": "Asked for a person",
    "abuse": "Abusive messages",
    "misunderstood": "The bot did not understand twice",
    "payment_claimed": "Says they paid",
    "payment_held": "A payment could not be applied",
    "broken_promise": "Broke a promise again",
    "broken_plan": "Broke a plan again",
    "broken_settlement": "Broke a settlement again",
    "negotiation_outside_limits": "Asks for terms beyond the limits",
    "negotiation_insists_outside_limits": "Insists on terms beyond the limits",
    "negotiation_approval_required": "Terms that need approval (balance above threshold)",
    "negotiation_no_offer_left": "Turned down every offer",
    "approval_threshold": "Accepted terms that need approval (balance above threshold)",
    "hardship_illness": "Cannot pay because of illness",
    "hardship_job_loss": "Cannot pay after losing their job",
    "hardship_no_money": "Cannot pay: no money",
    "hardship_business_slow": "Cannot pay: business is slow",
    "wrong_person": "Not the debtor (wrong number)",
    "identity_failed": "Could not prove their identity",
    "identity_unverifiable": "Identity cannot be checked (no document on file)",
    "no_channel": "No channel to write on",
    "no_template": "A WhatsApp message waits for an approved template",
    "template_mismatch": "A WhatsApp template does not fit the message",
    "delivery_failed": "No channel delivers to them",
}
CHANNELS = {"whatsapp": "WhatsApp", "sms": "SMS", "telegram": "Telegram"}
TEXT_LIMIT = 4000  # Telegram allows 4,096 characters in a message


@dataclass(frozen=True, slots=True)
class Button:
    """One button: what it says and the action it asks for."""

    label: str
    action: str  # take | back | approve | counter | reject | verify | notrec | paid | snooze
    arg: str = ""


def reason_text(reason: str) -> str:
    """The case's reason in words."""
    return REASONS.get(reason, reason.replace("_", " ").capitalize())


def _money(minor: int, currency: str, locale: str) -> str:
    return format_money(Money(minor, currency), locale)


def describe_offer(data: dict[str, Any], locale: str) -> str:
    """An offer written out for staff: each payment, the total and any discount."""
    try:
        offer = Offer.from_dict(data)
    except (ValueError, KeyError, TypeError):
        return "(an offer this version cannot read)"
    cur = offer.currency
    if offer.kind is OfferKind.PLAN:
        payments = ", ".join(f"{i.due:%Y-%m-%d} {_money(i.amount, cur, locale)}"
                             for i in offer.schedule)
        text = f"plan of {offer.installments} payments: {payments}; total " \
               f"{_money(offer.total, cur, locale)}"
    else:
        first = offer.schedule[0]
        words = {OfferKind.PAY_IN_FULL: "pay in full", OfferKind.PROMISE: "promise",
                 OfferKind.SETTLEMENT: "settlement"}[offer.kind]
        text = f"{words}: {_money(first.amount, cur, locale)} by {first.due:%Y-%m-%d}"
    if offer.discount_percent > 0:
        text += f" ({_pct(offer.discount_percent)} off {_money(offer.balance, cur, locale)})"
    return text


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def limits_lines(limits: Limits, days_overdue: int, currency: str | None,
                 locale: str) -> list[str]:
    """The limits that applied, in a few words each; staff ceilings where they differ."""
    amount = (lambda major: format_money(Money.of(major, currency), locale)) if currency \
        else (lambda major: f"{major:f}")
    down = _pct(limits.min_down_payment_percent)
    lines = [f"bot: up to {limits.max_installments} payments of at least "
             f"{amount(limits.min_installment)}, down payment {down}, plans up to "
             f"{limits.max_plan_days} days, dates up to "
             f"{limits.max_postpone_days} days ahead, discount up to "
             f"{_pct(limits.max_discount_at(days_overdue))} at {days_overdue} days overdue"]
    staff = []
    if limits.staff_max_installments is not None:
        staff.append(f"up to {limits.staff_max_installments} payments")
    if limits.staff_max_plan_days is not None:
        staff.append(f"plans up to {limits.staff_max_plan_days} days")
    if limits.staff_max_postpone_days is not None:
        staff.append(f"dates up to {limits.staff_max_postpone_days} days ahead")
    if limits.staff_max_discount_percent is not None:
        staff.append(f"discount up to {_pct(limits.staff_max_discount_percent)}")
    lines.append("staff: " + (", ".join(staff) if staff else "the same as the bot"))
    if limits.approval_threshold is not None:
        lines.append(f"every deal needs approval above {amount(limits.approval_threshold)}")
    return lines


def status_line(view: CaseView, now: datetime) -> str:
    """Where the case stands: open (and until when), taken, snoozed, resolved."""
    if view.status == "resolved":
        return f"Resolved: {view.resolution or 'done'}"
    if view.taken_by:
        return f"Taken over by {view.taken_by}"
    due = view.deadline - now
    hours = int(due.total_seconds() // 3600)
    when = f"due in {hours} h" if due.total_seconds() > 0 else "PAST ITS DEADLINE"
    if view.status == "snoozed":
        return f"Snoozed ({when})"
    return f"Open, {view.priority} priority, {when}"


def card_text(view: CaseView, now: datetime) -> str:
    """The card: who, what they owe, why, the last messages, the offer, the limits."""
    lines = [f"Case #{view.id} · {reason_text(view.reason)}",
             status_line(view, now), ""]
    if view.debtor_id is None:
        lines += details(view.data, view.reason)
        return _fit("\n".join(lines))
    local = f", {view.local_now:%a %H:%M} their time" if view.local_now else ""
    lines.append(f"{view.name} ({view.external_id}) · {CHANNELS.get(view.channel, view.channel)}"
                 f" · {view.locale}{local}")
    oldest = max((i.days_overdue for i in view.invoices), default=0)
    if view.balance is not None:
        lines.append(f"Owes {format_money(view.balance, view.locale)}"
                     + (f", {oldest} days overdue" if oldest else ", not yet due"))
    elif view.invoices:
        lines.append("Owes nothing undisputed")
    else:
        lines.append("Owes nothing")
    lines += [f"  {i.invoice_id}: {format_money(i.open, view.locale)} due {i.due_on:%Y-%m-%d}"
              + (f" ({i.days_overdue} days overdue)" if i.days_overdue else "")
              + (" DISPUTED" if i.disputed else "") for i in view.invoices]
    lines.append(f"Conversation: {view.state.replace('_', ' ')}")
    detail = details(view.data, view.reason)
    if detail:
        lines += ["", *detail]
    requested = view.requested
    if requested:
        lines += ["", f"Asked for: {describe_offer(requested, view.locale)}"]
        broken = (view.data.get("decision") or {}).get("broken") or []
        if broken:
            lines.append("Breaks: " + ", ".join(str(b).replace("_", " ") for b in broken))
    table = view.on_the_table
    if table:
        lines.append(f"On the table: {describe_offer(table, view.locale)}")
    if view.messages:
        lines += ["", "Last messages:"]
        for m in view.messages:
            who = "Debtor" if m.direction == "in" else ("Staff" if m.kind == "staff_message"
                                                       else "Bot")
            clip = m.text if len(m.text) <= 240 else m.text[:237] + "..."
            extra = " [attachment]" if m.attachments else ""
            lines.append(f"{m.at:%d %b %H:%M} {who}: {clip}{extra}")
    if view.attachments:
        stored = [a for a in view.attachments if a.status == "stored"]
        other = [a for a in view.attachments if a.status != "stored"]
        lines.append(f"Attachments: {len(stored)} kept" + (
            "; " + "; ".join(f"{a.content_type} {a.status}" + (f" ({a.error})" if a.error else "")
                             for a in other) if other else ""))
    currency = view.invoices[0].open.currency if view.invoices else None
    days = max((i.days_overdue for i in view.invoices), default=0)
    lines += ["", f"Limits (segment {view.segment}, policy v{view.policy_version}):"]
    lines += [f"  {line}" for line in limits_lines(view.limits, days, currency, view.locale)]
    return _fit("\n".join(lines))


def details(data: dict[str, Any], reason: str) -> list[str]:
    """What a case's data says, for the reasons that carry something to read."""
    parts = []
    if data.get("debtor_text"):
        parts.append(f"They wrote: \u201c{str(data['debtor_text'])[:300]}\u201d")
    if reason == "payment_claimed":
        parts.append("A receipt was sent: verify it." if data.get("receipt")
                     else "No receipt yet.")
    if reason == "payment_held":
        parts.append(f"Payment {data.get('reference')}: {data.get('reason')}")
    if reason in ("no_template", "template_mismatch", "held"):
        parts.append(f"Held {data.get('kind')} on {data.get('channel')}: {data.get('detail')}")
    if reason == "delivery_failed":
        for channel, info in (data.get("channels") or {}).items():
            parts.append(f"{CHANNELS.get(channel, channel)}: {info.get('status')}"
                         + (f" ({info.get('code')}: {info.get('reason')})"
                            if info.get("code") else ""))
    if reason.startswith("broken_"):
        parts.append(f"Agreements broken so far: {data.get('broken_agreements')}")
    if data.get("again"):
        parts.append(f"Raised {int(data['again']) + 1} times.")
    return parts


def _fit(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT - 3] + "..."


def buttons(view: CaseView) -> list[list[Button]]:
    """The decisions this case offers, in rows; none once it is resolved."""
    if not view.open:
        rows: list[list[Button]] = []
        if view.taken_by:
            rows.append([Button("Return to bot", "back")])
        return rows
    first = [Button("Return to bot", "back")] if view.taken_by else [Button("Take over", "take")]
    rows = [first]
    if view.reason.startswith("negotiation_") or view.reason == "approval_threshold":
        decide = [Button("Approve offer", "approve")] if view.requested else []
        rows.append([*decide, Button("Counter", "counter"), Button("Reject", "reject")])
    elif view.reason == "dispute":
        rows.append([Button("Reject dispute", "reject")])
    elif view.reason == "payment_claimed":
        rows.append([Button("Verify payment", "verify"), Button("Not received", "notrec")])
    elif view.state in ("human", "disputed") and not view.taken_by:
        rows.append([Button("Return to bot", "back")])
    last = [] if view.reason == "payment_claimed" else [Button("Mark paid", "paid")]
    rows.append([*last, Button("Snooze", "snooze")])
    return rows


def payment_choices(view: CaseView) -> list[list[Button]]:
    """Mark paid / verify: the whole balance in one tap, or another amount typed."""
    rows = []
    if view.balance is not None:
        rows.append([Button(f"Paid in full: {format_money(view.balance, view.locale)}",
                            "paid", "all")])
    rows.append([Button("Another amount...", "paid", "ask"), Button("Back", "card")])
    return rows


SNOOZE_HOURS = (1, 4, 24)


def snooze_choices() -> list[list[Button]]:
    """How long to snooze."""
    return [[Button(f"{h} h" if h < 24 else f"{h // 24} day", "snooze", str(h))
             for h in SNOOZE_HOURS], [Button("Back", "card")]]
