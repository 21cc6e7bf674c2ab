"""Admin users and sessions: argon2 password hashes, sessions in the database, CSRF tokens.

Sessions live in the database (not in a signed cookie) so every worker sees the same ones and
logging out really ends a session. The cookie holds a random token; the table holds its hash.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AdminSession, AdminUser

SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the timing the same, so the
# login form does not tell which usernames exist.
_DUMMY_HASH = _hasher.hash("not a real password")


class UserExists(ValueError):
    """A user with that name already exists."""


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """The logged-in user behind a request."""

    user_id: int
    username: str
    role: str
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        """Admins may change things; viewers only look."""
        return self.role == "admin"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_user(session: AsyncSession, username: str, password: str, role: str,
                      now: datetime) -> AdminUser:
    """Add a user with an argon2 hash of `password`."""
    username = username.strip()
    if not username or len(username) > 100:
        raise ValueError("the username must have 1 to 100 characters")
    if role not in ("admin", "viewer"):
        raise ValueError("the role must be admin or viewer")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    existing = (await session.exec(select(AdminUser).where(AdminUser.username == username))).first()
    if existing is not None:
        raise UserExists(username)
    user = AdminUser(username=username, password_hash=_hasher.hash(password), role=role,
                     created_at=now)
    session.add(user)
    await session.flush()
    return user


async def find_user(session: AsyncSession, username: str) -> AdminUser | None:
    """The user with this name, if any (disabled ones too: `password_ok` refuses them)."""
    return (await session.exec(select(AdminUser).where(AdminUser.username == username))).first()


def password_ok(user: AdminUser | None, password: str) -> bool:
    """True when `password` is the user's and the user may log in (constant-ish time).

    argon2 takes tens of milliseconds of CPU on purpose: call it in a thread
    (`asyncio.to_thread`), never in the event loop, and outside any transaction.
    """
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None and not user.disabled


async def authenticate(session: AsyncSession, username: str, password: str) -> AdminUser | None:
    """The user when the password matches, else None (argon2 in a thread)."""
    user = await find_user(session, username)
    return user if await asyncio.to_thread(password_ok, user, password) else None


async def start_session(session: AsyncSession, user: AdminUser, now: datetime) -> str:
    """A new session for `user`; returns the cookie token (never stored in clear)."""
    token = secrets.token_urlsafe(32)
    assert user.id is not None
    session.add(AdminSession(token_hash=_digest(token), user_id=user.id,
                             csrf_token=secrets.token_urlsafe(24), created_at=now,
                             expires_at=now + SESSION_LIFETIME))
    await session.exec(delete(AdminSession).where(col(AdminSession.expires_at) < now))
    return token


async def load_session(session: AsyncSession, token: str | None,
                       now: datetime) -> SessionInfo | None:
    """The session behind a cookie token, if valid and not expired."""
    if not token:
        return None
    row = (await session.exec(
        select(AdminSession, AdminUser).join(AdminUser, col(AdminUser.id) == AdminSession.user_id)
        .where(AdminSession.token_hash == _digest(token)))).first()
    if row is None:
        return None
    admin_session, user = row
    if admin_session.expires_at <= now or user.disabled:
        return None
    assert user.id is not None
    return SessionInfo(user.id, user.username, user.role, admin_session.csrf_token)


async def end_session(session: AsyncSession, token: str | None) -> None:
    """Log out: the token stops working on every worker at once."""
    if token:
        await session.exec(delete(AdminSession).where(
            col(AdminSession.token_hash) == _digest(token)))


def csrf_ok(expected: str, given: str | None) -> bool:
    """Compare CSRF tokens in constant time."""
    return bool(given) and hmac.compare_digest(expected, given or "")
