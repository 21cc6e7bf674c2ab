"""The staff page of the web admin over real HTTP: the same cases and decisions as the
Telegram group, forms with CSRF, a takeover chat box, the staff list and the receipts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from bot.admin.auth import create_user
from bot.app import create_app
from bot.clock import FixedClock
from bot.domain import InboundMessage, Media
from bot.services import Services, build_services
from bot.settings import Settings
from storage.models import Attachment, Conversation, Escalation, Event, Message
from tests.helpers import load_examples, say


@pytest.fixture
async def web(sqlite_url: str, clock: FixedClock,
              tmp_path: Path) -> AsyncIterator[tuple[TestClient, Services]]:
    settings = Settings(database_url=sqlite_url, creditor_name="Almacenes Prisma",
                        media_dir=tmp_path / "media", _env_file=None)  # type: ignore[call-arg]
    svc = build_services(settings, clock=clock)
    await load_examples(svc)
    async with svc.db.transaction() as session:
        await create_user(session, "ines", "clave segura 1", "admin", clock.now())
        await create_user(session, "vera", "clave segura 2", "viewer", clock.now())
    client = TestClient(TestServer(create_app(svc, background=False), host="127.0.0.1"))
    await client.start_server()
    yield client, svc
    await client.close()
    await svc.close()


async def login(client: TestClient, user: str = "ines", password: str = "clave segura 1") -> str:
    await client.post("/admin/login", data={"username": user, "password": password,
                                            "next": "/admin"})
    page = await (await client.get("/admin/staff")).text()
    return page.split('name="csrf-token" content="')[1].split('"')[0]


async def press(client: TestClient, token: str, case: int, action: str, *, nonce: str = "n1",
                arg: str = "") -> Any:
    return await client.post(f"/admin/staff/cases/{case}", data={
        "csrf_token": token, "nonce": nonce, "action": action, "arg": arg},
        allow_redirects=False)


async def follow(client: TestClient, response: Any) -> str:
    assert response.status == 303, await response.text()
    return str(await (await client.get(response.headers["Location"])).text())


async def test_a_case_is_listed_and_its_page_shows_the_card_and_the_decisions(
        web: tuple[TestClient, Services]) -> None:
    client, svc = web
    await say(svc, "CO-001", "quiero hablar con una persona")
    await login(client)
    listing = await (await client.get("/admin/staff")).text()
    assert "Ana María Rojas" in listing and "Asked for a person" in listing
    page = await (await client.get("/admin/staff/cases/1")).text()
    assert "Case #1 · Asked for a person" in page
    assert "Owes <strong>$1.200.000</strong>" in page
    assert 'value="take"' in page and 'value="snooze"' in page
    assert "bot: up to 12 payments" in page


async def test_take_over_write_and_return_to_bot_from_the_browser(
        web: tuple[TestClient, Services]) -> None:
    client, svc = web
    await say(svc, "CO-001", "quiero hablar con una persona")
    token = await login(client)
    page = await follow(client, await press(client, token, 1, "take"))
    assert "You have the conversation with Ana" in page and "Taken over by ines" in page
    for expected in ("Sent on whatsapp.", "Already sent."):  # a double submit sends once
        sent = await client.post("/admin/staff/cases/1/message", data={
            "csrf_token": token, "nonce": "n2", "text": "Hola Ana, soy Inés."},
            allow_redirects=False)
        assert f'id="notice">{expected}' in await follow(client, sent)
    async with svc.db.transaction() as session:
        staff_messages = (await session.exec(select(Message).where(
            Message.kind == "staff_message"))).all()
    assert [(m.text, m.status) for m in staff_messages] == [("Hola Ana, soy Inés.",
                                                             "delivered")]
    page = await follow(client, await press(client, token, 1, "back", nonce="n3"))
    assert "Returned to the bot" in page and "Resolved: returned" in page
    async with svc.db.transaction() as session:
        assert (await session.exec(select(Conversation.state).where(
            Conversation.debtor_id == staff_messages[0].debtor_id))).one() == "idle"
        actors = {e.actor for e in (await session.exec(select(Event).where(
            Event.kind == "step"))).all()}
    assert "admin:ines" in actors


async def test_decisions_need_the_csrf_token_and_the_admin_role(
        web: tuple[TestClient, Services]) -> None:
    client, svc = web
    await say(svc, "CO-001", "quiero hablar con una persona")
    await login(client)
    assert (await press(client, "wrong", 1, "take")).status == 403
    await client.post("/admin/logout", data={})
    token = await login(client, "vera", "clave segura 2")
    page = await (await client.get("/admin/staff/cases/1")).text()
    assert "Viewers can look" in page
    assert (await press(client, token, 1, "take")).status == 403
    async with svc.db.transaction() as session:
        assert (await session.exec(select(Escalation.status))).one() == "open"


async def test_an_admin_adds_someone_to_the_telegram_staff_list(
        web: tuple[TestClient, Services]) -> None:
    client, svc = web
    token = await login(client)
    assert svc.desk is not None
    assert await svc.desk.role(4242) is None
    saved = await client.post("/admin/staff/people", data={
        "csrf_token": token, "name": "Pedro", "telegram_user_id": "4242", "role": "staff"},
        allow_redirects=False)
    assert "Saved Pedro (staff)." in await follow(client, saved)
    assert await svc.desk.role(4242) == "staff"
    bad = await client.post("/admin/staff/people", data={
        "csrf_token": token, "name": "Pedro", "telegram_user_id": "@pedro"},
        allow_redirects=False)
    assert "is a number" in await follow(client, bad)


async def test_a_kept_receipt_is_shown_to_logged_in_users_only(
        web: tuple[TestClient, Services], tmp_path: Path) -> None:
    client, svc = web
    assert svc.media is not None
    stored = await svc.media.store.save(b"%PDF-1.4 receipt", "application/pdf",
                                        svc.clock.now())
    await svc.engine.receive(InboundMessage(
        channel="whatsapp", provider_id="sbx-receipt", address="+573001234567", text="",
        received_at=svc.clock.now(), media=(Media("https://example/x", "application/pdf"),),
        debtor_external_id="CO-001"))
    async with svc.db.transaction() as session:
        attachment = (await session.exec(select(Attachment))).one()
        attachment.status, attachment.path = "stored", stored.path
        session.add(attachment)
    assert (await client.get(f"/admin/staff/media/{attachment.id}",
                             allow_redirects=False)).status == 303
    await login(client)
    response = await client.get(f"/admin/staff/media/{attachment.id}")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert await response.read() == b"%PDF-1.4 receipt"
    page = await (await client.get("/admin/staff/cases/1")).text()
    assert "Says they paid" in page and f"/admin/staff/media/{attachment.id}" in page
