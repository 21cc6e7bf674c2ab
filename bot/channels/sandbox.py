"""The sandbox channel: delivers to the web chat page and the terminal, no credentials.

While no provider is configured for a channel (the demo, the tests), messages on it are
delivered here and recorded as delivered. Waiting pages are woken when a debtor gets one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict

from bot.channels.base import OutgoingMessage, SendResult


class SandboxChannel:
    """Stands in for a real channel: every send succeeds at once."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._waiters: defaultdict[int, set[asyncio.Event]] = defaultdict(set)

    async def send(self, message: OutgoingMessage) -> SendResult:
        """Deliver at once and wake whoever watches this debtor's chat."""
        for waiter in self._waiters.get(message.debtor_id, ()):
            waiter.set()
        return SendResult(f"sbx-{uuid.uuid4().hex}", "delivered")

    async def wait(self, debtor_id: int, seconds: float) -> bool:
        """Wait until something is sent to `debtor_id` (True) or `seconds` pass (False)."""
        event = asyncio.Event()
        self._waiters[debtor_id].add(event)
        try:
            async with asyncio.timeout(seconds):
                await event.wait()
            return True
        except TimeoutError:
            return False
        finally:
            self._waiters[debtor_id].discard(event)

