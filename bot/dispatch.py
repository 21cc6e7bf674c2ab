"""The dispatcher: claims outbox rows, asks the compliance gate at send time, sends, records.

claim (one transaction: lock rows, gate each, lease the allowed ones) -> send (no
transaction open) -> record (one transaction: provider id and status, or retry/give up).
A worker that dies after claiming leaves a lease that expires; the row is claimed again.
A crash after the commit that queued a message but before the send loses nothing: the row
is pending and the next pass sends it, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels import ChannelRegistry
from bot.channels.base import Option, OutgoingMessage, SendError, SendResult
from bot.clock import Clock
from storage.db import Database
from storage.models import Debtor, Message, Outbox
from storage.models import Event as EventRow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
HISTORY = timedelta(days=8)  # contacts the gate needs: a rolling week and a day of margin


@dataclass(frozen=True, slots=True)
class Contact:
    """A past outbound message, as the gate counts it."""

    at: datetime
    channel: str
    kind: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The gate's answer for one message now."""

    outcome: str  # allow | defer | never
    rule: str
    not_before: datetime | None = None
    detail: str = ""


class Gate(Protocol):
    """May this message go to this debtor on this channel now?"""

    def check(self, debtor: Debtor, channel: str, kind: str, history: Sequence[Contact],
              now: datetime) -> Verdict:
        """Allow, defer to a later moment, or never."""
        ...


# Kinds a debtor must get even after they stopped us: the one confirmation of their request.
ALWAYS_ALLOWED = frozenset({"opt_out_confirmation", "third_party_ack"})


class OptOutGate:
    """The minimal gate: honours opt-outs and third-party numbers, nothing else."""

    def check(self, debtor: Debtor, channel: str, kind: str, history: Sequence[Contact],
              now: datetime) -> Verdict:
        """Never after an opt-out on this channel or a wrong-number report; else allow."""
        if kind in ALWAYS_ALLOWED:
            return Verdict("allow", "confirmation")
        if channel in debtor.opt_outs or "*" in debtor.opt_outs:
            return Verdict("never", "opted_out")
        if debtor.third_party_at is not None:
            return Verdict("never", "third_party")
        return Verdict("allow", "no_rule_applies")


@dataclass(slots=True)
class DispatchReport:
    """What one dispatch pass did, by outbox id."""

    sent: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    sent_messages: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Claimed:
    outbox_id: int
    message: OutgoingMessage
    attempts: int


def backoff(attempts: int) -> timedelta:
    """Wait before retry number `attempts`: 10 s, 20 s, 40 s ... capped at one hour."""
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


