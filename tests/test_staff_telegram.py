"""Staff in their Telegram group, end to end: python-telegram-bot against the fake Bot API on
127.0.0.1, debtors on WhatsApp through the fake Twilio, the real engine and database.

A case posts one card with its buttons; each button is a decision on the engine's path;
a takeover relays both ways; strangers are refused; cases nobody answers are raised again.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from bot.clock import FixedClock
from bot.services import Services
from storage.models import (
    Agreement,
    Attachment,
    Conversation,
    Debtor,
    Escalation,
    Event,
    Invoice,
    Payment,
    Policy,
    StaffNotice,
)
from tests.channels_helpers import (
    ACCOUNT_SID,
    inbound_form,
    post_telegram,
    post_twilio,
    running,
    settings_for,
    sid,
)
from tests.fakes.providers import BOT_ID, FakeProviders
from tests.helpers import NO_CAPS, load, portfolio, row, set_policy

STAFF_CHAT = -1001234567890
INES, ADMIN, STRANGER = 111, 222, 999
_ids = itertools.count(1000)


def staff_settings(url: str, fake: FakeProviders, tmp_path: Path, **extra: Any) -> Any:
    return settings_for(url, fake, staff_chat_id=STAFF_CHAT, staff_user_ids=str(INES),
                        admin_user_ids=str(ADMIN), media_dir=str(tmp_path / "media"), **extra)


def tap(data: str, message_id: int, user: int = INES, name: str = "Inés") -> dict[str, Any]:
    """A staff member presses a button on the bot's message `message_id` in the group."""
    n = next(_ids)
    return {"update_id": n, "callback_query": {
        "id": f"cbq-{n}", "chat_instance": "7", "data": data,
        "from": {"id": user, "is_bot": False, "first_name": name},
        "message": {"message_id": message_id, "date": 1795000000, "text": "card",
                    "chat": {"id": STAFF_CHAT, "type": "supergroup", "title": "Staff"}}}}


def group_text(text: str, *, user: int = INES, thread: int | None = None,
               reply_to: int | None = None, chat: int = STAFF_CHAT,
               name: str = "Inés") -> dict[str, Any]:
    """A staff member writes in the group (in a topic, or replying to one of our posts)."""
    n = next(_ids)
    message: dict[str, Any] = {
        "message_id": n, "date": 1795000000, "text": text,
        "chat": {"id": chat, "type": "supergroup", "title": "Staff", "is_forum": bool(thread)}
        if chat < 0 else {"id": chat, "type": "private", "first_name": "Admin"},
        "from": {"id": user, "is_bot": False, "first_name": name}}
    if thread is not None:
        message |= {"message_thread_id": thread, "is_topic_message": True}
    if reply_to is not None:
        message["reply_to_message"] = {
            "message_id": reply_to, "date": 1795000000, "text": "...",
            "chat": message["chat"], "from": {"id": BOT_ID, "is_bot": True,
                                              "first_name": "Recobro"}}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0,
                                "length": len(text.split()[0])}]
    return {"update_id": n, "message": message}


def group_posts(fake: FakeProviders) -> list[dict[str, Any]]:
    return [c for c in fake.telegram_calls("sendMessage") if c["chat_id"] == STAFF_CHAT]


def card_of(fake: FakeProviders, case: int) -> tuple[int, dict[str, Any]]:
    """The card of case #`case`: the id of its message in the group, and how it was sent."""
    for sent in fake.sent:
        if sent.get("text", "").startswith(f"Case #{case} "):
            call = [c for c in fake.telegram_calls("sendMessage")
                    if c.get("text") == sent["text"]][-1]  # the one that went through
            return sent["message_id"], call
    raise AssertionError(f"no card for case {case}: {group_posts(fake)}")


def last_post_id(fake: FakeProviders) -> int:
    """The id of the last message the bot sent."""
    return int(fake.sent[-1]["message_id"])


def buttons_of(call: dict[str, Any]) -> list[str]:
    return [b["callback_data"] for r in call["reply_markup"]["inline_keyboard"] for b in r]


async def debtor_writes(client: Any, text: str, n: int, **extra: str) -> None:
    response = await post_twilio(client, "/webhooks/twilio",
                                 inbound_form(sid(n), "whatsapp:+573001234567", text, **extra))
    assert response.status == 200


async def settle(svc: Services) -> None:
    """What `serve` does in the background: dispatch, post staff notices."""
    await svc.dispatcher.run_once()
    assert svc.staff_bot is not None
    await svc.staff_bot.run_once()


