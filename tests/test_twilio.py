"""WhatsApp and SMS through Twilio, end to end over real HTTP: signed webhooks in, twilio's own
client out to a fake Twilio on 127.0.0.1 (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.clock import FixedClock
from bot.dispatch import LEASE, MAX_ATTEMPTS, Dispatcher, backoff
from bot.services import Services
from storage.models import Escalation, Event, Message, Outbox
from tests.channels_helpers import (
    SMS_FROM,
    WHATSAPP_FROM,
    inbound_form,
    message_count,
    post_twilio,
    running,
    settings_for,
    sid,
    twilio_signature,
)
from tests.fakes.providers import FakeProviders
from tests.helpers import load, outbound, portfolio, row

ANA = "+573001234567"


async def _inbound(svc: Services) -> list[Message]:
    async with svc.db.transaction() as session:
        return list((await session.exec(select(Message).where(Message.direction == "in")
                                        .order_by(col(Message.id)))).all())


async def test_a_whatsapp_message_is_answered_through_twilio(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(database_url, fake), clock) as (client, svc):
        await load(svc, portfolio(row()))
        response = await post_twilio(client, "/webhooks/twilio",
                                     inbound_form(sid(1), f"whatsapp:{ANA}", "ya pagué"))
        assert response.status == 200
        assert "<Response/>" in await response.text()
        await svc.dispatcher.run_once()
        [sent] = fake.twilio_messages()
        assert (sent["To"], sent["From"]) == (f"whatsapp:{ANA}", WHATSAPP_FROM)
        assert sent["Body"].startswith("¡Gracias por avisarnos, Ana!")
        [reply] = await outbound(svc, "CO-001")
        assert sent["StatusCallback"] == \
            f"https://recobro.example.com/webhooks/twilio/status?m={reply.id}"
        assert reply.status == "sent" and reply.provider_id and reply.provider_id.startswith("SM")


async def test_an_sms_reply_lists_its_options_by_number_and_counts_segments(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(database_url, fake), clock) as (client, svc):
        await load(svc, portfolio(row(channel="sms")))
        await post_twilio(client, "/webhooks/twilio", inbound_form(sid(2), ANA, "hola"))
        await svc.dispatcher.run_once()
        [sent] = fake.twilio_messages()
        assert (sent["To"], sent["From"]) == (ANA, SMS_FROM)
        # GSM-7 keeps é and ñ; "número", "opción", "recibí" lose the accents GSM-7 lacks.
        assert "\n1. Ya pagué\n2. Pagaré en una fecha\n" in sent["Body"]
        assert "5. No recibi la factura" in sent["Body"]
        assert sent["Body"].endswith("Responde con el numero de la opcion.")
        [reply] = await outbound(svc, "CO-001")
        assert reply.payload["sms"]["segments"]["encoding"] == "GSM-7"
        assert reply.payload["sms"]["segments"]["segments"] == 2


async def test_a_redelivered_webhook_is_answered_and_processed_once(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(database_url, fake), clock) as (client, svc):
        await load(svc, portfolio(row()))
        form = inbound_form(sid(3), f"whatsapp:{ANA}", "ya pagué")
        first = await post_twilio(client, "/webhooks/twilio", form)
        again = await post_twilio(client, "/webhooks/twilio", form)
        assert (first.status, again.status) == (200, 200)
        assert "<Response/>" in await again.text()
        await svc.dispatcher.run_once()
        await svc.dispatcher.run_once()
        assert len(await _inbound(svc)) == 1
        assert len(fake.twilio_messages()) == 1


@pytest.mark.parametrize(("case", "status"), [
    ("no signature", 403), ("wrong signature", 403), ("signed for another URL", 403),
    ("over 64 KiB", 413), ("not a form", 415), ("no MessageSid", 400),
    ("From is not a number", 400), ("NumMedia is not a number", 400),
    ("media without its URL", 400), ("not UTF-8", 400),
])
async def test_a_refused_webhook_gets_its_4xx_and_stores_nothing(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, case: str,
        status: int) -> None:
    async with running(settings_for(sqlite_url, fake), clock) as (client, svc):
        await load(svc, portfolio(row()))
        form = inbound_form(sid(4), f"whatsapp:{ANA}", "ya pagué")
        path = "/webhooks/twilio"
        if case == "no signature":
            response = await client.post(path, data=form)
        elif case == "wrong signature":
            response = await client.post(path, data=form,
                                         headers={"X-Twilio-Signature": "bm90IGl0"})
        elif case == "signed for another URL":
            # What the process sees behind a proxy is not what Twilio signed.
            from twilio.request_validator import RequestValidator
            bad = RequestValidator("twilio-test-auth-token").compute_signature(
                f"http://127.0.0.1:{client.port}{path}", form)
            response = await client.post(path, data=form, headers={"X-Twilio-Signature": bad})
        elif case == "over 64 KiB":
            big = form | {"Body": "x" * 70_000}
            response = await post_twilio(client, path, big)
        elif case == "not a form":
            response = await client.post(path, json=form, headers={
                "X-Twilio-Signature": twilio_signature(path, form)})
        elif case == "not UTF-8":
            response = await client.post(path, data=b"Body=%FF%FE&From=x", headers={
                "X-Twilio-Signature": "x",
                "Content-Type": "application/x-www-form-urlencoded"})
        else:
            broken = dict(form)
            if case == "no MessageSid":
                del broken["MessageSid"]
            elif case == "From is not a number":
                broken["From"] = "whatsapp:ana"
            elif case == "NumMedia is not a number":
                broken["NumMedia"] = "two"
            else:
                broken["NumMedia"] = "1"
            response = await post_twilio(client, path, broken)
        assert response.status == status, await response.text()
        assert await message_count(svc) == 0


async def test_a_photo_is_a_receipt_and_a_button_tap_is_its_option(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(sqlite_url, fake), clock) as (client, svc):
        await load(svc, portfolio(row(), row("CO-002", "Luis Pérez", "+573007654321", "F-2")))
        photo = inbound_form(sid(5), f"whatsapp:{ANA}", "", NumMedia="1",
                             MediaUrl0="https://api.twilio.com/media/ME1",
                             MediaContentType0="image/jpeg")
        assert (await post_twilio(client, "/webhooks/twilio", photo)).status == 200
        tap = inbound_form(sid(6), "whatsapp:+573007654321", "", ButtonPayload="already_paid",
                           ButtonText="Ya pagué")
        assert (await post_twilio(client, "/webhooks/twilio", tap)).status == 200
        [receipt, button] = await _inbound(svc)
        assert receipt.payload["media"] == [{"url": "https://api.twilio.com/media/ME1",
                                             "content_type": "image/jpeg"}]
        assert (button.text, button.payload["option"]) == ("Ya pagué", "already_paid")
        async with svc.db.transaction() as session:
            cases = (await session.exec(select(Escalation.reason))).all()
        assert sorted(cases) == ["payment_claimed", "payment_claimed"]


@pytest.mark.parametrize(("body", "extra"), [
    ("STOP", {}), ("Baja", {}), ("  baja. ", {}),
    ("CANCEL", {"OptOutType": "STOP"}),  # Twilio's own opt-out, in a word Spanish lacks
])
async def test_an_sms_that_is_an_opt_out_keyword_stops_the_reminders(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, body: str,
        extra: dict[str, str]) -> None:
    async with running(settings_for(sqlite_url, fake), clock) as (client, svc):
        await load(svc, portfolio(row(channel="sms")))
        await post_twilio(client, "/webhooks/twilio", inbound_form(sid(7), ANA, body, **extra))
        await svc.dispatcher.run_once()
        [confirmation] = await outbound(svc, "CO-001")
        assert confirmation.kind == "opt_out_confirmation"
        assert fake.twilio_messages()[0]["Body"].startswith("Listo. No te enviaremos mas")
        clock.advance(timedelta(days=3))
        assert (await svc.scheduler.run_pass()).dispatch.sent == []


async def test_cancelar_alone_is_not_an_opt_out_in_colombia(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    # "cancelar" means paying a bill in Colombia.
    async with running(settings_for(sqlite_url, fake), clock) as (client, svc):
        await load(svc, portfolio(row(channel="sms")))
        await post_twilio(client, "/webhooks/twilio", inbound_form(sid(8), ANA, "cancelar"))
        await svc.dispatcher.run_once()
        assert [m.kind for m in await outbound(svc, "CO-001")] == ["reply"]


# Sending: failures, retries, never twice ---------------------------------------------


async def _queue_reply(client, svc: Services, n: int) -> None:  # type: ignore[no-untyped-def]
    await load(svc, portfolio(row()))
    await post_twilio(client, "/webhooks/twilio", inbound_form(sid(n), f"whatsapp:{ANA}",
                                                               "ya pagué"))


async def test_a_provider_500_is_retried_and_the_message_goes_once(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(database_url, fake), clock) as (client, svc):
        await _queue_reply(client, svc, 10)
        fake.fail_next("twilio", status=500)
        report = await svc.dispatcher.run_once()
        assert report.retried and not report.sent
        clock.advance(timedelta(seconds=11))
        assert (await svc.dispatcher.run_once()).sent
        await svc.dispatcher.run_once()
        assert len(fake.twilio_messages()) == 2  # the failed try and the one that went
        [reply] = await outbound(svc, "CO-001")
        assert reply.status == "sent"


async def test_a_429_waits_for_its_retry_after(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(database_url, fake), clock) as (client, svc):
        await _queue_reply(client, svc, 11)
        fake.fail_next("twilio", status=429, code=20429, retry_after=45)
        assert (await svc.dispatcher.run_once()).retried
        async with svc.db.transaction() as session:
            [box] = (await session.exec(select(Outbox))).all()
        assert box.due_at == clock.now() + timedelta(seconds=45)
        clock.advance(timedelta(seconds=44))
        assert not (await svc.dispatcher.run_once()).sent
        clock.advance(timedelta(seconds=2))
        assert (await svc.dispatcher.run_once()).sent
        assert len(fake.twilio_messages()) == 2


async def test_a_timeout_is_retried(sqlite_url: str, clock: FixedClock,
                                    fake: FakeProviders) -> None:
    fake.clock = clock.now  # Twilio's dates on our timeline
    settings = settings_for(sqlite_url, fake, provider_timeout_seconds=0.3)
    async with running(settings, clock) as (client, svc):
        await _queue_reply(client, svc, 12)
        fake.fail_next("twilio", delay=1.0)
        report = await svc.dispatcher.run_once()
        assert report.retried
        async with svc.db.transaction() as session:
            [box] = (await session.exec(select(Outbox))).all()
        assert "did not answer within 0.3 s" in (box.last_error or "")
        clock.advance(timedelta(seconds=11))
        assert (await svc.dispatcher.run_once()).sent
        # Twilio's API has no idempotency key, and the timed-out request went through: the
        # retry asks Twilio's Messages list first, finds it, and records it, not sending again.
        [created] = fake.twilio_created()
        assert len(fake.twilio_messages()) == 1
        async with svc.db.transaction() as session:
            [message] = (await session.exec(select(Message).where(
                Message.direction == "out"))).all()
        assert message.provider_id == created["sid"] and message.status == "sent"
        assert "unsure_since" not in message.payload


async def test_a_timeout_that_did_not_go_through_is_sent_again(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    fake.clock = clock.now  # Twilio's dates on our timeline
    settings = settings_for(sqlite_url, fake, provider_timeout_seconds=0.3)
    async with running(settings, clock) as (client, svc):
        await _queue_reply(client, svc, 14)
        # Twilio never answers and never creates it (a hang before the message exists).
        fake.fail_next("twilio", status=504, delay=1.0)
        assert (await svc.dispatcher.run_once()).retried
        assert fake.twilio_created() == []
        clock.advance(timedelta(seconds=11))
        assert (await svc.dispatcher.run_once()).sent
        lists = [r for r in fake.requests if r.method == "GET list"]
        assert len(lists) == 1  # asked first, found nothing, then sent
        assert len(fake.twilio_created()) == 1


async def test_a_worker_that_died_mid_send_is_not_repeated_when_twilio_has_the_message(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    fake.clock = clock.now
    async with running(settings_for(database_url, fake), clock) as (client, svc):
        await _queue_reply(client, svc, 15)
        fake.latency = 5.0  # Twilio has created it; the answer never reaches the worker
        dying = asyncio.create_task(svc.dispatcher.run_once())
        for _ in range(200):
            if fake.twilio_created():
                break
            await asyncio.sleep(0.02)
        dying.cancel()  # the worker dies: the row stays `sending` under its lease
        with contextlib.suppress(asyncio.CancelledError):
            await dying
        fake.latency = 0.0
        other = Dispatcher(svc.db, clock, svc.channels, worker="another-worker")
        assert not (await other.run_once()).sent  # the lease still holds
        clock.advance(LEASE + timedelta(seconds=1))
        assert (await other.run_once()).sent
        [created] = fake.twilio_created()
        assert len(fake.twilio_messages()) == 1
        [reply] = await outbound(svc, "CO-001")
        assert reply.provider_id == created["sid"] and reply.status == "sent"
        async with svc.db.transaction() as session:
            kinds = [e.kind for e in (await session.exec(select(Event))).all()]
        assert "message.lease_expired" in kinds and "message.reconciled" in kinds


async def test_provider_429s_do_not_use_up_the_attempts(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(database_url, fake), clock) as (client, svc):
        await _queue_reply(client, svc, 16)
        fake.fail_next("twilio", status=429, code=20429, retry_after=1, times=MAX_ATTEMPTS + 2)
        for _ in range(MAX_ATTEMPTS + 2):
            assert (await svc.dispatcher.run_once()).retried
            clock.advance(timedelta(seconds=1))
        assert (await svc.dispatcher.run_once()).sent
        async with svc.db.transaction() as session:
            [box] = (await session.exec(select(Outbox))).all()
        assert box.attempts == 1


async def test_a_short_retry_after_on_a_503_does_not_shorten_the_backoff(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(database_url, fake), clock) as (client, svc):
        await _queue_reply(client, svc, 17)
        fake.fail_next("twilio", status=503, code=20503, retry_after=1)
        assert (await svc.dispatcher.run_once()).retried
        clock.advance(timedelta(seconds=2))
        assert not (await svc.dispatcher.run_once()).sent
        clock.advance(backoff(1))
        assert (await svc.dispatcher.run_once()).sent


@pytest.mark.parametrize(("code", "meaning"), [
    (21211, "invalid 'To' phone number"), (21610, "replied STOP"),
    (21614, "not a mobile number"), (63016, "outside the 24-hour WhatsApp window"),
])
async def test_a_permanent_twilio_error_fails_the_message_with_its_code(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, code: int,
        meaning: str) -> None:
    async with running(settings_for(sqlite_url, fake), clock) as (client, svc):
        await _queue_reply(client, svc, 13)
        fake.fail_next("twilio", status=400, code=code, description="refused")
        assert (await svc.dispatcher.run_once()).failed
        clock.advance(timedelta(hours=1))
        await svc.dispatcher.run_once()
        [reply] = await outbound(svc, "CO-001")
        assert (reply.status, reply.error_code) == ("failed", str(code))
        assert meaning in (reply.error_message or "")
        assert len(fake.twilio_messages()) == 1


# Status callbacks --------------------------------------------------------------------


async def _status(client, message: Message, status: str, **extra: str):  # type: ignore[no-untyped-def]
    path = f"/webhooks/twilio/status?m={message.id}"
    form = {"MessageSid": message.provider_id or "", "MessageStatus": status,
            "AccountSid": "AC" + "1" * 32, **extra}
    return await post_twilio(client, path, form)


async def test_status_callbacks_only_move_forward_whatever_their_order(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(database_url, fake), clock) as (client, svc):
        await _queue_reply(client, svc, 20)
        await svc.dispatcher.run_once()
        [reply] = await outbound(svc, "CO-001")
        seen = []
        for status in ("delivered", "sent", "delivered", "queued", "read", "delivered",
                       "failed"):
            response = await _status(client, reply, status, ErrorCode="30008")
            assert response.status == 200
            [reply] = await outbound(svc, "CO-001")
            seen.append(reply.status)
        assert seen == ["delivered", "delivered", "delivered", "delivered", "read", "read",
                        "read"]
        assert reply.delivered_at is not None and reply.read_at is not None
        assert reply.error_code is None
        async with svc.db.transaction() as session:
            kinds = (await session.exec(select(Event.kind).where(
                col(Event.kind).like("message.%")))).all()
        assert list(kinds) == ["message.late_failure"]  # logged, status kept


async def test_an_undelivered_message_records_twilio_s_error_for_staff(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(database_url, fake), clock) as (client, svc):
        await _queue_reply(client, svc, 21)
        await svc.dispatcher.run_once()
        [reply] = await outbound(svc, "CO-001")
        for _ in range(2):  # a duplicated callback
            await _status(client, reply, "undelivered", ErrorCode="30003")
        [reply] = await outbound(svc, "CO-001")
        assert (reply.status, reply.error_code) == ("undelivered", "30003")
        assert "unreachable handset" in (reply.error_message or "")
        async with svc.db.transaction() as session:
            [event] = (await session.exec(select(Event).where(
                Event.kind == "message.failed"))).all()
        assert event.data["code"] == "30003" and event.debtor_id == reply.debtor_id


async def test_a_status_callback_must_be_signed(sqlite_url: str, clock: FixedClock,
                                                fake: FakeProviders) -> None:
    async with running(settings_for(sqlite_url, fake), clock) as (client, svc):
        await _queue_reply(client, svc, 22)
        await svc.dispatcher.run_once()
        [reply] = await outbound(svc, "CO-001")
        forged = await client.post(f"/webhooks/twilio/status?m={reply.id}", data={
            "MessageSid": reply.provider_id, "MessageStatus": "failed"},
            headers={"X-Twilio-Signature": "Zm9yZ2Vk"})
        assert forged.status == 403
        [reply] = await outbound(svc, "CO-001")
        assert reply.status == "sent"


async def test_a_callback_that_outruns_the_dispatcher_is_not_undone_by_it(
        sqlite_url: str, clock: FixedClock) -> None:
    from bot.channels import ChannelRegistry
    from bot.channels.base import OutgoingMessage, SendResult
    from bot.channels.twilio import apply_status
    from bot.services import build_services
    from bot.settings import Settings

    settings = Settings(database_url=sqlite_url, _env_file=None)  # type: ignore[call-arg]

    class Fast:
        """Twilio answering the send after its 'delivered' callback already landed."""

        name = "whatsapp"

        async def send(self, message: OutgoingMessage) -> SendResult:
            await apply_status(svc.db, svc.clock, sid(99), "delivered", None,
                               message_id=message.message_id)
            return SendResult(sid(99), "sent")

    svc = build_services(settings, clock=clock, channels=ChannelRegistry.with_sandbox([Fast()]))
    await load(svc, portfolio(row()))
    await svc.scheduler.run_pass()
    [reminder] = await outbound(svc, "CO-001")
    assert (reminder.status, reminder.provider_id) == ("delivered", sid(99))
    await svc.close()


# WhatsApp: the 24-hour window, templates, quick replies -------------------------------

TEMPLATES = """
[templates.reminder_overdue.es]
content_sid = "HX00000000000000000000000000000001"
variables = { 1 = "name", 2 = "creditor", 3 = "total", 4 = "due_date", 5 = "lines" }

