"""The values that flow between the shell and the pure core: messages, snapshots, events.

Everything here is frozen. The engine builds these from database rows; flows read them and
return a `Decision`; nothing in the core ever sees a row, a session or a socket.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.money import Money
from bot.negotiation import Limits
from bot.understanding.types import Understanding


class Channel(StrEnum):
    """Where a debtor is reached."""

    WHATSAPP = "whatsapp"
    SMS = "sms"
    TELEGRAM = "telegram"


ALL_CHANNELS = "*"  # an opt-out that covers every channel
CHANNEL_ORDER = ("whatsapp", "sms", "telegram")  # who stands in for a channel switched off
MAX_INBOUND_TEXT = 10_000  # characters kept of one debtor message; no real reply is longer

# C0 and C1 control characters except tab and newlines: PostgreSQL refuses NUL in text, and
# none of the others means anything in a chat message.
_CONTROL = {c: None for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F,
                              *range(0x80, 0xA0)]}


def clean_text(text: str) -> str:
    """A debtor's text as we store and read it: no control characters, at most 10,000 chars."""
    return text.translate(_CONTROL)[:MAX_INBOUND_TEXT]


@dataclass(frozen=True, slots=True)
class Media:
    """A photo or document a debtor sent (a receipt, usually)."""

    url: str
    content_type: str


def storable(text: str) -> str:
    """`text` without NUL characters, surrogate pairs joined, lone surrogates as U+FFFD."""
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Through UTF-16: a pair of surrogates becomes its character, a lone one U+FFFD.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One message from a debtor, as a channel parsed it, before anything else happens."""

    channel: str
    provider_id: str  # unique per channel: a redelivery carries the same one
    address: str  # E.164 phone for WhatsApp and SMS, chat id for Telegram
    text: str
    received_at: datetime
    option: str | None = None  # the id of a quick reply the debtor tapped
    media: tuple[Media, ...] = ()
    debtor_external_id: str | None = None  # set by the sandbox, which knows who is typing

    def __post_init__(self) -> None:
        # Whatever a channel parsed must be storable, or the webhook answers 5xx and the
        # provider redelivers it forever: PostgreSQL refuses NUL in text, and no database
        # takes a lone surrogate (Telegram's JSON may carry "\ud800").
        for name in ("provider_id", "address", "text", "option", "debtor_external_id"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, storable(value))


@dataclass(frozen=True, slots=True)
class DebtorView:
    """What the core may know about a debtor."""

    id: int
    external_id: str
    name: str
    locale: str
    country: str
    timezone: str
    segment: str
    channel: str
    opted_out: frozenset[str] = frozenset()
    third_party: bool = False
    identity_verified: bool = False
    document_last4: str | None = None  # what the debtor answers to prove who they are
    # Channels we have an address on (a phone for WhatsApp and SMS, a linked Telegram chat).
    reachable: frozenset[str] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        """The debtor's time zone."""
        return ZoneInfo(self.timezone)

    def opted_out_of(self, channel: str) -> bool:
        """True when the debtor asked not to be written on `channel` (or on any)."""
        return channel in self.opted_out or ALL_CHANNELS in self.opted_out


@dataclass(frozen=True, slots=True)
class InvoiceView:
    """One open receivable."""

    external_id: str
    amount: Money
    open: Money
    due_on: date
    status: str = "open"
    last_reminder_offset: int | None = None


@dataclass(frozen=True, slots=True)
class InstallmentView:
    """One payment of an agreement."""

    seq: int
    due_on: date
    amount: Money
    paid: Money


@dataclass(frozen=True, slots=True)
class AgreementView:
    """An agreement that is still running (active)."""

    id: int
    kind: str
    status: str
    total: Money
    installments: tuple[InstallmentView, ...]

    @property
    def last_due_on(self) -> date:
        """The day of the last payment."""
        return max(i.due_on for i in self.installments)


@dataclass(frozen=True, slots=True)
class PolicyView:
    """The parts of the segment's policy that flows and cadence read."""

    version: int = 0
    cadence_offsets: tuple[int, ...] = (-3, 0, 3, 7, 15, 30, 45)
    cadence_stages: Mapping[int, str] = field(default_factory=dict)  # offset -> stage override
    send_hour: int = 9  # preferred local hour for automatic messages
    send_minute: int = 0
    payment_claim_pause_days: int = 5
    why_question_allowed: bool = True
    identity_required: bool = False  # the preset wants the debtor identified before disclosure
    limits: Limits = field(default_factory=Limits)
    # The segment's override of the country's contact-rules preset (bot.compliance schema).
    compliance: Mapping[str, Any] = field(default_factory=dict)
    compliance_key: str = "{}"  # `compliance` as sorted JSON: a cache key for the rules
    # Channels to try for messages the bot starts, in order; empty: the debtor's preferred.
    channel_order: tuple[str, ...] = ()
    disabled_channels: frozenset[str] = frozenset()
    # Reasons for not paying (bot.understanding Reason values) that go to a person at once
    # instead of a negotiation: a debtor who is ill is not haggled with by a bot.
    hardship_to_staff: frozenset[str] = frozenset({"illness"})

    @property
    def max_postpone_days(self) -> int:
        """How far ahead a promise to pay may go."""
        return self.limits.max_postpone_days

    @property
    def promise_grace_days(self) -> int:
        """Days after a promised or instalment date before the payment counts as missed."""
        return self.limits.grace_days


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a flow may read besides the conversation and the event."""

    debtor: DebtorView
    invoices: tuple[InvoiceView, ...]
    agreements: tuple[AgreementView, ...]
    now: datetime
    creditor: str
    policy: PolicyView = PolicyView()
    # A payment link for an amount (the balance, or one instalment); None without a template.
    payment_link: Callable[[Money], str] | None = None

    @property
    def today(self) -> date:
        """The debtor's local date."""
        return self.now.astimezone(self.debtor.zone).date()

    @property
    def currency(self) -> str | None:
        """The currency of the debt (an import keeps one currency per debtor)."""
        return self.invoices[0].open.currency if self.invoices else None

    @property
    def balance(self) -> Money | None:
        """The open balance, or None when nothing is owed."""
        if not self.invoices:
            return None
        total = Money.zero(self.invoices[0].open.currency)
        for invoice in self.invoices:
            total += invoice.open
        return total

    def active_agreement(self) -> AgreementView | None:
        """The running agreement, if any (one at a time)."""
        return self.agreements[0] if self.agreements else None


# Events: what happens to a conversation.


@dataclass(frozen=True, slots=True)
class DebtorSaid:
    """The debtor wrote (or tapped an option)."""

    text: str
    understanding: Understanding
    channel: str
    option: str | None = None
    has_media: bool = False


@dataclass(frozen=True, slots=True)
class TimerFired:
    """A scheduled moment arrived (a reminder, a promise's day...)."""

    kind: str
    key: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PaymentReceived:
    """Money arrived and was applied (the context already shows the new balance)."""

    amount: Money
    reference: str


@dataclass(frozen=True, slots=True)
class StaffActed:
    """A person on staff decided something (a button in Telegram, the web admin)."""

    action: str
    actor: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChannelLinked:
    """The debtor opened our deep link: their chat on `channel` is bound to them now."""

    channel: str


Event = DebtorSaid | TimerFired | StaffActed | PaymentReceived | ChannelLinked
