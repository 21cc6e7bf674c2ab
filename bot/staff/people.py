"""Who may act on cases: Telegram users on the staff list, and web admin users.

The list is the union of RECOBRO_STAFF_USER_IDS / RECOBRO_ADMIN_USER_IDS (set by whoever
runs the server) and the staff members admins add in the web admin (stored, so every worker
sees the same list and a change needs no restart).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import StaffMember

ROLES = ("staff", "admin")


@dataclass(frozen=True, slots=True)
class Actor:
    """A person acting on a case, as the audit trail names them."""

    key: str  # staff:<telegram id> | admin:<web username>
    name: str
    admin: bool = False
    telegram_id: int | None = None

    @classmethod
    def telegram(cls, user_id: int, name: str, *, admin: bool = False) -> Actor:
        """A member of the staff group."""
        return cls(f"staff:{user_id}", name, admin, user_id)

    @classmethod
    def web(cls, username: str, *, admin: bool) -> Actor:
        """A web admin user."""
        return cls(f"admin:{username}", username, admin)


@dataclass(frozen=True, slots=True)
class StaffList:
    """The user ids the settings name."""

    staff_ids: frozenset[int] = frozenset()
    admin_ids: frozenset[int] = frozenset()

    @classmethod
    def of(cls, staff: Iterable[int], admins: Iterable[int]) -> StaffList:
        """From the settings' tuples."""
        return cls(frozenset(staff), frozenset(admins))

    async def role(self, session: AsyncSession, user_id: int) -> str | None:
        """`admin`, `staff`, or None for anyone else (a disabled member is no one)."""
        member = (await session.exec(select(StaffMember).where(
            StaffMember.telegram_user_id == user_id))).first()
        if user_id in self.admin_ids or (member and not member.disabled
                                         and member.role == "admin"):
            return "admin"
        if user_id in self.staff_ids or (member and not member.disabled):
            return "staff"
        return None

    async def admins(self, session: AsyncSession) -> list[int]:
        """Every admin's Telegram user id (told of cases nobody answered)."""
        stored = (await session.exec(select(StaffMember.telegram_user_id).where(
            StaffMember.role == "admin", col(StaffMember.disabled).is_(False)))).all()
        return sorted(self.admin_ids | set(stored))


async def save_member(session: AsyncSession, *, user_id: int, name: str, role: str,
                      actor: str, now: datetime, disabled: bool = False) -> StaffMember:
    """Add a staff member, or change one (an admin's action on the web, audited by the caller)."""
    if role not in ROLES:
        raise ValueError("the role must be staff or admin")
    name = name.strip()[:100]
    if not name:
        raise ValueError("give the person's name, as staff will read it")
    member = (await session.exec(select(StaffMember).where(
        StaffMember.telegram_user_id == user_id))).first()
    if member is None:
        member = StaffMember(telegram_user_id=user_id, name=name, role=role, created_by=actor,
                             created_at=now, updated_at=now, disabled=disabled)
    else:
        member.name, member.role, member.disabled, member.updated_at = name, role, disabled, now
    session.add(member)
    await session.flush()
    return member
