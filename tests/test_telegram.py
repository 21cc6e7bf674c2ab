"""Telegram for debtors, end to end over real HTTP: updates with the secret token in, replies
out through python-telegram-bot to a fake Bot API on 127.0.0.1 (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.clock import FixedClock
from bot.services import Services
from storage.models import Debtor, Message, Outbox
from tests.channels_helpers import (
    inbound_form,
    message_count,
    post_telegram,
    post_twilio,
    running,
    settings_for,
    sid,
    text_update,
)
from tests.fakes.providers import FakeProviders
from tests.helpers import debtor, load, outbound, portfolio, row

CHAT = 555000111


def on_telegram(**kw: str) -> str:
    """A portfolio row for a debtor whose Telegram chat is already linked."""
    return row(channel="telegram", **kw) + str(CHAT)


async def test_a_telegram_message_is_answered_with_an_inline_keyboard(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(database_url, fake), clock) as (client, svc):
        await load(svc, portfolio(on_telegram()))
        response = await post_telegram(client, text_update(1, CHAT, "hola"))
        assert response.status == 200
        await svc.dispatcher.run_once()
        [sent] = fake.telegram_calls("sendMessage")
        assert sent["chat_id"] == CHAT
        assert sent["text"].startswith("¡Hola, Ana! Te saluda Almacenes Prisma.")
        keyboard = sent["reply_markup"]["inline_keyboard"]
        assert [b[0]["callback_data"] for b in keyboard] == [
            "already_paid", "pay_date", "cant_pay", "dispute", "no_invoice", "human"]
        assert keyboard[0][0]["text"] == "Ya pagué"
        [reply] = await outbound(svc, "CO-001")
        assert reply.provider_id == f"{CHAT}:100" and reply.status == "sent"


async def test_a_button_tap_is_answered_and_read_as_its_option(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(database_url, fake), clock) as (client, svc):
        await load(svc, portfolio(on_telegram()))
        tap = {"update_id": 2, "callback_query": {
            "id": "4382bfdwdsb323b2d9", "chat_instance": "42", "data": "already_paid",
            "from": {"id": CHAT, "is_bot": False, "first_name": "Ana"},
            "message": {"message_id": 100, "date": 1795000000, "text": "¿En qué...?",
                        "chat": {"id": CHAT, "type": "private"},
                        "reply_markup": {"inline_keyboard": [[
                            {"text": "Ya pagué", "callback_data": "already_paid"}]]}}}}
        for _ in range(2):  # redelivered: answered both times, applied once
            assert (await post_telegram(client, tap)).status == 200
        assert [c["callback_query_id"] for c in fake.telegram_calls("answerCallbackQuery")] \
            == ["4382bfdwdsb323b2d9"] * 2
        await svc.dispatcher.run_once()
        [sent] = fake.telegram_calls("sendMessage")
        assert sent["text"].startswith("¡Gracias por avisarnos, Ana!")
        async with svc.db.transaction() as session:
            [tapped] = (await session.exec(select(Message).where(
                Message.direction == "in"))).all()
        assert (tapped.text, tapped.payload["option"]) == ("Ya pagué", "already_paid")


@pytest.mark.parametrize(("case", "status"), [
    ("wrong secret", 403), ("no secret", 403), ("not JSON", 400), ("a JSON list", 400),
    ("no update_id", 400), ("message of the wrong shape", 400), ("over 64 KiB", 413),
])
async def test_a_refused_update_gets_its_4xx_and_stores_nothing(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, case: str,
        status: int) -> None:
    async with running(settings_for(sqlite_url, fake), clock) as (client, svc):
        await load(svc, portfolio(on_telegram()))
        good = text_update(3, CHAT, "hola")
        headers = {"X-Telegram-Bot-Api-Secret-Token": "telegram-webhook-secret",
                   "Content-Type": "application/json"}
        if case == "wrong secret":
            response = await post_telegram(client, good, secret="guess")
        elif case == "no secret":
            response = await post_telegram(client, good, secret=None)
        elif case == "not JSON":
            response = await client.post("/webhooks/telegram", data=b"{nope", headers=headers)
        elif case == "a JSON list":
            response = await client.post("/webhooks/telegram", data=b"[1]", headers=headers)
        elif case == "no update_id":
            response = await post_telegram(client, {"message": good["message"]})
        elif case == "message of the wrong shape":
            response = await post_telegram(client, {"update_id": 3, "message": {"text": 5}})
        else:
            response = await post_telegram(client, text_update(3, CHAT, "x" * 70_000))
        assert response.status == status, await response.text()
        assert await message_count(svc) == 0


async def test_a_redelivered_update_is_processed_once(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(database_url, fake), clock) as (client, svc):
        await load(svc, portfolio(on_telegram()))
        for _ in range(3):
            assert (await post_telegram(client, text_update(4, CHAT, "ya pagué"))).status == 200
        await svc.dispatcher.run_once()
        assert len(fake.telegram_calls("sendMessage")) == 1


# Linking a chat: the deep link and /start ---------------------------------------------


async def _ask_for_telegram(client, svc: Services, fake: FakeProviders) -> str:  # type: ignore[no-untyped-def]
    """Ana asks on WhatsApp to continue on Telegram; the token of the link she gets."""
    await post_twilio(client, "/webhooks/twilio", inbound_form(
        sid(40), "whatsapp:+573001234567", "Mejor escríbeme por Telegram, porfa"))
    await svc.dispatcher.run_once()
    [sent] = fake.twilio_messages()
    match = re.search(r"https://t\.me/recobro_test_bot\?start=([\w-]+)", sent["Body"])
    assert match, sent["Body"]
    assert sent["Body"].startswith("Con gusto, Ana. Para seguir por Telegram, abre este enlace")
    return match.group(1)


async def test_a_debtor_moves_to_telegram_through_the_deep_link(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(database_url, fake), clock) as (client, svc):
        await load(svc, portfolio(row()))
        token = await _ask_for_telegram(client, svc, fake)
        assert (await debtor(svc, "CO-001")).channel == "whatsapp"  # not until she opens it
        assert (await post_telegram(client, text_update(5, CHAT, f"/start {token}"))).status \
            == 200
        await svc.dispatcher.run_once()
        [hello] = fake.telegram_calls("sendMessage")
        assert hello["chat_id"] == CHAT
        assert hello["text"].startswith("¡Hola, Ana! Tu chat de Telegram quedó vinculado con "
                                        "Almacenes Prisma.")
        ana = await debtor(svc, "CO-001")
        assert (ana.channel, ana.telegram_chat_id) == ("telegram", str(CHAT))
        assert ana.consents["telegram"]["source"] == "telegram_start"


async def test_a_deep_link_works_once_and_not_after_a_day(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(sqlite_url, fake), clock) as (client, svc):
        await load(svc, portfolio(row()))
        token = await _ask_for_telegram(client, svc, fake)
        await post_telegram(client, text_update(6, CHAT, f"/start {token}"))
        # Someone else who got hold of the link cannot take the conversation.
        await post_telegram(client, text_update(7, 999, f"/start {token}"))
        assert (await debtor(svc, "CO-001")).telegram_chat_id == str(CHAT)
        # A second link, opened too late.
        later = await _ask_again(client, svc, fake)
        clock.advance(timedelta(hours=24, seconds=1))
        await post_telegram(client, text_update(8, 888, f"/start {later}"))
        assert (await debtor(svc, "CO-001")).telegram_chat_id is None  # unlinked by _ask_again
        async with svc.db.transaction() as session:
            ignored = (await session.exec(select(Message.address).where(
                Message.status == "ignored"))).all()
        assert sorted(ignored) == ["888", "999"]


async def _ask_again(client, svc: Services, fake: FakeProviders) -> str:  # type: ignore[no-untyped-def]
    """Unlink Ana's chat and have her ask for a new link."""
    async with svc.db.transaction() as session:
        ana = (await session.exec(select(Debtor))).one()
        ana.telegram_chat_id, ana.channel = None, "whatsapp"
        session.add(ana)
    fake.clear()
    await post_twilio(client, "/webhooks/twilio", inbound_form(
        sid(41), "whatsapp:+573001234567", "escríbeme por telegram"))
    await svc.dispatcher.run_once()
    match = re.search(r"start=([\w-]+)", fake.twilio_messages()[0]["Body"])
    assert match
    return match.group(1)


