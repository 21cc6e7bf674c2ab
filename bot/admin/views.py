"""Admin pages: log in and out, the debtors, one debtor's conversation and records."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from aiohttp import web
from sqlalchemy import func
from sqlmodel import col, select

from bot.admin.auth import end_session, find_user, password_ok, start_session
from bot.admin.throttle import (
    LoginLimits,
    Refused,
    begin_attempt,
    client_address,
    succeeded,
    trusted_networks,
)
from bot.inspect import debtor_document
from bot.web import (
    SESSION_COOKIE,
    bounded_int,
    check_csrf,
    render,
    require_session,
    services,
)
from storage.models import Conversation, Debtor, Escalation, Invoice
from storage.models import Event as EventRow

PAGE_SIZE = 50
log = logging.getLogger(__name__)


def setup_routes(app: web.Application) -> None:
    """Add the admin pages."""
    app.router.add_get("/admin/login", login_form)
    app.router.add_post("/admin/login", login)
    app.router.add_post("/admin/logout", logout)
    app.router.add_get("/admin", debtors)
    app.router.add_get("/admin/debtors/{debtor_id}", debtor)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: a crafted ?next=https://evil.example must not bounce a user away.
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/admin"
    return target if not urlparse(target).netloc else "/admin"


async def login_form(request: web.Request) -> web.StreamResponse:
    """The login page."""
    return await render(request, "admin/login.html", {
        "next": _safe_next(request.query.get("next")), "error": None})


def login_limits(request: web.Request) -> LoginLimits:
    """The login throttle's limits, from the settings."""
    settings = services(request).settings
    return LoginLimits(settings.login_max_failures, settings.login_max_failures_per_address,
                       timedelta(seconds=settings.login_window_seconds))


def login_address(request: web.Request) -> str:
    """The client address the login throttle counts (X-Forwarded-For from trusted proxies)."""
    settings = services(request).settings
    return client_address(request.remote, request.headers.getall("X-Forwarded-For", []),
                          trusted_networks(settings.trusted_proxies))


def _same_origin(request: web.Request) -> bool:
    # Login has no session yet, so no CSRF token: a browser's Origin header says whether the
    # form was posted from our own pages (a cross-site form could otherwise log a victim in
    # as the attacker). Clients that send no Origin (scripts, tests) are not browsers.
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    public = services(request).settings.public_url
    allowed = {f"{request.scheme}://{request.host}"}
    if public:
        parsed = urlparse(public)
        allowed.add(f"{parsed.scheme}://{parsed.netloc}")
    return origin.rstrip("/") in allowed


