"""Recobro wired to the fake providers: the real Twilio and Telegram clients, over 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func
from sqlmodel import select
from twilio.request_validator import RequestValidator

from bot.app import create_app
from bot.clock import Clock
from bot.services import Services, build_services
from bot.settings import Settings
from storage.models import Message
from tests.fakes.providers import BOT_USERNAME, FakeProviders

PUBLIC_URL = "https://recobro.example.com"
ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "twilio-test-auth-token"
WHATSAPP_FROM = "whatsapp:+15550001111"
SMS_FROM = "+15550002222"
BOT_TOKEN = "7000000001:AAtest-token"
SECRET = "telegram-webhook-secret"


def settings_for(database_url: str, fake: FakeProviders, **overrides: Any) -> Settings:
    """Every channel on, pointed at the fake; no send-rate limit unless asked."""
    values: dict[str, Any] = {
        "database_url": database_url, "creditor_name": "Almacenes Prisma",
        "public_url": PUBLIC_URL, "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN, "twilio_api_base": fake.twilio_api_base,
        "whatsapp_from": WHATSAPP_FROM, "sms_from": SMS_FROM,
        "telegram_token": BOT_TOKEN, "telegram_bot_username": BOT_USERNAME,
        "telegram_secret": SECRET, "telegram_api_base": fake.telegram_api_base,
        "send_rate_per_second": 0, "provider_timeout_seconds": 2.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def running(settings: Settings, clock: Clock) -> AsyncIterator[tuple[TestClient, Services]]:
    """The real application on 127.0.0.1 (no background loops: tests dispatch by hand)."""
    svc = build_services(settings, clock=clock)
    client = TestClient(TestServer(create_app(svc, background=False), host="127.0.0.1"))
    await client.start_server()
    try:
        yield client, svc
    finally:
        await client.close()
        await svc.close()


def twilio_signature(path: str, fields: Mapping[str, str], token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature as Twilio computes it: over the public URL and every field."""
    return RequestValidator(token).compute_signature(PUBLIC_URL + path, dict(fields))


async def post_twilio(client: TestClient, path: str, fields: Mapping[str, str],
                      **headers: str) -> Any:
    """POST a form signed like Twilio signs it."""
    all_headers = {"X-Twilio-Signature": twilio_signature(path, fields)} | headers
    return await client.post(path, data=dict(fields), headers=all_headers)


def inbound_form(sid: str, sender: str, body: str, **extra: str) -> dict[str, str]:
    """The fields of an inbound message webhook (Twilio sends more; these are what we read)."""
    return {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID, "From": sender,
            "To": WHATSAPP_FROM if sender.startswith("whatsapp:") else SMS_FROM,
            "Body": body, "NumMedia": "0", **extra}


def sid(n: int, prefix: str = "SM") -> str:
    """A Twilio-shaped SID."""
    return f"{prefix}{n:032x}"


async def post_telegram(client: TestClient, update: Mapping[str, Any],
                        secret: str | None = SECRET) -> Any:
    """POST an update as Telegram does, with the secret token header."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return await client.post("/webhooks/telegram", data=json.dumps(update), headers=headers)


def text_update(update_id: int, chat_id: int, text: str, message_id: int = 1) -> dict[str, Any]:
    """A private-chat text message update."""
    return {"update_id": update_id, "message": {
        "message_id": message_id, "date": 1795000000, "text": text,
        "chat": {"id": chat_id, "type": "private", "first_name": "Ana"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Ana"}}}


async def message_count(svc: Services) -> int:
    """How many messages the database holds."""
    async with svc.db.transaction() as session:
        return int((await session.exec(select(func.count()).select_from(Message))).one())
