"""Single-use, expiring deep-link tokens that bind a debtor's chat (Telegram's /start <token>).

A bot cannot write first on Telegram. We send the debtor `https://t.me/<bot>?start=<token>`
on a channel we already have (or show it in the sandbox); opening it makes Telegram send
`/start <token>` from their chat, and `redeem` binds that chat to the debtor. Only the
token's sha256 is stored; a token works once, for `LINK_TTL`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChannelLink, Debtor

LINK_TTL = timedelta(hours=24)
TOKEN_BYTES = 24  # 32 URL-safe characters; Telegram allows 64 in a start parameter


def token_hash(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def create_link(session: AsyncSession, debtor_id: int, channel: str,
                      now: datetime) -> str:
    """A new token for `debtor_id` on `channel`, valid for LINK_TTL."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(ChannelLink(token_hash=token_hash(token), debtor_id=debtor_id, channel=channel,
                            created_at=now, expires_at=now + LINK_TTL))
    return token


async def redeem(session: AsyncSession, token: str, channel: str, address: str,
                 now: datetime) -> Debtor | None:
    """Use a token: the debtor it binds `address` to, or None (unknown, used or expired).

    One UPDATE ... WHERE used_at IS NULL, so two deliveries of the same /start cannot both
    use it.
    """
    if not 8 <= len(token) <= 64:
        return None
    result = await session.exec(
        update(ChannelLink)
        .where(col(ChannelLink.token_hash) == token_hash(token),
               col(ChannelLink.channel) == channel, col(ChannelLink.used_at).is_(None),
               col(ChannelLink.expires_at) > now)
        .values(used_at=now, address=address)
        .returning(col(ChannelLink.debtor_id)))
    debtor_id = result.scalar_one_or_none()
    if debtor_id is None:
        return None
    return await session.get(Debtor, debtor_id, with_for_update=True)
