"""Small builders shared by the compliance tests: debtors, contacts and local clocks."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.compliance import Channel, Consent, Contact, ContactStatus, Debtor, MessageKind, OptOut

LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)
ALL_CHANNELS = tuple(Channel)


def debtor(
    country: str,
    time_zone: str,
    *,
    channels: tuple[Channel, ...] = ALL_CHANNELS,
    opt_outs: tuple[OptOut, ...] = (),
    identity_confirmed: bool = True,
    **kwargs: object,
) -> Debtor:
    """A debtor who consented long ago on `channels` and whose identity is confirmed."""
    consents = tuple(Consent(c, "test_opt_in", LONG_AGO) for c in channels)
    return Debtor(
        country, time_zone, consents=consents, opt_outs=opt_outs,
        identity_confirmed=identity_confirmed, **kwargs,  # type: ignore[arg-type]
    )


def local(time_zone: str, *args: int) -> datetime:
    """A wall-clock time in `time_zone` (first pass when ambiguous), as an aware datetime."""
    return datetime(*args, tzinfo=ZoneInfo(time_zone))  # type: ignore[misc]


def at_local(decision_at: datetime, time_zone: str) -> tuple[int, int, int, int, int]:
    """(year, month, day, hour, minute) of an instant on the debtor's clock."""
    d = decision_at.astimezone(ZoneInfo(time_zone))
    return (d.year, d.month, d.day, d.hour, d.minute)


def contact(
    at: datetime,
    channel: Channel = Channel.WHATSAPP,
    kind: MessageKind = MessageKind.REMINDER_DUE,
    *,
    counted: bool = True,
    status: ContactStatus = ContactStatus.DELIVERED,
) -> Contact:
    """One past outbound contact."""
    return Contact(at, channel, kind, counted=counted, status=status)
