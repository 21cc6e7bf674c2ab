"""The values the compliance gate reads: the debtor, the channel, the message kind, the history.

Values only: no I/O and no imports from the shell. Every datetime here is timezone-aware;
a naive one is refused at construction, because a naive time silently read as local or as
UTC is exactly how a message goes out at 03:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum


class Channel(StrEnum):
    """Where a message goes."""

    WHATSAPP = "whatsapp"
    SMS = "sms"
    TELEGRAM = "telegram"


class MessageKind(StrEnum):
    """What an outbound message is, as far as the rules care."""

    REMINDER_BEFORE_DUE = "reminder_before_due"
    REMINDER_DUE = "reminder_due"
    REMINDER_OVERDUE = "reminder_overdue"
    REASON_QUESTION = "reason_question"
    LAST_NOTICE = "last_notice"
    PROMISE_REMINDER = "promise_reminder"
    INSTALLMENT_REMINDER = "installment_reminder"
    PAYMENT_THANKS = "payment_thanks"
    # Asks the contact to prove they are the debtor; never mentions the debt.
    IDENTITY_CHECK = "identity_check"
    # An answer inside a conversation the debtor started.
    REPLY = "reply"
    # Information the debtor asked for (balance, payment link, invoice copy).
    REQUESTED_INFO = "requested_info"
    # A message typed by staff who took the conversation over.
    STAFF_MESSAGE = "staff_message"
    # The one acknowledgement of an opt-out.
    OPT_OUT_CONFIRMATION = "opt_out_confirmation"


# Automatic collection messages: the bot's own initiative about the debt.
COLLECTION_KINDS: frozenset[MessageKind] = frozenset(
    {
        MessageKind.REMINDER_BEFORE_DUE,
        MessageKind.REMINDER_DUE,
        MessageKind.REMINDER_OVERDUE,
        MessageKind.REASON_QUESTION,
        MessageKind.LAST_NOTICE,
        MessageKind.PROMISE_REMINDER,
        MessageKind.INSTALLMENT_REMINDER,
    }
)
# Kinds whose very sending tells the reader there is (or was) a debt.
DISCLOSING_KINDS: frozenset[MessageKind] = COLLECTION_KINDS | {MessageKind.PAYMENT_THANKS}
# Kinds that answer the debtor: inside a conversation the debtor started they use the reply
# window and may be exempt from caps; outside one they are ordinary contacts.
RESPONSIVE_KINDS: frozenset[MessageKind] = frozenset(
    {MessageKind.REPLY, MessageKind.REQUESTED_INFO, MessageKind.STAFF_MESSAGE}
)


class ContactStatus(StrEnum):
    """What became of an outbound contact."""

    SENT = "sent"  # handed to the provider, outcome not known yet
    DELIVERED = "delivered"
    FAILED = "failed"  # known not delivered


@dataclass(frozen=True, slots=True)
class Consent:
    """The debtor's permission to be written to on one channel."""

    channel: Channel
    source: str  # e.g. "whatsapp_opt_in", "telegram_start", "sms_web_form"
    at: datetime

    def __post_init__(self) -> None:
        """Refuse naive datetimes."""
        _require_aware(self.at, "Consent.at")


@dataclass(frozen=True, slots=True)
class OptOut:
    """The debtor asked to stop; `channel=None` means every channel."""

    channel: Channel | None
    at: datetime
    source: str = ""  # e.g. "keyword:STOP", "intent:opt_out", "staff"

    def __post_init__(self) -> None:
        """Refuse naive datetimes."""
        _require_aware(self.at, "OptOut.at")


@dataclass(frozen=True, slots=True)
class QuietTime:
    """The debtor's own "not at these times", in their local wall time.

    `days` are weekday numbers (0 = Monday). `end` before `start` runs past midnight into
    the next day (21:00-08:00); `start == end` blocks the whole day.
    """

    days: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        """Refuse weekday numbers outside 0..6."""
        if not self.days or not self.days <= frozenset(range(7)):
            raise ValueError("QuietTime.days must be weekday numbers 0 (Monday) to 6 (Sunday)")


@dataclass(frozen=True, slots=True)
class Debtor:
    """What the gate needs to know about the person written to.

    `subdivision` is an ISO 3166-2 suffix ("SP", "MA") used for public holidays and for
    subdivision rules inside a preset. `other_time_zones` are further zones the debtor may be
    in when the location is ambiguous (US: only hours valid in every candidate zone).
    `third_party` is True when the contact is known not to be the debtor.
    """

    country: str
    time_zone: str
    consents: tuple[Consent, ...] = ()
    opt_outs: tuple[OptOut, ...] = ()
    quiet_times: tuple[QuietTime, ...] = ()
    identity_confirmed: bool = False
    third_party: bool = False
    subdivision: str = ""
    other_time_zones: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Contact:
    """One past outbound contact, as stored by the dispatcher.

    `counted` is what the gate said when it allowed the message (`Allowed.counts_toward_caps`):
    replies inside a conversation, for example, do not count.
    """

    at: datetime
    channel: Channel
    kind: MessageKind
    counted: bool = True
    status: ContactStatus = ContactStatus.SENT

    def __post_init__(self) -> None:
        """Refuse naive datetimes."""
        _require_aware(self.at, "Contact.at")


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
