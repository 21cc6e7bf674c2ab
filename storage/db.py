"""Engine and sessions: SQLite (WAL) on one box, PostgreSQL for many workers, both async.

Everything goes through SQLAlchemy's asyncio layer (aiosqlite, asyncpg), so no query ever
blocks the event loop that also serves webhooks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

SQLITE_BUSY_TIMEOUT_MS = 30_000


class DatabaseURLError(ValueError):
    """A database URL Recobro cannot use."""


def async_url(url: str) -> str:
    """The asyncio driver URL for a user-facing one (`sqlite:///var/x.db`, `postgresql://...`)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername="sqlite+aiosqlite"))
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise DatabaseURLError(
        f"unsupported database {url!r}: use sqlite:///path/to/file.db or postgresql://user@host/db"
    )


def _prepare_sqlite(engine: AsyncEngine, path: str | None) -> None:
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We emit BEGIN ourselves (below); the driver's legacy implicit BEGIN breaks
        # SERIALIZABLE reads and transactional DDL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: a transaction that reads and then writes
        # can never fail half-way with "database is locked" on the lock upgrade. SQLite has
        # one writer anyway; this is the row lock of PostgreSQL's FOR UPDATE, coarsened.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One engine and its session factory; `transaction()` is the unit of work."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = url
        driver_url = async_url(url)
        parsed = make_url(driver_url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "postgresql":
            # pre_ping lets a worker survive a PostgreSQL restart without manual help.
            # A bounded connect (asyncpg waits 60 s by default): an unreachable server gives
            # a webhook its 503 well inside Twilio's 15 s, so the provider retries it.
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                          pool_timeout=10, connect_args={"timeout": 5})
        self.engine: AsyncEngine = create_async_engine(driver_url, **kwargs)
        if self.dialect == "sqlite":
            _prepare_sqlite(self.engine, parsed.database)
        self.sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False, autoflush=False
        )

    @property
    def is_postgres(self) -> bool:
        """True on PostgreSQL, where rows can be locked and skipped (FOR UPDATE SKIP LOCKED)."""
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
