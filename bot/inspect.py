"""One debtor as a document: `recobro debtor show --json`, the admin and the exports use it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.money import Money
from storage.models import (
    Agreement,
    Conversation,
    Debtor,
    Escalation,
    Installment,
    Invoice,
    Message,
)


def _amount(minor: int, currency: str) -> str:
    return Money(minor, currency).decimal_str()


def _at(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).isoformat() if moment else None


async def debtor_document(session: AsyncSession, external_id: str) -> dict[str, Any] | None:
    """Everything about one debtor: amounts as decimal strings, times with the debtor's offset."""
    debtor = (await session.exec(select(Debtor).where(Debtor.external_id == external_id))).first()
    if debtor is None:
        return None
    zone = ZoneInfo(debtor.timezone)
    invoices = (await session.exec(select(Invoice).where(Invoice.debtor_id == debtor.id)
                                   .order_by(col(Invoice.due_on), col(Invoice.id)))).all()
    agreements = (await session.exec(select(Agreement).where(Agreement.debtor_id == debtor.id)
                                     .order_by(col(Agreement.id)))).all()
    schedule: dict[int, list[Installment]] = {}
    if agreements:
        rows = await session.exec(select(Installment).where(
            col(Installment.agreement_id).in_([a.id for a in agreements]))
            .order_by(col(Installment.seq)))
        for installment in rows.all():
            schedule.setdefault(installment.agreement_id, []).append(installment)
    escalations = (await session.exec(select(Escalation).where(Escalation.debtor_id == debtor.id)
                                      .order_by(col(Escalation.id)))).all()
    messages = (await session.exec(select(Message).where(Message.debtor_id == debtor.id)
                                   .order_by(col(Message.id)))).all()
    conversation = (await session.exec(select(Conversation).where(
        Conversation.debtor_id == debtor.id))).first()
    currency = invoices[0].currency if invoices else None
    open_minor = sum(i.open_minor for i in invoices if i.status == "open")
    return {
        "debtor_id": debtor.external_id,
        "name": debtor.name,
        "locale": debtor.locale,
        "country": debtor.country,
        "timezone": debtor.timezone,
        "segment": debtor.segment,
        "channel": debtor.channel,
        "quiet_times": debtor.quiet_times,
        "currency": currency,
        "balance": _amount(open_minor, currency) if currency else "0",
        "status": debtor_status(debtor, invoices, agreements,
                                conversation.state if conversation else "idle"),
        "opted_out": bool(debtor.opt_outs),
        "conversation_state": conversation.state if conversation else None,
        "invoices": [{
            "invoice_id": i.external_id,
            "amount": _amount(i.amount_minor, i.currency),
            "open_amount": _amount(i.open_minor, i.currency),
            "due_on": i.due_on.isoformat(),
            "status": i.status,
        } for i in invoices],
        "agreements": [{
            "kind": a.kind,
            "status": a.status,
            "total": _amount(a.total_minor, a.currency),
            "discount_percent": a.discount_percent,
            "created_at": _at(a.created_at, zone),
            "policy_version": a.policy_version,
            "installments": [{
                "due_on": s.due_on.isoformat(),
                "amount": _amount(s.amount_minor, a.currency),
                "paid_amount": _amount(s.paid_minor, a.currency),
            } for s in schedule.get(a.id or 0, [])],
        } for a in agreements],
        "escalations": [{
            "reason": e.reason,
            "status": e.status,
            "priority": e.priority,
            "created_at": _at(e.created_at, zone),
        } for e in escalations],
        "messages": [{
            "direction": m.direction,
            "channel": m.channel,
            "at": _at(m.created_at, zone),
            "text": m.text,
            "status": m.status,
        } for m in messages],
    }


def debtor_status(debtor: Debtor, invoices: Any, agreements: Any, state: str) -> str:
    """One word for where the debtor stands, most telling first."""
    if debtor.third_party_at:
        return "third_party"
    if "*" in debtor.opt_outs or debtor.channel in debtor.opt_outs:
        return "opted_out"
    if any(i.status == "disputed" for i in invoices):
        return "disputed"
    if not any(i.status == "open" and i.open_minor > 0 for i in invoices):
        return "paid" if invoices else "no_debt"
    if state == "human":
        return "with_staff"
    if state == "payment_claimed":
        return "payment_to_verify"
    running = [a for a in agreements if a.status == "active"]
    if running:
        return "promised" if running[-1].kind == "promise" else f"in_{running[-1].kind}"
    return "open"


def debtor_text(document: dict[str, Any]) -> str:
    """The document as a few readable lines."""
    d = document
    lines = [f"{d['name']} ({d['debtor_id']}), {d['locale']}, {d['country']}, {d['timezone']}"
             + (f"; not at {d['quiet_times']}" if d["quiet_times"] else ""),
             f"  owes {d['balance']} {d['currency'] or ''}; status {d['status']}; "
             f"conversation {d['conversation_state']}"]
    lines += [f"  invoice {i['invoice_id']}: {i['open_amount']} of {i['amount']}, due "
              f"{i['due_on']} ({i['status']})" for i in d["invoices"]]
    lines += [f"  {a['kind']} {a['status']}: {a['total']}" for a in d["agreements"]]
    lines += [f"  escalation {e['reason']} ({e['status']})" for e in d["escalations"]]
    lines += [f"  {m['at']} {'<-' if m['direction'] == 'in' else '->'} {m['text'][:80]!r}"
              for m in d["messages"][-10:]]
    return "\n".join(lines)
