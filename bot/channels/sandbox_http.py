"""The sandbox's inbound half: the /sandbox chat page and its JSON API.

Anyone allowed in (see RECOBRO_SANDBOX) picks a debtor and writes as them; the messages go
through the same engine and outbox as WhatsApp would, and the replies come back through the
sandbox channel.
"""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlmodel import col, select

from bot.channels.sandbox import SandboxChannel
from bot.domain import InboundMessage
from bot.money import Money, format_money
from bot.web import bounded_int, check_csrf, render, require_session, services
from storage.models import Debtor, Invoice, Message

MAX_TEXT = 4096  # what Telegram allows in one message; more is never a real debtor's reply
LONG_POLL_SECONDS = 20.0

def setup_routes(app: web.Application) -> None:
    """Add the sandbox page and API, unless the sandbox is off."""
    app.router.add_get("/sandbox", page)
    app.router.add_get("/sandbox/api/debtors", list_debtors)
    app.router.add_get("/sandbox/api/debtors/{debtor_id}/messages", list_messages)
    app.router.add_post("/sandbox/api/debtors/{debtor_id}/messages", post_message)
    app.router.add_post("/sandbox/api/tick", tick)


async def _guard(request: web.Request, *, changes: bool = False) -> None:
    mode = services(request).settings.sandbox
    if mode == "off":
        raise web.HTTPNotFound(text="the sandbox is off (RECOBRO_SANDBOX=off)")
    if mode == "login":
        info = await require_session(request, admin=True)
        if changes:
            await check_csrf(request, info)


async def page(request: web.Request) -> web.StreamResponse:
    """The chat page: pick a debtor, chat as them, watch reminders arrive."""
    await _guard(request)
    return await render(request, "sandbox.html", {})


async def list_debtors(request: web.Request) -> web.Response:
    """The portfolio's debtors, with what each owes."""
    await _guard(request)
    svc = services(request)
    async with svc.db.transaction() as session:
        debtors = (await session.exec(select(Debtor).where(col(Debtor.erased_at).is_(None))
                                      .order_by(col(Debtor.external_id)))).all()
        invoices = (await session.exec(select(Invoice).where(Invoice.status == "open"))).all()
    owed: dict[int, Money] = {}
    for invoice in invoices:
        money = Money(invoice.open_minor, invoice.currency)
        owed[invoice.debtor_id] = owed[invoice.debtor_id] + money if invoice.debtor_id in owed \
            else money
    return web.json_response([{
        "debtor_id": d.external_id, "name": d.name, "channel": d.channel, "locale": d.locale,
        "country": d.country,
        "balance": format_money(owed[d.id], d.locale) if d.id in owed else None,
    } for d in debtors])


async def _debtor(request: web.Request) -> Debtor:
    async with services(request).db.transaction() as session:
        debtor = (await session.exec(select(Debtor).where(
            Debtor.external_id == request.match_info["debtor_id"]))).first()
    if debtor is None or debtor.id is None:
        raise web.HTTPNotFound(text="no such debtor")
    return debtor


def _message_json(message: Message, debtor: Debtor) -> dict[str, object]:
    return {"id": message.id, "direction": message.direction, "text": message.text,
            "kind": message.kind, "status": message.status,
            "at": message.created_at.astimezone(ZoneInfo(debtor.timezone)).isoformat(),
            "options": message.payload.get("options", []) if message.direction == "out" else []}


async def list_messages(request: web.Request) -> web.Response:
    """Messages after `after` (an id); waits up to `wait` seconds for a new one to arrive."""
    await _guard(request)
    svc = services(request)
    debtor = await _debtor(request)
    try:
        after = bounded_int(request.query.get("after", "0"), -2, low=-1)
        if after == -2:  # not a number
            raise ValueError(after)
        wait = min(float(request.query.get("wait", "0")), LONG_POLL_SECONDS)
    except ValueError:
        raise web.HTTPBadRequest(text="after and wait must be numbers") from None

    async def fetch() -> list[Message]:
        async with svc.db.transaction() as session:
            stmt = select(Message).where(Message.debtor_id == debtor.id, col(Message.id) > after)
            # Only what reached the debtor (or what they wrote): queued messages are not seen.
            stmt = stmt.where((col(Message.direction) == "in")
                              | col(Message.status).in_(("sent", "delivered", "read")))
            return list((await session.exec(stmt.order_by(col(Message.id)))).all())

    messages = await fetch()
    if not messages and wait > 0:
        sandbox = svc.channels.get(debtor.channel)
        if isinstance(sandbox, SandboxChannel):
            await sandbox.wait(debtor.id, wait)  # type: ignore[arg-type]
            messages = await fetch()
    return web.json_response({"debtor_id": debtor.external_id,
                              "messages": [_message_json(m, debtor) for m in messages]})


async def post_message(request: web.Request) -> web.Response:
    """The debtor writes (or taps an option); the reply is dispatched before we answer."""
    await _guard(request, changes=True)
    svc = services(request)
    debtor = await _debtor(request)
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="the body must be JSON: {\"text\": \"...\"}") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    text = body.get("text")
    option = body.get("option")
    client_id = body.get("client_id") or uuid.uuid4().hex
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        raise web.HTTPBadRequest(text=f"text must be 1 to {MAX_TEXT} characters")
    if option is not None and not isinstance(option, str):
        raise web.HTTPBadRequest(text="option must be a string")
    if not isinstance(client_id, str) or len(client_id) > 64:
        raise web.HTTPBadRequest(text="client_id must be a string of at most 64 characters")
    received = await svc.engine.receive(InboundMessage(
        channel=debtor.channel, provider_id=f"sandbox:{client_id}",
        address=debtor.phone or debtor.telegram_chat_id or "", text=text,
        received_at=svc.clock.now(), option=option, debtor_external_id=debtor.external_id))
    report = await svc.dispatcher.run_once(debtor_id=debtor.id)
    return web.json_response({"status": received.status, "sent": len(report.sent)},
                             status=200 if received.status != "failed" else 202)


async def tick(request: web.Request) -> web.Response:
    """Run one scheduler pass now (due reminders into the outbox, then dispatch)."""
    await _guard(request, changes=True)
    report = await services(request).scheduler.run_pass()
    return web.json_response({"summary": report.summary(), "sent": len(report.dispatch.sent)})
