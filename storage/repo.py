"""Queries the engine, dispatcher and commands share. Each takes an open session."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Agreement,
    Conversation,
    Debtor,
    Installment,
    Invoice,
    Message,
    Outbox,
    Timer,
)
from storage.types import UTCDateTime


def _insert(session: AsyncSession, model: type[SQLModel]) -> Any:
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(model)


async def insert_ignore(session: AsyncSession, model: type[SQLModel], values: dict[str, Any],
                        conflict: Sequence[str], *, returning: str = "id") -> Any:
    """Insert a row unless one with the same `conflict` columns exists; its id (or the
    `returning` column), or None.

    One statement, so a redelivered webhook racing its first delivery cannot slip through.
    """
    stmt = (_insert(session, model).values(**values)
            .on_conflict_do_nothing(index_elements=list(conflict))
            .returning(getattr(model, returning)))
    return (await session.exec(stmt)).scalar_one_or_none()


async def debtor_for_address(session: AsyncSession, channel: str, address: str) -> Debtor | None:
    """The debtor behind a channel address (a phone for WhatsApp/SMS, a chat for Telegram).

    When several debtors share a phone (a family, a shop), the one we wrote to last on it.
    """
    if channel == "telegram":
        stmt = select(Debtor).where(Debtor.telegram_chat_id == address)
    else:
        stmt = select(Debtor).where(Debtor.phone == address)
    debtors = list((await session.exec(stmt.where(col(Debtor.erased_at).is_(None)))).all())
    if len(debtors) <= 1:
        return debtors[0] if debtors else None
    ids = [d.id for d in debtors]
    last = (await session.exec(
        select(Message.debtor_id).where(col(Message.debtor_id).in_(ids),
                                        Message.direction == "out")
        .order_by(col(Message.id).desc()).limit(1))).first()
    return next((d for d in debtors if d.id == last), debtors[0])


async def lock_conversations(session: AsyncSession,
                             debtor_ids: Iterable[int]) -> dict[int, Conversation]:
    """The conversations of these debtors, locked until the transaction ends.

    Locked in id order so two transactions never wait on each other in a circle. On SQLite
    the whole database is already locked by BEGIN IMMEDIATE.
    """
    ids = sorted(set(debtor_ids))
    stmt = (select(Conversation).where(col(Conversation.debtor_id).in_(ids))
            .order_by(col(Conversation.debtor_id)).with_for_update())
    return {c.debtor_id: c for c in (await session.exec(stmt)).all()}


async def debtors_by_id(session: AsyncSession, debtor_ids: Iterable[int]) -> dict[int, Debtor]:
    """Debtors by primary key."""
    rows = await session.exec(select(Debtor).where(col(Debtor.id).in_(list(debtor_ids))))
    return {d.id: d for d in rows.all() if d.id is not None}


async def open_invoices(session: AsyncSession,
                        debtor_ids: Iterable[int]) -> dict[int, list[Invoice]]:
    """Invoices still owed, by debtor, oldest due first."""
    stmt = (select(Invoice).where(col(Invoice.debtor_id).in_(list(debtor_ids)),
                                  Invoice.status == "open", Invoice.open_minor > 0)
            .order_by(col(Invoice.due_on), col(Invoice.id)))
    result: dict[int, list[Invoice]] = defaultdict(list)
    for invoice in (await session.exec(stmt)).all():
        result[invoice.debtor_id].append(invoice)
    return result


async def active_agreements(
    session: AsyncSession, debtor_ids: Iterable[int]
) -> dict[int, list[tuple[Agreement, list[Installment]]]]:
    """Running agreements and their schedules, by debtor."""
    agreements = (await session.exec(
        select(Agreement).where(col(Agreement.debtor_id).in_(list(debtor_ids)),
                                Agreement.status == "active")
        .order_by(col(Agreement.id)))).all()
    if not agreements:
        return {}
    installments: dict[int, list[Installment]] = defaultdict(list)
    rows = await session.exec(
        select(Installment).where(col(Installment.agreement_id).in_([a.id for a in agreements]))
        .order_by(col(Installment.seq)))
    for installment in rows.all():
        installments[installment.agreement_id].append(installment)
    result: dict[int, list[tuple[Agreement, list[Installment]]]] = defaultdict(list)
    for agreement in agreements:
        assert agreement.id is not None
        result[agreement.debtor_id].append((agreement, installments[agreement.id]))
    return result


async def upsert_timer(session: AsyncSession, *, debtor_id: int, kind: str, key: str,
                       due_at: datetime, data: dict[str, Any], now: datetime) -> None:
    """Set (or move) the one timer of (debtor, kind, key) to `due_at`, pending."""
    values = {"debtor_id": debtor_id, "kind": kind, "key": key, "due_at": due_at,
              "status": "pending", "data": data, "updated_at": now}
    stmt = _insert(session, Timer).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["debtor_id", "kind", "key"],
        set_={"due_at": due_at, "status": "pending", "data": data, "updated_at": now},
    )
    await session.exec(stmt)


async def upsert_timers(session: AsyncSession, *, kind: str, key: str,
                        rows: list[dict[str, Any]], now: datetime) -> None:
    """Set (or move) the (kind, key) timer of many debtors at once: rows of {"d", "at"}."""
    stmt = _insert(session, Timer).values(
        debtor_id=bindparam("d"), kind=kind, key=key, due_at=bindparam("at", type_=UTCDateTime),
        status="pending", data={}, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["debtor_id", "kind", "key"],
        set_={"due_at": stmt.excluded.due_at, "status": "pending", "updated_at": now})
    await session.exec(stmt, params=rows)


async def cancel_timers(session: AsyncSession, *, kind: str, key: str,
                        rows: list[dict[str, Any]], now: datetime) -> None:
    """Cancel the pending (kind, key) timer of many debtors at once: rows of {"d"}."""
    table = Timer.__table__  # type: ignore[attr-defined]
    await session.exec(
        update(table).where(table.c.debtor_id == bindparam("d"), table.c.kind == kind,
                            table.c.key == key, table.c.status == "pending")
        .values(status="cancelled", updated_at=now), params=rows)


async def cancel_timer(session: AsyncSession, *, debtor_id: int, kind: str, key: str,
                       now: datetime) -> None:
    """Cancel the timer of (debtor, kind, key), if it is pending."""
    await session.exec(
        update(Timer).where(col(Timer.debtor_id) == debtor_id, col(Timer.kind) == kind,
                            col(Timer.key) == key, col(Timer.status) == "pending")
        .values(status="cancelled", updated_at=now))


async def cancel_pending_outbox(session: AsyncSession, *, debtor_id: int, now: datetime,
                                channel: str | None = None, kinds: Iterable[str] | None = None,
                                reason: str) -> int:
    """Cancel what is still waiting to go to a debtor (on one channel, of some kinds): count."""
    stmt = select(Outbox).where(Outbox.debtor_id == debtor_id, Outbox.status == "pending")
    if channel is not None:
        stmt = stmt.where(Outbox.channel == channel)
    if kinds is not None:
        stmt = stmt.where(col(Outbox.kind).in_(list(kinds)))
    rows = list((await session.exec(stmt)).all())
    for row in rows:
        row.status, row.last_error, row.updated_at = "cancelled", reason, now
        session.add(row)
    if rows:
        await session.exec(
            update(Message).where(col(Message.id).in_([r.message_id for r in rows]))
            .values(status="cancelled", error_message=reason))
    return len(rows)
