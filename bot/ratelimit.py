"""Send rate per sender (a From number, a bot), never exceeded, across every worker process.

The limiter hands out send *slots* per sender, spaced a little over `1 / rate` apart:

    slot = max(next_free, now);  next_free = slot + interval;  sleep until slot, then send

Reserving is one atomic step, so two workers can never take the same slot, and every send
happens at or after its own slot. The interval is `(1 + MARGIN) / rate`: a task wakes a
fraction of a millisecond late, and without the margin one late send followed by `rate`
punctual ones would put `rate + 1` sends in some one-second window. With it, any second
holds at most `rate` sends, because a task that wakes more than `LATE` (10 ms, half the
margin) after its slot does not send on it but takes a new one. The rate achieved is about
98% of the one configured.

- On PostgreSQL the next free moment lives in the `send_slot` table, one row per sender,
  moved by one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` statement. Time is the
  database server's `clock_timestamp()`, so workers on machines whose clocks disagree still
  share one timeline. The row lock is held for that one statement only. One statement
  reserves a block of consecutive slots for all the sends of a process that are waiting
  for that sender, and the earliest slot is `LEAD` ahead, so the round trip fits before it.
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
import math
import time
from collections import deque
from typing import Protocol

from sqlalchemy import text

from bot.channels.base import TransientSendError
from storage.db import Database

HORIZON = 30.0  # seconds: no slot is reserved further ahead than this
MARGIN = 0.02  # slots 2% wider than 1/rate: timer jitter never squeezes in one send more
LATE = 0.01  # seconds a send may start after its slot; later, it takes a new slot
BLOCK = 16  # PostgreSQL: most slots one round trip reserves for this process's waiting sends
LEAD = 0.05  # PostgreSQL: seconds ahead of now the earliest slot is (the reserving round trip)
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
        self.interval = (1.0 + MARGIN) / rate
        # A reserved slot is always used, so never reserve one beyond what a task may wait.
        self.horizon = min(horizon, max_wait)
        self.max_wait = max_wait

    async def _reserve(self, sender: str) -> tuple[bool, float]:
        """(True, the slot) or (False, when to try again), in this process's monotonic time."""
        raise NotImplementedError

    async def acquire(self, sender: str) -> float:
        """Wait for the next slot of `sender`; the seconds waited. Raises `RateLimited`."""
        started = time.monotonic()
        while True:
            reserved, at = await self._reserve(sender)
            now = time.monotonic()
            if reserved:
                if at > now:
                    await asyncio.sleep(at - now)
                if time.monotonic() - at <= LATE:
                    return time.monotonic() - started
                # Woke too late (a busy event loop): sending now could crowd the next slots
                # into one second. The slot is left unused and a new one taken.
                continue
            if at - started > self.max_wait:
                raise RateLimited(sender, max(at - now, 0.0))
            await asyncio.sleep(max(at - now, 0.001))


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
            return False, next_free - self.horizon
        slot = max(next_free, now)
        self._next[sender] = slot + self.interval
        return True, slot


# One statement: take the sender's next slot if it is within the horizon, and say how far
# away it is. `clock_timestamp()` (not now(), the transaction's start) is read after the
# row lock is taken, so a statement that waited for the lock still measures from "now".
# A slot is never earlier than `LEAD` from the database's now: the answer has to travel back
# and the transaction commit before the task can sleep until the slot, and a slot already
# more than `LATE` in the past by then is thrown away (on a busy machine, nearly all of them
# were: the rate collapsed to a fraction of the limit).
_RESERVE = text("""
INSERT INTO send_slot AS s (sender, next_at)
VALUES (:sender, clock_timestamp() + make_interval(secs => CAST(:lead AS float8) + :span))
ON CONFLICT (sender) DO UPDATE
   SET next_at = GREATEST(s.next_at, clock_timestamp() + make_interval(secs => :lead))
                 + make_interval(secs => :span)
 WHERE s.next_at <= clock_timestamp() + make_interval(secs => :horizon)
RETURNING EXTRACT(EPOCH FROM s.next_at)::float8 - :span
""")
_UNTIL = text("""
SELECT EXTRACT(EPOCH FROM next_at)::float8 - :horizon FROM send_slot WHERE sender = :sender
""")
_CLOCK = text("SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8")
CLOCK_CHECK = 60.0  # seconds between two measurements of the database clock's offset


