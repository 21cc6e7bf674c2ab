"""Login throttling: so many failed logins per username and per client address in a window.

Counted in the database (`login_failure`), not in a worker's memory, so the limit holds
however many workers serve the admin. An attempt is written down *before* its password is
checked and removed when it succeeds, so a burst of parallel guesses cannot all slip past
the count while their argon2 checks run. A refused attempt never reaches argon2 and is not
written down: refusals cost the server nothing and cannot grow the table.

The client address is the peer's, unless the peer is one of RECOBRO_TRUSTED_PROXIES; then it
is the right-most X-Forwarded-For entry that is not a trusted proxy (the left-most entries
are whatever the client chose to send).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import LoginFailure

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """How many failures, per username and per address, within `window`."""

    per_username: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Refused:
    """Too many failures: wait this many seconds (what Retry-After says)."""

    retry_after: int
    why: str  # "username" or "address"


def trusted_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """RECOBRO_TRUSTED_PROXIES as networks (a bare address is a /32 or /128)."""
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: Sequence[str],
                   trusted: Sequence[Network]) -> str:
    """The address a login is counted against.

    `forwarded_for` is every X-Forwarded-For header value, in order. Only a trusted peer may
    name the client; then we walk the chain from the right, past our own proxies.
    """
    address = _ip(peer or "")
    if address is None:
        return "unknown"
    if not trusted or not any(address in net for net in trusted):
        return str(address)
    hops = [h for value in forwarded_for for h in value.split(",")]
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:
            return str(address)  # a garbled chain: count the proxy, never a made-up name
        if not any(ip in net for net in trusted):
            return str(ip)
        address = ip
    return str(address)


def _lock_key(name: str) -> int:
    # A signed 64-bit key for pg_advisory_xact_lock, from a stable hash of the name.
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


async def _seconds_until_below(session: AsyncSession, column: str, value: str, limit: int,
                               since: datetime, window: timedelta, now: datetime) -> int | None:
    times = list((await session.exec(
        select(LoginFailure.at).where(col(getattr(LoginFailure, column)) == value,
                                      col(LoginFailure.at) > since)
        .order_by(col(LoginFailure.at)))).all())
    if len(times) < limit:
        return None
    # Below the limit again when the (count - limit + 1)-th oldest failure leaves the window.
    frees_at = times[len(times) - limit] + window
    return max(1, math.ceil((frees_at - now).total_seconds()))


async def begin_attempt(session: AsyncSession, limits: LoginLimits, username: str,
                        address: str, now: datetime) -> int | Refused:
    """Count this attempt as a failure until it succeeds; its id, or why it is refused."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # Serialise attempts on the same username and address across workers, so two
        # parallel requests cannot both read "one below the limit". (SQLite's BEGIN
        # IMMEDIATE already serialises every writer.) Sorted: no deadlock between two keys.
        for key in sorted({_lock_key(f"login:user:{username}"),
                           _lock_key(f"login:addr:{address}")}):
            await session.exec(select(func.pg_advisory_xact_lock(key)))
    since = now - limits.window
    await session.exec(delete(LoginFailure).where(col(LoginFailure.at) <= since))
    for column, value, limit in (("username", username, limits.per_username),
                                 ("address", address, limits.per_address)):
        wait = await _seconds_until_below(session, column, value, limit, since, limits.window,
                                          now)
        if wait is not None:
            return Refused(wait, column)
    attempt = LoginFailure(username=username, address=address, at=now)
    session.add(attempt)
    await session.flush()
    assert attempt.id is not None
    return attempt.id


async def succeeded(session: AsyncSession, username: str) -> None:
    """A correct password: this username's failures are forgotten (its owner is back)."""
    await session.exec(delete(LoginFailure).where(col(LoginFailure.username) == username))