[session_quick_replies]
2 = "HX000000000000000000000000000000q2"
3 = "HX000000000000000000000000000000q3"
"""


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    path = tmp_path / "whatsapp_templates.toml"
    path.write_text(TEMPLATES, encoding="utf-8")
    return path


async def test_a_reminder_outside_the_window_goes_as_its_approved_template(
        database_url: str, clock: FixedClock, fake: FakeProviders, templates: Path) -> None:
    settings = settings_for(database_url, fake, whatsapp_templates=templates)
    async with running(settings, clock) as (_client, svc):
        await load(svc, portfolio(row()))
        await svc.scheduler.run_pass()
        [sent] = fake.twilio_messages()
        assert "Body" not in sent
        assert sent["ContentSid"] == "HX00000000000000000000000000000001"
        assert json.loads(sent["ContentVariables"]) == {
            "1": "Ana", "2": "Almacenes Prisma", "3": "$1.200.000",
            "4": "martes, 10 de noviembre",
            "5": "Factura F-1001: $1.200.000, venció el martes, 10 de noviembre"}
        [reminder] = await outbound(svc, "CO-001")
        assert reminder.payload["whatsapp"] == {"template": "HX00000000000000000000000000000001"}


async def test_inside_the_window_a_reply_is_free_text_with_quick_replies(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, templates: Path) -> None:
    settings = settings_for(sqlite_url, fake, whatsapp_templates=templates)
    async with running(settings, clock) as (client, svc):
        await load(svc, portfolio(row()))
        # "el viernes" -> "pagarás ... el viernes. ¿Es correcto?" with two options
        await post_twilio(client, "/webhooks/twilio", inbound_form(sid(30), f"whatsapp:{ANA}",
                                                                   "le pago el viernes"))
        await svc.dispatcher.run_once()
        [sent] = fake.twilio_messages()
        assert sent["ContentSid"] == "HX000000000000000000000000000000q2"
        variables = json.loads(sent["ContentVariables"])
        assert variables["1"].startswith("¡Podemos hacerlo! Para confirmar:")
        assert [variables[k] for k in "2345"] == ["Sí, confirmo", "yes", "No", "no"]
        # The tap comes back as the option id.
        await post_twilio(client, "/webhooks/twilio", inbound_form(
            sid(31), f"whatsapp:{ANA}", "", ButtonPayload="yes", ButtonText="Sí, confirmo"))
        await svc.dispatcher.run_once()
        assert "Quedó registrado" in json.loads(
            fake.twilio_messages()[1].get("ContentVariables", "{}")).get(
            "1", fake.twilio_messages()[1].get("Body", ""))


async def test_more_options_than_buttons_become_a_numbered_list(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, templates: Path) -> None:
    settings = settings_for(sqlite_url, fake, whatsapp_templates=templates)
    async with running(settings, clock) as (client, svc):
        await load(svc, portfolio(row()))
        await post_twilio(client, "/webhooks/twilio",
                          inbound_form(sid(32), f"whatsapp:{ANA}", "hola"))
        await svc.dispatcher.run_once()
        [sent] = fake.twilio_messages()
        assert "ContentSid" not in sent
        assert "\n6. Hablar con alguien\nResponde con el número de la opción." in sent["Body"]


async def test_a_reminder_without_a_template_is_held_for_staff_never_sent_as_text(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(database_url, fake), clock) as (_client, svc):
        await load(svc, portfolio(row()))
        report = (await svc.scheduler.run_pass()).dispatch
        assert report.held and not report.sent
        clock.advance(timedelta(hours=2))
        await svc.dispatcher.run_once()
        assert fake.twilio_messages() == []
        [reminder] = await outbound(svc, "CO-001")
        assert (reminder.status, reminder.error_code) == ("held", "no_template")
        assert "no approved WhatsApp template for reminder_overdue in es-CO" in (
            reminder.error_message or "")
        async with svc.db.transaction() as session:
            [case] = (await session.exec(select(Escalation))).all()
        assert (case.reason, case.priority, case.data["message_id"]) == (
            "no_template", "high", reminder.id)


async def test_serve_says_which_channels_are_live_and_why_the_others_are_off(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    from bot.app import startup_lines

    async with running(settings_for(sqlite_url, fake), clock) as (_client, svc):
        lines = "\n".join(startup_lines(svc, "http://127.0.0.1:8080"))
        assert ("whatsapp: live, webhooks https://recobro.example.com/webhooks/twilio and "
                "https://recobro.example.com/webhooks/twilio/status") in lines
        assert "telegram: live, webhook https://recobro.example.com/webhooks/telegram" in lines
    no_url = settings_for(sqlite_url, fake, public_url=None, telegram_token=None)
    async with running(no_url, clock) as (client, svc):
        lines = "\n".join(startup_lines(svc, "http://127.0.0.1:8080"))
        assert ("whatsapp and sms off: RECOBRO_PUBLIC_URL is not set, so Twilio signatures "
                "cannot be checked; set it to the https URL Twilio calls") in lines
        assert "no provider configured for sms, telegram, whatsapp" in lines
        assert (await client.post("/webhooks/twilio", data={})).status == 404
