"""The staff page of the web admin: the same cases, buttons and takeover as the Telegram
staff group, for when there is no Telegram (the demo) or someone prefers a browser.

Every button is a form with the session's CSRF token and a one-time nonce (a double submit
applies once); every decision goes through `bot.staff.desk`, i.e. the engine's path, with
the web user as the actor. Viewers see the cases; acting needs the admin role.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlmodel import col, select

from bot.admin.auth import SessionInfo
from bot.money import format_money
from bot.staff.card import (
    SNOOZE_HOURS,
    buttons,
    describe_offer,
    details,
    limits_lines,
    reason_text,
    status_line,
)
from bot.staff.desk import StaffDesk
from bot.staff.people import ROLES, Actor, save_member
from bot.staff.terms import HELP as TERMS_HELP
from bot.web import ID, check_csrf, render, require_session, services
from storage.models import Attachment, Message, StaffMember
from storage.models import Event as EventRow

CHAT_MESSAGES = 40


def setup_routes(app: web.Application) -> None:
    """Add the staff pages."""
    app.router.add_get("/admin/staff", cases)
    app.router.add_get(f"/admin/staff/cases/{{case_id:{ID}}}", case)
    app.router.add_post(f"/admin/staff/cases/{{case_id:{ID}}}", act)
    app.router.add_post(f"/admin/staff/cases/{{case_id:{ID}}}/message", message)
    app.router.add_get(f"/admin/staff/media/{{attachment_id:{ID}}}", media)
    app.router.add_get("/admin/staff/people", people)
    app.router.add_post("/admin/staff/people", save_person)


def _desk(request: web.Request) -> StaffDesk:
    desk = services(request).desk
    if desk is None:
        raise web.HTTPServiceUnavailable(text="the staff desk is not configured")
    return desk


async def cases(request: web.Request) -> web.StreamResponse:
    """Every open case, most urgent first."""
    await require_session(request)
    now = services(request).clock.now()
    views = await _desk(request).open_cases()
    rows = [{"view": v, "reason": reason_text(v.reason), "status": status_line(v, now),
             "balance": format_money(v.balance, v.locale) if v.balance else "—"}
            for v in views]
    return await render(request, "admin/staff.html", {
        "rows": rows, "telegram": services(request).staff_bot is not None})


async def case(request: web.Request) -> web.StreamResponse:
    """One case: the card's content, its buttons as forms, and the conversation."""
    info = await require_session(request)
    svc = services(request)
    case_id = int(request.match_info["case_id"])
    view = await _desk(request).case(case_id)
    if view is None:
        raise web.HTTPNotFound(text="no such case")
    now = svc.clock.now()
    chat: list[Any] = []
    files: dict[int, list[Attachment]] = {}
    if view.debtor_id is not None:
        async with svc.db.transaction() as session:
            chat = list((await session.exec(
                select(Message).where(Message.debtor_id == view.debtor_id)
                .order_by(col(Message.id).desc()).limit(CHAT_MESSAGES))).all())
            chat.reverse()
            for attachment in (await session.exec(select(Attachment).where(
                    col(Attachment.message_id).in_([m.id for m in chat])))).all():
                files.setdefault(attachment.message_id, []).append(attachment)
    currency = view.invoices[0].open.currency if view.invoices else None
    days = max((i.days_overdue for i in view.invoices), default=0)
    return await render(request, "admin/staff_case.html", {
        "v": view, "reason": reason_text(view.reason), "status": status_line(view, now),
        "buttons": [b for row in buttons(view) for b in row],
        "balance": format_money(view.balance, view.locale) if view.balance else None,
        "invoices": [{"id": i.invoice_id, "open": format_money(i.open, view.locale),
                      "due": i.due_on, "days": i.days_overdue, "disputed": i.disputed}
                     for i in view.invoices],
        "requested": describe_offer(view.requested, view.locale) if view.requested else None,
        "broken": (view.data.get("decision") or {}).get("broken") or [],
        "table": describe_offer(view.on_the_table, view.locale) if view.on_the_table else None,
        "limits": limits_lines(view.limits, days, currency, view.locale),
        "chat": [{"m": m, "at": m.created_at.astimezone(view.local_now.tzinfo)
                  if view.local_now else m.created_at, "files": files.get(m.id or 0, [])}
                 for m in chat],
        "nonce": secrets.token_urlsafe(12), "notice": request.query.get("notice"),
        "failed": request.query.get("failed") == "1", "snooze_hours": SNOOZE_HOURS,
        "terms_help": TERMS_HELP, "can_act": info.is_admin,
        "details": details(view.data, view.reason),
    })


