"""The contract every channel keeps: an outbound half that sends text and returns an id.

Inbound halves are HTTP handlers (verify, then parse into `bot.domain.InboundMessage`); each
channel module has its own. Richer features (buttons, templates) degrade to text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Option:
    """A quick reply: what the debtor taps, and the id we get back."""

    id: str
    title: str


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message ready to leave, as the dispatcher hands it to a channel."""

    message_id: int
    debtor_id: int
    channel: str
    address: str | None
    text: str
    kind: str
    locale: str
    options: tuple[Option, ...] = ()
    payload: dict[str, Any] = field(default_factory=dict)
    # When the debtor last wrote on this channel (WhatsApp allows free text for 24 hours
    # after it; outside that window only an approved template may go).
    last_inbound_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SendResult:
    """The provider took the message: its id and the status it reported."""

    provider_id: str
    status: str = "sent"  # queued | sent | delivered (the sandbox delivers at once)
    # Facts about what went out (SMS segments, the WhatsApp template used), kept in the
    # message's payload for staff and statistics.
    payload: Mapping[str, Any] = field(default_factory=dict)


class SendError(Exception):
    """A send that did not happen."""

    permanent = False
    hold = False

    def __init__(self, reason: str, *, code: str | None = None,
                 retry_after: float | None = None, unsure: bool = False,
                 throttled: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.retry_after = retry_after
        # The request may have reached the provider (a timeout, a connection cut after the
        # request went out): the message may have been sent although we got no answer.
        self.unsure = unsure
        # The provider refused it for its rate limit (HTTP 429): it never left, so it is
        # not an attempt (like the dispatcher's own `RateLimited`).
        self.throttled = throttled


class TransientSendError(SendError):
    """Worth trying again later: a timeout, a 5xx, a 429."""


class PermanentSendError(SendError):
    """Never worth retrying: an invalid number, a blocked bot, no address."""

    permanent = True


class HeldSendError(PermanentSendError):
    """Not sendable as it stands until a person acts (e.g. no approved WhatsApp template).

    The dispatcher holds the message (status `held`, with the reason) and opens an
    escalation, so staff see it; it is never sent as something else instead.
    """

    hold = True


class OutboundChannel(Protocol):
    """Sends text to one address on one channel.

    An adapter may also have a `sender` attribute (its From number or bot), or a
    `sender_for(message)` method when it sends from a pool: the dispatcher then keeps its
    sends under the configured rate per sender (see `bot.ratelimit`).
    """

    name: str

    async def send(self, message: OutgoingMessage) -> SendResult:
        """Send `message`; raise `TransientSendError` or `PermanentSendError` on failure."""
        ...


class Reconciling(Protocol):
    """A channel that can tell whether an earlier attempt whose outcome is unknown went out.

    The dispatcher asks before sending again a message whose last attempt timed out or
    whose worker died (an expired lease), so that attempt is not repeated.
    """

    async def find_sent(self, message: OutgoingMessage, since: datetime) -> list[SendResult]:
        """Messages the provider holds that may be this one, sent since `since`, oldest first."""
        ...


def sender_of(channel: OutboundChannel, message: OutgoingMessage | None = None) -> str | None:
    """The rate-limit key of an adapter (its From number or bot), None when it has none.

    An adapter with a pool of senders has `sender_for(message)`: the one `message` goes from.
    """
    pick = getattr(channel, "sender_for", None)
    if message is not None and callable(pick):
        chosen = pick(message)
        return chosen if isinstance(chosen, str) and chosen else None
    sender = getattr(channel, "sender", None)
    return sender if isinstance(sender, str) and sender else None


def numbered_options(text: str, options: tuple[Option, ...], footer: str) -> str:
    """The text with its options as a numbered list, for channels without buttons."""
    if not options:
        return text
    lines = [f"{n}. {o.title}" for n, o in enumerate(options, start=1)]
    return "\n".join([text, "", *lines, footer])