class Dispatcher:
    """Sends what the outbox holds, through the gate and the channels."""

    def __init__(self, db: Database, clock: Clock, channels: ChannelRegistry, *,
                 gate: Gate | None = None, batch: int = 100, concurrency: int = 32,
                 worker: str | None = None) -> None:
        self.db = db
        self.clock = clock
        self.channels = channels
        self.gate: Gate = gate or OptOutGate()
        self.batch = batch
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self._limit = asyncio.Semaphore(concurrency)
        self._kick = asyncio.Event()

    def kick(self) -> None:
        """Ask the background loop to run now (new outbox rows were committed)."""
        self._kick.set()

    async def run_forever(self, interval: float = 1.0) -> None:
        """Dispatch whenever kicked, and every `interval` seconds anyway."""
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("dispatch pass failed; retrying")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._kick.wait()
            self._kick.clear()

    async def run_once(self, *, debtor_id: int | None = None) -> DispatchReport:
        """Send everything due now (for one debtor, or all); what happened."""
        report = DispatchReport()
        while True:
            claimed = await self._claim(report, debtor_id)
            if claimed:
                results = await asyncio.gather(*(self._send(c) for c in claimed))
                await self._record(results, report)
            if len(claimed) < self.batch:
                return report

    async def _claim(self, report: DispatchReport, debtor_id: int | None) -> list[_Claimed]:
        now = self.clock.now()
        async with self.db.transaction() as session:
            await session.exec(
                update(Outbox).where(col(Outbox.status) == "sending",
                                     col(Outbox.lease_until) < now)
                .values(status="pending", worker=None, updated_at=now))
            stmt = (select(Outbox).where(Outbox.status == "pending", col(Outbox.due_at) <= now)
                    .order_by(col(Outbox.due_at), col(Outbox.id)).limit(self.batch))
            if debtor_id is not None:
                stmt = stmt.where(Outbox.debtor_id == debtor_id)
            if self.db.is_postgres:
                stmt = stmt.with_for_update(skip_locked=True)
            rows = list((await session.exec(stmt)).all())
            if not rows:
                return []
            messages = {m.id: m for m in (await session.exec(
                select(Message).where(col(Message.id).in_([r.message_id for r in rows])))).all()}
            debtor_ids = list({r.debtor_id for r in rows})
            debtors = {d.id: d for d in (await session.exec(
                select(Debtor).where(col(Debtor.id).in_(debtor_ids)))).all()}
            history = await self._history(session, debtor_ids, now)
            last_inbound = await self._last_inbound(session, debtor_ids)
            claimed: list[_Claimed] = []
            for row in rows:
                message, debtor = messages[row.message_id], debtors[row.debtor_id]
                verdict = self.gate.check(debtor, row.channel, row.kind,
                                          history[row.debtor_id], now)
                session.add(EventRow(at=now, debtor_id=row.debtor_id, actor="gate",
                                     kind=f"compliance.{verdict.outcome}", data={
                                         "outbox_id": row.id, "kind": row.kind,
                                         "channel": row.channel, "rule": verdict.rule,
                                         "detail": verdict.detail,
                                         "not_before": verdict.not_before.isoformat()
                                         if verdict.not_before else None}))
                row.updated_at = now
                if verdict.outcome == "allow":
                    row.status, row.lease_until, row.worker = "sending", now + LEASE, self.worker
                    row.attempts += 1
                    history[row.debtor_id].append(Contact(now, row.channel, row.kind))
                    outgoing = _outgoing(message, row,
                                         last_inbound.get((row.debtor_id, row.channel)))
                    claimed.append(_Claimed(row.id, outgoing, row.attempts))  # type: ignore[arg-type]
                elif verdict.outcome == "defer" and verdict.not_before is not None:
                    row.due_at = max(verdict.not_before, now)
                    report.deferred.append(row.id)  # type: ignore[arg-type]
                else:
                    row.status, row.last_error = "cancelled", f"compliance: {verdict.rule}"
                    message.status, message.error_message = "cancelled", row.last_error
                    session.add(message)
                    report.cancelled.append(row.id)  # type: ignore[arg-type]
                session.add(row)
            return claimed

    async def _history(self, session: AsyncSession, debtor_ids: list[int],
                       now: datetime) -> dict[int, list[Contact]]:
        rows = await session.exec(
            select(Message.debtor_id, Message.sent_at, Message.channel, Message.kind)
            .where(col(Message.debtor_id).in_(debtor_ids), Message.direction == "out",
                   col(Message.sent_at) >= now - HISTORY))
        history: dict[int, list[Contact]] = defaultdict(list)
        for debtor_id, sent_at, channel, kind in rows.all():
            history[debtor_id].append(Contact(sent_at, channel, kind))  # type: ignore[arg-type, index]
        return history

    async def _last_inbound(self, session: AsyncSession,
                            debtor_ids: list[int]) -> dict[tuple[int, str], datetime]:
        rows = await session.exec(
            select(Message.debtor_id, Message.channel, func.max(Message.created_at))
            .where(col(Message.debtor_id).in_(debtor_ids), Message.direction == "in")
            .group_by(col(Message.debtor_id), col(Message.channel)))
        return {(d, c): at for d, c, at in rows.all() if d is not None and at is not None}

    async def _send(self, claimed: _Claimed) -> tuple[_Claimed, SendResult | SendError]:
        async with self._limit:
            try:
                channel = self.channels.get(claimed.message.channel)
                return claimed, await channel.send(claimed.message)
            except SendError as error:
                return claimed, error
            except Exception as error:  # an adapter bug or a network surprise: retry later
                log.exception("send of outbox %s failed unexpectedly", claimed.outbox_id)
                return claimed, SendError(f"{type(error).__name__}: {error}")

    async def _record(self, results: list[tuple[_Claimed, SendResult | SendError]],
                      report: DispatchReport) -> None:
        now = self.clock.now()
        async with self.db.transaction() as session:
            for claimed, result in results:
                row = await session.get_one(Outbox, claimed.outbox_id)
                if row.status != "sending" or row.worker != self.worker:
                    log.warning("outbox %s was taken over while sending", row.id)
                    continue
                message = await session.get_one(Message, row.message_id)
                row.updated_at, row.lease_until = now, None
                if isinstance(result, SendResult):
                    row.status = "sent"
                    message.provider_id, message.status, message.sent_at = (
                        result.provider_id, result.status, now)
                    if result.status == "delivered":
                        message.delivered_at = now
                    report.sent.append(row.id)  # type: ignore[arg-type]
                    report.sent_messages.append(message.id)  # type: ignore[arg-type]
                elif result.permanent or claimed.attempts >= MAX_ATTEMPTS:
                    row.status, row.last_error = "failed", result.reason
                    message.status, message.error_code = "failed", result.code
                    message.error_message = result.reason
                    session.add(EventRow(at=now, debtor_id=row.debtor_id, actor="dispatcher",
                                         kind="message.failed", data={
                                             "outbox_id": row.id, "code": result.code,
                                             "reason": result.reason,
                                             "attempts": claimed.attempts}))
                    report.failed.append(row.id)  # type: ignore[arg-type]
                else:
                    wait = (timedelta(seconds=result.retry_after) if result.retry_after
                            else backoff(claimed.attempts))
                    row.status, row.due_at, row.last_error = "pending", now + wait, result.reason
                    message.status = "queued"
                    report.retried.append(row.id)  # type: ignore[arg-type]
                session.add(row)
                session.add(message)


def _outgoing(message: Message, row: Outbox, last_inbound_at: datetime | None) -> OutgoingMessage:
    return OutgoingMessage(
        last_inbound_at=last_inbound_at,
        message_id=message.id,  # type: ignore[arg-type]
        debtor_id=row.debtor_id, channel=row.channel, address=message.address,
        text=message.text, kind=message.kind, locale=message.payload.get("locale", "es-CO"),
        options=tuple(Option(o["id"], o["title"]) for o in message.payload.get("options", [])),
        payload=dict(message.payload))
