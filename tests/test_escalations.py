"""When the bot opens a case: one per problem, with a deadline, including the ones that come
from delivery (no channel reaches the debtor), not from what the debtor says."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from bot.clock import FixedClock
from bot.domain import InboundMessage, Media
from bot.services import Services
from storage.models import Debtor, Escalation, StaffNotice
from tests.channels_helpers import inbound_form, post_twilio, running, settings_for, sid
from tests.fakes.providers import FakeProviders
from tests.helpers import debtor, load, portfolio, row, say


async def all_cases(svc: Services) -> list[Escalation]:
    async with svc.db.transaction() as session:
        return list((await session.exec(select(Escalation).order_by(col(Escalation.id)))).all())


async def test_every_case_has_a_reason_a_priority_a_deadline_and_a_card_to_post(
        services: Services, clock: FixedClock) -> None:
    await load(services, portfolio(row()))
    await say(services, "CO-001", "esa factura no es mía")
    [case] = await all_cases(services)
    assert (case.reason, case.priority, case.deadline) == (
        "dispute", "high", clock.now() + timedelta(hours=4))
    async with services.db.transaction() as session:
        [card] = (await session.exec(select(StaffNotice))).all()
    assert (card.kind, card.escalation_id, card.status) == ("card", case.id, "pending")


async def test_a_receipt_after_i_already_paid_is_the_same_case_not_a_second_one(
        services: Services) -> None:
    await load(services, portfolio(row()))
    await say(services, "CO-001", "ya pagué")
    ana = await debtor(services, "CO-001")
    await services.engine.receive(InboundMessage(
        channel="whatsapp", provider_id="m-receipt", address=ana.phone or "", text="",
        received_at=services.clock.now(), debtor_external_id="CO-001",
        media=(Media("https://api.twilio.com/x", "image/jpeg"),)))
    [case] = await all_cases(services)
    assert case.reason == "payment_claimed"
    assert (case.data["receipt"], case.data["again"]) == (True, 1)
    async with services.db.transaction() as session:
        kinds = (await session.exec(select(StaffNotice.kind).order_by(
            col(StaffNotice.id)))).all()
    assert kinds == ["card", "info"]  # staff are told it came up again


async def test_a_number_no_channel_reaches_becomes_a_case_with_each_channels_story(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(sqlite_url, fake), clock) as (client, svc):
        await load(svc, portfolio(row()))
        await post_twilio(client, "/webhooks/twilio", inbound_form(
            sid(1), "whatsapp:+573001234567", "hola"))
        fake.fail_next("twilio", status=400, code=63024,
                       description="Invalid message recipient")
        assert (await svc.dispatcher.run_once()).failed
        [case] = await all_cases(svc)
        assert (case.reason, case.priority) == ("delivery_failed", "high")
        assert case.data["channels"]["whatsapp"]["code"] == "63024"
        assert case.data["channels"]["sms"] == {"status": "never tried"}


async def consent_to_sms_too(svc: Services) -> None:
    async with svc.db.transaction() as session:
        ana = (await session.exec(select(Debtor))).one()
        ana.consents = dict(ana.consents) | {"sms": {"source": "import",
                                                     "at": svc.clock.now().isoformat()}}
        session.add(ana)


async def test_a_failure_on_one_channel_is_no_case_while_another_delivers(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(sqlite_url, fake), clock) as (client, svc):
        await load(svc, portfolio(row()))
        await consent_to_sms_too(svc)
        await post_twilio(client, "/webhooks/twilio", inbound_form(sid(2), "+573001234567",
                                                                   "hola"))
        assert (await svc.dispatcher.run_once()).sent  # SMS works
        await post_twilio(client, "/webhooks/twilio", inbound_form(
            sid(3), "whatsapp:+573001234567", "hola"))
        fake.fail_next("twilio", status=400, code=63003,
                       description="Channel could not find To address")
        assert (await svc.dispatcher.run_once()).failed
        assert await all_cases(svc) == []


async def test_a_debtor_who_replied_stop_to_twilio_is_not_a_delivery_problem(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(sqlite_url, fake), clock) as (client, svc):
        await load(svc, portfolio(row()))
        await consent_to_sms_too(svc)
        await post_twilio(client, "/webhooks/twilio", inbound_form(sid(4), "+573001234567",
                                                                   "hola"))
        fake.fail_next("twilio", status=400, code=21610,
                       description="Attempt to send to unsubscribed recipient")
        assert (await svc.dispatcher.run_once()).failed
        assert await all_cases(svc) == []