class PostgresRateLimiter(_Slots):
    """Slots in the `send_slot` table: one timeline for every worker on the database."""

    def __init__(self, db: Database, rate: float, *, horizon: float = HORIZON,
                 max_wait: float = MAX_WAIT) -> None:
        super().__init__(rate, horizon=horizon, max_wait=max_wait)
        self.db = db
        self._offset = 0.0  # database epoch seconds minus this process's monotonic seconds
        self._offset_at: float | None = None
        self._held: dict[str, deque[float]] = {}  # slots reserved, not yet handed out
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}
        self._prefetch = max(1, math.ceil(LEAD / self.interval) + 1)

    async def _clock_offset(self) -> float:
        """The database clock against ours, from the quickest of a few round trips (as NTP).

        Slots are moments on the database's clock; converting them with a measured offset,
        rather than "now + the wait it returned", keeps a stalled event loop between the
        query and our reading of the time from shifting one worker's sends against another's.
        """
        if self._offset_at is not None and time.monotonic() - self._offset_at < CLOCK_CHECK:
            return self._offset
        best: tuple[float, float] | None = None
        async with self.db.transaction() as session:
            connection = await session.connection()
            for _ in range(5):
                before = time.monotonic()
                db_now = float((await connection.execute(_CLOCK)).scalar_one())
                after = time.monotonic()
                if best is None or after - before < best[0]:
                    best = (after - before, db_now - (before + after) / 2)
        assert best is not None
        self._offset, self._offset_at = best[1], time.monotonic()
        return self._offset

    async def _reserve(self, sender: str) -> tuple[bool, float]:
        """One slot: from the block this process already holds, else a new block.

        The tasks of this process waiting for `sender` share one round trip: it reserves as
        many consecutive slots as there are tasks waiting (at most `BLOCK`), and they take
        them in order. Without it every send was a transaction of its own on one hot row,
        and the connections for them cost more than the sends (a block slot that nobody
        uses only lowers the rate, never raises it).
        """
        self._waiting[sender] = self._waiting.get(sender, 0) + 1
        try:
            async with self._locks.setdefault(sender, asyncio.Lock()):
                held = self._held.setdefault(sender, deque())
                while held and held[0] < time.monotonic() - LATE:
                    held.popleft()  # gone stale while its task was away: left unused
                if held:
                    return True, held.popleft()
                # As many slots as tasks wait, and at least those within the next LEAD: a
                # busy sender's tasks come one by one (the dispatcher's concurrency limit)
                # and must not each pay a round trip, in turn.
                count = min(max(self._waiting[sender], self._prefetch), BLOCK)
                ok, first = await self._reserve_block(sender, count)
                if ok:
                    held.extend(first + n * self.interval for n in range(1, count))
                return ok, first
        finally:
            self._waiting[sender] -= 1

    async def _reserve_block(self, sender: str, count: int) -> tuple[bool, float]:
        offset = await self._clock_offset()
        params = {"sender": sender, "span": count * self.interval, "horizon": self.horizon,
                  "lead": LEAD}
        async with self.db.transaction() as session:
            connection = await session.connection()
            slot = (await connection.execute(_RESERVE, params)).scalar_one_or_none()
            if slot is not None:
                return True, float(slot) - offset
            retry = (await connection.execute(_UNTIL, params)).scalar_one_or_none()
        return False, float(retry or 0.0) - offset


def rate_limiter(db: Database, rate: float) -> RateLimiter | None:
    """The limiter for this database at `rate` messages per second per sender (0: none)."""
    if rate <= 0:
        return None
    return PostgresRateLimiter(db, rate) if db.is_postgres else LocalRateLimiter(rate)
