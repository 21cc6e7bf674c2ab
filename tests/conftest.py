"""Fixtures: a real database (SQLite always, PostgreSQL when RECOBRO_TEST_DATABASE_URL is set),
a settable clock, and the services wired as in production.

PostgreSQL tests run in a database created for this test run and dropped after it, so
parallel runs on one server never see each other's rows.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.clock import FixedClock, parse_instant
from bot.services import Services, build_services
from bot.settings import Settings
from storage.db import Database
from storage.migrate import upgrade
from tests.channels_helpers import ACCOUNT_SID, AUTH_TOKEN
from tests.fakes.providers import FakeProviders

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("RECOBRO_TEST_DATABASE_URL")
REQUIRE_PG = os.environ.get("RECOBRO_REQUIRE_POSTGRES") == "1"
TABLES = ("admin_session", "admin_user", "installment", "agreement", "outbox", "message",
          "escalation", "payment", "timer", "event", "conversation", "channel_link", "invoice",
          "debtor", "policy", "import_run", "send_slot", "staff_notice", "staff_member",
          "staff_update", "attachment", "login_failure")


REQUIRE_BROWSER = os.environ.get("RECOBRO_REQUIRE_BROWSER") == "1"


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI (RECOBRO_REQUIRE_POSTGRES=1) a missing database URL is an error, not a skip."""
    if REQUIRE_PG and not PG_URL:
        pytest.exit("RECOBRO_REQUIRE_POSTGRES=1 but RECOBRO_TEST_DATABASE_URL is not set",
                    returncode=1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Say once, clearly, why PostgreSQL tests skip."""
    if PG_URL:
        return
    reason = ("PostgreSQL tests need RECOBRO_TEST_DATABASE_URL "
              "(e.g. postgresql://postgres@127.0.0.1/test); CI sets it")
    for item in items:
        if "postgres" in item.keywords or "[postgres]" in item.nodeid:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI, a skipped PostgreSQL or browser test fails the run: it would hide a regression."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    for needed, word in ((REQUIRE_PG, "postgres"), (REQUIRE_BROWSER, "browser")):
        hits = [r for r in skipped if needed and word in (r.nodeid + str(r.longrepr)).lower()]
        if hits:
            print(f"\nFAILED: {len(hits)} {word} tests were skipped but CI requires them "
                  f"(first: {hits[0].nodeid})")
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


async def _admin(sql: str) -> None:
    import asyncpg

    assert PG_URL is not None
    url = make_url(PG_URL)
    conn = await asyncpg.connect(user=url.username, password=url.password, host=url.host,
                                 port=url.port or 5432, database=url.database)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A migrated PostgreSQL database for this run."""
    if not PG_URL:
        pytest.skip("no RECOBRO_TEST_DATABASE_URL")
    name = f"recobro_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except OSError as exc:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL at {PG_URL} is unreachable: {exc}")
        pytest.skip(f"PostgreSQL at {PG_URL} is unreachable: {exc}")
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    async def migrate() -> None:
        db = Database(url)
        await upgrade(db)
        await db.dispose()

    asyncio.run(migrate())
    yield url
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def migrate() -> None:
        db = Database(f"sqlite:///{path}")
        await upgrade(db)
        await db.dispose()

    asyncio.run(migrate())
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 sqlite_template: Path) -> str:
    """The URL of an empty, migrated database; every storage test runs on both backends."""
    if request.param == "sqlite":
        path = tmp_path / "recobro.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_url")
    tables = ", ".join(TABLES)
    asyncio.run(_truncate(url, tables))
    return url


@pytest.fixture
def clean_pg_url(pg_url: str) -> str:
    """The test run's PostgreSQL database, emptied for this test."""
    asyncio.run(_truncate(pg_url, ", ".join(TABLES)))
    return pg_url


async def _truncate(url: str, tables: str) -> None:
    from sqlalchemy import text

    db = Database(url)
    async with db.transaction() as session:
        await session.exec(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await db.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """An empty, migrated SQLite database (for tests that are about the shell, not storage)."""
    path = tmp_path / "recobro.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


NOW = "2026-11-24T10:00:00-05:00"  # a Tuesday morning in Bogotá


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing at Tuesday 24 November 2026, 10:00 in Bogotá."""
    return FixedClock(parse_instant(NOW))


@pytest.fixture
async def services(database_url: str, clock: FixedClock) -> AsyncIterator[Services]:
    """The production wiring on a test database and the test clock."""
    settings = Settings(database_url=database_url, creditor_name="Almacenes Prisma",
                        _env_file=None)  # type: ignore[call-arg]
    svc = build_services(settings, clock=clock)
    yield svc
    await svc.close()


def at(text: str) -> datetime:
    """An aware moment from ISO text, for readable tests."""
    return parse_instant(text)


@pytest.fixture
async def fake() -> AsyncIterator[FakeProviders]:
    """The fake Twilio and Telegram server on 127.0.0.1; its media URLs ask for the test
    account's credentials, as Twilio's do."""
    providers = await FakeProviders().start()
    providers.account_auth = (ACCOUNT_SID, AUTH_TOKEN)
    yield providers
    await providers.stop()
