"""One debtor's data: export all of it, or erase it keeping only what the law requires.

The plan (`retention_plan`) is pure: given each message's facts, the retention minimums of
the debtor's contact rules and the moment, it says which messages stay whole (conversation
retention), which stay as a bare contact record (when, channel, kind: the contact log) and
which go. `erase` applies it and everything else in the caller's one transaction, so a
debtor is erased entirely or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.compliance.policy import Retention
from bot.compliance.registry import preset_code_for
from bot.escalations import forget_staff_posts
from bot.gate import compliance_policy
from bot.media import drop_attachments
from bot.policies import policies_for
from storage import repo
from storage.models import (
    Agreement,
    Attachment,
    ChannelLink,
    Conversation,
    Debtor,
    Escalation,
    Installment,
    Invoice,
    Message,
    Outbox,
    Payment,
    StaffNotice,
    Timer,
)
from storage.models import Event as EventRow

ERASED_PREFIX = "erased:"
ERASED_NAME = "(erased)"
# Outbound messages in these states never reached a provider: they are not contacts.
NOT_ATTEMPTED = frozenset({"queued", "sending", "cancelled", "held"})


class Keep(StrEnum):
    """What erasure does with one message."""

    WHOLE = "whole"      # inside conversation retention: text and all
    CONTACT = "contact"  # inside contact-log retention: when, channel, kind, outcome only
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What the plan needs to know about one stored message."""

    id: int
    direction: str
    status: str
    created_at: datetime


def is_contact(m: MessageFacts) -> bool:
    """A collection contact: a message we sent (or tried to send) to the debtor."""
    return m.direction == "out" and m.status not in NOT_ATTEMPTED


def retention_plan(messages: Iterable[MessageFacts], retention: Retention,
                   now: datetime) -> dict[int, Keep]:
    """For each message: keep it whole, keep its contact record, or delete it."""
    plan = {}
    for m in messages:
        age = now - m.created_at
        if retention.conversation_days and age <= timedelta(days=retention.conversation_days):
            plan[m.id] = Keep.WHOLE
        elif (retention.contact_log_days and is_contact(m)
              and age <= timedelta(days=retention.contact_log_days)):
            plan[m.id] = Keep.CONTACT
        else:
            plan[m.id] = Keep.DELETE
    return plan


def keep_until(messages: Sequence[MessageFacts], plan: Mapping[int, Keep],
               retention: Retention) -> date | None:
    """The day the last kept record may go (its retention ends), None when nothing is kept."""
    ends = [m.created_at + timedelta(days=retention.conversation_days
                                     if plan[m.id] is Keep.WHOLE
                                     else retention.contact_log_days)
            for m in messages if plan[m.id] is not Keep.DELETE]
    return max(ends).date() if ends else None


def erased_id(external_id: str) -> str:
    """The pseudonym an erased debtor's or invoice's id becomes (a re-import can spot it)."""
    return ERASED_PREFIX + hashlib.sha256(external_id.encode()).hexdigest()[:24]


async def retention_for(session: AsyncSession, debtor: Debtor) -> tuple[str, Retention]:
    """The preset code and retention minimums that apply to this debtor (segment included)."""
    view = (await policies_for(session, [debtor.segment]))[debtor.segment]
    return preset_code_for(debtor.country), compliance_policy(debtor, view).retention


async def message_facts(session: AsyncSession, debtor_id: int) -> list[MessageFacts]:
    """The facts of every message of one debtor."""
    rows = await session.exec(select(Message.id, Message.direction, Message.status,
                                     Message.created_at).where(Message.debtor_id == debtor_id))
    return [MessageFacts(i, d, s, c) for i, d, s, c in rows.all() if i is not None]


