"""Login throttling over real HTTP, on SQLite and PostgreSQL: failures per username and per
client address are counted in the database, so every worker refuses the same guesser."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func
from sqlmodel import select

from bot.admin.auth import create_user
from bot.admin.throttle import client_address, trusted_networks
from bot.app import create_app
from bot.clock import FixedClock
from bot.services import Services, build_services
from bot.settings import Settings
from storage.models import LoginFailure


@asynccontextmanager
async def worker(url: str, clock: FixedClock, **extra: Any) -> AsyncIterator[TestClient]:
    """One `recobro serve` worker on the shared database."""
    settings = Settings(database_url=url, _env_file=None, **extra)  # type: ignore[call-arg]
    svc = build_services(settings, clock=clock)
    client = TestClient(TestServer(create_app(svc, background=False), host="127.0.0.1"))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()
        await svc.close()


async def users(url: str, clock: FixedClock) -> None:
    svc: Services = build_services(Settings(database_url=url, _env_file=None),  # type: ignore[call-arg]
                                   clock=clock)
    async with svc.db.transaction() as session:
        await create_user(session, "ines", "clave segura 1", "admin", clock.now())
        await create_user(session, "eve", "clave de eve 1", "viewer", clock.now())
    await svc.close()


async def log_in(client: TestClient, user: str, password: str, **headers: str) -> Any:
    return await client.post("/admin/login", data={"username": user, "password": password},
                             headers=headers, allow_redirects=False)


async def failures(url: str) -> int:
    from storage.db import Database

    db = Database(url)
    async with db.transaction() as session:
        n = int((await session.exec(select(func.count()).select_from(LoginFailure))).one())
    await db.dispose()
    return n


async def test_five_wrong_passwords_lock_the_username_for_the_window_even_with_the_right_one(
        database_url: str, clock: FixedClock) -> None:
    await users(database_url, clock)
    async with worker(database_url, clock) as client:
        for _ in range(5):
            assert (await log_in(client, "ines", "wrong")).status == 401
        refused = await log_in(client, "ines", "clave segura 1")
        assert refused.status == 429
        assert int(refused.headers["Retry-After"]) == 900
        page = await refused.text()
        assert "Too many failed logins. Try again in 15 minutes." in page
        assert "recobro_session" not in refused.cookies
        clock.advance(timedelta(minutes=10))
        assert int((await log_in(client, "ines", "x")).headers["Retry-After"]) == 300
        clock.advance(timedelta(minutes=5, seconds=1))
        assert (await log_in(client, "ines", "clave segura 1")).status == 303
    assert await failures(database_url) == 0  # a success forgets the username's failures


async def test_a_successful_login_clears_the_count(database_url: str, clock: FixedClock) -> None:
    await users(database_url, clock)
    async with worker(database_url, clock) as client:
        for _ in range(4):
            assert (await log_in(client, "ines", "wrong")).status == 401
        assert (await log_in(client, "ines", "clave segura 1")).status == 303
        for _ in range(4):
            assert (await log_in(client, "ines", "wrong")).status == 401
        assert (await log_in(client, "ines", "clave segura 1")).status == 303


async def test_one_address_guessing_many_usernames_is_refused_and_its_own_login_does_not_reset_it(
        database_url: str, clock: FixedClock) -> None:
    await users(database_url, clock)
    async with worker(database_url, clock, login_max_failures_per_address=6) as client:
        for n in range(6):
            assert (await log_in(client, f"user{n}", "guess")).status == 401
        # Eve's own account, from the same address: the address is still over its limit.
        assert (await log_in(client, "eve", "clave de eve 1")).status == 429
        assert (await log_in(client, "ines", "guess")).status == 429


async def test_the_limit_holds_across_workers(database_url: str, clock: FixedClock) -> None:
    await users(database_url, clock)
    async with worker(database_url, clock) as one, worker(database_url, clock) as two:
        for client in (one, two, one, two, one):
            assert (await log_in(client, "ines", "wrong")).status == 401
        assert (await log_in(two, "ines", "clave segura 1")).status == 429
        assert (await log_in(one, "ines", "clave segura 1")).status == 429


async def test_a_burst_of_parallel_guesses_gets_no_more_than_the_limit_checked(
        database_url: str, clock: FixedClock) -> None:
    await users(database_url, clock)
    async with worker(database_url, clock) as client:
        answers = await asyncio.gather(*(log_in(client, "ines", f"guess {n}")
                                         for n in range(15)))
    statuses = sorted(a.status for a in answers)
    assert statuses == [401] * 5 + [429] * 10
    assert await failures(database_url) == 5


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(
        sqlite_url: str, clock: FixedClock) -> None:
    await users(sqlite_url, clock)
    async with worker(sqlite_url, clock, login_max_failures_per_address=3) as client:
        # Not behind a trusted proxy: a made-up X-Forwarded-For changes nothing.
        for n in range(3):
            await log_in(client, f"u{n}", "guess", **{"X-Forwarded-For": f"203.0.113.{n}"})
        assert (await log_in(client, "u9", "guess",
                             **{"X-Forwarded-For": "203.0.113.77"})).status == 429
    async with worker(sqlite_url, clock, login_max_failures_per_address=3,
                      trusted_proxies="127.0.0.1") as client:
        clock.advance(timedelta(hours=1))
        for n in range(3):
            await log_in(client, f"v{n}", "guess", **{"X-Forwarded-For": "198.51.100.7"})
        assert (await log_in(client, "v9", "guess",
                             **{"X-Forwarded-For": "198.51.100.7"})).status == 429
        # Another client behind the same proxy is counted on its own.
        assert (await log_in(client, "ines", "clave segura 1",
                             **{"X-Forwarded-For": "198.51.100.8"})).status == 303


@pytest.mark.parametrize(("peer", "chain", "trusted", "counted"), [
    ("203.0.113.5", ["1.2.3.4"], [], "203.0.113.5"),
    ("10.0.0.2", ["1.2.3.4"], ["10.0.0.0/8"], "1.2.3.4"),
    # The client may prepend anything; the right-most untrusted hop is what our proxy saw.
    ("10.0.0.2", ["6.6.6.6, 1.2.3.4"], ["10.0.0.0/8"], "1.2.3.4"),
    ("10.0.0.2", ["1.2.3.4, 10.0.0.9"], ["10.0.0.0/8"], "1.2.3.4"),
    ("10.0.0.2", ["1.2.3.4", "10.0.0.9"], ["10.0.0.0/8"], "1.2.3.4"),
    ("10.0.0.2", ["not-an-ip"], ["10.0.0.0/8"], "10.0.0.2"),
    ("10.0.0.2", [], ["10.0.0.0/8"], "10.0.0.2"),
    ("::1", ["2001:db8::1"], ["::1"], "2001:db8::1"),
    (None, [], [], "unknown"),
])
def test_the_client_address_is_the_right_most_hop_not_ours(
        peer: str | None, chain: list[str], trusted: list[str], counted: str) -> None:
    assert client_address(peer, chain, trusted_networks(trusted)) == counted


def test_trusted_proxies_must_be_addresses() -> None:
    with pytest.raises(ValueError, match="RECOBRO_TRUSTED_PROXIES"):
        Settings(trusted_proxies="10.0.0.0/8,proxy.local", _env_file=None)  # type: ignore[call-arg]
    parsed = Settings(trusted_proxies="10.0.0.0/8, 127.0.0.1", _env_file=None)  # type: ignore[call-arg]
    assert trusted_networks(parsed.trusted_proxies)[1] == ipaddress.ip_network("127.0.0.1/32")


async def test_a_login_form_posted_from_another_site_is_refused(
        sqlite_url: str, clock: FixedClock) -> None:
    await users(sqlite_url, clock)
    async with worker(sqlite_url, clock, public_url="https://recobro.example.com") as client:
        evil = await log_in(client, "ines", "clave segura 1", Origin="https://evil.example")
        assert evil.status == 403
        ours = await log_in(client, "ines", "clave segura 1",
                            Origin="https://recobro.example.com")
        assert ours.status == 303
