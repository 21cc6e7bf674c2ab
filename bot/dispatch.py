"""The dispatcher: claims outbox rows, asks the compliance gate at send time, sends, records.

claim (one transaction: lock rows, gate each, lease the allowed ones) -> send (no
transaction open) -> record (one transaction: provider id and status, or retry/give up).
A worker that dies after claiming leaves a lease that expires; the row is claimed again.
A crash after the commit that queued a message but before the send loses nothing: the row
is pending and the next pass sends it, once.

The ambiguous case: an attempt whose outcome is unknown (the worker died with the request in
flight, so its lease expired; or the provider did not answer in time). The provider may have
sent it. The message is marked `unsure_since` (in its payload, the moment of that attempt)
and, before sending it again, the dispatcher asks a channel that can tell
(`bot.channels.base.Reconciling`: Twilio's Messages list) whether it already went out; if
so it is recorded as sent with the provider's id, not sent again. A channel that cannot tell
(Telegram) sends again: at least once, never lost, rarely twice (see the README).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import delivery, gate
from bot.channels import ChannelRegistry
from bot.channels.base import (
    Option,
    OutgoingMessage,
    Reconciling,
    SendError,
    SendResult,
    sender_of,
)
from bot.clock import Clock
from bot.compliance import Allowed, NotBefore
from bot.escalations import check_unreachable, open_case
from bot.policies import policies_for
from bot.ratelimit import MAX_WAIT, RateLimited, RateLimiter
from bot.texts import MissingCreditorTaxId, required_text_lines
from storage import repo
from storage.db import Database
from storage.models import Event as EventRow
from storage.models import Message, Outbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)


@dataclass(slots=True)
class DispatchReport:
    """What one dispatch pass did, by outbox id."""

    sent: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    sent_messages: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Claimed:
    outbox_id: int
    message: OutgoingMessage
    attempts: int
    claimed_at: datetime
    unsure_since: datetime | None = None  # an earlier attempt may have gone out


def backoff(attempts: int) -> timedelta:
    """Wait before retry number `attempts`: 10 s, 20 s, 40 s ... capped at one hour.

    The 8 attempts (MAX_ATTEMPTS) span 10+20+...+640 s, about 21 minutes plus the sends:
    a provider outage shorter than that fails nothing. A provider's 429 is not an attempt
    (the message never left) and waits its Retry-After; another error's Retry-After is
    honoured but never shortens this backoff, so a flood of "503, retry after 1 s" cannot
    use up the attempts in seconds.
    """
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


def lease_for(provider_timeout: float) -> timedelta:
    """How long a claim holds: longer than anything one send can take (the wait for a rate
    slot, asking the provider about an earlier attempt, the send itself), or a second worker
    could take the row over while the first is still sending it."""
    return max(LEASE, timedelta(seconds=MAX_WAIT + 2 * provider_timeout + 30))


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Dispatcher:
    """Sends what the outbox holds, through the gate and the channels."""

    def __init__(self, db: Database, clock: Clock, channels: ChannelRegistry, *,
                 creditor: str = "", creditor_tax_id: str | None = None, batch: int = 500,
                 concurrency: int = 32, worker: str | None = None,
                 rate: RateLimiter | None = None, lease: timedelta = LEASE) -> None:
        self.db = db
        self.lease = lease
        self.clock = clock
        self.channels = channels
        self.creditor = creditor
        self.creditor_tax_id = creditor_tax_id
        self.batch = batch
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self.rate = rate
        self._limit = asyncio.Semaphore(concurrency)
        self._kick = asyncio.Event()
        # Provider ids found by reconciliation and not yet recorded: one found message is
        # never credited to two unsure ones of the same batch.
        self._credited: set[str] = set()

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
                try:
                    await self._record(results, report)
                finally:  # recorded now (or not at all): the database says who has them
                    self._credited.difference_update(
                        r.provider_id for _, r in results if isinstance(r, SendResult))
            if len(claimed) < self.batch:
                return report

    async def _claim(self, report: DispatchReport, debtor_id: int | None) -> list[_Claimed]:
        now = self.clock.now()
        async with self.db.transaction() as session:
            await self._expire_leases(session, now)
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
            debtors = await repo.debtors_by_id(session, debtor_ids)
            policies = await policies_for(session, {d.segment for d in debtors.values()})
            history = await gate.load_history(session, debtor_ids, now)
            last_inbound = await gate.load_last_inbound(session, debtor_ids)
            contacted = await _ever_contacted(session, debtor_ids)
            claimed: list[_Claimed] = []
            for row in rows:
                message, debtor = messages[row.message_id], debtors[row.debtor_id]
                inbound_at = last_inbound.get((row.debtor_id, row.channel))
                decision = gate.check(debtor, policies[debtor.segment], row.channel, row.kind,
                                      history[row.debtor_id], inbound_at, now)
                session.add(EventRow(at=now, debtor_id=row.debtor_id, actor="gate",
                                     kind=f"compliance.{decision.verdict.value}",
                                     data={"outbox_id": row.id, **gate.record(decision)}))
                row.updated_at = now
                if isinstance(decision, Allowed):
                    try:
                        message.text = self._with_required_texts(
                            message, decision, first=row.debtor_id not in contacted)
                    except MissingCreditorTaxId as missing:
                        row.status, row.last_error = "failed", str(missing)
                        message.status, message.error_message = "failed", str(missing)
                        session.add_all([row, message])
                        report.failed.append(row.id)  # type: ignore[arg-type]
                        continue
                    row.status, row.worker = "sending", self.worker
                    row.lease_until = now + self.lease
                    row.attempts += 1
                    message.payload = dict(message.payload) | {
                        "counted": decision.counts_toward_caps}
                    session.add(message)
                    history[row.debtor_id].append(gate.SentMessage(
                        now, row.channel, row.kind, "sending", decision.counts_toward_caps))
                    contacted.add(row.debtor_id)
                    outgoing = _outgoing(message, row, inbound_at)
                    unsure = message.payload.get("unsure_since")
                    claimed.append(_Claimed(
                        row.id, outgoing, row.attempts, now,  # type: ignore[arg-type]
                        _instant(unsure) if unsure else None))
                elif isinstance(decision, NotBefore):
                    row.due_at = max(decision.at, now)
                    report.deferred.append(row.id)  # type: ignore[arg-type]
                else:
                    row.status, row.last_error = "cancelled", f"compliance: {decision.rule.value}"
                    message.status, message.error_message = "cancelled", row.last_error
                    session.add(message)
                    report.cancelled.append(row.id)  # type: ignore[arg-type]
                session.add(row)
            return claimed

    async def _expire_leases(self, session: AsyncSession, now: datetime) -> None:
        """Rows whose worker died (or hung) while sending: pending again, and unsure."""
        stmt = select(Outbox).where(col(Outbox.status) == "sending",
                                    col(Outbox.lease_until) < now)
        if self.db.is_postgres:
            stmt = stmt.with_for_update(skip_locked=True)
        expired = list((await session.exec(stmt)).all())
        if not expired:
            return
        messages = {m.id: m for m in (await session.exec(select(Message).where(
            col(Message.id).in_([r.message_id for r in expired])))).all()}
        for row in expired:
            message = messages[row.message_id]
            # The row was last touched when it was claimed: that attempt may have gone out.
            since = message.payload.get("unsure_since") or row.updated_at.isoformat()
            message.payload = dict(message.payload) | {"unsure_since": since}
            log.warning("outbox %s: the lease of %s expired; its send may have gone out",
                        row.id, row.worker)
            session.add(EventRow(at=now, debtor_id=row.debtor_id, actor="dispatcher",
                                 kind="message.lease_expired", data={
                                     "outbox_id": row.id, "worker": row.worker}))
            row.status, row.worker, row.updated_at = "pending", None, now
            session.add_all([row, message])
        await session.flush()

    def _with_required_texts(self, message: Message, decision: Allowed, *, first: bool) -> str:
        """The message with the lines the preset requires (opt-out notice, disclosure...).

        Added at send time because only the gate, at that moment, knows what is required
        (a first contact, the channel). The text as written stays in the payload, so a retry
        does not add the lines twice.
        """
        lines = required_text_lines(
            decision.required_texts, message.payload.get("locale", "es-CO"),
            creditor=self.creditor, tax_id=self.creditor_tax_id, first_contact=first,
            may_disclose=decision.may_disclose_debt and message.kind != "identity_check")
        text = message.payload.get("base_text", message.text)
        message.payload = dict(message.payload) | {"base_text": text}
        return "\n\n".join([text, *lines]) if lines else text

    async def _send(self, claimed: _Claimed) -> tuple[_Claimed, SendResult | SendError]:
        async with self._limit:
            try:
                channel = self.channels.get(claimed.message.channel)
                sender = sender_of(channel, claimed.message)
                if claimed.unsure_since is not None and hasattr(channel, "find_sent"):
                    found = await self._reconcile(cast(Reconciling, channel), claimed)
                    if found is not None:
                        return claimed, found
                if sender is not None and self.rate is not None:
                    # Right before the send, inside the concurrency limit: a slot taken
                    # earlier could be used late, together with others (a burst).
                    await self.rate.acquire(sender)
                return claimed, await channel.send(claimed.message)
            except SendError as error:
                return claimed, error
            except Exception as error:  # an adapter bug or a network surprise: retry later
                log.exception("send of outbox %s failed unexpectedly", claimed.outbox_id)
                return claimed, SendError(f"{type(error).__name__}: {error}")

    async def _reconcile(self, channel: Reconciling, claimed: _Claimed) -> SendResult | None:
        """The provider's record of an earlier attempt of this message, if it went out."""
        assert claimed.unsure_since is not None
        found = await channel.find_sent(claimed.message, claimed.unsure_since)
        if not found:
            return None
        async with self.db.transaction() as session:
            known = set((await session.exec(select(Message.provider_id).where(
                col(Message.provider_id).in_([f.provider_id for f in found]),
                Message.channel == claimed.message.channel))).all())
        for result in found:  # oldest first
            if result.provider_id not in known and result.provider_id not in self._credited:
                self._credited.add(result.provider_id)
                log.info("outbox %s already went out as %s: recorded, not sent again",
                         claimed.outbox_id, result.provider_id)
                return result
        return None

    async def _record(self, results: list[tuple[_Claimed, SendResult | SendError]],
                      report: DispatchReport) -> None:
        now = self.clock.now()
        async with self.db.transaction() as session:
            # Two queries for the whole batch rather than two per message.
            rows = {r.id: r for r in (await session.exec(select(Outbox).where(
                col(Outbox.id).in_([c.outbox_id for c, _ in results])))).all()}
            stmt = select(Message).where(col(Message.id).in_(
                [r.message_id for r in rows.values()]))
            if self.db.is_postgres:
                # Locked: a status callback for one of them may be landing right now.
                stmt = stmt.with_for_update()
            messages = {m.id: m for m in (await session.exec(stmt)).all()}
            for claimed, result in results:
                row = rows[claimed.outbox_id]
                if row.status != "sending" or row.worker != self.worker:
                    log.warning("outbox %s was taken over while sending", row.id)
                    continue
                message = messages[row.message_id]
                row.updated_at, row.lease_until = now, None
                if isinstance(result, SendResult):
                    row.status = "sent"
                    message.provider_id, message.sent_at = result.provider_id, now
                    payload = dict(message.payload) | dict(result.payload)
                    if payload.pop("unsure_since", None) and result.payload.get("reconciled"):
                        session.add(EventRow(at=now, debtor_id=row.debtor_id,
                                             actor="dispatcher", kind="message.reconciled",
                                             data={"outbox_id": row.id,
                                                   "provider_id": result.provider_id}))
                    message.payload = payload
                    # Forward only: a callback ("delivered") may already have been applied.
                    for status in ("sent", result.status):
                        message.status = delivery.advance(message.status, status).status
                    if message.status in ("delivered", "read") and message.delivered_at is None:
                        message.delivered_at = now
                    report.sent.append(row.id)  # type: ignore[arg-type]
                    report.sent_messages.append(message.id)  # type: ignore[arg-type]
                    session.add_all([row, message])
                    continue
                if result.unsure and "unsure_since" not in message.payload:
                    message.payload = dict(message.payload) | {
                        "unsure_since": claimed.claimed_at.isoformat()}
                if isinstance(result, RateLimited) or result.throttled:
                    # Not an attempt: the message never left; it waits for a free slot
                    # (ours) or the provider's Retry-After (a 429).
                    row.status, row.due_at = "pending", now + timedelta(
                        seconds=result.retry_after or 1)
                    row.last_error = result.reason
                    row.attempts = max(row.attempts - 1, 0)
                    report.retried.append(row.id)  # type: ignore[arg-type]
                elif result.hold:
                    row.status, row.last_error = "failed", f"held: {result.reason}"
                    message.status, message.error_code = "held", result.code
                    message.error_message = result.reason
                    await open_case(session, debtor_id=row.debtor_id,
                                    reason=result.code or "held", priority="high", now=now,
                                    data={"message_id": message.id, "outbox_id": row.id,
                                          "kind": row.kind, "channel": row.channel,
                                          "detail": result.reason})
                    session.add(EventRow(at=now, debtor_id=row.debtor_id, actor="dispatcher",
                                         kind="message.held", data={
                                             "outbox_id": row.id, "message_id": message.id,
                                             "code": result.code, "reason": result.reason}))
                    report.held.append(row.id)  # type: ignore[arg-type]
                elif result.permanent or claimed.attempts >= MAX_ATTEMPTS:
                    row.status, row.last_error = "failed", result.reason
                    message.status, message.error_code = "failed", result.code
                    message.error_message = result.reason
                    session.add(EventRow(at=now, debtor_id=row.debtor_id, actor="dispatcher",
                                         kind="message.failed", data={
                                             "outbox_id": row.id, "code": result.code,
                                             "reason": result.reason,
                                             "attempts": claimed.attempts}))
                    session.add(message)
                    await session.flush()
                    await check_unreachable(session, row.debtor_id, code=result.code, now=now)
                    report.failed.append(row.id)  # type: ignore[arg-type]
                else:
                    wait = max(timedelta(seconds=result.retry_after or 0),
                               backoff(claimed.attempts))
                    row.status, row.due_at, row.last_error = "pending", now + wait, result.reason
                    message.status = "queued"
                    report.retried.append(row.id)  # type: ignore[arg-type]
                session.add(row)
                session.add(message)


async def _ever_contacted(session: AsyncSession, debtor_ids: list[int]) -> set[int]:
    """Debtors who already got at least one message (for first-contact disclosures)."""
    rows = await session.exec(
        select(Message.debtor_id).where(col(Message.debtor_id).in_(debtor_ids),
                                        Message.direction == "out",
                                        col(Message.sent_at).is_not(None)).distinct())
    return {d for d in rows.all() if d is not None}


def _outgoing(message: Message, row: Outbox, last_inbound_at: datetime | None) -> OutgoingMessage:
    return OutgoingMessage(
        last_inbound_at=last_inbound_at,
        message_id=message.id,  # type: ignore[arg-type]
        debtor_id=row.debtor_id, channel=row.channel, address=message.address,
        text=message.text, kind=message.kind, locale=message.payload.get("locale", "es-CO"),
        options=tuple(Option(o["id"], o["title"]) for o in message.payload.get("options", [])),
        payload=dict(message.payload))
