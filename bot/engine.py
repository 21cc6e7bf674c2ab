"""The engine: the one path every event takes to change a conversation.

store + dedupe the inbound message -> lock the debtor's conversation -> load the context
-> understand -> flows.step (pure) -> persist everything in ONE transaction (conversation,
messages, outbox rows, agreements, escalations, timers, the event log).
Sending is the dispatcher's job, after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import bindparam, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import compliance, flows, gate
from bot.cadence import local_moment
from bot.channels import links
from bot.clock import Clock
from bot.compliance import Never, NotBefore, is_opt_out_keyword
from bot.domain import (
    CHANNEL_ORDER,
    MAX_INBOUND_TEXT,
    AgreementView,
    ChannelLinked,
    Context,
    DebtorSaid,
    DebtorView,
    Event,
    InboundMessage,
    InstallmentView,
    InvoiceView,
    PaymentReceived,
    PolicyView,
    StaffActed,
    TimerFired,
    clean_text,
)
from bot.escalations import notice, open_case, update_cases
from bot.flows import negotiation as negotiation_flow
from bot.flows.common import first_name
from bot.flows.core import (
    CloseAgreement,
    Conversation,
    CreateAgreement,
    Decision,
    Escalate,
    MarkReminded,
    MarkThirdParty,
    Note,
    NotifyStaff,
    OptOut,
    Schedule,
    Send,
    SetInvoiceStatus,
    State,
    SwitchChannel,
    UpdateCase,
    VerifyIdentity,
)
from bot.flows.switch import route
from bot.money import Money
from bot.negotiation import Authority, Offer, violations
from bot.payments import OpenInvoice, PaymentNotice, allocate, link_token, to_installments
from bot.policies import policies_for
from bot.texts import Renderer, Say, to_json
from bot.understanding import Understanding, understand
from storage import repo
from storage.db import Database
from storage.models import (
    Agreement,
    Attachment,
    Debtor,
    Installment,
    Invoice,
    Message,
    Outbox,
    Payment,
    StaffUpdate,
    Timer,
)
from storage.models import Conversation as ConversationRow
from storage.models import Event as EventRow
from storage.types import JSONType

log = logging.getLogger(__name__)

Understand = Callable[[str, str, Any], Understanding]
OPT_OUT_OPTION = "opt_out"  # bot.flows.common.OPTION_INTENTS reads it as an opt-out


def sandbox_deep_link(token: str) -> str:
    """The t.me link while Telegram is not configured (the sandbox shows it)."""
    return f"https://t.me/recobro_sandbox_bot?start={token}"



@dataclass(frozen=True, slots=True)
class Received:
    """What became of an inbound message."""

    status: str  # processed | duplicate | unknown_sender | failed
    message_id: int | None = None
    debtor_id: int | None = None


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    """What became of a payment notice."""

    status: str  # applied | held | duplicate
    reason: str | None = None
    debtor_id: int | None = None
    payment_id: int | None = None


# Outbox kinds a payment makes stale: reminders written for the balance before it.
REMINDER_KINDS = ("reminder_before_due", "reminder_due_today", "reminder_overdue",
                  "reminder_last_notice", "promise_reminder", "installment_reminder")


@dataclass(slots=True)
class _Writes:
    """What a batch of steps writes, issued together at the end of the batch.

    Within a batch each debtor appears once, so nothing a step writes is read by a later
    step of the same batch; grouping the writes turns a few round trips per debtor into a
    few per batch (the scheduler pass over 100,000 due debtors depends on it).
    """

    conversations: list[dict[str, Any]] = field(default_factory=list)  # UPDATE by id
    messages: list[dict[str, Any]] = field(default_factory=list)  # INSERT, then one outbox row
    events: list[dict[str, Any]] = field(default_factory=list)  # INSERT
    reminded: list[dict[str, Any]] = field(default_factory=list)  # {"eid", "off"}
    reminders: dict[int, datetime | None] = field(default_factory=dict)  # debtor -> at


@dataclass(slots=True)
class _Item:
    debtor_id: int
    make_event: Callable[[Context], Event]
    actor: str
    reply_channel: str | None = None
    inbound: Message | None = None
    timer: Timer | None = None
    log: dict[str, Any] = field(default_factory=dict)


class Engine:
    """Applies events to conversations; the only writer of conversation state."""

    def __init__(self, db: Database, clock: Clock, *, creditor: str,
                 understand_text: Understand = understand,
                 payment_url_template: str | None = None,
                 payments_secret: str | None = None,
                 on_outbox: Callable[[], None] | None = None,
                 on_media: Callable[[], None] | None = None,
                 deep_link: Callable[[str], str] = sandbox_deep_link) -> None:
        self.db = db
        self.clock = clock
        self.creditor = creditor
        self.understand = understand_text
        self.payment_url_template = payment_url_template
        self.payments_secret = payments_secret
        self.on_outbox = on_outbox or (lambda: None)
        # Called after a commit that recorded photos or documents to download (and staff
        # notices to post): the shell wakes its background tasks instead of waiting.
        self.on_media = on_media or (lambda: None)
        self.deep_link = deep_link

    # Inbound messages ---------------------------------------------------------------

    async def receive(self, msg: InboundMessage) -> Received:
        """Store `msg` once (by provider id) and apply it; a redelivery changes nothing.

        If applying fails, the message is still kept (status `failed`) so nothing the
        provider delivered is lost; the scheduler pass retries it. If even storing fails
        (the database is down) the error propagates and the webhook answers 5xx, so the
        provider retries.
        """
        now = self.clock.now()
        try:
            async with self.db.transaction() as session:
                message_id = await repo.insert_ignore(session, Message, _inbound_values(msg, now),
                                                      ("channel", "provider_id"))
                if message_id is None:
                    return Received("duplicate")
                _attachments(session, message_id, msg, now)
                message = await session.get_one(Message, message_id)
                result = await self._process_inbound(session, message, msg.debtor_external_id)
        except Exception:
            log.exception("inbound %s/%s failed; keeping it for a retry", msg.channel,
                          msg.provider_id)
            return await self._keep_failed(msg, now)
        if result.status == "processed":
            self.on_outbox()
        self.on_media()
        return result

    async def retry_failed_inbound(self, limit: int = 100) -> int:
        """Apply again inbound messages whose first processing failed; how many succeeded."""
        async with self.db.transaction() as session:
            ids = list((await session.exec(
                select(Message.id).where(Message.direction == "in", Message.status == "failed")
                .order_by(col(Message.id)).limit(limit))).all())
        done = 0
        for message_id in ids:
            try:
                async with self.db.transaction() as session:
                    message = await session.get_one(Message, message_id, with_for_update=True)
                    if message.status != "failed":
                        continue
                    result = await self._process_inbound(session, message, None)
                    done += result.status == "processed"
            except Exception:
                log.exception("retry of inbound message %s failed again", message_id)
        if done:
            self.on_outbox()
        return done

    async def _process_inbound(self, session: AsyncSession, message: Message,
                               debtor_external_id: str | None) -> Received:
        now = self.clock.now()
        debtor: Debtor | None
        if debtor_external_id is not None:
            debtor = (await session.exec(
                select(Debtor).where(Debtor.external_id == debtor_external_id))).first()
        elif message.debtor_id is not None:
            debtor = await session.get(Debtor, message.debtor_id)
        else:
            debtor = await repo.debtor_for_address(session, message.channel,
                                                   message.address or "")
        if debtor is None or debtor.id is None:
            message.status = "ignored"
            session.add(message)
            session.add(EventRow(at=now, actor="system", kind="message.unknown_sender",
                                 data={"message_id": message.id, "channel": message.channel}))
            return Received("unknown_sender", message.id)
        message.debtor_id = debtor.id
        text, option = message.text, message.payload.get("option")
        if option is None and is_opt_out_keyword(text, debtor.locale):
            # A message that is exactly an opt-out keyword ("STOP", "BAJA", "sair") stops
            # us whatever understanding reads: the SMS carriers' rule, kept on every channel.
            option = OPT_OUT_OPTION
        has_media = bool(message.payload.get("media"))

        def said(ctx: Context) -> Event:
            reading = self.understand(text, ctx.debtor.locale, ctx.today)
            return DebtorSaid(text, reading, message.channel, option, has_media)

        await self._apply(session, [_Item(debtor.id, said, "debtor",
                                          reply_channel=message.channel, inbound=message)])
        message.status, message.processed_at = "processed", now
        session.add(message)
        return Received("processed", message.id, debtor.id)

    async def link_channel(self, msg: InboundMessage, token: str) -> Received:
        """A debtor opened our deep link (`/start <token>`): bind the chat, continue there.

        Stored and deduped like any message. An unknown, used or expired token binds
        nothing and is kept as ignored. Errors propagate (the webhook answers 5xx and the
        provider retries): the token stays unused until a delivery succeeds.
        """
        now = self.clock.now()
        async with self.db.transaction() as session:
            message_id = await repo.insert_ignore(session, Message, _inbound_values(msg, now),
                                                  ("channel", "provider_id"))
            if message_id is None:
                return Received("duplicate")
            message = await session.get_one(Message, message_id)
            debtor = await links.redeem(session, token, msg.channel, msg.address, now)
            if debtor is None or debtor.id is None:
                message.status = "ignored"
                session.add(message)
                session.add(EventRow(at=now, actor="system", kind="channel.link_refused",
                                     data={"message_id": message_id, "channel": msg.channel}))
                return Received("unknown_sender", message_id)
            previous = debtor.telegram_chat_id
            debtor.telegram_chat_id = msg.address
            # Opening the link is an explicit opt-in on that channel.
            debtor.consents = dict(debtor.consents) | {
                msg.channel: {"source": f"{msg.channel}_start", "at": now.isoformat()}}
            debtor.updated_at = now
            session.add(debtor)
            session.add(EventRow(at=now, debtor_id=debtor.id, actor="debtor",
                                 kind="channel.linked", data={
                                     "channel": msg.channel, "previous_address": previous}))
            message.debtor_id = debtor.id
            await session.flush()
            await self._apply(session, [_Item(debtor.id, _constant(ChannelLinked(msg.channel)),
                                              "debtor", reply_channel=msg.channel,
                                              inbound=message)])
            message.status, message.processed_at = "processed", now
            session.add(message)
            debtor_id = debtor.id
        self.on_outbox()
        return Received("processed", message_id, debtor_id)

    async def _keep_failed(self, msg: InboundMessage, now: datetime) -> Received:
        values = _inbound_values(msg, now) | {"status": "failed"}
        async with self.db.transaction() as session:
            message_id = await repo.insert_ignore(session, Message, values,
                                                  ("channel", "provider_id"))
            if message_id is not None:
                _attachments(session, message_id, msg, now)
            if msg.debtor_external_id and message_id is not None:
                debtor = (await session.exec(
                    select(Debtor).where(Debtor.external_id == msg.debtor_external_id))).first()
                if debtor is not None:
                    await session.exec(update(Message).where(col(Message.id) == message_id)
                                          .values(debtor_id=debtor.id))
        return Received("failed", message_id)

    # Timers and staff -------------------------------------------------------------------

    async def fire_due_timers(self, *, limit: int = 1000, debtor_id: int | None = None) -> int:
        """Apply every timer that is due now, in batches; how many fired."""
        fired: set[int] = set()
        rearmed: set[int] = set()
        while True:
            count, deferred = await self._fire_batch(limit, debtor_id, fired, rearmed)
            if count < limit and not deferred:
                break
        if fired:
            self.on_outbox()
        return len(fired)

    async def _fire_batch(self, limit: int, debtor_id: int | None, fired: set[int],
                          rearmed: set[int]) -> tuple[int, int]:
        """Fire one batch; (timers fired, timers left for the next batch).

        `fired` collects every timer fired in this pass; `rearmed` the few of them that
        their own step set due again by now, which must wait for the next pass. Only those
        are excluded in SQL: a list of every fired id would outgrow the database's limit on
        bound parameters (32,767 on PostgreSQL) in a pass of 50,000 debtors."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            stmt = (select(Timer).where(Timer.status == "pending", col(Timer.due_at) <= now)
                    .order_by(col(Timer.due_at), col(Timer.id)).limit(limit))
            if debtor_id is not None:
                stmt = stmt.where(Timer.debtor_id == debtor_id)
            if rearmed:
                # A step may move its own timer to "now"; it waits for the next pass rather
                # than firing again in this one.
                stmt = stmt.where(col(Timer.id).not_in(rearmed))
            if self.db.is_postgres:
                stmt = stmt.with_for_update(skip_locked=True)
            timers = list((await session.exec(stmt)).all())
            debtor_ids = list({t.debtor_id for t in timers})
            debtors = await repo.debtors_by_id(session, debtor_ids)
            policies = await policies_for(session, {d.segment for d in debtors.values()})
            history = await gate.load_history(session, debtor_ids, now)
            last_inbound = await gate.load_last_inbound(session, debtor_ids)
            items: list[_Item] = []
            seen: set[int] = set()
            waiting = 0
            for timer in timers:
                if timer.debtor_id in seen:
                    # One event per debtor per batch, so each step sees the state the one
                    # before it left; the next batch takes this timer.
                    continue
                seen.add(timer.debtor_id)
                fired.add(timer.id)  # type: ignore[arg-type]
                debtor = debtors[timer.debtor_id]
                channel, decision = _channel_for(
                    debtor, policies[debtor.segment], timer.kind, history[timer.debtor_id],
                    last_inbound, now)
                timer.updated_at = now
                if isinstance(decision, NotBefore):
                    # Not now: the message is written when it may go, so its words (and the
                    # balance in it) are those of the moment it is sent.
                    timer.due_at = decision.at
                    session.add(timer)
                    waiting += 1
                    continue
                timer.status = "done"
                session.add(timer)
                items.append(_Item(timer.debtor_id, _constant(
                    TimerFired(timer.kind, timer.key, dict(timer.data))), "scheduler",
                    reply_channel=channel, timer=timer))
            await session.flush()
            await self._apply(session, items)
            batch = [item.timer.id for item in items if item.timer is not None]
            if batch:
                rearmed.update((await session.exec(
                    select(Timer.id).where(col(Timer.id).in_(batch), Timer.status == "pending",
                                           col(Timer.due_at) <= now))).all())  # type: ignore[arg-type]
            return len(items) + waiting, len(timers) - len(items) - waiting

    async def record_payment(self, notice: PaymentNotice) -> PaymentOutcome:
        """Apply money received, once per reference; thank the debtor; or hold it for staff.

        Applied in the debtor's conversation lock and in one transaction with the step that
        thanks them, so a payment and a message from the debtor never interleave.
        """
        now = self.clock.now()
        async with self.db.transaction() as session:
            payment_id = await repo.insert_ignore(session, Payment, {
                "reference": notice.reference, "currency": notice.amount.currency,
                "amount_minor": notice.amount.minor, "paid_at": notice.paid_at,
                "source": notice.source, "status": "received", "data": {},
                "created_at": now}, ("reference",))
            if payment_id is None:
                return PaymentOutcome("duplicate")
            payment = await session.get_one(Payment, payment_id)
            debtor = await self._payer(session, notice)
            if debtor is None or debtor.id is None:
                return await self._hold(session, payment, None, now,
                                        "no open invoice or debtor matches this payment")
            payment.debtor_id = debtor.id
            await repo.lock_conversations(session, [debtor.id])
            invoices = (await repo.open_invoices(session, [debtor.id])).get(debtor.id, [])
            allocation = allocate(notice, [OpenInvoice(i.external_id, Money(
                i.open_minor, i.currency)) for i in invoices])
            if not allocation.applied:
                return await self._hold(session, payment, debtor.id, now, allocation.held or "")
            for invoice in invoices:
                part = allocation.to_invoices.get(invoice.external_id, 0)
                if part:
                    invoice.open_minor -= part
                    invoice.updated_at = now
                    if invoice.open_minor == 0:
                        invoice.status, invoice.paid_at = "paid", notice.paid_at
                    session.add(invoice)
            named = next((i for i in invoices if i.external_id == notice.invoice_id), None)
            payment.invoice_id = named.id if named else None
            payment.status = "applied"
            payment.data = {"invoices": allocation.to_invoices}
            for agreement, schedule in (await repo.active_agreements(
                    session, [debtor.id])).get(debtor.id, []):
                split = to_installments(notice.amount.minor, [
                    (i.seq, i.amount_minor - i.paid_minor) for i in schedule])
                for installment in schedule:
                    installment.paid_minor += split.get(installment.seq, 0)
                    if installment.paid_minor >= installment.amount_minor:
                        installment.status = "paid"
                    session.add(installment)
                payment.data = payment.data | {"agreement_id": agreement.id,
                                               "installments": split}
            session.add(payment)
            # Reminders waiting to go were written for the old balance: they are withdrawn
            # (the cadence writes fresh ones if anything is still owed).
            await repo.cancel_pending_outbox(session, debtor_id=debtor.id, now=now,
                                             kinds=REMINDER_KINDS, reason="payment received")
            session.add(EventRow(at=now, debtor_id=debtor.id, actor=f"payment:{notice.source}",
                                 kind="payment.applied", data={
                                     "reference": notice.reference, **payment.data,
                                     "amount_minor": notice.amount.minor,
                                     "currency": notice.amount.currency}))
            await session.flush()
            await self._apply(session, [_Item(debtor.id, _constant(PaymentReceived(
                notice.amount, notice.reference)), f"payment:{notice.source}")])
        self.on_outbox()
        return PaymentOutcome("applied", debtor_id=debtor.id, payment_id=payment_id)

    async def _payer(self, session: AsyncSession, notice: PaymentNotice) -> Debtor | None:
        if notice.invoice_id is not None:
            invoice = (await session.exec(select(Invoice).where(
                Invoice.external_id == notice.invoice_id))).first()
            if invoice is not None:
                return await session.get(Debtor, invoice.debtor_id)
        if notice.debtor_id is not None:
            return (await session.exec(select(Debtor).where(
                Debtor.external_id == notice.debtor_id))).first()
        return None

    async def _hold(self, session: AsyncSession, payment: Payment, debtor_id: int | None,
                    now: datetime, reason: str) -> PaymentOutcome:
        payment.status, payment.data = "held", {"reason": reason}
        session.add(payment)
        await open_case(session, debtor_id=debtor_id, reason="payment_held", priority="normal",
                        now=now, data={"reason": reason, "reference": payment.reference,
                                       "amount_minor": payment.amount_minor,
                                       "currency": payment.currency})
        session.add(EventRow(at=now, debtor_id=debtor_id, actor=f"payment:{payment.source}",
                             kind="payment.held", data={"reference": payment.reference,
                                                        "reason": reason}))
        return PaymentOutcome("held", reason, debtor_id, payment.id)

    async def staff_event(self, debtor_id: int, event: StaffActed, *,
                          key: str | None = None) -> Decision | None:
        """Apply a staff decision to a debtor's conversation; None when `key` (the
        provider's update id, a form's nonce) was already applied: a redelivered button
        press or a double submit changes nothing."""
        async with self.db.transaction() as session:
            if key is not None and await repo.insert_ignore(
                    session, StaffUpdate, {"key": key, "created_at": self.clock.now()},
                    ("key",), returning="key") is None:
                return None
            decisions = await self._apply(session, [_Item(debtor_id, _constant(event),
                                                          event.actor)])
        self.on_outbox()
        self.on_media()
        return decisions[0]

    async def reschedule(self, session: AsyncSession, debtor_ids: Sequence[int]) -> None:
        """Recompute the reminder timer of debtors whose invoices changed (after an import)."""
        now = self.clock.now()
        for start in range(0, len(debtor_ids), 1000):  # bounded IN lists and memory
            chunk = debtor_ids[start:start + 1000]
            convs = await repo.lock_conversations(session, chunk)
            contexts = await self._contexts(session, list(convs), now)
            writes = _Writes()
            for debtor_id, row in convs.items():
                writes.reminders[debtor_id] = flows.reminder.next_reminder_at(
                    State(row.state), dict(row.data), contexts[debtor_id])
            await self._write(session, writes, now)

    # The one path ----------------------------------------------------------------------

    async def _apply(self, session: AsyncSession, items: list[_Item]) -> list[Decision]:
        if not items:
            return []
        now = self.clock.now()
        convs = await repo.lock_conversations(session, [i.debtor_id for i in items])
        debtors = await repo.debtors_by_id(session, [i.debtor_id for i in items])
        contexts = await self._contexts(session, [i.debtor_id for i in items], now, debtors)
        decisions = []
        writes = _Writes()
        for item in items:
            row = convs[item.debtor_id]
            ctx = contexts[item.debtor_id]
            conv = Conversation(State(row.state), dict(row.data), row.version)
            event = item.make_event(ctx)
            decision = flows.step(conv, event, ctx)
            await self._persist(session, debtors[item.debtor_id], row, ctx, event, decision,
                                item, now, writes)
            decisions.append(decision)
        await self._write(session, writes, now)
        return decisions

    async def _write(self, session: AsyncSession, writes: _Writes, now: datetime) -> None:
        """Issue a batch's grouped writes: conversations, messages with their outbox rows,
        events, reminded steps, reminder timers. Plain SQL statements with many parameter
        sets: building ORM objects cost more than the steps themselves."""
        if writes.conversations:
            table = ConversationRow.__table__  # type: ignore[attr-defined]
            await session.exec(
                update(table).where(table.c.id == bindparam("cid"))
                .values(state=bindparam("s"), data=bindparam("d", type_=JSONType),
                        version=bindparam("v"), updated_at=now),
                params=writes.conversations)
        if writes.messages:
            table = Message.__table__  # type: ignore[attr-defined]
            ids = (await session.exec(
                insert(table).returning(table.c.id, sort_by_parameter_order=True),
                params=writes.messages)).scalars().all()
            await session.exec(insert(Outbox.__table__), params=[  # type: ignore[attr-defined]
                {"message_id": i, "debtor_id": m["debtor_id"], "channel": m["channel"],
                 "kind": m["kind"], "status": "pending", "due_at": now, "attempts": 0,
                 "created_at": now, "updated_at": now}
                for i, m in zip(ids, writes.messages, strict=True)])
        if writes.events:
            await session.exec(insert(EventRow.__table__), params=writes.events)  # type: ignore[attr-defined]
        if writes.reminded:
            table = Invoice.__table__  # type: ignore[attr-defined]
            await session.exec(
                update(table).where(table.c.external_id == bindparam("eid"))
                .values(last_reminder_offset=bindparam("off"), updated_at=now),
                params=writes.reminded)
        upserts = [{"d": d, "at": at} for d, at in writes.reminders.items() if at is not None]
        cancels = [{"d": d} for d, at in writes.reminders.items() if at is None]
        if upserts:
            await repo.upsert_timers(session, kind="reminder", key="", rows=upserts, now=now)
        if cancels:
            await repo.cancel_timers(session, kind="reminder", key="", rows=cancels, now=now)

    async def _contexts(self, session: AsyncSession, debtor_ids: list[int], now: datetime,
                        debtors: dict[int, Debtor] | None = None) -> dict[int, Context]:
        if debtors is None:
            debtors = await repo.debtors_by_id(session, debtor_ids)
        invoices = await repo.open_invoices(session, debtor_ids)
        agreements = await repo.active_agreements(session, debtor_ids)
        policies = await policies_for(session, {d.segment for d in debtors.values()})
        return {
            debtor_id: Context(
                debtor=debtor_view(debtor),
                invoices=tuple(invoice_view(i) for i in invoices.get(debtor_id, ())),
                agreements=tuple(agreement_view(a, s) for a, s in agreements.get(debtor_id, ())),
                now=now,
                creditor=self.creditor,
                policy=_with_contact_rules(policies[debtor.segment], debtor),
                payment_link=self._payment_links(debtor, invoices.get(debtor_id, [])),
            )
            for debtor_id, debtor in debtors.items()
        }

    def _payment_links(self, debtor: Debtor,
                       invoices: list[Invoice]) -> Callable[[Money], str] | None:
        """Links for this debtor's payments (the whole balance, or one instalment)."""
        template = self.payment_url_template
        if not template or not invoices:
            return None
        invoice_id, secret = invoices[0].external_id, self.payments_secret

        def link(amount: Money) -> str:
            token = link_token(secret, invoice_id, amount) if secret else ""
            return template.format(debtor_id=quote(debtor.external_id, safe=""),
                                   invoice_id=quote(invoice_id, safe=""),
                                   amount=amount.decimal_str(), currency=amount.currency,
                                   token=token)
        return link

    async def _persist(self, session: AsyncSession, debtor: Debtor, row: ConversationRow,
                       ctx: Context, event: Event, decision: Decision, item: _Item,
                       now: datetime, writes: _Writes) -> None:
        assert debtor.id is not None
        before = row.state
        version = row.version + 1
        writes.conversations.append({"cid": row.id, "s": decision.state.value,
                                     "d": dict(decision.data), "v": version})
        sends: list[Send] = []
        invoices_changed = False
        for action in decision.actions:
            match action:
                case Send():
                    sends.append(action)
                case SwitchChannel(channel=target):
                    sends.extend(await self._switch(session, debtor, target, now))
                case OptOut(channel=opted):
                    debtor.opt_outs = dict(debtor.opt_outs) | {opted: now.isoformat()}
                    await repo.cancel_pending_outbox(session, debtor_id=debtor.id, now=now,
                                                     channel=None if opted == "*" else opted,
                                                     reason="opted out")
                case VerifyIdentity():
                    debtor.identity_verified_at = now
                    session.add(EventRow(at=now, debtor_id=debtor.id, actor="debtor",
                                         kind="identity.verified", data={}))
                case MarkThirdParty():
                    debtor.third_party_at = now
                    await repo.cancel_pending_outbox(session, debtor_id=debtor.id, now=now,
                                                     reason="third party")
                case Escalate(reason=reason, priority=priority, note=note):
                    await open_case(session, debtor_id=debtor.id, reason=reason,
                                    priority=priority, data={**note, "state": before}, now=now)
                case UpdateCase(case_id=case_id, status=status, assignee=assignee, until=until,
                                resolution=resolution):
                    await update_cases(session, debtor_id=debtor.id, case_id=case_id,
                                       status=status, assignee=assignee, until=until,
                                       resolution=resolution, now=now)
                case NotifyStaff(kind=kind, data=data):
                    payload = dict(data)
                    if kind == "relay":
                        if item.inbound is None:
                            continue
                        payload["message_id"] = item.inbound.id
                    session.add(notice(debtor.id, kind, now, data=payload))
                case CreateAgreement():
                    await self._create_agreement(session, debtor.id, ctx, action, now)
                case CloseAgreement(agreement_id=agreement_id, status=status):
                    await session.exec(
                        update(Agreement).where(col(Agreement.id) == agreement_id,
                                                col(Agreement.status) == "active")
                        .values(status=status, closed_at=now))
                case MarkReminded(offsets=offsets):
                    writes.reminded.extend({"eid": e, "off": o} for e, o in offsets.items())
                case SetInvoiceStatus(status=status, only=only):
                    await session.exec(
                        update(Invoice).where(col(Invoice.debtor_id) == debtor.id,
                                              col(Invoice.status) == only)
                        .values(status=status, updated_at=now))
                    invoices_changed = True
                case Schedule(kind=kind, key=key, day=day, at=at, data=data):
                    due = at or local_moment(day, ctx.policy.send_hour,  # type: ignore[arg-type]
                                             ctx.policy.send_minute, ctx.debtor.zone)
                    await repo.upsert_timer(session, debtor_id=debtor.id, kind=kind, key=key,
                                            due_at=due.astimezone(UTC), data=dict(data),
                                            now=now)
                case Note(kind=kind, data=data):
                    session.add(EventRow(at=now, debtor_id=debtor.id, actor="bot",
                                         kind=f"note.{kind}", data=dict(data)))
        session.add(debtor)
        # Where the debtor wrote (or the timer's channel), else their preferred one, unless
        # the segment switched it off or we have no address there: then the segment's order.
        channel = route((item.reply_channel, debtor.channel), ctx.policy.disabled_channels,
                        (*ctx.policy.channel_order, *CHANNEL_ORDER), reachable(debtor))
        if channel is None and sends:
            await open_case(session, debtor_id=debtor.id, reason="no_channel", priority="high",
                            now=now, data={"state": before, "unsent": [s.kind for s in sends],
                                           "disabled": sorted(ctx.policy.disabled_channels)})
            sends = []
        renderer = Renderer(debtor.locale, ctx.today) if sends else None
        for send in sends:
            assert renderer is not None and channel is not None
            writes.messages.append({
                "debtor_id": debtor.id, "direction": "out", "channel": channel,
                "provider_id": None, "address": address_for(debtor, channel),
                "kind": send.kind, "text": renderer.text(send.say), "status": "queued",
                "created_at": now, "payload": {
                    "key": send.say.key, "params": to_json(dict(send.say.params)),
                    "options": [{"id": o, "title": renderer.option(o)}
                                for o in send.say.options],
                    "locale": debtor.locale}})
        reminder_at = decision.reminder_at
        if invoices_changed:
            # The step was decided on the invoices as they were (a disputed one did not
            # count); the next reminder follows the invoices as they are now.
            await session.flush()
            fresh = (await self._contexts(session, [debtor.id], now))[debtor.id]
            reminder_at = flows.reminder.next_reminder_at(decision.state, dict(decision.data),
                                                          fresh)
        writes.reminders[debtor.id] = reminder_at
        writes.events.append({"at": now, "debtor_id": debtor.id, "actor": item.actor,
                              "kind": "step", "data": {
                                  "event": _event_log(event, item), "from": before,
                                  "to": decision.state.value, "version": version,
                                  "actions": [type(a).__name__ for a in decision.actions],
                                  "sent": [s.kind for s in sends]}})

    async def _switch(self, session: AsyncSession, debtor: Debtor, target: str,
                      now: datetime) -> list[Send]:
        """Make `target` the debtor's channel; for an unlinked Telegram, the link to send."""
        assert debtor.id is not None
        if address_for(debtor, target):
            if debtor.channel != target:
                session.add(EventRow(at=now, debtor_id=debtor.id, actor="debtor",
                                     kind="channel.switched",
                                     data={"from": debtor.channel, "to": target}))
                debtor.channel, debtor.updated_at = target, now
            return []
        if target != "telegram":
            return []  # no phone number: nothing to switch to (the flow never asks this)
        token = await links.create_link(session, debtor.id, target, now)
        session.add(EventRow(at=now, debtor_id=debtor.id, actor="bot", kind="channel.link_sent",
                             data={"channel": target}))
        hours = int(links.LINK_TTL.total_seconds() // 3600)
        return [Send(Say("channel.telegram_link", {"name": first_name(debtor.name),
                                                   "url": self.deep_link(token),
                                                   "hours": hours}))]

    async def _create_agreement(self, session: AsyncSession, debtor_id: int, ctx: Context,
                                action: CreateAgreement, now: datetime) -> None:
        _guard_limits(action, ctx)
        # One running agreement at a time: a new one replaces the old.
        await session.exec(
            update(Agreement).where(col(Agreement.debtor_id) == debtor_id,
                                    col(Agreement.status) == "active")
            .values(status="cancelled", closed_at=now))
        total = sum(amount.minor for _, amount in action.schedule)
        agreement = Agreement(
            debtor_id=debtor_id, kind=action.kind, status="active",
            currency=action.schedule[0][1].currency, total_minor=total,
            discount_percent=action.discount_percent, policy_version=ctx.policy.version,
            source=action.authority, terms=dict(action.offer), created_at=now,
            confirmed_at=now)
        session.add(agreement)
        await session.flush()
        session.add_all(Installment(agreement_id=agreement.id, seq=n, due_on=day,  # type: ignore[arg-type]
                                    amount_minor=amount.minor)
                        for n, (day, amount) in enumerate(action.schedule, start=1))
        session.add(EventRow(at=now, debtor_id=debtor_id, actor="debtor",
                             kind="agreement.created",
                             data={"agreement_id": agreement.id, "kind": action.kind,
                                   "total_minor": total, "policy_version": ctx.policy.version,
                                   "authority": action.authority, "offer": dict(action.offer)}))



# Rows to views -------------------------------------------------------------------------


class AgreementOutsideLimits(RuntimeError):
    """A flow asked to record an agreement the limits forbid: never written, never sent."""


def _guard_limits(action: CreateAgreement, ctx: Context) -> None:
    """The last guard: no agreement is written that breaks a limit, whatever a flow decided.

    Raising rolls back the whole step, the confirmation message to the debtor included; the
    inbound message is kept as failed for staff to see.
    """
    situation = negotiation_flow.situation(ctx)
    if situation is None:
        raise AgreementOutsideLimits("an agreement without a debt")
    offer = Offer.from_dict(action.offer)
    broken = violations(offer, situation, ctx.policy.limits, Authority(action.authority))
    if broken:
        raise AgreementOutsideLimits(
            f"refusing agreement for debtor {ctx.debtor.external_id}: "
            + "; ".join(f"{v.rule}: {v.message}" for v in broken))


def _with_contact_rules(policy: PolicyView, debtor: Debtor) -> PolicyView:
    """The segment policy with what the debtor's contact rules decide for the flows."""
    rules = gate.compliance_policy(debtor, policy)
    return replace(policy, why_question_allowed=compliance.why_question_allowed(rules),
                   identity_required=rules.content.identity_before_disclosure)


def debtor_view(debtor: Debtor) -> DebtorView:
    """The core's view of a debtor row."""
    assert debtor.id is not None
    return DebtorView(
        id=debtor.id, external_id=debtor.external_id, name=debtor.name, locale=debtor.locale,
        country=debtor.country, timezone=debtor.timezone, segment=debtor.segment,
        channel=debtor.channel, opted_out=frozenset(debtor.opt_outs),
        third_party=debtor.third_party_at is not None,
        identity_verified=debtor.identity_verified_at is not None,
        document_last4=debtor.document_last4,
        reachable=reachable(debtor))


def reachable(debtor: Debtor) -> frozenset[str]:
    """The channels we have an address on for `debtor`."""
    return frozenset(c for c in ("whatsapp", "sms", "telegram") if address_for(debtor, c))


def invoice_view(invoice: Invoice) -> InvoiceView:
    """The core's view of an invoice row."""
    return InvoiceView(
        external_id=invoice.external_id, amount=Money(invoice.amount_minor, invoice.currency),
        open=Money(invoice.open_minor, invoice.currency), due_on=invoice.due_on,
        status=invoice.status, last_reminder_offset=invoice.last_reminder_offset)


def agreement_view(agreement: Agreement, installments: list[Installment]) -> AgreementView:
    """The core's view of an agreement and its schedule."""
    assert agreement.id is not None
    return AgreementView(
        id=agreement.id, kind=agreement.kind, status=agreement.status,
        total=Money(agreement.total_minor, agreement.currency),
        installments=tuple(
            InstallmentView(i.seq, i.due_on, Money(i.amount_minor, agreement.currency),
                            Money(i.paid_minor, agreement.currency)) for i in installments))


def address_for(debtor: Debtor, channel: str) -> str | None:
    """Where to reach `debtor` on `channel`."""
    return debtor.telegram_chat_id if channel == "telegram" else debtor.phone


def _attachments(session: AsyncSession, message_id: int, msg: InboundMessage,
                 now: datetime) -> None:
    """Record the media of a message for the fetcher, which downloads them later."""
    session.add_all(Attachment(message_id=message_id, source=m.url[:1000],
                               content_type=m.content_type[:100], due_at=now, created_at=now,
                               updated_at=now) for m in msg.media)


def _inbound_values(msg: InboundMessage, now: datetime) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if msg.option:
        payload["option"] = msg.option
    if msg.media:
        payload["media"] = [{"url": m.url, "content_type": m.content_type} for m in msg.media]
    if len(msg.text) > MAX_INBOUND_TEXT:
        payload["truncated_from"] = len(msg.text)
    return {"direction": "in", "channel": msg.channel, "provider_id": msg.provider_id,
            "address": msg.address, "text": clean_text(msg.text), "status": "received",
            "kind": "debtor",
            "payload": payload, "created_at": msg.received_at or now}


def _channel_for(debtor: Debtor, policy: PolicyView, timer_kind: str,
                 sent: list[gate.SentMessage], last_inbound: dict[tuple[int, str], datetime],
                 now: datetime) -> tuple[str, gate.Decision | None]:
    """The channel a timer's message goes on, and the gate's answer for it now.

    Channels are tried in the segment's order (the debtor's preferred one by default); one
    the rules forbid (opted out, no consent) falls back to the next. One that is only
    "not yet" is waited for: switching channel to send sooner is not what a fallback is for.
    """
    order = [c for c in (*policy.channel_order, debtor.channel)
             if c not in policy.disabled_channels]
    last: gate.Decision | None = None
    for channel in dict.fromkeys(order):
        assert debtor.id is not None
        last = gate.check_timer(debtor, policy, channel, timer_kind, sent,
                                last_inbound.get((debtor.id, channel)), now)
        if last is None or not isinstance(last, Never):
            return channel, last
    return debtor.channel, last


def _constant(event: Event) -> Callable[[Context], Event]:
    """An event that does not depend on the context (timers, staff)."""
    return lambda _ctx: event


def _event_log(event: Event, item: _Item) -> dict[str, Any]:
    match event:
        case DebtorSaid(understanding=u):
            return {"type": "debtor_said", "message_id": item.inbound.id if item.inbound else None,
                    "option": event.option, "reading": u.as_json()}
        case TimerFired(kind=kind, key=key):
            return {"type": "timer", "kind": kind, "key": key}
        case StaffActed(action=action, actor=actor, data=data):
            return {"type": "staff", "action": action, "actor": actor, "data": dict(data)}
        case PaymentReceived(amount=amount, reference=reference):
            return {"type": "payment", "reference": reference, "amount": amount.as_json()}
    return {"type": type(event).__name__}
