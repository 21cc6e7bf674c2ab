"""The staff side's background work inside `recobro serve`: posting notices to the staff
group and downloading attachments, each woken by the engine after a commit."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from bot.web import SERVICES


async def _workers(app: web.Application) -> AsyncIterator[None]:
    svc = app[SERVICES]
    tasks = []
    if svc.media is not None:
        tasks.append(asyncio.create_task(svc.media.run_forever(), name="media"))
    if svc.staff_bot is not None:
        tasks.append(asyncio.create_task(svc.staff_bot.run_forever(), name="staff-bot"))
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


def setup(app: web.Application) -> None:
    """Run the staff bot's and the media fetcher's loops with the application."""
    app.cleanup_ctx.append(_workers)
