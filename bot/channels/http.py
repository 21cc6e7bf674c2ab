"""What every webhook shares before it trusts a request: a small, bounded body."""

from __future__ import annotations

from aiohttp import web

WEBHOOK_MAX_BODY = 64 * 1024  # a webhook is a few hundred bytes; the app's 1 MiB is for forms


async def read_body(request: web.Request, limit: int = WEBHOOK_MAX_BODY) -> bytes:
    """The request body, or 413 as soon as it is known to exceed `limit` bytes."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=declared)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(16 * 1024):
        size += len(chunk)
        if size > limit:  # a chunked upload declares no length: count as we go
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size)
        chunks.append(chunk)
    return b"".join(chunks)
