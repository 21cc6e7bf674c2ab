"""The shell's side of the compliance gate: rows in, a `bot.compliance` decision out.

`bot.compliance` is pure and knows nothing of our tables or message kinds; this module
translates (debtor row -> compliance.Debtor, message kind -> MessageKind, sent messages ->
Contact history) and caches one compiled policy per (country, segment, policy version).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select  # SQLModel's select types at most 4 columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import compliance
from bot.compliance import Allowed, Contact, MessageKind, Never, NotBefore
from bot.compliance.quiet import parse_quiet_times
from bot.compliance.types import Consent, ContactStatus, OptOut, QuietTime
from bot.compliance.types import Debtor as GateDebtor
from bot.domain import ALL_CHANNELS, PolicyView
from storage.models import Debtor, Message

Decision = Allowed | NotBefore | Never

# Our message kinds (what the flows send) as the rules see them. An unknown kind is a bug:
# `kind_for` raises rather than guess how strict to be.
KINDS: Mapping[str, MessageKind] = {
    "reminder_before_due": MessageKind.REMINDER_BEFORE_DUE,
    "reminder_due_today": MessageKind.REMINDER_DUE,
    "reminder_overdue": MessageKind.REMINDER_OVERDUE,
    "reminder_last_notice": MessageKind.LAST_NOTICE,
    "promise_reminder": MessageKind.PROMISE_REMINDER,
    "promise_broken": MessageKind.REMINDER_OVERDUE,
    "agreement_broken": MessageKind.REMINDER_OVERDUE,
    "installment_reminder": MessageKind.INSTALLMENT_REMINDER,
    "installment_missed": MessageKind.REMINDER_OVERDUE,
    "payment_thanks": MessageKind.PAYMENT_THANKS,
    "identity_check": MessageKind.IDENTITY_CHECK,
    "reply": MessageKind.REPLY,
    "third_party_ack": MessageKind.REPLY,
    "requested_info": MessageKind.REQUESTED_INFO,
    "staff_message": MessageKind.STAFF_MESSAGE,
    "opt_out_confirmation": MessageKind.OPT_OUT_CONFIRMATION,
}

# What a timer will most likely send, to ask the gate before the message is written.
TIMER_KINDS: Mapping[str, MessageKind] = {
    "reminder": MessageKind.REMINDER_OVERDUE,
    "installment_reminder": MessageKind.INSTALLMENT_REMINDER,
    "installment_check": MessageKind.REMINDER_OVERDUE,
}

# `"x" in SomeEnum` raises on Python 3.11; compare with the values instead.
_CHANNELS = frozenset(c.value for c in compliance.Channel)

_STATUS = {"delivered": ContactStatus.DELIVERED, "read": ContactStatus.DELIVERED,
           "failed": ContactStatus.FAILED, "undelivered": ContactStatus.FAILED}


def kind_for(kind: str) -> MessageKind:
    """The rules' name for one of our message kinds."""
    try:
        return KINDS[kind]
    except KeyError:
        raise KeyError(f"message kind {kind!r} has no compliance kind in bot.gate.KINDS") from None


@dataclass(frozen=True, slots=True)
class SentMessage:
    """One outbound message already sent, as stored."""

    at: datetime
    channel: str
    kind: str
    status: str
    counted: bool = True


def contacts(sent: Sequence[SentMessage]) -> tuple[Contact, ...]:
    """The gate's contact history from our sent messages."""
    return tuple(
        Contact(at=m.at, channel=compliance.Channel(m.channel), kind=kind_for(m.kind),
                counted=m.counted, status=_STATUS.get(m.status, ContactStatus.SENT))
        for m in sent)