@dataclass(slots=True)
class ErasureReport:
    """What erasure kept and removed, for the audit event and the page."""

    preset: str
    contact_log_days: int
    conversation_days: int
    kept_whole: int = 0
    kept_contacts: int = 0
    deleted_messages: int = 0
    keep_until: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    # Kept files (receipts) to remove once the erasure has committed; never in the audit.
    files: list[str] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        """The audit event's data: numbers only, nothing about the person."""
        return {"preset": self.preset, "contact_log_days": self.contact_log_days,
                "conversation_days": self.conversation_days, "kept_whole": self.kept_whole,
                "kept_contacts": self.kept_contacts, "deleted_messages": self.deleted_messages,
                "keep_until": self.keep_until, **self.counts}


async def erase(session: AsyncSession, debtor: Debtor, *, actor: str,
                now: datetime) -> ErasureReport:
    """Erase one debtor inside the caller's transaction; keep what retention requires."""
    assert debtor.id is not None
    did = debtor.id
    await repo.lock_conversations(session, [did])  # no event applies to them meanwhile
    preset, retention = await retention_for(session, debtor)
    facts = await message_facts(session, did)
    plan = retention_plan(facts, retention, now)
    until = keep_until(facts, plan, retention)
    report = ErasureReport(preset, retention.contact_log_days, retention.conversation_days,
                           kept_whole=sum(k is Keep.WHOLE for k in plan.values()),
                           kept_contacts=sum(k is Keep.CONTACT for k in plan.values()),
                           deleted_messages=sum(k is Keep.DELETE for k in plan.values()),
                           keep_until=until.isoformat() if until else None)

    async def run(stmt: Any) -> int:
        return int((await session.exec(stmt)).rowcount)

    gone = [i for i, k in plan.items() if k is Keep.DELETE]
    bare = [i for i, k in plan.items() if k is Keep.CONTACT]
    counts = report.counts
    counts["outbox_removed"] = await run(delete(Outbox).where(col(Outbox.debtor_id) == did))
    # What the debtor sent (receipts) goes with its message; a bare contact record is
    # always one we sent, which has none.
    addresses = [a for a in (debtor.phone, debtor.telegram_chat_id) if a]
    strangers = [] if not addresses else [i for i in (await session.exec(
        select(Message.id).where(col(Message.debtor_id).is_(None),
                                 col(Message.address).in_(addresses)))).all() if i is not None]
    report.files = await drop_attachments(session, [*gone, *bare, *strangers])
    counts["attachments_removed"] = len(report.files)
    counts["staff_notices_removed"] = await forget_staff_posts(session, debtor, now)
    for start in range(0, len(gone), 500):
        await run(delete(Message).where(col(Message.id).in_(gone[start:start + 500])))
    for start in range(0, len(bare), 500):
        await run(update(Message).where(col(Message.id).in_(bare[start:start + 500]))
                  .values(text="", payload={}, address=None, provider_id=None,
                          error_code=None, error_message=None))
    # Messages from the debtor's number that arrived before we knew whose it was.
    if addresses:
        counts["unknown_sender_messages_removed"] = await run(
            delete(Message).where(col(Message.debtor_id).is_(None),
                                  col(Message.address).in_(addresses)))
    counts["events_removed"] = await run(delete(EventRow).where(col(EventRow.debtor_id) == did))
    counts["timers_removed"] = await run(delete(Timer).where(col(Timer.debtor_id) == did))
    counts["links_removed"] = await run(
        delete(ChannelLink).where(col(ChannelLink.debtor_id) == did))
    await run(update(Conversation).where(col(Conversation.debtor_id) == did)
              .values(state="idle", data={}, updated_at=now))
    # Money records stay, anonymised: they hold no name, and the portfolio's history
    # (amounts invoiced, paid, agreed) must still add up.
    invoices = (await session.exec(select(Invoice).where(Invoice.debtor_id == did))).all()
    for invoice in invoices:
        invoice.external_id = erased_id(invoice.external_id)
        if invoice.status in ("open", "disputed"):
            invoice.status = "cancelled"  # never collected again
        invoice.updated_at = now
        session.add(invoice)
    counts["invoices_anonymised"] = len(invoices)
    counts["agreements_anonymised"] = await run(
        update(Agreement).where(col(Agreement.debtor_id) == did).values(terms={}))
    await run(update(Agreement).where(col(Agreement.debtor_id) == did,
                                      col(Agreement.status).in_(("active", "proposed")))
              .values(status="cancelled", closed_at=now))
    counts["cases_anonymised"] = await run(
        update(Escalation).where(col(Escalation.debtor_id) == did).values(data={}))
    await run(update(Escalation).where(col(Escalation.debtor_id) == did,
                                       col(Escalation.status) != "resolved")
              .values(status="resolved", resolved_at=now))
    counts["payments_anonymised"] = await run(
        update(Payment).where(col(Payment.debtor_id) == did).values(data={}))
    debtor.external_id = erased_id(debtor.external_id)
    debtor.name = ERASED_NAME
    debtor.phone = debtor.email = debtor.document_last4 = debtor.telegram_chat_id = None
    debtor.quiet_times = None
    debtor.consents = {}
    debtor.opt_outs = {"*": now.isoformat()}  # the gate refuses anything still queued
    debtor.identity_verified_at = debtor.third_party_at = None
    debtor.erased_at = debtor.updated_at = now
    session.add(debtor)
    session.add(EventRow(at=now, debtor_id=did, actor=actor, kind="debtor.erased",
                         data=report.as_data()))
    await session.flush()
    return report


