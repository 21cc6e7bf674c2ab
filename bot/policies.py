"""Stored segment policies: the newest version of each, saving new versions, the audit.

A policy version is never edited: a change (from TOML, the web admin or Telegram) writes a
new version and an audit event with who, when, before and after. A rollback writes an old
version's content as the newest version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import PolicyView
from bot.policy_doc import DEFAULT_SEGMENT, SegmentPolicy, from_data
from storage.models import Event, Policy


def policy_view(version: int, segment: SegmentPolicy) -> PolicyView:
    """The flows' view of one segment's policy."""
    hour, minute = (int(x) for x in segment.cadence.send_time.split(":"))
    return PolicyView(
        version=version,
        cadence_offsets=segment.cadence.offsets,
        cadence_stages={int(k): v for k, v in segment.cadence.stages.items()},
        send_hour=hour,
        send_minute=minute,
        payment_claim_pause_days=segment.cadence.payment_claim_pause_days,
        limits=segment.limits,
        compliance=dict(segment.compliance),
        compliance_key=json.dumps(dict(segment.compliance), sort_keys=True),
        channel_order=segment.channels.order,
        disabled_channels=frozenset(segment.channels.disabled),
        hardship_to_staff=frozenset(segment.escalation.hardship),
    )


@lru_cache(maxsize=1024)
def _view(version: int, data_json: str) -> PolicyView:
    # Parsing limits validates them; a version never changes, so once per version suffices.
    return policy_view(version, from_data(json.loads(data_json)))


def view_of(row: Policy | None) -> PolicyView:
    """The view of a stored row; without one, the built-in defaults (version 0)."""
    if row is None:
        return policy_view(0, SegmentPolicy())
    return _view(row.version, json.dumps(row.data, sort_keys=True))


async def newest(session: AsyncSession, segments: Iterable[str]) -> dict[str, Policy]:
    """The newest stored version of each segment that has one."""
    wanted = sorted(set(segments))
    latest = (select(Policy.segment, func.max(Policy.version).label("version"))
              .where(col(Policy.segment).in_(wanted)).group_by(col(Policy.segment)).subquery())
    rows = await session.exec(
        select(Policy).join(latest, (col(Policy.segment) == latest.c.segment)
                            & (col(Policy.version) == latest.c.version)))
    return {p.segment: p for p in rows.all()}


async def policies_for(session: AsyncSession, segments: Iterable[str]) -> dict[str, PolicyView]:
    """The policy each segment runs under: its newest version, else default's, else built-in."""
    wanted = set(segments)
    rows = await newest(session, wanted | {DEFAULT_SEGMENT})
    fallback = rows.get(DEFAULT_SEGMENT)
    return {s: view_of(rows.get(s, fallback)) for s in wanted}


@dataclass(frozen=True, slots=True)
class Saved:
    """The outcome of saving one segment."""

    segment: str
    version: int | None  # None: nothing changed, no version written
    previous: int | None


async def save(session: AsyncSession, segment: str, policy: SegmentPolicy, *, actor: str,
               now: datetime, comment: str | None = None) -> Saved:
    """Write a new version of `segment` when it differs from the newest; audit the change."""
    rows = await newest(session, [segment, DEFAULT_SEGMENT])
    current = rows.get(segment)
    data = policy.as_data()
    if current is not None and _same(current.data, data):
        return Saved(segment, None, current.version)
    # Before its first version a segment ran on default's policy (or the built-in one):
    # the change is measured against what applied, not against nothing.
    applied = current or rows.get(DEFAULT_SEGMENT)
    before = applied.data if applied else SegmentPolicy().as_data()
    version = (current.version if current else 0) + 1
    session.add(Policy(segment=segment, version=version, data=data, created_by=actor,
                       comment=comment, created_at=now))
    session.add(Event(at=now, actor=actor, kind="policy.changed", data={
        "segment": segment, "version": version,
        "previous_version": current.version if current else None,
        "before": before, "after": data, "changes": diff(before, data), "comment": comment}))
    # Flushed now: a second save in this transaction must see this version, and a
    # concurrent save of the same version number fails here, on the unique constraint.
    await session.flush()
    return Saved(segment, version, current.version if current else None)


async def rollback(session: AsyncSession, segment: str, to_version: int, *, actor: str,
                   now: datetime) -> Saved:
    """Make an old version's content the newest version (a new version, audited)."""
    old = (await session.exec(select(Policy).where(Policy.segment == segment,
                                                    Policy.version == to_version))).first()
    if old is None:
        raise LookupError(f"segment {segment!r} has no version {to_version}")
    return await save(session, segment, from_data(old.data), actor=actor, now=now,
                      comment=f"rollback to version {to_version}")


def diff(before: Mapping[str, Any], after: Mapping[str, Any],
         prefix: str = "") -> list[dict[str, Any]]:
    """Every leaf that changed: [{"field": "limits.max_installments", "before": 12, "after": 6}]."""
    changes: list[dict[str, Any]] = []
    for key in sorted(set(before) | set(after), key=str):
        path = f"{prefix}{key}"
        old, new = before.get(key), after.get(key)
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            changes += diff(old, new, f"{path}.")
        elif old != new:
            changes.append({"field": path, "before": old, "after": new})
    return changes


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
