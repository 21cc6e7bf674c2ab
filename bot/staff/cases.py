"""A staff case as a value: everything the card (Telegram) and the case page (web) show.

`load_case` reads the rows once; `bot.staff.card` turns the value into text and buttons
without touching the database, so both surfaces show the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.escalations import OPEN
from bot.money import Money
from bot.negotiation import Limits
from bot.policies import policies_for
from storage.models import Attachment, Conversation, Debtor, Escalation, Invoice, Message

LAST_MESSAGES = 6


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One open invoice as staff read it."""

    invoice_id: str
    open: Money
    due_on: date
    days_overdue: int
    disputed: bool = False


@dataclass(frozen=True, slots=True)
class Line:
    """One message of the conversation."""

    id: int
    direction: str  # in | out
    text: str
    at: datetime  # in the debtor's zone
    channel: str
    kind: str
    status: str
    attachments: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class AttachmentView:
    """A photo or document the debtor sent."""

    id: int
    content_type: str
    status: str  # pending | stored | refused | failed
    size: int | None
    error: str | None


@dataclass(frozen=True, slots=True)
class CaseView:
    """One case with its debtor, their debt and conversation, and the limits in force."""

    id: int
    reason: str
    priority: str
    status: str
    assignee: str | None
    deadline: datetime
    created_at: datetime
    reminders: int
    resolution: str | None
    data: dict[str, Any]
    debtor_id: int | None = None
    external_id: str = ""
    name: str = "(no debtor)"
    channel: str = ""
    locale: str = "es-CO"
    timezone: str = "UTC"
    segment: str = "default"
    local_now: datetime | None = None
    state: str = "idle"
    conversation: dict[str, Any] = field(default_factory=dict)
    invoices: tuple[InvoiceLine, ...] = ()
    balance: Money | None = None
    messages: tuple[Line, ...] = ()
    attachments: tuple[AttachmentView, ...] = ()
    limits: Limits = field(default_factory=Limits)
    policy_version: int = 0

    @property
    def open(self) -> bool:
        """True until the case is resolved."""
        return self.status in OPEN

    @property
    def taken_by(self) -> str | None:
        """The name of the person who owns the conversation now, if any."""
        if self.state == "human" and self.conversation.get("taken_by"):
            return str(self.conversation.get("taken_name") or self.conversation["taken_by"])
        return None

    @property
    def requested(self) -> dict[str, Any] | None:
        """The terms the debtor asked for (an offer the bot could not make), if any."""
        decision = self.data.get("decision") or {}
        requested = decision.get("requested")
        return requested if isinstance(requested, dict) else None

    @property
    def proposal(self) -> dict[str, Any] | None:
        """The debtor's proposal behind the request, to price it again if it went stale."""
        decision = self.data.get("decision") or {}
        proposal = decision.get("proposal")
        return proposal if isinstance(proposal, dict) else None

    @property
    def on_the_table(self) -> dict[str, Any] | None:
        """The offer written to the debtor and waiting for their yes, if any."""
        offer = self.conversation.get("offer")
        return offer if isinstance(offer, dict) else None


async def load_case(session: AsyncSession, case_id: int, now: datetime) -> CaseView | None:
    """The case with everything its card shows, or None when there is no such case."""
    case = await session.get(Escalation, case_id)
    if case is None or case.id is None:
        return None
    base = CaseView(id=case.id, reason=case.reason, priority=case.priority, status=case.status,
                    assignee=case.assignee, deadline=case.deadline, created_at=case.created_at,
                    reminders=case.reminders, resolution=case.resolution, data=dict(case.data))
    if case.debtor_id is None:
        return base
    debtor = await session.get_one(Debtor, case.debtor_id)
    return await _with_debtor(session, base, debtor, now)


async def _with_debtor(session: AsyncSession, base: CaseView, debtor: Debtor,
                       now: datetime) -> CaseView:
    assert debtor.id is not None
    zone = ZoneInfo(debtor.timezone)
    today = now.astimezone(zone).date()
    # Disputed invoices too: a dispute's card must say what is disputed.
    invoices = (await session.exec(
        select(Invoice).where(Invoice.debtor_id == debtor.id,
                              col(Invoice.status).in_(("open", "disputed")),
                              Invoice.open_minor > 0)
        .order_by(col(Invoice.due_on), col(Invoice.id)))).all()
    lines = tuple(InvoiceLine(i.external_id, Money(i.open_minor, i.currency), i.due_on,
                              max(0, (today - i.due_on).days), i.status == "disputed")
                  for i in invoices)
    balance = None  # what is owed and collectable: the disputed invoices wait for staff
    for line in lines:
        if not line.disputed:
            balance = line.open if balance is None else balance + line.open
    conversation = (await session.exec(select(Conversation).where(
        Conversation.debtor_id == debtor.id))).first()
    messages = list((await session.exec(
        select(Message).where(Message.debtor_id == debtor.id,
                              col(Message.status) != "cancelled")
        .order_by(col(Message.id).desc()).limit(LAST_MESSAGES))).all())
    messages.reverse()
    attachments = list((await session.exec(
        select(Attachment).join(Message, col(Message.id) == Attachment.message_id)
        .where(Message.debtor_id == debtor.id).order_by(col(Attachment.id).desc())
        .limit(10))).all())
    by_message: dict[int, list[int]] = {}
    for attachment in attachments:
        by_message.setdefault(attachment.message_id, []).append(attachment.id or 0)
    policy = (await policies_for(session, [debtor.segment]))[debtor.segment]
    return CaseView(
        **{f: getattr(base, f) for f in ("id", "reason", "priority", "status", "assignee",
                                          "deadline", "created_at", "reminders",
                                          "resolution", "data")},
        debtor_id=debtor.id, external_id=debtor.external_id, name=debtor.name,
        channel=debtor.channel, locale=debtor.locale, timezone=debtor.timezone,
        segment=debtor.segment, local_now=now.astimezone(zone),
        state=conversation.state if conversation else "idle",
        conversation=dict(conversation.data) if conversation else {},
        invoices=lines, balance=balance,
        messages=tuple(Line(m.id or 0, m.direction, m.text, m.created_at.astimezone(zone),
                            m.channel, m.kind, m.status, tuple(by_message.get(m.id or 0, ())))
                       for m in messages),
        attachments=tuple(AttachmentView(a.id or 0, a.content_type, a.status, a.size, a.error)
                          for a in reversed(attachments)),
        limits=policy.limits, policy_version=policy.version)


async def open_cases(session: AsyncSession, now: datetime, *,
                     limit: int = 100) -> list[CaseView]:
    """Cases not yet resolved, most urgent first, then oldest."""
    order = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
    ids = (await session.exec(select(Escalation.id).where(col(Escalation.status).in_(OPEN))
                              .order_by(col(Escalation.id)).limit(limit))).all()
    views = [v for v in [await load_case(session, i, now) for i in ids if i is not None]
             if v is not None]
    return sorted(views, key=lambda v: (order.get(v.priority, 9), v.created_at))


def case_offer(data: dict[str, Any]) -> dict[str, Any] | None:
    """The offer a case asks staff to approve (the debtor's terms), if it has one."""
    decision = data.get("decision") or {}
    offer = decision.get("requested") or data.get("offer")
    return offer if isinstance(offer, dict) else None
