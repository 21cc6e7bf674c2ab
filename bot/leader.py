"""One scheduler among many workers: a PostgreSQL advisory lock held on its own connection.

Every `recobro serve` process dispatches the outbox (rows are claimed with SKIP LOCKED), but
only the leader fires timers. The lock lives as long as the leader's connection: a leader
that dies (kill -9, a lost network) releases it with the connection, and another process
takes it on its next attempt, so within one scheduler interval. SQLite is one process: it is
always the leader.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database

log = logging.getLogger(__name__)

# An arbitrary 64-bit key for pg_try_advisory_lock: "recobro" in ASCII.
LOCK_KEY = 0x7265636F62726F


class Leadership:
    """Whether this process runs the scheduler now."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: AsyncConnection | None = None

    async def is_leader(self) -> bool:
        """True when this process holds the scheduler lock (taking it if it is free)."""
        if not self.db.is_postgres:
            return True
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                return True
            except Exception:  # the connection died (database restart): the lock went with it
                log.warning("lost the scheduler lock's connection; trying to take it again")
                await self._drop()
        try:
            connection = await self.db.engine.connect()
        except Exception:
            log.warning("cannot reach the database to take the scheduler lock")
            return False
        try:
            # Autocommit: the lock is held by the session, not by a transaction left open.
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            taken = (await connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY})).scalar()
        except Exception:
            await connection.close()
            return False
        if taken:
            self._connection = connection
            log.info("this process now runs the scheduler")
            return True
        await connection.close()
        return False

    async def release(self) -> None:
        """Give the lock up (on shutdown), so another process takes over at once."""
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                               {"key": LOCK_KEY})
            finally:
                await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:
                await connection.invalidate()
