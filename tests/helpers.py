"""Test helpers: import a portfolio, chat as a debtor through the real engine and sandbox."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlmodel import col, select

from bot.domain import InboundMessage
from bot.portfolio import import_portfolio, parse_portfolio
from bot.services import Services
from storage.models import Debtor, Message

ROOT = Path(__file__).resolve().parent.parent
HEADER = ("debtor_id,name,phone,invoice_id,amount,currency,due_on,email,channel,locale,country,"
          "timezone,segment,issued_on,document_last4,telegram_chat_id")


async def load(svc: Services, csv_text: str) -> None:
    """Import a portfolio CSV and schedule its reminders, as `recobro import` does."""
    parsed = parse_portfolio(csv_text)
    assert not parsed.errors, parsed.errors
    async with svc.db.transaction() as session:
        report = await import_portfolio(session, parsed, source="test.csv",
                                        content=csv_text.encode(), now=svc.clock.now())
        await svc.engine.reschedule(session, report.touched_debtors)


async def load_examples(svc: Services) -> None:
    """Import examples/portfolio.csv."""
    await load(svc, (ROOT / "examples" / "portfolio.csv").read_text(encoding="utf-8"))


async def debtor(svc: Services, external_id: str) -> Debtor:
    """A debtor row by its portfolio id."""
    async with svc.db.transaction() as session:
        return (await session.exec(select(Debtor).where(Debtor.external_id == external_id))).one()


async def say(svc: Services, external_id: str, text: str, *, provider_id: str | None = None,
              option: str | None = None) -> list[str]:
    """The debtor writes `text`; returns what the bot sent back (after dispatch)."""
    d = await debtor(svc, external_id)
    await svc.engine.receive(InboundMessage(
        channel=d.channel, provider_id=provider_id or f"test:{uuid.uuid4().hex}",
        address=d.phone or "", text=text, received_at=svc.clock.now(), option=option,
        debtor_external_id=external_id))
    report = await svc.dispatcher.run_once(debtor_id=d.id)
    return await texts(svc, report.sent_messages)


async def tick(svc: Services, external_id: str | None = None) -> list[str]:
    """Run a scheduler pass (for one debtor or all); the texts it sent."""
    debtor_id = (await debtor(svc, external_id)).id if external_id else None
    report = await svc.scheduler.run_pass(debtor_id=debtor_id)
    return await texts(svc, report.dispatch.sent_messages)


async def texts(svc: Services, message_ids: list[int]) -> list[str]:
    """The texts of these messages, in order."""
    if not message_ids:
        return []
    async with svc.db.transaction() as session:
        rows = await session.exec(select(Message).where(col(Message.id).in_(message_ids))
                                  .order_by(col(Message.id)))
        return [m.text for m in rows.all()]


async def outbound(svc: Services, external_id: str) -> list[Message]:
    """Every message the bot queued or sent to a debtor."""
    d = await debtor(svc, external_id)
    async with svc.db.transaction() as session:
        rows = await session.exec(select(Message).where(Message.debtor_id == d.id,
                                                        Message.direction == "out")
                                  .order_by(col(Message.id)))
        return list(rows.all())


async def set_policy(svc: Services, data: dict[str, object], segment: str = "default") -> None:
    """Store a new version of a segment's policy, as an admin would."""
    from sqlalchemy import func

    from storage.models import Policy

    async with svc.db.transaction() as session:
        version = (await session.exec(select(func.max(Policy.version)).where(
            Policy.segment == segment))).one() or 0
        session.add(Policy(segment=segment, version=version + 1, data=data, created_by="test",
                           created_at=svc.clock.now()))


# A segment override that lifts the frequency caps, for tests about something else.
NO_CAPS = {"compliance": {"caps": {"per_local_day": 0, "per_rolling_7_days": 0,
                                   "per_channel_per_rolling_7_days": 0, "min_gap_hours": 0,
                                   "one_channel_per_rolling_7_days": False}}}


def row(debtor_id: str = "CO-001", name: str = "Ana María Rojas", phone: str = "+573001234567",
        invoice_id: str = "F-1001", amount: str = "1200000", currency: str = "COP",
        due_on: str = "2026-11-10", locale: str = "es-CO", channel: str = "whatsapp",
        country: str = "CO", timezone: str = "", segment: str = "default",
        document_last4: str = "") -> str:
    """One portfolio line with sensible defaults (Ana, 1.200.000 COP, overdue)."""
    return (f"{debtor_id},{name},{phone},{invoice_id},{amount},{currency},{due_on},,{channel},"
            f"{locale},{country},{timezone},{segment},,{document_last4},")


def portfolio(*rows: str) -> str:
    """A CSV with the full header and these rows."""
    return "\n".join([HEADER, *rows]) + "\n"
