"""`POST /webhooks/payments`: a payment notice, signed with RECOBRO_PAYMENTS_SECRET.

The signature is checked on the raw body before anything is parsed; a notice is applied
once per reference, and the answer says applied, held (for staff) or duplicate.
"""

from __future__ import annotations

import json
from decimal import Decimal

from aiohttp import web

from bot.payments import NoticeError, notice_from_json, signature_ok
from bot.web import services

MAX_BODY = 64 * 1024  # a notice is a few hundred bytes


def setup_routes(app: web.Application) -> None:
    """Add the payments webhook."""
    app.router.add_post("/webhooks/payments", receive)


async def receive(request: web.Request) -> web.Response:
    """Verify, parse and apply one payment notice."""
    svc = services(request)
    secret = svc.settings.payments_secret
    if secret is None:
        raise web.HTTPNotFound(text="the payments webhook is off: set RECOBRO_PAYMENTS_SECRET")
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY,
                                            actual_size=request.content_length)
    body = await request.content.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=len(body))
    if not signature_ok(secret.get_secret_value(), body,
                        request.headers.get("X-Recobro-Signature")):
        raise web.HTTPForbidden(text="missing or wrong X-Recobro-Signature")
    try:
        data = json.loads(body, parse_float=Decimal)
        notice = notice_from_json(data)
    except (ValueError, NoticeError) as exc:  # json errors are ValueErrors too
        raise web.HTTPBadRequest(text=f"not a payment notice: {exc}") from None
    outcome = await svc.engine.record_payment(notice)
    return web.json_response({"status": outcome.status, "reason": outcome.reason})
