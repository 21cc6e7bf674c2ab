"""Values of a negotiation: the debt's situation, and offers with their payment schedules.

Amounts are integers of minor units. `Offer.as_dict()` is plain JSON (strings, ints, bools,
lists) and `Offer.from_dict()` reads it back equal, so the engine can keep offers in its event
log and rebuild the negotiation history from stored dicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import NamedTuple

from bot.negotiation.limits import Frequency
from bot.negotiation.money import Currency


@dataclass(frozen=True, slots=True)
class Situation:
    """What the negotiation is about, at one moment.

    Attributes:
        balance: what the debtor owes now, in minor units (> 0).
        currency: the debt's currency (exponent and payment unit).
        days_overdue: days since the oldest open invoice fell due (see `days_overdue()`).
        today: the agreement date all day limits count from (the debtor's local date).
        now: the current moment, for offer expiry; None counts from the start of `today`.
            Use timezone-aware datetimes; naive ones are compared as wall-clock times.
    """

    balance: int
    currency: Currency
    days_overdue: int
    today: date
    now: datetime | None = None

    def __post_init__(self) -> None:
        if isinstance(self.balance, bool) or not isinstance(self.balance, int) or self.balance < 1:
            raise ValueError(f"balance must be a positive int of minor units, got {self.balance!r}")
        if self.days_overdue < 0:
            raise ValueError(f"days_overdue cannot be negative, got {self.days_overdue}")

    @property
    def moment(self) -> datetime:
        """`now`, or the start of `today` when no clock was given."""
        return self.now if self.now is not None else datetime.combine(self.today, time.min)


class OfferKind(StrEnum):
    """The four kinds of deal."""

    PAY_IN_FULL = "pay_in_full"  # the whole balance (less any early-payment discount), now
    PROMISE = "promise"  # the whole balance on a later date
    PLAN = "plan"  # two or more payments, down payment first
    SETTLEMENT = "settlement"  # a discounted lump sum, paid within the settlement window


class Installment(NamedTuple):
    """One payment of a schedule: due date and amount in minor units."""

    due: date
    amount: int


FORMAT_VERSION = 1  # bump when as_dict changes shape; from_dict refuses what it cannot read


@dataclass(frozen=True, slots=True)
class Offer:
    """Terms the bot offers or agrees to.

    Attributes:
        kind: pay_in_full | promise | plan | settlement.
        currency: ISO 4217 code of the amounts.
        balance: the balance (minor units) the offer settles; a different balance makes it stale.
        schedule: the payments, in due-date order.
        total: the sum of the schedule (balance - discount + charges).
        discount_percent: (balance - total) / balance, in percent rounded up to 0.01, for
            display; 0 for plans and promises. The checker recomputes it exactly.
        charges: interest + fee added to a plan, in minor units (0 otherwise).
        frequency: a plan's payment frequency; None for one-payment kinds.
        made_on: the date the offer was made (its `today`).
        expires_at: after this moment the debtor can no longer accept it.
        binding: names of the limits that shaped it (see `Rule`), for the audit.
        needs_approval: the balance is above the approval threshold: staff must approve it.
    """

    kind: OfferKind
    currency: str
    balance: int
    schedule: tuple[Installment, ...]
    total: int
    discount_percent: Decimal
    charges: int
    frequency: Frequency | None
    made_on: date
    expires_at: datetime
    binding: tuple[str, ...] = ()
    needs_approval: bool = False

    @property
    def installments(self) -> int:
        """Number of payments."""
        return len(self.schedule)

    @property
    def last_due(self) -> date:
        """Due date of the last payment."""
        return self.schedule[-1].due

    def as_dict(self) -> dict[str, object]:
        """A JSON-able dict that `Offer.from_dict` reads back equal."""
        return {
            "type": "offer",
            "v": FORMAT_VERSION,
            "kind": self.kind.value,
            "currency": self.currency,
            "balance": self.balance,
            "schedule": [{"due": i.due.isoformat(), "amount": i.amount} for i in self.schedule],
            "total": self.total,
            "discount_percent": f"{self.discount_percent:f}",
            "charges": self.charges,
            "frequency": None if self.frequency is None else self.frequency.value,
            "made_on": self.made_on.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "binding": list(self.binding),
            "needs_approval": self.needs_approval,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Offer:
        """The offer stored by `as_dict`; raises ValueError on anything else."""
        if data.get("type") != "offer" or data.get("v") != FORMAT_VERSION:
            raise ValueError(f"not a stored offer (type/v): {data.get('type')!r}/{data.get('v')!r}")
        raw_schedule = data.get("schedule")
        if not isinstance(raw_schedule, list):
            raise ValueError("offer schedule must be a list")
        schedule = tuple(
            Installment(date.fromisoformat(_str(item, "due")), _int(item, "amount"))
            for item in raw_schedule
        )
        frequency = data.get("frequency")
        binding = data.get("binding")
        if not isinstance(binding, list) or not all(isinstance(b, str) for b in binding):
            raise ValueError("offer binding must be a list of rule names")
        needs_approval = data.get("needs_approval")
        if not isinstance(needs_approval, bool):
            raise ValueError("offer needs_approval must be a bool")
        try:
            discount = Decimal(_str(data, "discount_percent"))
        except InvalidOperation as exc:
            raise ValueError("offer discount_percent must be a decimal string") from exc
        return cls(
            kind=OfferKind(_str(data, "kind")),
            currency=_str(data, "currency"),
            balance=_int(data, "balance"),
            schedule=schedule,
            total=_int(data, "total"),
            discount_percent=discount,
            charges=_int(data, "charges"),
            frequency=None if frequency is None else Frequency(str(frequency)),
            made_on=date.fromisoformat(_str(data, "made_on")),
            expires_at=datetime.fromisoformat(_str(data, "expires_at")),
            binding=tuple(binding),
            needs_approval=needs_approval,
        )


def _str(data: object, key: str) -> str:
    value = data.get(key) if isinstance(data, Mapping) else None
    if not isinstance(value, str):
        raise ValueError(f"stored field {key!r} must be a string, got {value!r}")
    return value


def _int(data: object, key: str) -> int:
    value = data.get(key) if isinstance(data, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"stored field {key!r} must be an integer, got {value!r}")
    return value
