"""The segment policy the flows read: the newest stored version, or the defaults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cadence import DEFAULT_OFFSETS
from bot.domain import PolicyView
from storage.models import Policy


def policy_view(version: int, data: Mapping[str, Any]) -> PolicyView:
    """The flows' view of one stored policy document."""
    cadence = data.get("cadence", {})
    limits = data.get("limits", {})
    hour, minute = (int(x) for x in str(cadence.get("send_time", "09:00")).split(":"))
    channels = data.get("channels", {})
    return PolicyView(
        version=version,
        cadence_offsets=tuple(int(o) for o in cadence.get("offsets", DEFAULT_OFFSETS)),
        send_hour=hour,
        send_minute=minute,
        max_postpone_days=int(limits.get("max_postpone_days", 30)),
        promise_grace_days=int(limits.get("promise_grace_days", 1)),
        payment_claim_pause_days=int(cadence.get("payment_claim_pause_days", 5)),
        limits=limits,
        compliance=dict(data.get("compliance", {})),
        channel_order=tuple(channels.get("order", ())),
        disabled_channels=frozenset(channels.get("disabled", ())),
    )


async def policies_for(session: AsyncSession, segments: Iterable[str]) -> dict[str, PolicyView]:
    """The newest policy of each segment; segments without one get the defaults."""
    wanted = sorted(set(segments))
    newest = (select(Policy.segment, func.max(Policy.version).label("version"))
              .where(col(Policy.segment).in_(wanted)).group_by(Policy.segment).subquery())
    rows = await session.exec(
        select(Policy).join(newest, (col(Policy.segment) == newest.c.segment)
                            & (col(Policy.version) == newest.c.version)))
    found = {p.segment: policy_view(p.version, p.data) for p in rows.all()}
    return {s: found.get(s, PolicyView()) for s in wanted}