# Sending: flood control, blocked bots, long texts ----------------------------------------


async def _queue(client, svc: Services) -> None:  # type: ignore[no-untyped-def]
    await load(svc, portfolio(on_telegram()))
    await post_telegram(client, text_update(9, CHAT, "ya pagué"))


async def test_flood_control_is_honoured_and_the_message_goes_once(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(database_url, fake), clock) as (client, svc):
        await _queue(client, svc)
        fake.fail_next("telegram", status=429, retry_after=30)
        assert (await svc.dispatcher.run_once()).retried
        async with svc.db.transaction() as session:
            [box] = (await session.exec(select(Outbox))).all()
        assert box.due_at == clock.now() + timedelta(seconds=30)
        clock.advance(timedelta(seconds=31))
        assert (await svc.dispatcher.run_once()).sent
        await svc.dispatcher.run_once()
        assert len(fake.telegram_calls("sendMessage")) == 2  # the refused one, then the one


async def test_a_telegram_timeout_is_sent_again_at_least_once(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    # The Bot API cannot be asked whether a message went out, and a late answer may still
    # mean it did: Recobro chooses at-least-once for Telegram (a reply is never lost; after a
    # timeout or a worker's death the debtor may, rarely, get it twice). See the README.
    settings = settings_for(sqlite_url, fake, provider_timeout_seconds=0.3)
    async with running(settings, clock) as (client, svc):
        await _queue(client, svc)
        fake.fail_next("telegram", delay=1.0, method="sendMessage")  # sent, answered late
        assert (await svc.dispatcher.run_once()).retried
        for _ in range(100):  # the late answer arrives after the client gave up
            if fake.sent:
                break
            await asyncio.sleep(0.02)
        clock.advance(timedelta(seconds=11))
        assert (await svc.dispatcher.run_once()).sent
        assert len(fake.sent) == 2  # the same reply twice: at least once, by design
        [reply] = await outbound(svc, "CO-001")
        assert reply.status == "sent"


async def test_a_debtor_who_blocked_the_bot_is_not_retried(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    async with running(settings_for(sqlite_url, fake), clock) as (client, svc):
        await _queue(client, svc)
        fake.fail_next("telegram", status=403, description="Forbidden: bot was blocked by the user")
        assert (await svc.dispatcher.run_once()).failed
        clock.advance(timedelta(hours=1))
        await svc.dispatcher.run_once()
        [reply] = await outbound(svc, "CO-001")
        assert (reply.status, reply.error_code) == ("failed", "forbidden")
        assert len(fake.telegram_calls("sendMessage")) == 1


async def test_a_text_over_4096_characters_is_split_with_the_keyboard_on_the_last_part(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    from bot.channels.base import Option, OutgoingMessage

    async with running(settings_for(sqlite_url, fake), clock) as (_client, svc):
        channel = svc.providers.telegram
        assert channel is not None
        text = "\n".join(f"• Factura F-{n}: $1.000.000, venció el martes" for n in range(150))
        await channel.send(OutgoingMessage(1, 1, "telegram", str(CHAT), text, "reply", "es-CO",
                                           (Option("human", "Hablar con alguien"),)))
        parts = fake.telegram_calls("sendMessage")
        assert len(parts) == 2 and all(len(p["text"]) <= 4096 for p in parts)
        assert "\n".join(p["text"] for p in parts) == text
        assert "reply_markup" not in parts[0] and parts[1]["reply_markup"]


async def test_long_polling_feeds_the_same_engine(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    from bot.channels.telegram import poll

    async with running(settings_for(sqlite_url, fake), clock) as (_client, svc):
        await load(svc, portfolio(on_telegram()))
        assert svc.providers.telegram is not None
        fake.queue_update(text_update(10, CHAT, "ya pagué"))
        stop = asyncio.Event()
        task = asyncio.create_task(poll(svc, svc.providers.telegram, stop))
        for _ in range(100):
            await asyncio.sleep(0.05)
            async with svc.db.transaction() as session:
                if (await session.exec(select(Message).where(
                        col(Message.direction) == "in"))).first():
                    break
        stop.set()
        await asyncio.wait_for(task, 10)
        await svc.dispatcher.run_once()
        assert fake.telegram_calls("sendMessage")[0]["text"].startswith("¡Gracias por avisarnos")