async def state_of(svc: Services) -> tuple[str, dict[str, Any]]:
    async with svc.db.transaction() as session:
        conv = (await session.exec(select(Conversation))).one()
    return conv.state, conv.data


async def cases(svc: Services) -> list[Escalation]:
    async with svc.db.transaction() as session:
        return list((await session.exec(select(Escalation).order_by(col(Escalation.id)))).all())


async def dispute(client: Any, svc: Services, fake: FakeProviders) -> tuple[int, dict[str, Any]]:
    await load(svc, portfolio(row()))
    await debtor_writes(client, "Hay un error", 1, ButtonPayload="dispute")
    await settle(svc)
    return card_of(fake, 1)


async def test_a_dispute_posts_one_card_with_who_what_they_owe_why_and_the_buttons(
        database_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    async with running(staff_settings(database_url, fake, tmp_path), clock) as (client, svc):
        _, card = await dispute(client, svc, fake)
        text = card["text"]
        assert text.startswith("Case #1 · Disputes the debt\nOpen, high priority, due in 4 h")
        assert "Ana María Rojas (CO-001) · WhatsApp · es-CO, Tue 10:00 their time" in text
        assert "F-1001: $1.200.000 due 2026-11-10 (14 days overdue) DISPUTED" in text
        assert "Debtor: Hay un error" in text and "Bot: Gracias por contarnos, Ana" in text
        assert "Limits (segment default, policy v0):" in text
        assert "bot: up to 12 payments of at least $50.000" in text
        assert buttons_of(card) == ["rc:take:1", "rc:reject:1", "rc:paid:1", "rc:snooze:1"]
        await settle(svc)
        assert len(group_posts(fake)) == 1  # posted once


async def test_take_over_relays_both_ways_in_the_debtors_topic_and_return_to_bot_sums_up(
        database_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    fake.forum = True
    async with running(staff_settings(database_url, fake, tmp_path), clock) as (client, svc):
        await set_policy(svc, NO_CAPS)
        await load(svc, portfolio(row()))
        await debtor_writes(client, "quiero hablar con una persona", 1)
        await settle(svc)
        [topic] = fake.telegram_calls("createForumTopic")
        assert topic == {"chat_id": STAFF_CHAT, "name": "Ana María Rojas · CO-001"}
        card_id, card = card_of(fake, 1)
        assert card["message_thread_id"] == 500
        clock.advance(timedelta(minutes=1))
        assert (await post_telegram(client, tap("rc:take:1", card_id))).status == 200
        [toast] = fake.telegram_calls("answerCallbackQuery")
        assert toast["text"].startswith("You have the conversation with Ana.")
        edited = fake.telegram_calls("editMessageText")[-1]
        assert "Taken over by Inés" in edited["text"]
        assert buttons_of(edited)[0] == "rc:back:1"
        assert (await state_of(svc))[0] == "human"

        sent_before = len(fake.twilio_messages())
        clock.advance(timedelta(minutes=5))
        await debtor_writes(client, "¿me pueden llamar mañana?", 2)
        await settle(svc)
        assert len(fake.twilio_messages()) == sent_before  # the bot said nothing
        relay = group_posts(fake)[-1]
        assert relay["message_thread_id"] == 500
        assert relay["text"].endswith("their time:\n¿me pueden llamar mañana?")

        await post_telegram(client, group_text("Hola Ana, soy Inés. Claro, ¿a qué hora?",
                                               thread=500))
        [to_ana] = fake.twilio_messages()[sent_before:]
        assert to_ana["To"] == "whatsapp:+573001234567"
        assert to_ana["Body"] == "Hola Ana, soy Inés. Claro, ¿a qué hora?"
        assert fake.telegram_calls("setMessageReaction")  # a thumbs-up: it went out

        clock.advance(timedelta(minutes=19))
        await post_telegram(client, tap("rc:back:1", card_id))
        await settle(svc)
        summary = group_posts(fake)[-1]["text"]
        assert summary.startswith("Back to the bot: Ana María Rojas (CO-001), returned by Inés.")
        assert "lasted 24 min: 1 message(s) from the debtor, 1 from staff" in summary
        assert "Conversation now: idle." in summary
        state, data = await state_of(svc)
        assert state == "idle" and "taken_by" not in data
        [case] = await cases(svc)
        assert (case.status, case.resolution) == ("resolved", "returned")
        async with svc.db.transaction() as session:
            steps = (await session.exec(select(Event).where(
                Event.actor == f"staff:{INES}", Event.kind == "step"))).all()
        assert [s.data["event"]["action"] for s in steps] == [
            "take_over", "message", "return_to_bot"]
        assert steps[0].data["event"]["data"]["name"] == "Inés"


async def test_someone_not_on_the_staff_list_is_refused_and_the_attempt_logged(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    async with running(staff_settings(sqlite_url, fake, tmp_path), clock) as (client, svc):
        card_id, _ = await dispute(client, svc, fake)
        await post_telegram(client, tap("rc:reject:1", card_id, user=STRANGER, name="Eve"))
        [refusal] = fake.telegram_calls("answerCallbackQuery")
        assert refusal["text"].startswith("Only staff can do this")
        assert refusal["show_alert"] is True
        await post_telegram(client, group_text("hola", user=STRANGER, reply_to=card_id,
                                               name="Eve"))
        assert group_posts(fake)[-1]["text"].startswith("Only staff can do this")
        assert (await state_of(svc))[0] == "disputed"
        async with svc.db.transaction() as session:
            refused = (await session.exec(select(Event).where(
                Event.kind == "staff.refused"))).all()
        assert [(e.actor, e.data["name"]) for e in refused] == [
            (f"telegram:{STRANGER}", "Eve"), (f"telegram:{STRANGER}", "Eve")]


async def test_reject_dispute_tells_the_debtor_and_reminders_come_back(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    async with running(staff_settings(sqlite_url, fake, tmp_path), clock) as (client, svc):
        card_id, _ = await dispute(client, svc, fake)
        await post_telegram(client, tap("rc:reject:1", card_id))
        await settle(svc)
        told = fake.twilio_messages()[-1]["Body"]
        assert told.startswith("Hola Ana, revisamos tu caso con el equipo y el cobro es correcto")
        async with svc.db.transaction() as session:
            assert (await session.exec(select(Invoice.status))).one() == "open"
        [case] = await cases(svc)
        assert (case.status, case.resolution) == ("resolved", "rejected")
        assert "Resolved: rejected" in fake.telegram_calls("editMessageText")[-1]["text"]


async def test_approve_offer_sends_the_debtors_terms_for_their_yes(
        database_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    async with running(staff_settings(database_url, fake, tmp_path), clock) as (client, svc):
        await set_policy(svc, {"limits": {"max_installments": 6, "min_installment": "50000",
                                          "staff_max_installments": 12}})
        await load(svc, portfolio(row()))
        await debtor_writes(client, "lo puedo pagar en 10 cuotas?", 1)
        await settle(svc)
        card_id, card = card_of(fake, 1)
        assert "Asked for: plan of 10 payments" in card["text"]
        assert "staff: up to 12 payments" in card["text"]
        assert buttons_of(card)[:4] == ["rc:take:1", "rc:approve:1", "rc:counter:1",
                                        "rc:reject:1"]
        await post_telegram(client, tap("rc:approve:1", card_id))
        await settle(svc)
        offer = fake.twilio_messages()[-1]["Body"]
        assert offer.startswith("¡Buenas noticias, Ana! Nuestro equipo aprobó tu solicitud:")
        await debtor_writes(client, "sí", 2)
        await settle(svc)
        assert "Quedó registrado tu acuerdo" in fake.twilio_messages()[-1]["Body"]
        async with svc.db.transaction() as session:
            agreement = (await session.exec(select(Agreement))).one()
        assert (agreement.source, agreement.kind) == ("staff", "plan")


async def test_counter_asks_for_the_terms_and_checks_them_against_the_staff_ceiling(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    async with running(staff_settings(sqlite_url, fake, tmp_path), clock) as (client, svc):
        await set_policy(svc, {"limits": {"max_installments": 6, "min_installment": "50000",
                                          "staff_max_installments": 8}})
        await load(svc, portfolio(row()))
        await debtor_writes(client, "lo puedo pagar en 10 cuotas?", 1)
        await settle(svc)
        card_id, _ = card_of(fake, 1)
        await post_telegram(client, tap("rc:counter:1", card_id))
        prompt = group_posts(fake)[-1]
        assert prompt["text"].startswith("Counter-offer for Ana (case #1): reply with the terms")
        assert prompt["reply_markup"]["force_reply"] is True
        prompt_id = last_post_id(fake)
        sent = len(fake.twilio_messages())
        await post_telegram(client, group_text("plan 10", reply_to=prompt_id))
        assert "Not done:" in group_posts(fake)[-1]["text"]  # 10 is beyond the staff's 8
        assert len(fake.twilio_messages()) == sent
        await post_telegram(client, group_text("plan 8", reply_to=prompt_id))
        assert group_posts(fake)[-1]["text"].startswith("Counter-offer sent to Ana: plan of 8")
        await settle(svc)
        body = fake.twilio_messages()[-1]["Body"]
        assert body.startswith("Hola Ana, nuestro equipo revisó tu solicitud y te propone")
        assert "Un plan de 8 pagos" in body
        [case] = await cases(svc)
        assert case.resolution == "countered"


async def test_mark_paid_records_the_payment_through_the_payment_path_once(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    async with running(staff_settings(sqlite_url, fake, tmp_path), clock) as (client, svc):
        await load(svc, portfolio(row()))
        await debtor_writes(client, "quiero hablar con una persona", 1)
        await settle(svc)
        card_id, _ = card_of(fake, 1)
        await post_telegram(client, tap("rc:paid:1", card_id))  # the amount choices
        menu = fake.telegram_calls("editMessageReplyMarkup")[-1]
        assert buttons_of(menu) == ["rc:paid:1:all", "rc:paid:1:ask", "rc:card:1"]
        assert menu["reply_markup"]["inline_keyboard"][0][0]["text"] == \
            "Paid in full: $1.200.000"
        press = tap("rc:paid:1:all", card_id)
        for _ in range(2):  # Telegram delivers the press twice: paid once
            await post_telegram(client, press)
        await settle(svc)
        async with svc.db.transaction() as session:
            [payment] = (await session.exec(select(Payment))).all()
            assert (await session.exec(select(Invoice.status))).one() == "paid"
        assert (payment.source, payment.amount_minor) == ("staff", 120_000_000)
        assert fake.twilio_messages()[-1]["Body"].startswith("¡Gracias, Ana! Recibimos tu pago")
        [case] = await cases(svc)
        assert (case.status, case.resolution) == ("resolved", "paid")


async def test_snooze_moves_the_deadline_and_an_unanswered_case_is_raised_again(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    async with running(staff_settings(sqlite_url, fake, tmp_path), clock) as (client, svc):
        await load(svc, portfolio(row()))
        await debtor_writes(client, "quiero hablar con una persona", 1)
        await settle(svc)
        card_id, _ = card_of(fake, 1)
        await post_telegram(client, tap("rc:snooze:1:1", card_id))
        [case] = await cases(svc)
        assert (case.status, case.deadline) == ("snoozed", clock.now() + timedelta(hours=1))
        clock.advance(timedelta(hours=1, minutes=1))
        report = await svc.scheduler.run_pass()
        assert report.cases_raised == 1
        reminder = group_posts(fake)[-1]
        assert reminder["text"].startswith("Case #1 has waited 1 h with nobody on it")
        assert reminder["reply_parameters"]["message_id"] == card_id
        clock.advance(timedelta(hours=25))
        await svc.scheduler.run_pass()
        [to_admin] = [c for c in fake.telegram_calls("sendMessage") if c["chat_id"] == ADMIN]
        assert to_admin["text"].startswith("Unanswered: Case #1 has waited 26 h")


async def test_cases_lists_what_is_open_and_admins_see_and_change_limits(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    async with running(staff_settings(sqlite_url, fake, tmp_path), clock) as (client, svc):
        await dispute(client, svc, fake)
        await post_telegram(client, group_text("/cases"))
        assert group_posts(fake)[-1]["text"] == (
            "1 open case(s):\n#1 high · Ana María Rojas (CO-001) · Disputes the debt · "
            "due in 4 h")
        await post_telegram(client, group_text("/limits default"))
        assert "Only admins" in group_posts(fake)[-1]["text"]  # Inés is staff, not admin
        await post_telegram(client, group_text("/setlimit default max_installments 0",
                                               user=ADMIN))
        assert group_posts(fake)[-1]["text"] == "The maximum number of instalments must be " \
                                                "at least 1."
        # In a private chat with the bot too.
        await post_telegram(client, group_text("/setlimit default max_installments 6",
                                               user=ADMIN, chat=ADMIN))
        answer = fake.telegram_calls("sendMessage")[-1]
        assert answer["chat_id"] == ADMIN
        assert answer["text"] == ("Saved segment default as version 1: max_installments "
                                  "12 -> 6.")
        async with svc.db.transaction() as session:
            policy = (await session.exec(select(Policy))).one()
            audit = (await session.exec(select(Event).where(
                Event.kind == "policy.changed"))).one()
        assert policy.data["limits"]["max_installments"] == 6
        assert audit.actor == f"telegram:{ADMIN}"
        await post_telegram(client, group_text("/limits default", user=ADMIN))
        assert "max_installments = 6" in group_posts(fake)[-1]["text"]


async def test_a_receipt_photo_on_telegram_is_downloaded_after_the_webhook_and_shown_to_staff(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    chat = 555000111
    jpeg = b"\xff\xd8\xff\xe0" + b"receipt" * 100
    fake.add_file("AgAD-receipt", jpeg)
    async with running(staff_settings(sqlite_url, fake, tmp_path), clock) as (client, svc):
        await load(svc, portfolio(row(channel="telegram") + str(chat)))
        photo = {"update_id": 77, "message": {
            "message_id": 9, "date": 1795000000, "caption": "ya pagué, aquí está",
            "chat": {"id": chat, "type": "private", "first_name": "Ana"},
            "from": {"id": chat, "is_bot": False, "first_name": "Ana"},
            "photo": [{"file_id": "AgAD-receipt", "file_unique_id": "r1", "width": 90,
                       "height": 90, "file_size": len(jpeg)}]}}
        assert (await post_telegram(client, photo)).status == 200
        assert not fake.telegram_calls("getFile")  # the webhook did not wait for it
        assert svc.media is not None
        assert await svc.media.run_once() == 1
        assert fake.telegram_calls("getFile") == [{"file_id": "AgAD-receipt"}]
        kept = list((tmp_path / "media").rglob("*.jpg"))
        assert [p.read_bytes() for p in kept] == [jpeg]
        await settle(svc)
        card_id, card = card_of(fake, 1)
        assert "Says they paid" in card["text"] and "A receipt was sent" in card["text"]
        assert buttons_of(card)[1:3] == ["rc:verify:1", "rc:notrec:1"]
        [shown] = fake.telegram_calls("sendPhoto")
        assert shown["chat_id"] == STAFF_CHAT and shown["photo"]["size"] == len(jpeg)
        assert (await state_of(svc))[1]["paused_until"] == "2026-11-29"
        await post_telegram(client, tap("rc:notrec:1", card_id))
        await settle(svc)
        told = [c for c in fake.telegram_calls("sendMessage") if c["chat_id"] == chat][-1]
        assert told["text"].startswith("Hola Ana, revisamos y todavía no encontramos tu pago.")
        state, data = await state_of(svc)
        assert state == "idle" and "paused_until" not in data


async def test_a_whatsapp_receipt_is_fetched_with_the_account_credentials_never_sent_elsewhere(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    pdf = b"%PDF-1.4 transfer receipt"
    fake.add_twilio_media("ME" + "1" * 32, pdf, "application/pdf")
    url = fake.twilio_media_url(ACCOUNT_SID, sid(5, "MM"), "ME" + "1" * 32)
    async with running(staff_settings(sqlite_url, fake, tmp_path), clock) as (client, svc):
        await load(svc, portfolio(row()))
        await debtor_writes(client, "", 5, NumMedia="1", MediaUrl0=url,
                            MediaContentType0="application/pdf")
        assert svc.media is not None
        await svc.media.run_once()
        [cdn] = [r for r in fake.requests if r.provider == "cdn"]
        assert "Authorization" not in cdn.headers  # dropped on the redirect to the store
        assert [p.read_bytes() for p in (tmp_path / "media").rglob("*.pdf")] == [pdf]
        await settle(svc)
        [document] = fake.telegram_calls("sendDocument")
        assert document["caption"].startswith("From Ana María Rojas (CO-001): application/pdf")
        card_id, _ = card_of(fake, 1)
        await post_telegram(client, tap("rc:verify:1:all", card_id))
        async with svc.db.transaction() as session:
            payment = (await session.exec(select(Payment))).one()
        assert payment.source == "staff"


async def test_a_file_that_is_not_an_image_or_pdf_is_refused_and_staff_are_told(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    fake.add_twilio_media("ME" + "2" * 32, b"<html>hi</html>", "text/html")
    url = fake.twilio_media_url(ACCOUNT_SID, sid(6, "MM"), "ME" + "2" * 32)
    async with running(staff_settings(sqlite_url, fake, tmp_path), clock) as (client, svc):
        await load(svc, portfolio(row()))
        await debtor_writes(client, "ya pagué", 6, NumMedia="1", MediaUrl0=url,
                            MediaContentType0="text/html")
        assert svc.media is not None
        await svc.media.run_once()
        assert not list((tmp_path / "media").rglob("*.*"))
        await settle(svc)
        assert any("sent a file that was not kept: not an image or a PDF (text/html)"
                   in p["text"] for p in group_posts(fake))


async def test_a_deleted_topic_is_created_again(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    fake.forum = True
    async with running(staff_settings(sqlite_url, fake, tmp_path), clock) as (client, svc):
        await load(svc, portfolio(row()))
        async with svc.db.transaction() as session:
            ana = (await session.exec(select(Debtor))).one()
            ana.staff_topic_id = 42  # a topic someone deleted
            session.add(ana)
        fake.fail_next("telegram", status=400, description="Bad Request: message thread not found",
                       method="sendMessage")
        await debtor_writes(client, "quiero hablar con una persona", 1)
        await settle(svc)
        _, card = card_of(fake, 1)
        assert card["message_thread_id"] == 500
        async with svc.db.transaction() as session:
            assert (await session.exec(select(Debtor.staff_topic_id))).one() == 500
            notices = (await session.exec(select(StaffNotice.status))).all()
        assert "failed" not in notices


async def test_a_photo_from_a_chat_that_is_no_debtor_is_never_downloaded(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    fake.add_file("AgAD-spam", b"\xff\xd8\xff" + b"x" * 100)
    async with running(staff_settings(sqlite_url, fake, tmp_path), clock) as (client, svc):
        await load(svc, portfolio(row()))
        photo = {"update_id": 78, "message": {
            "message_id": 3, "date": 1795000000,
            "chat": {"id": 4040, "type": "private", "first_name": "Eve"},
            "from": {"id": 4040, "is_bot": False, "first_name": "Eve"},
            "photo": [{"file_id": "AgAD-spam", "file_unique_id": "s1", "width": 9,
                       "height": 9}]}}
        assert (await post_telegram(client, photo)).status == 200
        assert svc.media is not None
        await svc.media.run_once()
        assert not fake.telegram_calls("getFile")
        async with svc.db.transaction() as session:
            kept = (await session.exec(select(Attachment))).one()
        assert (kept.status, kept.error) == ("refused", "not from a known debtor")


async def test_erasing_a_debtor_removes_their_receipts_and_their_topic_in_the_staff_group(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    from bot.admin.auth import create_user

    fake.forum = True
    chat = 555000111
    fake.add_file("AgAD-receipt", b"\xff\xd8\xff\xe0" + b"r" * 50)
    # Plain http, so the test client keeps the admin's session cookie.
    settings = staff_settings(sqlite_url, fake, tmp_path, public_url="http://127.0.0.1")
    async with running(settings, clock) as (client, svc):
        await load(svc, portfolio(row(channel="telegram") + str(chat)))
        await post_telegram(client, {"update_id": 80, "message": {
            "message_id": 9, "date": 1795000000, "caption": "ya pagué",
            "chat": {"id": chat, "type": "private", "first_name": "Ana"},
            "from": {"id": chat, "is_bot": False, "first_name": "Ana"},
            "photo": [{"file_id": "AgAD-receipt", "file_unique_id": "r1", "width": 9,
                       "height": 9}]}})
        assert svc.media is not None
        await svc.media.run_once()
        await settle(svc)
        assert list((tmp_path / "media").rglob("*.jpg"))
        async with svc.db.transaction() as session:
            await create_user(session, "ines", "clave segura 1", "admin", clock.now())
        await client.post("/admin/login", data={"username": "ines",
                                                "password": "clave segura 1"})
        page = await (await client.get("/admin/debtors/CO-001")).text()
        token = page.split('name="csrf-token" content="')[1].split('"')[0]
        erased = await client.post("/admin/debtors/CO-001/erase", data={
            "csrf_token": token, "confirm": "CO-001"}, allow_redirects=False)
        assert erased.status == 303
        assert not list((tmp_path / "media").rglob("*.jpg"))  # the receipt is gone
        await settle(svc)
        assert fake.telegram_calls("deleteForumTopic") == [
            {"chat_id": STAFF_CHAT, "message_thread_id": 500}]
        async with svc.db.transaction() as session:
            assert (await session.exec(select(Attachment))).all() == []
            left = (await session.exec(select(StaffNotice))).all()
            assert [(n.kind, n.data["topic"]) for n in left] == [("erase", 500)]
            assert (await session.exec(select(Debtor.staff_topic_id))).one() is None
