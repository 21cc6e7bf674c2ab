"""The security review of the admin, over real HTTP on the whole application: every route
outside a short public list asks for a session, every state-changing request for the CSRF
token, viewers change nothing, sessions are new at login and dead at logout, the cookie's
flags, the headers, and no secret in the logs of the usual flows."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func
from sqlmodel import select

from bot.clock import FixedClock
from bot.payments import sign
from storage.models import AdminSession, Event, Message, Policy
from tests.channels_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BOT_TOKEN,
    SECRET,
    inbound_form,
    post_telegram,
    post_twilio,
    sid,
    text_update,
)
from tests.fakes.providers import FakeProviders
from tests.security_helpers import (
    ADMIN_PASSWORD,
    PAYMENTS_SECRET,
    PUBLIC,
    VIEWER_PASSWORD,
    VIEWER_USER,
    is_public,
    log_in,
    routes,
    whole_app,
)


def _protected(client: TestClient, method: str | None = None) -> list[tuple[str, str]]:
    return [(m, p) for m, p in routes(client.app) if not is_public(p)
            and (method is None or m == method)]


async def test_every_route_but_the_public_ones_needs_a_session(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    async with whole_app(sqlite_url, clock, fake, tmp_path) as (client, _):
        found = routes(client.app)
        # The public list is not stale: each entry is a real route.
        assert {p for _, p in found} >= PUBLIC
        protected = _protected(client)
        assert len(protected) >= 20, protected
        for method, path in protected:
            response = await client.request(method, path, allow_redirects=False)
            if response.status == 303:
                assert response.headers["Location"].startswith("/admin/login?next="), path
            else:
                assert response.status == 401, (method, path, response.status)


async def test_a_forged_or_expired_cookie_is_no_session(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    async with whole_app(sqlite_url, clock, fake, tmp_path) as (client, _):
        client.session.cookie_jar.update_cookies({"recobro_session": "forged-token"})
        assert (await client.get("/admin", allow_redirects=False)).status == 303
        await log_in(client)
        from datetime import timedelta
        clock.advance(timedelta(hours=12, seconds=1))
        assert (await client.get("/admin", allow_redirects=False)).status == 303


async def test_every_state_changing_request_without_the_csrf_token_is_refused(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    async with whole_app(sqlite_url, clock, fake, tmp_path) as (client, svc):
        token = await log_in(client)
        posts = _protected(client, "POST")
        assert len(posts) >= 8, posts
        before = await _counts(svc)
        for _, path in posts:
            for headers, form in (({}, {}), ({"X-CSRF-Token": "wrong"}, {}),
                                  ({}, {"csrf_token": token[:-1] + "x"})):
                response = await client.post(path, data=form | {"confirm": "CO-001",
                                                                 "action": "take",
                                                                 "text": "hola"},
                                             headers=headers, allow_redirects=False)
                assert response.status == 403, (path, headers, form, response.status)
        assert await _counts(svc) == before
        # The token itself works (so the refusals above were about the token).
        ok = await client.post("/admin/logout", data={"csrf_token": token},
                               allow_redirects=False)
        assert ok.status == 303


async def _counts(svc: object) -> tuple[int, ...]:
    from bot.services import Services

    assert isinstance(svc, Services)
    async with svc.db.transaction() as session:
        return tuple([int((await session.exec(select(func.count()).select_from(t))).one())
                      for t in (Event, Message, Policy, AdminSession)])


async def test_a_viewer_can_change_nothing_even_with_the_token(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    async with whole_app(sqlite_url, clock, fake, tmp_path) as (client, svc):
        token = await log_in(client, VIEWER_USER, VIEWER_PASSWORD)
        before = await _counts(svc)
        for _, path in _protected(client, "POST"):
            if path == "/admin/logout":
                continue
            response = await client.post(path, data={"csrf_token": token, "confirm": "CO-001",
                                                     "action": "take", "text": "hola"},
                                         headers={"X-CSRF-Token": token},
                                         allow_redirects=False)
            assert response.status == 403, (path, response.status)
        assert await _counts(svc) == before


async def test_login_makes_a_new_session_and_logout_ends_it_on_the_server(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    async with whole_app(sqlite_url, clock, fake, tmp_path) as (client, svc):
        # A token planted before login (session fixation) is replaced, never adopted.
        client.session.cookie_jar.update_cookies({"recobro_session": "planted-by-attacker"})
        token = await log_in(client)
        first = _cookie(client)
        assert first not in ("planted-by-attacker", "")
        # Logging in again from the same browser ends the session it had.
        await log_in(client)
        second = _cookie(client)
        assert second != first
        async with svc.db.transaction() as session:
            assert int((await session.exec(select(func.count())
                                           .select_from(AdminSession))).one()) == 1
        stale = await client.get("/admin", cookies={"recobro_session": first},
                                 allow_redirects=False)
        assert stale.status == 303
        token = await _token(client)
        await client.post("/admin/logout", data={"csrf_token": token})
        # The cookie is gone from the browser, and the stolen copy is dead on the server.
        replay = await client.get("/admin", cookies={"recobro_session": second},
                                  allow_redirects=False)
        assert replay.status == 303


def _cookie(client: TestClient) -> str:
    found = [c.value for c in client.session.cookie_jar if c.key == "recobro_session"]
    return found[-1] if found else ""


async def _token(client: TestClient) -> str:
    page = await (await client.get("/admin")).text()
    return page.split('name="csrf-token" content="')[1].split('"')[0]


@pytest.mark.parametrize(("public_url", "secure"), [("https://recobro.example.com", True),
                                                    ("http://localhost:8080", False)])
async def test_the_session_cookie_is_httponly_samesite_and_secure_behind_https(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path,
        public_url: str, secure: bool) -> None:
    async with whole_app(sqlite_url, clock, fake, tmp_path, public_url=public_url) as (client,
                                                                                        _):
        response = await client.post("/admin/login", data={
            "username": "ines", "password": ADMIN_PASSWORD}, allow_redirects=False)
        header = response.headers["Set-Cookie"]
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header
        assert "Path=/" in header
        assert ("Secure" in header) is secure


async def test_admin_pages_carry_headers_against_framing_sniffing_and_injection(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    async with whole_app(sqlite_url, clock, fake, tmp_path) as (client, _):
        await log_in(client)
        for path in ("/admin/login", "/admin", "/admin/debtors/CO-001", "/admin/dashboard"):
            response = await client.get(path)
            assert response.headers["X-Frame-Options"] == "DENY"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]
            assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


async def test_no_secret_reaches_the_logs_even_at_debug(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """Twilio and Telegram sends, logins right and wrong, a signed payment: at DEBUG, with the
    logging `recobro serve` sets up, the log never holds a token, a password or a secret."""
    from bot.cli import configure_logging

    caplog.set_level(logging.DEBUG)
    configure_logging("DEBUG")
    async with whole_app(sqlite_url, clock, fake, tmp_path) as (client, svc):
        await client.post("/admin/login", data={"username": "ines", "password": "wrong pass 9"})
        csrf = await log_in(client)
        cookie = _cookie(client)
        await post_twilio(client, "/webhooks/twilio",
                          inbound_form(sid(1), "whatsapp:+573001234567", "ya pagué"))
        await post_telegram(client, text_update(1, 555000111, "hola"))
        await post_telegram(client, text_update(2, 555000111, "hola"), secret="wrong")
        await svc.dispatcher.run_once()
        body = json.dumps({"reference": "GW-1", "amount": "1000", "currency": "COP",
                           "paid_at": "2026-11-24T09:00:00-05:00",
                           "invoice_id": "F-1001"}).encode()
        await client.post("/webhooks/payments", data=body, headers={
            "X-Recobro-Signature": sign(PAYMENTS_SECRET, body),
            "Content-Type": "application/json"})
        await client.post("/admin/logout", data={"csrf_token": csrf})
    assert fake.twilio_messages() and fake.telegram_calls("sendMessage")  # the flows ran
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    basic = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    for secret in (AUTH_TOKEN, basic, BOT_TOKEN, BOT_TOKEN.split(":")[1], SECRET,
                   PAYMENTS_SECRET, ADMIN_PASSWORD, "wrong pass 9", cookie, csrf):
        assert secret not in logged, f"{secret[:6]}... is in the log"
