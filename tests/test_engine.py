"""The engine and dispatcher end to end through the sandbox channel, on SQLite and PostgreSQL:
what is stored once, sent once, and never lost."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.channels import ChannelRegistry
from bot.channels.base import (
    OutgoingMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)
from bot.clock import FixedClock
from bot.dispatch import LEASE, Dispatcher
from bot.domain import InboundMessage
from bot.services import Services, build_services
from bot.understanding import understand
from storage.models import Agreement, Escalation, Message, Outbox, Timer
from storage.models import Event as EventRow
from tests.conftest import at
from tests.helpers import (
    NO_CAPS,
    debtor,
    load,
    load_examples,
    outbound,
    portfolio,
    row,
    say,
    set_policy,
    tick,
)


class Recording:
    """A channel that records what it is asked to send and fails on demand."""

    def __init__(self, name: str = "whatsapp", failures: list[Exception] | None = None) -> None:
        self.name = name
        self.sent: list[OutgoingMessage] = []
        self.failures = list(failures or [])

    async def send(self, message: OutgoingMessage) -> SendResult:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        return SendResult(f"rec-{message.message_id}-{len(self.sent)}")


def rewire(svc: Services, channel: Recording) -> Services:
    """The same database and clock, with a recording channel instead of the sandbox."""
    return build_services(svc.settings, clock=svc.clock, db=svc.db,
                          channels=ChannelRegistry.with_sandbox([channel]))


async def test_ana_is_reminded_in_pesos_and_her_payment_claim_is_answered(
        services: Services) -> None:
    await load_examples(services)
    [reminder] = await tick(services, "CO-001")
    assert "$1.200.000" in reminder
    # Colombia's preset does not ask why: the reminder offers the options instead.
    assert "Elige la opción que mejor describa tu situación" in reminder
    [answer] = await say(services, "CO-001", "ya pagué")
    assert answer.startswith("¡Gracias por avisarnos, Ana! Vamos a verificar tu pago")
    async with services.db.transaction() as session:
        [case] = (await session.exec(select(Escalation))).all()
    assert case.reason == "payment_claimed"


async def test_one_pass_sends_one_grouped_message_per_debtor(services: Services) -> None:
    await load_examples(services)
    await tick(services)
    for external_id in ("CO-002", "BR-002"):  # two invoices each
        messages = await outbound(services, external_id)
        assert len(messages) == 1 and messages[0].text.count("•") == 2


async def test_a_redelivered_message_is_processed_once(services: Services) -> None:
    await load_examples(services)
    first = await say(services, "CO-001", "ya pagué", provider_id="wamid.1")
    again = await say(services, "CO-001", "ya pagué", provider_id="wamid.1")
    assert len(first) == 1 and again == []
    async with services.db.transaction() as session:
        inbound = (await session.exec(select(Message).where(Message.direction == "in"))).all()
    assert len(inbound) == 1


async def test_two_deliveries_racing_each_other_are_processed_once(services: Services) -> None:
    await load_examples(services)
    d = await debtor(services, "CO-001")
    msg = InboundMessage("whatsapp", "wamid.race", d.phone or "", "ya pagué",
                         services.clock.now(), debtor_external_id="CO-001")
    results = await asyncio.gather(*(services.engine.receive(msg) for _ in range(5)))
    assert Counter(r.status for r in results) == {"processed": 1, "duplicate": 4}
    await services.dispatcher.run_once()
    assert [m.kind for m in await outbound(services, "CO-001")] == ["reply"]


async def test_a_crash_after_commit_before_send_sends_later_once(services: Services) -> None:
    await load_examples(services)
    d = await debtor(services, "CO-001")
    # The process saves the reply and dies before dispatching: nothing was sent.
    await services.engine.receive(InboundMessage("whatsapp", "wamid.2", d.phone or "", "ya pagué",
                                                 services.clock.now(),
                                                 debtor_external_id="CO-001"))
    channel = Recording()
    restarted = rewire(services, channel)
    await restarted.dispatcher.run_once()
    await restarted.dispatcher.run_once()
    assert [m.text[:22] for m in channel.sent] == ["¡Gracias por avisarnos"]


async def test_a_worker_that_dies_while_sending_leaves_a_lease_that_expires(
        services: Services, clock: FixedClock) -> None:
    await load(services, portfolio(row()))
    await services.engine.fire_due_timers()
    dying = Dispatcher(services.db, clock, ChannelRegistry.with_sandbox(), worker="dying")
    claimed = await dying._claim(report=__import__("bot.dispatch").dispatch.DispatchReport(),
                                 debtor_id=None)
    assert len(claimed) == 1  # claimed, then the worker is killed before sending
    channel = Recording()
    other = rewire(services, channel)
    await other.dispatcher.run_once()
    assert channel.sent == []  # the lease still holds: no double send
    clock.advance(LEASE + timedelta(seconds=1))
    await other.dispatcher.run_once()
    await other.dispatcher.run_once()
    assert len(channel.sent) == 1


async def test_a_provider_error_is_retried_with_backoff_and_sent_once(
        services: Services, clock: FixedClock) -> None:
    await load(services, portfolio(row()))
    channel = Recording(failures=[TransientSendError("503 from provider"),
                                  TransientSendError("429", retry_after=30)])
    svc = rewire(services, channel)
    report = (await svc.scheduler.run_pass()).dispatch
    assert report.retried and not report.sent
    clock.advance(timedelta(seconds=11))
    assert (await svc.dispatcher.run_once()).retried  # the 429 asks for 30 s
    clock.advance(timedelta(seconds=29))
    assert not (await svc.dispatcher.run_once()).sent
    clock.advance(timedelta(seconds=2))
    assert (await svc.dispatcher.run_once()).sent
    assert len(channel.sent) == 1
    async with svc.db.transaction() as session:
        [box] = (await session.exec(select(Outbox))).all()
    assert (box.status, box.attempts) == ("sent", 3)


async def test_a_permanent_failure_is_recorded_and_never_retried(
        services: Services, clock: FixedClock) -> None:
    await load(services, portfolio(row()))
    channel = Recording(failures=[PermanentSendError("invalid number", code="21211")])
    svc = rewire(services, channel)
    assert (await svc.scheduler.run_pass()).dispatch.failed
    clock.advance(timedelta(hours=2))
    await svc.dispatcher.run_once()
    [message] = await outbound(svc, "CO-001")
    assert (message.status, message.error_code, message.error_message) == (
        "failed", "21211", "invalid number")
    assert channel.sent == []


async def test_after_an_opt_out_nothing_more_is_sent_on_that_channel(
        services: Services, clock: FixedClock) -> None:
    await load(services, portfolio(row(due_on="2026-11-27")))
    [reminder] = await tick(services, "CO-001")
    assert "vence" in reminder
    [confirmation] = await say(services, "CO-001", "no me escriban más, stop")
    assert confirmation.startswith("Listo. No te enviaremos más mensajes")
    for days in range(1, 60):
        clock.set(at("2026-11-24T10:00:00-05:00") + timedelta(days=days))
        assert await tick(services) == []
    assert await say(services, "CO-001", "hola") == []
    async with services.db.transaction() as session:
        timers = (await session.exec(select(Timer).where(Timer.status == "pending"))).all()
    assert timers == []


async def test_a_message_queued_before_the_opt_out_is_not_sent_after_it(
        services: Services) -> None:
    await load(services, portfolio(row()))
    await services.engine.fire_due_timers()  # the reminder is queued, not yet sent
    await services.engine.receive(InboundMessage(
        "whatsapp", "wamid.stop", "+573001234567", "STOP", services.clock.now(),
        debtor_external_id="CO-001"))
    await services.dispatcher.run_once()
    sent = [(m.kind, m.status) for m in await outbound(services, "CO-001")]
    assert sent == [("reminder_overdue", "cancelled"), ("opt_out_confirmation", "delivered")]


async def test_a_message_that_fails_to_process_is_kept_and_retried_once(
        services: Services, clock: FixedClock) -> None:
    await load(services, portfolio(row()))
    calls = {"n": 0}

    def flaky(text: str, locale: str, today):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("a bug in understanding")
        return understand(text, locale, today)

    services.engine.understand = flaky
    received = await services.engine.receive(InboundMessage(
        "whatsapp", "wamid.bug", "+573001234567", "ya pagué", services.clock.now(),
        debtor_external_id="CO-001"))
    assert received.status == "failed"
    async with services.db.transaction() as session:
        [kept] = (await session.exec(select(Message).where(Message.direction == "in"))).all()
    assert (kept.status, kept.text) == ("failed", "ya pagué")
    await services.scheduler.run_pass()
    await services.scheduler.run_pass()
    kinds = [m.kind for m in await outbound(services, "CO-001")]
    assert kinds.count("reply") == 1


async def test_a_message_from_an_unknown_number_is_kept_and_not_answered(
        services: Services) -> None:
    await load(services, portfolio(row()))
    received = await services.engine.receive(InboundMessage(
        "whatsapp", "wamid.x", "+573009999999", "hola", services.clock.now()))
    assert received.status == "unknown_sender"
    async with services.db.transaction() as session:
        [kept] = (await session.exec(select(Message))).all()
    assert (kept.status, kept.debtor_id) == ("ignored", None)


async def test_a_promise_is_recorded_reminded_and_checked(
        services: Services, clock: FixedClock) -> None:
    await set_policy(services, NO_CAPS)  # this test is about the promise, not the weekly cap
    await load(services, portfolio(row()))
    await tick(services)
    [confirm] = await say(services, "CO-001", "le pago el viernes")
    assert "Un solo pago de $1.200.000 el viernes, 27 de noviembre." in confirm
    [recorded] = await say(services, "CO-001", "sí")
    assert recorded.startswith("¡Listo, Ana! Quedó registrado tu acuerdo")
    async with services.db.transaction() as session:
        [agreement] = (await session.exec(select(Agreement))).all()
    assert (agreement.kind, agreement.status, agreement.total_minor) == (
        "promise", "active", 120_000_000)
    clock.set(at("2026-11-26T09:00:00-05:00"))
    assert [t[:26] for t in await tick(services)] == ["Hola Ana, te recordamos tu"]
    clock.set(at("2026-11-27T09:00:00-05:00"))
    assert await tick(services) == []  # no ordinary reminder while the promise runs
    clock.set(at("2026-11-30T09:00:00-05:00"))
    assert await tick(services) == []  # inside the 3 grace days
    clock.set(at("2026-12-01T09:00:00-05:00"))
    [broken] = await tick(services)
    assert broken.startswith("Hola Ana, no hemos recibido el pago de $1.200.000")
    async with services.db.transaction() as session:
        [agreement] = (await session.exec(select(Agreement))).all()
    assert agreement.status == "broken"


async def test_two_dispatchers_on_one_outbox_send_each_message_once(
        services: Services, clock: FixedClock) -> None:
    rows = [row(f"D-{n}", f"Debtor {n}", f"+5730012{n:05d}", f"F-{n}") for n in range(60)]
    await load(services, portfolio(*rows))
    await services.engine.fire_due_timers()
    channel = Recording()
    registry = ChannelRegistry.with_sandbox([channel])
    a = Dispatcher(services.db, clock, registry, worker="a", batch=7)
    b = Dispatcher(services.db, clock, registry, worker="b", batch=7)
    await asyncio.gather(a.run_once(), b.run_once(), a.run_once(), b.run_once())
    assert len(channel.sent) == 60
    assert len({m.message_id for m in channel.sent}) == 60


async def test_the_debtor_document_has_every_field_the_issue_lists(services: Services) -> None:
    from bot.inspect import debtor_document

    await load_examples(services)
    await tick(services, "CO-001")
    await say(services, "CO-001", "le pago el viernes")
    await say(services, "CO-001", "si")
    async with services.db.transaction() as session:
        doc = await debtor_document(session, "CO-001")
    assert doc is not None
    assert {"debtor_id", "name", "locale", "country", "timezone", "segment", "currency",
            "balance", "status", "opted_out", "invoices", "agreements", "escalations",
            "messages"} <= set(doc)
    assert (doc["balance"], doc["currency"], doc["status"]) == ("1200000", "COP", "promised")
    assert doc["invoices"] == [{"invoice_id": "F-1001", "amount": "1200000",
                                "open_amount": "1200000", "due_on": "2026-11-10",
                                "status": "open"}]
    [agreement] = doc["agreements"]
    assert agreement["installments"] == [{"due_on": "2026-11-27", "amount": "1200000",
                                          "paid_amount": "0"}]
    assert [m["direction"] for m in doc["messages"]] == ["out", "in", "out", "in", "out"]
    assert doc["messages"][0]["at"].endswith("-05:00")


@pytest.mark.parametrize("text", ["", " ", "\x00\x01", "🙂" * 2000, "<script>alert(1)</script>"])
async def test_strange_texts_never_break_the_engine(services: Services, text: str) -> None:
    await load(services, portfolio(row()))
    await say(services, "CO-001", text)
    async with services.db.transaction() as session:
        statuses = (await session.exec(select(Message.status).where(
            Message.direction == "in"))).all()
    assert statuses == ["processed"]
    assert await outbound(services, "CO-001")


async def test_only_allowed_states_are_ever_stored(services: Services) -> None:
    from bot.flows.core import State
    from storage.models import Conversation

    await load_examples(services)
    await tick(services)
    for text in ("hola", "no puedo pagar", "el viernes", "si", "asdf", "zzz", "STOP"):
        await say(services, "MX-001", text)
    async with services.db.transaction() as session:
        states = (await session.exec(select(Conversation.state))).all()
        assert set(states) <= {s.value for s in State}
        versions = (await session.exec(select(Conversation.version).order_by(
            col(Conversation.version).desc()))).first()
    assert versions and versions >= 7


async def test_under_colombias_weekly_cap_the_promise_reminder_waits_for_the_week(
        services: Services, clock: FixedClock) -> None:
    await load(services, portfolio(row()))
    await tick(services)  # Tuesday 24 November: the reminder goes (one contact this week)
    await say(services, "CO-001", "le pago el viernes")
    await say(services, "CO-001", "sí")  # replies inside her conversation do not count
    clock.set(at("2026-11-26T09:00:00-05:00"))
    assert await tick(services) == []  # Thursday: the weekly cap holds the promise reminder
    async with services.db.transaction() as session:
        timer = (await session.exec(select(Timer).where(
            Timer.kind == "installment_reminder"))).one()
    assert (timer.status, timer.due_at) == ("pending", at("2026-12-01T10:00:00-05:00"))


async def test_a_reminder_due_on_saturday_night_in_bogota_goes_out_monday_morning(
        services: Services, clock: FixedClock) -> None:
    clock.set(at("2026-11-28T21:30:00-05:00"))  # Saturday 21:30
    await load(services, portfolio(row()))
    assert await tick(services) == []
    clock.set(at("2026-11-30T06:59:00-05:00"))
    assert await tick(services) == []
    clock.set(at("2026-11-30T07:00:00-05:00"))  # Monday 07:00
    [reminder] = await tick(services)
    assert "$1.200.000" in reminder
    async with services.db.transaction() as session:
        kinds = [e.kind for e in (await session.exec(select(EventRow).order_by(
            col(EventRow.id)))).all() if e.kind.startswith("compliance.")]
    assert kinds == ["compliance.allowed"]


async def test_every_contact_decision_is_recorded_with_its_rule_and_local_time(
        services: Services, clock: FixedClock) -> None:
    await load(services, portfolio(row()))
    await tick(services)
    async with services.db.transaction() as session:
        [record] = (await session.exec(select(EventRow).where(
            EventRow.kind == "compliance.allowed"))).all()
    assert record.data["rule"] == "allowed"
    assert record.data["checked_at_local"] == "2026-11-24T10:00:00-05:00"
    assert record.data["checked_at_utc"] == "2026-11-24T15:00:00+00:00"
    assert record.data["policy"] == "CO"


async def test_brazilian_messages_carry_the_creditor_and_its_tax_id(
        services: Services, clock: FixedClock) -> None:
    clock.set(at("2026-11-24T10:00:00-03:00"))
    services.dispatcher.creditor_tax_id = "CNPJ 12.345.678/0001-90"
    await load(services, portfolio(row("BR-1", "João Pedro Silva", "+5511987654321", "F-6",
                                       "1500.50", "BRL", locale="pt-BR", country="BR")))
    [reminder] = await tick(services)
    assert reminder.endswith("Credor: Almacenes Prisma · CNPJ 12.345.678/0001-90")
    assert "R$ 1.500,50" in reminder


async def test_without_the_tax_id_a_brazilian_reminder_is_not_sent_and_says_why(
        services: Services, clock: FixedClock) -> None:
    clock.set(at("2026-11-24T10:00:00-03:00"))
    await load(services, portfolio(row("BR-1", "João", "+5511987654321", "F-6", "1500.50",
                                       "BRL", locale="pt-BR", country="BR")))
    assert await tick(services) == []
    [message] = await outbound(services, "BR-1")
    assert message.status == "failed"
    assert "RECOBRO_CREDITOR_TAX_ID" in (message.error_message or "")


async def test_a_large_pass_binds_no_more_parameters_than_one_batch(
        services: Services) -> None:
    # A pass once excluded every timer it had fired by id in SQL: past 32,767 fired timers
    # (50,000 due debtors) PostgreSQL refused the statement. Batches of 40 over 300 due
    # debtors: no statement may carry the ids of earlier batches.
    from sqlalchemy import event

    from bench.portfolio import generate

    await generate(services.db, invoices=600, due=600, per_debtor=2,
                   today=services.clock.now().date(), now=services.clock.now())
    widest = 0

    def count(conn: object, cursor: object, statement: str, parameters: object,
              context: object, executemany: bool) -> None:
        nonlocal widest
        if "FROM timer" in statement and not executemany:
            widest = max(widest, len(parameters))  # type: ignore[arg-type]

    event.listen(services.db.engine.sync_engine, "before_cursor_execute", count)
    try:
        fired = await services.engine.fire_due_timers(limit=40)
    finally:
        event.remove(services.db.engine.sync_engine, "before_cursor_execute", count)
    assert fired == 300
    assert 40 <= widest <= 50