def _back(case_id: int, text: str, ok: bool) -> web.HTTPSeeOther:
    query = urlencode({"notice": text[:300]} | ({} if ok else {"failed": "1"}))
    return web.HTTPSeeOther(f"/admin/staff/cases/{case_id}?{query}")


async def _actor(request: web.Request) -> tuple[SessionInfo, Any]:
    info = await require_session(request, admin=True)
    form = await request.post()
    await check_csrf(request, info, form)
    return info, form


async def act(request: web.Request) -> web.StreamResponse:
    """A button: the same decision as in the staff group."""
    info, form = await _actor(request)
    case_id = int(request.match_info["case_id"])
    action = str(form.get("action", ""))
    nonce = str(form.get("nonce", ""))[:40] or secrets.token_urlsafe(12)
    outcome = await _desk(request).act(
        case_id, action, Actor.web(info.username, admin=info.is_admin),
        key=f"web:{nonce}:{action}:{case_id}", arg=str(form.get("arg", "")).strip()[:200])
    raise _back(case_id, outcome.text, outcome.ok)


async def message(request: web.Request) -> web.StreamResponse:
    """The takeover chat box: text for the debtor, through the outbox and the gate."""
    info, form = await _actor(request)
    case_id = int(request.match_info["case_id"])
    desk = _desk(request)
    view = await desk.case(case_id)
    if view is None or view.debtor_id is None:
        raise web.HTTPNotFound(text="no such case")
    nonce = str(form.get("nonce", ""))[:40] or secrets.token_urlsafe(12)
    outcome = await desk.message(view.debtor_id, str(form.get("text", ""))[:4000],
                                 Actor.web(info.username, admin=info.is_admin),
                                 key=f"web:{nonce}:msg:{case_id}")
    raise _back(case_id, outcome.text, outcome.ok)


async def media(request: web.Request) -> web.StreamResponse:
    """A kept attachment (logged-in users only), shown inline."""
    await require_session(request)
    svc = services(request)
    async with svc.db.transaction() as session:
        attachment = await session.get(Attachment, int(request.match_info["attachment_id"]))
    if attachment is None or attachment.status != "stored" or attachment.path is None:
        raise web.HTTPNotFound(text="no such file")
    store = svc.media.store if svc.media is not None else None
    if store is None:
        raise web.HTTPNotFound(text="no media directory")
    try:
        path = store.path(attachment.path)
    except FileNotFoundError:
        raise web.HTTPNotFound(text="no such file") from None
    return web.FileResponse(path, headers={
        "Content-Type": attachment.content_type,
        "Content-Disposition": f'inline; filename="{path.name}"',
        # A PDF or an image from a debtor is never allowed to run anything here.
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox"})


async def people(request: web.Request) -> web.StreamResponse:
    """Who may act on cases in the Telegram staff group."""
    info = await require_session(request)
    svc = services(request)
    async with svc.db.transaction() as session:
        members = list((await session.exec(select(StaffMember)
                                           .order_by(col(StaffMember.name)))).all())
    return await render(request, "admin/staff_people.html", {
        "members": members, "roles": ROLES, "can_edit": info.is_admin,
        "env_staff": svc.settings.staff_user_ids, "env_admins": svc.settings.admin_user_ids,
        "notice": request.query.get("notice"), "error": request.query.get("error")})


async def save_person(request: web.Request) -> web.StreamResponse:
    """Add or change a staff member (admins only; audited)."""
    info, form = await _actor(request)
    svc = services(request)
    raw_id = str(form.get("telegram_user_id", "")).strip()
    if not raw_id.lstrip("-").isdigit() or len(raw_id) > 18:
        raise web.HTTPSeeOther("/admin/staff/people?" + urlencode(
            {"error": "The Telegram user id is a number (ask the person to message "
                      "@userinfobot to see theirs)."}))
    now = svc.clock.now()
    try:
        async with svc.db.transaction() as session:
            member = await save_member(session, user_id=int(raw_id),
                                       name=str(form.get("name", "")),
                                       role=str(form.get("role", "staff")),
                                       disabled=form.get("disabled") == "on",
                                       actor=f"admin:{info.username}", now=now)
            session.add(EventRow(at=now, actor=f"admin:{info.username}",
                                 kind="admin.staff_member", data={
                                     "telegram_user_id": member.telegram_user_id,
                                     "name": member.name, "role": member.role,
                                     "disabled": member.disabled}))
    except ValueError as exc:
        raise web.HTTPSeeOther("/admin/staff/people?" + urlencode(
            {"error": str(exc).capitalize() + "."})) from None
    raise web.HTTPSeeOther("/admin/staff/people?" + urlencode(
        {"notice": f"Saved {member.name} ({member.role})."}))
