"""Staff cases as rows: opening one (with its card for the staff group), changing its status,
and the notices the staff bot posts. Shared by the engine, the dispatcher and the staff desk;
each function takes the open session of the transaction that caused it, so a case and its
card notice are written together with the step that opened it, or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Debtor, Escalation, Message, StaffNotice

# How long staff have to pick up a case, by priority; unanswered, it is raised again.
ESCALATION_DEADLINES = {"urgent": timedelta(hours=1), "high": timedelta(hours=4),
                        "normal": timedelta(hours=24), "low": timedelta(hours=72)}
PRIORITIES = tuple(ESCALATION_DEADLINES)
OPEN = ("open", "taken", "snoozed")  # a case not yet resolved


def notice(debtor_id: int | None, kind: str, now: datetime, *,
           escalation_id: int | None = None, data: Mapping[str, Any] | None = None,
           status: str = "pending") -> StaffNotice:
    """A notice for the staff group, due now."""
    return StaffNotice(debtor_id=debtor_id, escalation_id=escalation_id, kind=kind,
                       data=dict(data or {}), status=status, due_at=now, created_at=now)


async def open_case(session: AsyncSession, *, debtor_id: int | None, reason: str,
                    priority: str, data: Mapping[str, Any], now: datetime) -> Escalation:
    """Open a case and queue its card; a case for the same reason still open is updated.

    One debtor who sends three receipts, or asks for a person twice, is one case to staff,
    not three: the newest details are kept, and staff are told it came up again.
    """
    existing = None
    if debtor_id is not None:
        existing = (await session.exec(
            select(Escalation).where(Escalation.debtor_id == debtor_id,
                                     Escalation.reason == reason,
                                     col(Escalation.status).in_(OPEN))
            .order_by(col(Escalation.id).desc()))).first()
    if existing is not None:
        existing.data = dict(existing.data) | dict(data) | {
            "again": int(existing.data.get("again", 0)) + 1}
        session.add(existing)
        session.add(notice(debtor_id, "info", now, escalation_id=existing.id,
                           data={"event": "again", "reason": reason}))
        return existing
    case = Escalation(debtor_id=debtor_id, reason=reason, priority=priority,
                      deadline=now + ESCALATION_DEADLINES[priority], data=dict(data),
                      created_at=now)
    session.add(case)
    await session.flush()
    session.add(notice(debtor_id, "card", now, escalation_id=case.id))
    return case


async def update_cases(session: AsyncSession, *, debtor_id: int, case_id: int | None,
                       status: str, now: datetime, assignee: str | None = None,
                       until: datetime | None = None,
                       resolution: str | None = None) -> list[Escalation]:
    """Move one case of the debtor (or all still open) to `status`; the cases changed.

    A case id of another debtor changes nothing: a stale button cannot touch someone else.
    """
    stmt = select(Escalation).where(Escalation.debtor_id == debtor_id,
                                    col(Escalation.status).in_(OPEN))
    if case_id is not None:
        stmt = stmt.where(Escalation.id == case_id)
    cases = list((await session.exec(stmt)).all())
    for case in cases:
        case.status = status
        if assignee is not None:
            case.assignee = assignee
        if status == "snoozed" and until is not None:
            case.deadline = until
        if status == "resolved":
            case.resolved_at, case.resolution = now, resolution
        session.add(case)
        # The card in the group shows the new status.
        session.add(notice(debtor_id, "refresh", now, escalation_id=case.id))
    return cases


# A failure that is the debtor's own choice (they replied STOP to Twilio) is not a
# delivery problem for staff: the opt-out is recorded elsewhere.
_NOT_A_DELIVERY_PROBLEM = frozenset({"21610"})
_WORKING = ("sent", "delivered", "read")


async def check_unreachable(session: AsyncSession, debtor_id: int, *, code: str | None,
                            now: datetime) -> Escalation | None:
    """After a message failed for good: open a case when no channel reaches the debtor.

    The debtor counts as reachable while another channel we have an address on last
    delivered (or sent) a message. Every other case, including a channel never tried,
    goes to staff, who can fix a number or pick a channel; the picture per channel is on
    the case.
    """
    if code in _NOT_A_DELIVERY_PROBLEM:
        return None
    debtor = await session.get(Debtor, debtor_id)
    if debtor is None:
        return None
    channels = [c for c in ("whatsapp", "sms", "telegram")
                if (debtor.telegram_chat_id if c == "telegram" else debtor.phone)]
    picture: dict[str, Any] = {}
    for channel in channels:
        last = (await session.exec(
            select(Message).where(Message.debtor_id == debtor_id, Message.direction == "out",
                                  Message.channel == channel,
                                  col(Message.status).not_in(("queued", "cancelled")))
            .order_by(col(Message.id).desc()).limit(1))).first()
        if last is not None and last.status in _WORKING:
            return None
        picture[channel] = ({"status": last.status, "code": last.error_code,
                             "reason": last.error_message} if last is not None
                            else {"status": "never tried"})
    return await open_case(session, debtor_id=debtor_id, reason="delivery_failed",
                           priority="high", now=now, data={"channels": picture})


async def forget_staff_posts(session: AsyncSession, debtor: Debtor, now: datetime) -> int:
    """For an erasure: drop the debtor's notices and queue the deletion of what was posted
    about them in the staff group (their topic, or each post); how many notices went."""
    posted = (await session.exec(
        select(StaffNotice.chat_id, StaffNotice.message_id).where(
            StaffNotice.debtor_id == debtor.id, col(StaffNotice.message_id).is_not(None)))).all()
    removed = int((await session.exec(delete(StaffNotice).where(
        col(StaffNotice.debtor_id) == debtor.id))).rowcount)
    if posted or debtor.staff_topic_id:
        # Ids only: the erase notice itself says nothing about the person.
        session.add(notice(debtor.id, "erase", now, data={
            "posts": [[chat, message] for chat, message in posted],
            "topic": debtor.staff_topic_id}))
    debtor.staff_topic_id = None
    return removed
