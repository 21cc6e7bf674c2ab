"""Limits from a chat: `/limits SEGMENT` shows them, `/setlimit SEGMENT KEY VALUE` changes one.

The same validation as the web admin and `recobro policy load` (`bot.policy_doc`, whose
field errors are sentences), the same audit (`bot.policies.save`, a new version with who,
when, before and after), the actor being `telegram:<user id>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.negotiation.limits import FIELD_NAMES, INT_FIELDS, LABELS
from bot.policies import newest, save
from bot.policy_doc import (
    DEFAULT_SEGMENT,
    SECTIONS,
    PolicyError,
    SegmentPolicy,
    from_data,
    parse_segment,
)

SEGMENT = re.compile(r"^[a-z0-9_\-]{1,64}$")
OTHER_KEYS = {
    "cadence.offsets": "reminder days from the due date, e.g. -3,0,3,7",
    "cadence.send_time": "local time of reminders, e.g. 09:00",
    "cadence.payment_claim_pause_days": "days reminders pause after \"I already paid\"",
    "escalation.hardship": "reasons that go to a person at once, e.g. illness,job_loss",
}
USAGE = ("Use /setlimit SEGMENT KEY VALUE, e.g. /setlimit default max_installments 6. Keys: "
         + ", ".join([*FIELD_NAMES, *OTHER_KEYS]))


class LimitError(ValueError):
    """A change that cannot be made; the message says why, as a sentence."""


@dataclass(frozen=True, slots=True)
class Changed:
    """A saved change."""

    segment: str
    key: str
    before: Any
    after: Any
    version: int | None  # None: the value was already that


async def _current(session: AsyncSession, segment: str) -> tuple[dict[str, Any], int]:
    rows = await newest(session, [segment, DEFAULT_SEGMENT])
    row = rows.get(segment) or rows.get(DEFAULT_SEGMENT)
    policy = from_data(row.data) if row is not None else SegmentPolicy()
    return policy.as_data(), row.version if row is not None and row.segment == segment else 0


async def show(session: AsyncSession, segment: str) -> str:
    """The segment's limits, cadence and escalation settings as `key = value` lines."""
    if not SEGMENT.match(segment):
        raise LimitError("A segment name is lower-case letters, digits, - and _.")
    data, version = await _current(session, segment)
    lines = [f"Segment {segment}, " + (f"version {version}" if version
                                       else "no version of its own (default's applies)")]
    for key, value in data["limits"].items():
        lines.append(f"{key} = {_show(value)}")
    lines.append(f"cadence.offsets = {_show(data['cadence']['offsets'])}")
    lines.append(f"cadence.send_time = {data['cadence']['send_time']}")
    lines.append("cadence.payment_claim_pause_days = "
                 f"{data['cadence']['payment_claim_pause_days']}")
    lines.append(f"escalation.hardship = {_show(data['escalation']['hardship'])}")
    return "\n".join(lines)


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)


def _list(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _value(key: str, text: str) -> Any:
    """The typed value of what was written after the key."""
    if key in INT_FIELDS or key == "cadence.payment_claim_pause_days":
        try:
            return int(text)
        except ValueError:
            raise LimitError(f"{LABELS.get(key, key)} must be a whole number, like 12.") from None
    if key == "max_discount_percent_by_days_overdue":
        table: dict[str, str] = {}
        for part in _list(text):
            days, sep, percent = part.partition(":")
            if not sep or not days.strip().isdigit():
                raise LimitError("Write the discount table as days: percent pairs, like "
                                 "0:0,60:10,120:25.")
            table[days.strip()] = percent.strip()
        return table
    if key == "cadence.offsets":
        try:
            return [int(p) for p in _list(text)]
        except ValueError:
            raise LimitError("Write the reminder days as whole numbers: -3,0,3,7.") from None
    if key in ("plan_frequencies", "escalation.hardship"):
        return _list(text)
    return text


async def set_limit(session: AsyncSession, segment: str, key: str, text: str, *,
                    actor: str, now: datetime) -> Changed:
    """Validate and save one change as a new version of the segment; raises `LimitError`."""
    if not SEGMENT.match(segment):
        raise LimitError("A segment name is lower-case letters, digits, - and _.")
    if key not in FIELD_NAMES and key not in OTHER_KEYS:
        raise LimitError(f'"{key}" is not a setting. {USAGE}')
    value = _value(key, text.strip())
    data, _ = await _current(session, segment)
    if key in FIELD_NAMES:
        before = data["limits"].get(key)
        data["limits"][key] = value
    else:
        section, name = key.split(".", 1)
        before = data[section][name]
        data[section][name] = value
    raw = dict(data["limits"]) | {name: data[name] for name in SECTIONS}
    try:
        policy = parse_segment(raw, None, prefix="")
    except PolicyError as exc:
        raise LimitError(" ".join(exc.errors.values())) from None
    saved = await save(session, segment, policy, actor=actor, now=now,
                       comment=f"/setlimit {key} {text.strip()}"[:500])
    after = policy.as_data()
    shown = after["limits"].get(key) if key in FIELD_NAMES else \
        after[key.split(".")[0]][key.split(".")[1]]
    return Changed(segment, key, before, shown, saved.version)


def changed_text(change: Changed) -> str:
    """What /setlimit answers."""
    if change.version is None:
        return f"{change.key} is already {_show(change.after)}: nothing changed."
    return (f"Saved segment {change.segment} as version {change.version}: {change.key} "
            f"{_show(change.before)} -> {_show(change.after)}.")
