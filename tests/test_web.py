"""The sandbox API and the admin login over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.admin.auth import create_user
from bot.app import create_app
from bot.clock import FixedClock
from bot.services import build_services
from bot.settings import Settings
from tests.helpers import load_examples


async def _client(url: str, clock: FixedClock, sandbox: str) -> TestClient:
    settings = Settings(database_url=url, sandbox=sandbox, _env_file=None)  # type: ignore[call-arg]
    svc = build_services(settings, clock=clock)
    await load_examples(svc)
    async with svc.db.transaction() as session:
        await create_user(session, "ines", "clave segura 1", "admin", clock.now())
        await create_user(session, "vera", "clave segura 2", "viewer", clock.now())
    client = TestClient(TestServer(create_app(svc, background=False), host="127.0.0.1"))
    await client.start_server()
    return client


@pytest.fixture
async def open_client(sqlite_url: str, clock: FixedClock) -> AsyncIterator[TestClient]:
    client = await _client(sqlite_url, clock, "open")
    yield client
    await client.close()


@pytest.fixture
async def login_client(sqlite_url: str, clock: FixedClock) -> AsyncIterator[TestClient]:
    client = await _client(sqlite_url, clock, "login")
    yield client
    await client.close()


async def test_an_open_sandbox_chats_without_login(open_client: TestClient) -> None:
    debtors = await (await open_client.get("/sandbox/api/debtors")).json()
    ana = next(d for d in debtors if d["debtor_id"] == "CO-001")
    assert ana["balance"] == "$1.200.000"
    tick = await open_client.post("/sandbox/api/tick")
    assert tick.status == 200
    posted = await open_client.post("/sandbox/api/debtors/CO-001/messages",
                                    json={"text": "ya pagué", "client_id": "c1"})
    assert (await posted.json())["status"] == "processed"
    again = await open_client.post("/sandbox/api/debtors/CO-001/messages",
                                   json={"text": "ya pagué", "client_id": "c1"})
    assert (await again.json())["status"] == "duplicate"
    body = await (await open_client.get("/sandbox/api/debtors/CO-001/messages")).json()
    kinds = [(m["direction"], m["kind"]) for m in body["messages"]]
    assert kinds == [("out", "reminder_overdue"), ("in", "debtor"), ("out", "reply")]
    assert body["messages"][0]["options"][0] == {"id": "already_paid", "title": "Ya pagué"}


@pytest.mark.parametrize(("body", "status"), [
    ({"text": ""}, 400), ({"text": "x" * 5000}, 400), ({"text": 5}, 400),
    ({"text": "hola", "option": ["x"]}, 400), ([1, 2], 400),
])
async def test_bad_sandbox_input_gets_a_clear_4xx(open_client: TestClient, body: object,
                                                  status: int) -> None:
    response = await open_client.post("/sandbox/api/debtors/CO-001/messages", json=body)
    assert response.status == status


async def test_malformed_json_and_unknown_debtors_are_refused(open_client: TestClient) -> None:
    bad = await open_client.post("/sandbox/api/debtors/CO-001/messages", data=b"{nope",
                                 headers={"Content-Type": "application/json"})
    assert bad.status == 400
    missing = await open_client.get("/sandbox/api/debtors/NOPE/messages")
    assert missing.status == 404


async def test_a_body_over_the_limit_is_refused(open_client: TestClient) -> None:
    response = await open_client.post("/sandbox/api/debtors/CO-001/messages",
                                      data=b"x" * (2 * 1024 * 1024))
    assert response.status == 413


async def test_by_default_the_sandbox_needs_an_admin_login(login_client: TestClient) -> None:
    assert (await login_client.get("/sandbox/api/debtors")).status == 401
    page = await login_client.get("/sandbox", allow_redirects=False)
    assert page.status == 303 and page.headers["Location"].startswith("/admin/login")


async def _login(client: TestClient, user: str, password: str) -> str:
    response = await client.post("/admin/login", data={"username": user, "password": password,
                                                      "next": "/admin"}, allow_redirects=False)
    assert response.status == 303
    page = await (await client.get("/sandbox")).text()
    return page.split('name="csrf-token" content="')[1].split('"')[0]


async def test_a_logged_in_admin_may_chat_but_only_with_the_csrf_token(
        login_client: TestClient) -> None:
    token = await _login(login_client, "ines", "clave segura 1")
    assert (await login_client.get("/sandbox/api/debtors")).status == 200
    refused = await login_client.post("/sandbox/api/debtors/CO-001/messages",
                                      json={"text": "hola"})
    assert refused.status == 403
    ok = await login_client.post("/sandbox/api/debtors/CO-001/messages", json={"text": "hola"},
                                 headers={"X-CSRF-Token": token})
    assert ok.status == 200


async def test_a_viewer_cannot_write_as_a_debtor(login_client: TestClient) -> None:
    await login_client.post("/admin/login", data={"username": "vera",
                                                  "password": "clave segura 2"})
    assert (await login_client.get("/sandbox/api/debtors")).status == 403
    assert (await login_client.get("/admin")).status == 200


async def test_a_wrong_password_is_refused_without_saying_which_part(
        login_client: TestClient) -> None:
    for user, password in (("ines", "wrong password"), ("nobody", "clave segura 1")):
        response = await login_client.post("/admin/login",
                                           data={"username": user, "password": password})
        assert response.status == 401
        assert "Wrong username or password." in await response.text()
        assert "recobro_session" not in response.cookies


async def test_login_never_redirects_off_site(login_client: TestClient) -> None:
    response = await login_client.post("/admin/login", data={
        "username": "ines", "password": "clave segura 1", "next": "//evil.example/x"},
        allow_redirects=False)
    assert response.headers["Location"] == "/admin"


async def test_the_admin_lists_debtors_and_escapes_their_names(login_client: TestClient) -> None:
    await _login(login_client, "ines", "clave segura 1")
    page = await (await login_client.get("/admin")).text()
    assert "Ana María Rojas" in page and "$1.200.000" in page
    detail = await login_client.get("/admin/debtors/CO-001")
    assert detail.status == 200
    assert "Content-Security-Policy" in detail.headers
    # ?erased=1 on a debtor who was not erased: the page, with no erasure notice (was a 500).
    forged = await login_client.get("/admin/debtors/CO-001?erased=1")
    assert forged.status == 200 and 'id="erased"' not in await forged.text()


async def test_logout_ends_the_session(login_client: TestClient) -> None:
    token = await _login(login_client, "ines", "clave segura 1")
    out = await login_client.post("/admin/logout", data={"csrf_token": token},
                                  allow_redirects=False)
    assert out.status == 303
    assert (await login_client.get("/admin", allow_redirects=False)).status == 303


async def test_health(open_client: TestClient) -> None:
    assert await (await open_client.get("/healthz")).json() == {"ok": True}