async def login(request: web.Request) -> web.StreamResponse:
    """Check the password and start a session (a new token: no session fixation).

    Throttled per username and per client address (`bot.admin.throttle`): over the limit
    the answer is 429 with Retry-After, and the password is not even checked.
    """
    if not _same_origin(request):
        raise web.HTTPForbidden(text="log in from this site's own login page")
    form = await request.post()
    username = str(form.get("username", ""))[:100]
    password = str(form.get("password", ""))[:1000]
    target = _safe_next(str(form.get("next", "")))
    svc = services(request)
    async with svc.db.transaction() as session:
        attempt = await begin_attempt(session, login_limits(request), username,
                                      login_address(request), svc.clock.now())
        user = None if isinstance(attempt, Refused) else await find_user(session, username)
    if isinstance(attempt, Refused):
        minutes = max(1, round(attempt.retry_after / 60))
        log.warning("login refused: too many failures for this %s", attempt.why)
        response = await render(request, "admin/login.html", {
            "next": target, "error": f"Too many failed logins. Try again in {minutes} "
                                     f"minute{'s' if minutes != 1 else ''}."}, status=429)
        response.headers["Retry-After"] = str(attempt.retry_after)
        return response
    if not await asyncio.to_thread(password_ok, user, password):
        return await render(request, "admin/login.html", {
            "next": target, "error": "Wrong username or password."}, status=401)
    assert user is not None
    async with svc.db.transaction() as session:
        await succeeded(session, username)
        # Whatever session this browser had before ends: the new one is the only one.
        await end_session(session, request.cookies.get(SESSION_COOKIE))
        token = await start_session(session, user, svc.clock.now())
    response = web.HTTPSeeOther(target)
    secure = (svc.settings.public_url or "").startswith("https://")
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax", secure=secure,
                        path="/", max_age=12 * 3600)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    """End the session everywhere."""
    info = await require_session(request)
    await check_csrf(request, info, await request.post())
    async with services(request).db.transaction() as session:
        await end_session(session, request.cookies.get(SESSION_COOKIE))
    response = web.HTTPSeeOther("/admin/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def debtors(request: web.Request) -> web.StreamResponse:
    """The portfolio: every debtor with balance, state and open cases."""
    await require_session(request)
    svc = services(request)
    query = request.query.get("q", "").strip()[:100]
    page = bounded_int(request.query.get("page"), 1, low=1, high=100_000)
    async with svc.db.transaction() as session:
        stmt = select(Debtor, Conversation.state).join(
            Conversation, col(Conversation.debtor_id) == Debtor.id, isouter=True)
        if query:
            like = f"%{query}%"
            stmt = stmt.where(col(Debtor.name).ilike(like) | col(Debtor.external_id).ilike(like)
                              | col(Debtor.phone).ilike(like))
        rows = (await session.exec(stmt.order_by(col(Debtor.external_id))
                                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))).all()
        ids = [d.id for d, _ in rows]
        balances = dict((await session.exec(
            select(Invoice.debtor_id, func.sum(Invoice.open_minor))
            .where(col(Invoice.debtor_id).in_(ids), Invoice.status == "open")
            .group_by(col(Invoice.debtor_id)))).all())
        currencies = dict((await session.exec(
            select(Invoice.debtor_id, func.min(Invoice.currency))
            .where(col(Invoice.debtor_id).in_(ids)).group_by(col(Invoice.debtor_id)))).all())
        cases: dict[int | None, int] = dict((await session.exec(
            select(Escalation.debtor_id, func.count())
            .where(col(Escalation.debtor_id).in_(ids), Escalation.status != "resolved")
            .group_by(col(Escalation.debtor_id)))).all())
    from bot.money import Money, format_money

    items: list[dict[str, Any]] = []
    for d, state in rows:
        assert d.id is not None
        currency = currencies.get(d.id)
        owed = balances.get(d.id) or 0
        items.append({"debtor": d, "state": state or "idle", "cases": cases.get(d.id, 0),
                      "balance": format_money(Money(int(owed), currency), d.locale)
                      if currency else "—"})
    return await render(request, "admin/debtors.html", {
        "items": items, "q": query, "page": page, "more": len(rows) == PAGE_SIZE})


async def debtor(request: web.Request) -> web.StreamResponse:
    """One debtor: the conversation as a chat, invoices, agreements, cases, decisions."""
    await require_session(request)
    svc = services(request)
    async with svc.db.transaction() as session:
        document = await debtor_document(session, request.match_info["debtor_id"])
        if document is None:
            raise web.HTTPNotFound(text="no such debtor")
        debtor_row = (await session.exec(select(Debtor).where(
            Debtor.external_id == document["debtor_id"]))).one()
        assert debtor_row.id is not None
        # Every contact decision and note, and the audit of exports and erasure.
        events = (await session.exec(
            select(EventRow).where(EventRow.debtor_id == debtor_row.id)
            .where(col(EventRow.kind).startswith("compliance.") | col(EventRow.kind).startswith(
                "note.") | col(EventRow.kind).startswith("debtor.")
                | (EventRow.kind == "message.failed"))
            .order_by(col(EventRow.id).desc()))).all()
        retention = await erasure_preview(session, debtor_row, svc.clock.now())
    return await render(request, "admin/debtor.html", {
        "d": document, "events": events, "retention": retention, "row": debtor_row})


async def erasure_preview(session: Any, debtor: Debtor, now: Any) -> dict[str, Any]:
    """What erasing this debtor now would keep, by the retention of their contact rules."""
    from bot import erasure

    assert debtor.id is not None
    preset, retention = await erasure.retention_for(session, debtor)
    facts = await erasure.message_facts(session, debtor.id)
    plan = erasure.retention_plan(facts, retention, now)
    return {"preset": preset, "contact_log_days": retention.contact_log_days,
            "conversation_days": retention.conversation_days,
            "contacts": sum(k is erasure.Keep.CONTACT for k in plan.values()),
            "whole": sum(k is erasure.Keep.WHOLE for k in plan.values()),
            "until": erasure.keep_until(facts, plan, retention)}
