"""The vocabulary of flows: states, the actions a step may ask for, and the Decision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.money import Money
from bot.texts import Say


class State(StrEnum):
    """Where a conversation stands."""

    IDLE = "idle"  # nothing asked; reminders may come
    AWAITING_REASON = "awaiting_reason"  # we asked why the debtor has not paid
    AWAITING_DATE = "awaiting_date"  # we asked on which day they can pay
    AWAITING_IDENTITY = "awaiting_identity"  # we asked the contact to prove who they are
    NEGOTIATING = "negotiating"  # an offer is written out and waits for the debtor's yes
    AGREED = "agreed"  # a promise, plan or settlement is running
    PAYMENT_CLAIMED = "payment_claimed"  # the debtor says they paid: staff verify
    DISPUTED = "disputed"  # the debtor contests the debt: staff review
    HUMAN = "human"  # a person on staff handles the conversation
    OPTED_OUT = "opted_out"  # no more messages on that channel
    THIRD_PARTY = "third_party"  # not the debtor: never mention the debt again


# States in which no automatic reminder goes out.
SILENT_STATES = frozenset({State.DISPUTED, State.HUMAN, State.OPTED_OUT, State.THIRD_PARTY})

# Where each state may lead. Checked on every step (a flow bug fails loudly in tests, not
# mid-conversation in production) and validated once at import.
_EVERYWHERE = frozenset({State.OPTED_OUT, State.THIRD_PARTY, State.HUMAN, State.DISPUTED,
                         State.PAYMENT_CLAIMED})
_TALKING = frozenset({State.IDLE, State.AWAITING_REASON, State.AWAITING_DATE,
                      State.NEGOTIATING})
TRANSITIONS: Mapping[State, frozenset[State]] = {
    State.IDLE: _EVERYWHERE | _TALKING | {State.AWAITING_IDENTITY},
    State.AWAITING_REASON: _EVERYWHERE | _TALKING | {State.AWAITING_IDENTITY},
    State.AWAITING_DATE: _EVERYWHERE | _TALKING,
    # Once identified (or no longer required to be), the conversation simply goes on.
    State.AWAITING_IDENTITY: _EVERYWHERE | _TALKING | {State.AWAITING_IDENTITY},
    State.NEGOTIATING: _EVERYWHERE | _TALKING | {State.AGREED},
    State.AGREED: _EVERYWHERE | _TALKING | {State.AGREED},
    State.PAYMENT_CLAIMED: _EVERYWHERE | _TALKING | {State.AGREED},
    # Staff hand a case back to the bot, or settle it on the debtor's behalf.
    State.DISPUTED: _EVERYWHERE | {State.IDLE, State.NEGOTIATING, State.AGREED},
    State.HUMAN: _EVERYWHERE | {State.IDLE, State.NEGOTIATING, State.AGREED},
    State.OPTED_OUT: frozenset({State.OPTED_OUT, State.IDLE}),
    State.THIRD_PARTY: frozenset({State.THIRD_PARTY, State.IDLE}),
}


class FlowError(RuntimeError):
    """A flow asked for something its own rules forbid: a bug, never a debtor's fault."""


def check_transitions() -> None:
    """Fail at start-up when the transition table misses a state or names an unknown one."""
    missing = set(State) - set(TRANSITIONS)
    if missing:
        raise FlowError(f"states without transitions: {sorted(missing)}")
    for source, targets in TRANSITIONS.items():
        if source not in targets:
            raise FlowError(f"{source} must be allowed to stay where it is")


check_transitions()


# Actions: what a step asks the shell to do, all in the same transaction.


@dataclass(frozen=True, slots=True)
class Send:
    """Write to the debtor. `kind` names the message for compliance, cadence and statistics."""

    say: Say
    kind: str = "reply"


@dataclass(frozen=True, slots=True)
class Escalate:
    """Open a case for staff."""

    reason: str
    priority: str = "normal"  # low | normal | high | urgent
    note: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OptOut:
    """Record that the debtor does not want messages on `channel` ("*" for all)."""

    channel: str


@dataclass(frozen=True, slots=True)
class VerifyIdentity:
    """The contact proved they are the debtor: the debt may now be discussed."""


@dataclass(frozen=True, slots=True)
class MarkThirdParty:
    """This number is not the debtor's: never disclose the debt to it."""


@dataclass(frozen=True, slots=True)
class CreateAgreement:
    """Record an agreement the debtor confirmed in writing.

    `offer` is the negotiation core's `Offer.as_dict()`; the engine checks it once more
    against the limits (with `authority`: "bot", or "staff" for terms staff approved) and
    refuses the whole step if it breaks one.
    """

    kind: str  # promise | plan | settlement
    schedule: tuple[tuple[date, Money], ...]
    offer: Mapping[str, Any]
    authority: str = "bot"
    discount_percent: str = "0"


@dataclass(frozen=True, slots=True)
class CloseAgreement:
    """End a running agreement as kept, broken or cancelled."""

    agreement_id: int
    status: str


@dataclass(frozen=True, slots=True)
class MarkReminded:
    """Remember the cadence step each invoice was just reminded for: {invoice id: offset}."""

    offsets: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class SetInvoiceStatus:
    """Change the status of the debtor's invoices in status `only` (open -> disputed, and
    back when staff reject a dispute)."""

    status: str
    only: str = "open"


@dataclass(frozen=True, slots=True)
class Schedule:
    """Do `kind` on the debtor's local `day` at the policy's send time (or at `at`)."""

    kind: str
    key: str
    day: date | None = None
    at: datetime | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Note:
    """Write a fact to the event log (a reason given, a proposal...), for staff and statistics."""

    kind: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SwitchChannel:
    """The debtor asked to be written on `channel` from now on.

    The engine makes it their preferred channel when it has an address there; for a
    Telegram chat not linked yet it sends the debtor a t.me link first.
    """

    channel: str


@dataclass(frozen=True, slots=True)
class UpdateCase:
    """Change a staff case: taken, snoozed or resolved.

    `case_id` None means every case of the debtor still open (a takeover covers them all).
    """

    case_id: int | None
    status: str  # taken | snoozed | resolved
    assignee: str | None = None
    until: datetime | None = None  # snoozed: raised again at this moment
    resolution: str | None = None  # resolved: approved, countered, rejected, paid, returned...


@dataclass(frozen=True, slots=True)
class NotifyStaff:
    """Tell staff in their group: `relay` the debtor's message just received, or an `info`
    line, or the `summary` of a takeover handed back to the bot."""

    kind: str  # relay | info | summary
    data: Mapping[str, Any] = field(default_factory=dict)


Action = (Send | Escalate | OptOut | MarkThirdParty | VerifyIdentity | CreateAgreement
          | CloseAgreement | MarkReminded | SetInvoiceStatus | Schedule | Note
          | SwitchChannel | UpdateCase | NotifyStaff)


@dataclass(frozen=True, slots=True)
class Conversation:
    """The stored dialogue state of one debtor, as the core sees it."""

    state: State = State.IDLE
    data: Mapping[str, Any] = field(default_factory=dict)
    version: int = 0


@dataclass(frozen=True, slots=True)
class Decision:
    """The result of one step: the next state, its data, and what to do.

    `reminder_at` is when the next automatic reminder is due (None: no reminder pending);
    `step` fills it in from the cadence after the flow has decided.
    """

    state: State
    data: Mapping[str, Any] = field(default_factory=dict)
    actions: tuple[Action, ...] = ()
    reminder_at: datetime | None = None