# Export -------------------------------------------------------------------------------

_SECRET_COLUMNS = frozenset({"token_hash"})


def _row(row: Any) -> dict[str, Any]:
    data: dict[str, Any] = row.model_dump()
    return {k: _plain(v) for k, v in data.items() if k not in _SECRET_COLUMNS}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


async def export(session: AsyncSession, debtor: Debtor, now: datetime) -> dict[str, Any]:
    """Every stored record about one debtor, as JSON-able data (amounts in minor units)."""
    did = debtor.id

    async def rows(model: Any, *order: Any) -> list[dict[str, Any]]:
        stmt = select(model).where(model.debtor_id == did).order_by(*order)
        return [_row(r) for r in (await session.exec(stmt)).all()]

    agreements = await rows(Agreement, col(Agreement.id))
    ids = [a["id"] for a in agreements]
    schedule = (await session.exec(select(Installment).where(
        col(Installment.agreement_id).in_(ids)).order_by(col(Installment.seq)))).all()
    for agreement in agreements:
        agreement["installments"] = [_row(s) for s in schedule
                                     if s.agreement_id == agreement["id"]]
    conversation = (await session.exec(select(Conversation).where(
        Conversation.debtor_id == did))).first()
    return {
        "format": "recobro.debtor-export/1",
        "exported_at": now.isoformat(),
        "note": "Amounts are integers of minor units (amount_minor, open_minor, total_minor) "
                "in the row's currency; times are UTC.",
        "debtor": _row(debtor),
        "conversation": _row(conversation) if conversation else None,
        "invoices": await rows(Invoice, col(Invoice.due_on), col(Invoice.id)),
        "payments": await rows(Payment, col(Payment.paid_at), col(Payment.id)),
        "agreements": agreements,
        "escalations": await rows(Escalation, col(Escalation.id)),
        "messages": await rows(Message, col(Message.id)),
        "events": await rows(EventRow, col(EventRow.id)),
        "timers": await rows(Timer, col(Timer.id)),
        "channel_links": await rows(ChannelLink, col(ChannelLink.id)),
        "attachments": [_row(a) for a in (await session.exec(
            select(Attachment).join(Message, col(Message.id) == Attachment.message_id)
            .where(Message.debtor_id == did).order_by(col(Attachment.id)))).all()],
        "staff_notices": await rows(StaffNotice, col(StaffNotice.id)),
    }
