"""The providers' webhooks on our aiohttp application: thin handlers around the channels.

Each handler verifies first (the channel module says how), parses, awaits the engine, and
only then answers 2xx; 5xx when the message could not even be stored, so the provider
delivers it again. See `bot.channels.twilio` and `bot.channels.telegram`.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web

from bot.channels.http import read_body
from bot.channels.telegram import WEBHOOK_PATH as TELEGRAM_PATH
from bot.channels.telegram import TelegramChannel, route_update
from bot.channels.twilio import (
    EMPTY_TWIML,
    SID,
    STATUS_PATH,
    STATUSES,
    WEBHOOK_PATH,
    MalformedWebhook,
    TwilioGateway,
    apply_status,
    parse_inbound,
)
from bot.web import services

log = logging.getLogger(__name__)

TWILIO = web.AppKey("twilio", TwilioGateway)
TELEGRAM = web.AppKey("telegram", TelegramChannel)


def setup_twilio(app: web.Application, gateway: TwilioGateway) -> None:
    """Mount Twilio's inbound and status webhooks."""
    app[TWILIO] = gateway
    app.router.add_post(WEBHOOK_PATH, twilio_inbound)
    app.router.add_post(STATUS_PATH, twilio_status)


def setup_telegram(app: web.Application, channel: TelegramChannel) -> None:
    """Mount Telegram's webhook."""
    app[TELEGRAM] = channel
    app.router.add_post(TELEGRAM_PATH, telegram_webhook)


def _twiml() -> web.Response:
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


async def twilio_inbound(request: web.Request) -> web.Response:
    """A debtor's SMS or WhatsApp message: verify, parse, store and apply, then 200 TwiML."""
    form = await request.app[TWILIO].verified_form(request)
    svc = services(request)
    try:
        message = parse_inbound(form, svc.clock.now())
    except MalformedWebhook as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    try:
        received = await svc.engine.receive(message)
    except Exception:
        # Not even stored (the database is down): 5xx, so Twilio delivers it again.
        log.exception("could not store Twilio message %s", message.provider_id)
        raise web.HTTPServiceUnavailable(text="try again") from None
    log.info("twilio %s %s: %s", message.channel, message.provider_id, received.status)
    return _twiml()  # a duplicate gets the same empty answer


async def twilio_status(request: web.Request) -> web.Response:
    """A delivery status callback: move the message's status forward, record failures."""
    form = await request.app[TWILIO].verified_form(request)
    sid, reported = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not SID.match(sid) or reported not in STATUSES:
        raise web.HTTPBadRequest(text="MessageSid and a known MessageStatus are required")
    ours = request.query.get("m", "")
    svc = services(request)
    try:
        await apply_status(svc.db, svc.clock, sid, reported, form.get("ErrorCode") or None,
                           message_id=int(ours) if ours.isdigit() and len(ours) <= 9
                           else None)
    except Exception:
        log.exception("could not record status %s of %s", reported, sid)
        raise web.HTTPServiceUnavailable(text="try again") from None
    return _twiml()


async def telegram_webhook(request: web.Request) -> web.Response:
    """Telegram's POST: secret token, then size, then JSON, then the engine; 200 when stored."""
    channel = request.app[TELEGRAM]
    channel.check_secret(request)
    body = await read_body(request)
    try:
        update = channel.parse_update(json.loads(body))
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise web.HTTPBadRequest(text=str(exc)) from None
    svc = services(request)
    try:
        status = await route_update(svc, channel, update)
    except Exception:
        log.exception("could not store Telegram update %s", update.update_id)
        raise web.HTTPServiceUnavailable(text="try again") from None
    log.info("telegram update %s: %s", update.update_id, status)
    return web.Response(text="")
