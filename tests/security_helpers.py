"""The whole application with every part switched on (Twilio, Telegram, the staff group,
payments, the sandbox behind login), for the security review's tests and the fuzzers; and
the invariants no request may break, checked in the database after each one."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import text
from sqlmodel import col, select

from bot.admin.auth import create_user
from bot.clock import Clock
from bot.services import Services
from storage.models import Event, Policy
from tests.channels_helpers import running, settings_for
from tests.fakes.providers import FakeProviders
from tests.helpers import load_examples

PAYMENTS_SECRET = "payments-hmac-secret-for-tests"
STAFF_CHAT = -1001234567890
STAFF, ADMIN = 111, 222
ADMIN_USER, ADMIN_PASSWORD = "ines", "clave segura 1"
VIEWER_USER, VIEWER_PASSWORD = "vera", "clave segura 2"
# Routes anyone may reach without a session; every other route must ask for one.
PUBLIC = {"/", "/healthz", "/admin/login", "/webhooks/twilio", "/webhooks/twilio/status",
          "/webhooks/telegram", "/webhooks/payments"}
PUBLIC_PREFIXES = ("/static/",)


@asynccontextmanager
async def whole_app(url: str, clock: Clock, fake: FakeProviders, tmp_path: Path,
                    **extra: Any) -> AsyncIterator[tuple[TestClient, Services]]:
    """Every feature on, the example portfolio loaded, an admin and a viewer."""
    settings = settings_for(url, fake, staff_chat_id=STAFF_CHAT, staff_user_ids=str(STAFF),
                            admin_user_ids=str(ADMIN), media_dir=str(tmp_path / "media"),
                            payments_secret=PAYMENTS_SECRET, sandbox="login", **extra)
    async with running(settings, clock) as (client, svc):
        await load_examples(svc)
        async with svc.db.transaction() as session:
            await create_user(session, ADMIN_USER, ADMIN_PASSWORD, "admin", clock.now())
            await create_user(session, VIEWER_USER, VIEWER_PASSWORD, "viewer", clock.now())
        yield client, svc


async def log_in(client: TestClient, user: str = ADMIN_USER,
                 password: str = ADMIN_PASSWORD) -> str:
    """Log in; the session's CSRF token (from the layout's meta tag)."""
    response = await client.post("/admin/login", data={"username": user, "password": password},
                                 allow_redirects=False)
    assert response.status == 303, await response.text()
    # The cookie is Secure (the public URL is https) and the test server speaks http: the
    # browser here is told to send it anyway.
    client.session.cookie_jar.update_cookies(
        {"recobro_session": response.cookies["recobro_session"].value})
    page = await (await client.get("/admin")).text()
    return page.split('name="csrf-token" content="')[1].split('"')[0]


_PARAM = re.compile(r"\{(\w+)(?::([^}]+))?\}")
SAMPLES = {"debtor_id": "CO-001", "segment": "default", "name": "aging", "case_id": "1",
           "attachment_id": "1", "filename": "app.css"}


def routes(app: web.Application) -> list[tuple[str, str]]:
    """Every (method, concrete path) the application answers, parameters filled in."""
    found = []
    for route in app.router.routes():
        if route.method == "HEAD":
            continue
        info = route.resource.get_info() if route.resource is not None else {}
        template = info.get("formatter") or info.get("path") or info.get("prefix", "")
        if "prefix" in info:  # static files
            template = info["prefix"].rstrip("/") + "/{filename}"
        path = _PARAM.sub(lambda m: SAMPLES.get(m.group(1), "x"), template)
        found.append((route.method, path))
    return sorted(set(found))


def is_public(path: str) -> bool:
    """Reachable without a session by design."""
    return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)


# Invariants: what no request, however malformed, may leave behind. Each query returns the
# offending rows; all must be empty.
INVARIANTS = {
    "a message without its debtor":
        "SELECT m.id FROM message m LEFT JOIN debtor d ON d.id = m.debtor_id "
        "WHERE m.debtor_id IS NOT NULL AND d.id IS NULL",
    "an inbound message from a known debtor without a conversation":
        "SELECT m.id FROM message m WHERE m.direction = 'in' AND m.debtor_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM conversation c WHERE c.debtor_id = m.debtor_id)",
    "an outbox row without its message":
        "SELECT o.id FROM outbox o LEFT JOIN message m ON m.id = o.message_id "
        "WHERE m.id IS NULL",
    "an outbound queued message without its outbox row":
        "SELECT m.id FROM message m WHERE m.direction = 'out' AND m.status = 'queued' "
        "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = m.id)",
    "a policy version without data":
        "SELECT p.id FROM policy p WHERE p.data IS NULL",
    "a gap in a segment's policy versions":
        "SELECT p.segment FROM policy p GROUP BY p.segment "
        "HAVING MAX(p.version) <> COUNT(*)",
    "an attachment without its message":
        "SELECT a.id FROM attachment a LEFT JOIN message m ON m.id = a.message_id "
        "WHERE m.id IS NULL",
    "a session without its user":
        "SELECT s.id FROM admin_session s LEFT JOIN admin_user u ON u.id = s.user_id "
        "WHERE u.id IS NULL",
}


async def broken_invariants(svc: Services) -> dict[str, list[Any]]:
    """Each invariant some row breaks, with the rows."""
    broken = {}
    async with svc.db.transaction() as session:
        for name, sql in INVARIANTS.items():
            rows = (await (await session.connection()).execute(text(sql))).all()
            if rows:
                broken[name] = [tuple(r) for r in rows]
        # Every version an admin (or /setlimit) wrote has its audit event, naming it.
        versions = (await session.exec(select(Policy).where(
            col(Policy.created_by) != "test"))).all()
        audited = {(e.data.get("segment"), e.data.get("version")) for e in (await session.exec(
            select(Event).where(Event.kind == "policy.changed"))).all()}
        missing = [(p.segment, p.version) for p in versions
                   if (p.segment, p.version) not in audited]
        if missing:
            broken["a policy version without its audit event"] = missing
    return broken