def gate_debtor(debtor: Debtor) -> GateDebtor:
    """The gate's view of a debtor row."""
    return GateDebtor(
        country=debtor.country,
        time_zone=debtor.timezone,
        consents=tuple(
            Consent(compliance.Channel(channel), str(info.get("source", "")),
                    datetime.fromisoformat(info["at"]))
            for channel, info in debtor.consents.items() if channel in _CHANNELS),
        opt_outs=tuple(
            OptOut(None if channel == ALL_CHANNELS else compliance.Channel(channel),
                   datetime.fromisoformat(at))
            for channel, at in debtor.opt_outs.items()
            if channel == ALL_CHANNELS or channel in _CHANNELS),
        quiet_times=_quiet(debtor.quiet_times or ""),
        identity_confirmed=debtor.identity_verified_at is not None,
        third_party=debtor.third_party_at is not None,
    )


@lru_cache(maxsize=1024)
def _quiet(text: str) -> tuple[QuietTime, ...]:
    """Stored quiet times are canonical (checked at import), so this parse cannot fail."""
    return parse_quiet_times(text)


@lru_cache(maxsize=512)
def _compiled(country: str, override_json: str) -> compliance.Policy:
    base = compliance.preset_for(country)
    override = json.loads(override_json)
    return compliance.apply_override(base, override) if override else base


def compliance_policy(debtor: Debtor, policy: PolicyView) -> compliance.Policy:
    """The rules for this debtor: the country's preset with the segment's override applied."""
    return _compiled(debtor.country, policy.compliance_key)


def check(debtor: Debtor, policy: PolicyView, channel: str, kind: str,
          sent: Sequence[SentMessage], last_inbound_at: datetime | None,
          now: datetime) -> Decision:
    """May `kind` go to `debtor` on `channel` now? If not, when, or never; and why."""
    return compliance.decide(gate_debtor(debtor), compliance.Channel(channel), kind_for(kind),
                             contacts(sent), now, compliance_policy(debtor, policy),
                             last_inbound_at=last_inbound_at)


def check_timer(debtor: Debtor, policy: PolicyView, channel: str, timer_kind: str,
                sent: Sequence[SentMessage], last_inbound_at: datetime | None,
                now: datetime) -> Decision | None:
    """Before a timer writes a message: when may that message go? None for silent timers."""
    kind = TIMER_KINDS.get(timer_kind)
    if kind is None:
        return None
    return compliance.decide(gate_debtor(debtor), compliance.Channel(channel), kind,
                             contacts(sent), now, compliance_policy(debtor, policy),
                             last_inbound_at=last_inbound_at)


def record(decision: Decision) -> dict[str, Any]:
    """The audit record of a decision (rule, local and UTC time, explanation)."""
    data = decision.as_record()
    if isinstance(decision, NotBefore):
        data["not_before"] = decision.at.isoformat()
    return data


# Loading what the gate reads, for a batch of debtors ---------------------------------

HISTORY_DAYS = 8  # a rolling week of caps, and a day of margin


async def load_history(session: AsyncSession, debtor_ids: Sequence[int],
                       now: datetime) -> dict[int, list[SentMessage]]:
    """Each debtor's outbound messages sent in the last `HISTORY_DAYS` days."""
    rows = await session.exec(
        sa_select(Message.debtor_id, Message.sent_at, Message.channel, Message.kind,  # type: ignore[call-overload]
                  Message.status, Message.payload)
        .where(col(Message.debtor_id).in_(list(debtor_ids)), Message.direction == "out",
               col(Message.sent_at) >= now - timedelta(days=HISTORY_DAYS)))
    history: dict[int, list[SentMessage]] = {d: [] for d in debtor_ids}
    for debtor_id, sent_at, channel, kind, status, payload in rows.all():
        history[debtor_id].append(SentMessage(sent_at, channel, kind, status,
                                              bool(payload.get("counted", True))))
    return history


async def load_last_inbound(session: AsyncSession,
                            debtor_ids: Sequence[int]) -> dict[tuple[int, str], datetime]:
    """When each debtor last wrote, per channel."""
    rows = await session.exec(
        select(Message.debtor_id, Message.channel, func.max(Message.created_at))
        .where(col(Message.debtor_id).in_(list(debtor_ids)), Message.direction == "in")
        .group_by(col(Message.debtor_id), col(Message.channel)))
    return {(d, c): at for d, c, at in rows.all() if d is not None and at is not None}
