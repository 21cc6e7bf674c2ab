"""Send rate per sender (a From number, a bot), never exceeded, across every worker process.

The limiter hands out send *slots* spaced `1 / rate` seconds apart, per sender:

    slot = max(next_free, now);  next_free = slot + 1 / rate;  sleep until slot, then send

Reserving is one atomic step, so two workers can never take the same slot, and every send
happens at or after its own slot: in any window of one second, at most `rate` slots begin.
(A send that starts late because its task woke late only spaces things out more.)

- On PostgreSQL the next free moment lives in the `send_slot` table, one row per sender,
  moved by one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` statement. Time is the
  database server's `clock_timestamp()`, so workers on machines whose clocks disagree still
  share one timeline. The row lock is held for that one statement only.
- On SQLite (one process by design) the same arithmetic runs in memory.

Slots are reserved at most `HORIZON` ahead; a task that would have to wait longer polls
again when a slot comes within reach. A task that waited `max_wait` in all gives up with
`RateLimited`: the dispatcher puts the message back in the outbox without counting an
attempt, so an outbox lease never expires while a message waits for its slot (which could
otherwise let a second worker send it too).

The rate is about the provider's wall clock, so it reads real time (monotonic, or the
database's), never the injectable clock that tests and demos move by hand.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from sqlalchemy import text

from bot.channels.base import TransientSendError
from storage.db import Database

HORIZON = 30.0  # seconds: no slot is reserved further ahead than this
MAX_WAIT = 60.0  # seconds a send may wait for its slot in all (the outbox lease is 120 s)


class RateLimited(TransientSendError):
    """No send slot within `max_wait`: the message goes back to the outbox, not an attempt."""

    def __init__(self, sender: str, retry_after: float) -> None:
        super().__init__(f"send rate of {sender} reached; trying again in {retry_after:.1f} s",
                         code="rate_limited", retry_after=retry_after)


class RateLimiter(Protocol):
    """Waits until the sender may send one more message."""

    rate: float

    async def acquire(self, sender: str) -> float:
        """Wait for the next slot of `sender`; the seconds waited. Raises `RateLimited`."""
        ...


class _Slots:
    """The waiting loop both backends share; subclasses reserve."""

    def __init__(self, rate: float, *, horizon: float = HORIZON,
                 max_wait: float = MAX_WAIT) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive; use no limiter for 'no limit'")
        self.rate = rate
        self.interval = 1.0 / rate
        self.horizon = max(horizon, self.interval)
        self.max_wait = max_wait

    async def _reserve(self, sender: str) -> tuple[bool, float]:
        """(True, seconds until the reserved slot) or (False, seconds before trying again)."""
        raise NotImplementedError

    async def acquire(self, sender: str) -> float:
        """Wait for the next slot of `sender`; the seconds waited. Raises `RateLimited`."""
        started = time.monotonic()
        while True:
            reserved, wait = await self._reserve(sender)
            waited = time.monotonic() - started
            if reserved:
                if wait > 0:
                    await asyncio.sleep(wait)
                return waited + max(wait, 0.0)
            if waited + wait > self.max_wait:
                raise RateLimited(sender, wait)
            await asyncio.sleep(max(wait, 0.001))


class LocalRateLimiter(_Slots):
    """Slots kept in this process: right for SQLite, which serves one process."""

    def __init__(self, rate: float, *, horizon: float = HORIZON,
                 max_wait: float = MAX_WAIT) -> None:
        super().__init__(rate, horizon=horizon, max_wait=max_wait)
        self._next: dict[str, float] = {}

    async def _reserve(self, sender: str) -> tuple[bool, float]:
        # No await between reading and writing: one event loop makes this atomic.
        now = time.monotonic()
        next_free = self._next.get(sender, now)
        if next_free > now + self.horizon:
            return False, next_free - self.horizon - now
        slot = max(next_free, now)
        self._next[sender] = slot + self.interval
        return True, slot - now


# One statement: take the sender's next slot if it is within the horizon, and say how far
# away it is. `clock_timestamp()` (not now(), which is the transaction's start) is the
# moment of the statement itself.
_RESERVE = text("""
WITH t AS (SELECT clock_timestamp() AS now)
INSERT INTO send_slot AS s (sender, next_at)
SELECT :sender, t.now + make_interval(secs => :interval) FROM t
ON CONFLICT (sender) DO UPDATE
   SET next_at = GREATEST(s.next_at, (SELECT now FROM t)) + make_interval(secs => :interval)
 WHERE s.next_at <= (SELECT now FROM t) + make_interval(secs => :horizon)
RETURNING EXTRACT(EPOCH FROM (s.next_at - (SELECT now FROM t)))::float8 - :interval
""")
_UNTIL = text("""
SELECT EXTRACT(EPOCH FROM (next_at - clock_timestamp()))::float8 - :horizon
  FROM send_slot WHERE sender = :sender
""")


class PostgresRateLimiter(_Slots):
    """Slots in the `send_slot` table: one timeline for every worker on the database."""

    def __init__(self, db: Database, rate: float, *, horizon: float = HORIZON,
                 max_wait: float = MAX_WAIT) -> None:
        super().__init__(rate, horizon=horizon, max_wait=max_wait)
        self.db = db

    async def _reserve(self, sender: str) -> tuple[bool, float]:
        params = {"sender": sender, "interval": self.interval, "horizon": self.horizon}
        async with self.db.transaction() as session:
            connection = await session.connection()
            wait = (await connection.execute(_RESERVE, params)).scalar_one_or_none()
            if wait is not None:
                return True, max(float(wait), 0.0)
            until = (await connection.execute(_UNTIL, params)).scalar_one_or_none()
        return False, max(float(until or 0.0), 0.0)


def rate_limiter(db: Database, rate: float) -> RateLimiter | None:
    """The limiter for this database at `rate` messages per second per sender (0: none)."""
    if rate <= 0:
        return None
    return PostgresRateLimiter(db, rate) if db.is_postgres else LocalRateLimiter(rate)
