"""What a debtor proposes, as a value, and the negotiation history of offers and proposals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from bot.negotiation.limits import Frequency
from bot.negotiation.money import Currency
from bot.negotiation.offers import FORMAT_VERSION, Offer
from bot.understanding.types import Intent, Understanding


class ProposalKind(StrEnum):
    """The kinds of proposal a debtor makes."""

    PAY_IN_FULL = "pay_in_full"  # "le pago todo ya"
    PROMISE = "promise"  # "le pago todo el 30" (`date`)
    PLAN = "plan"  # "en 6 cuotas", "puedo dar 150 mil mensuales", or just "¿un plan?"
    LUMP_SUM = "lump_sum"  # "solo tengo 2 millones": once, now or on `date`
    DISCOUNT = "discount"  # "¿me hacen un descuento?", optionally with a percent


@dataclass(frozen=True, slots=True)
class Proposal:
    """A debtor's proposal. Build it with the class methods; amounts are minor units.

    Attributes:
        kind: what is proposed.
        date: PROMISE: the payment date; PLAN: first payment date; LUMP_SUM: when to pay.
        installments: PLAN: number of payments, if said.
        amount: PLAN: amount per period (recurring); LUMP_SUM: the one-off amount.
        frequency: PLAN: how often, if said.
        discount_percent: DISCOUNT: the percent asked for, if said.
    """

    kind: ProposalKind
    date: dt.date | None = None
    installments: int | None = None
    amount: int | None = None
    frequency: Frequency | None = None
    discount_percent: Decimal | None = None

    def __post_init__(self) -> None:
        if self.installments is not None and self.installments < 1:
            raise ValueError("installments must be at least 1")
        if self.amount is not None and self.amount < 1:
            raise ValueError("amount must be a positive number of minor units")
        if self.kind is ProposalKind.PROMISE and self.date is None:
            raise ValueError("a promise needs a date")
        if self.kind is ProposalKind.LUMP_SUM and self.amount is None:
            raise ValueError("a lump sum needs an amount")
        if self.discount_percent is not None and not 0 < self.discount_percent <= 100:
            raise ValueError("discount_percent must be above 0 and at most 100")

    @classmethod
    def pay_in_full(cls) -> Proposal:
        """The debtor will pay everything now."""
        return cls(ProposalKind.PAY_IN_FULL)

    @classmethod
    def promise(cls, on: dt.date) -> Proposal:
        """The debtor will pay everything on `on`."""
        return cls(ProposalKind.PROMISE, date=on)

    @classmethod
    def plan(
        cls,
        installments: int | None = None,
        amount: int | None = None,
        frequency: Frequency | None = None,
        start: dt.date | None = None,
    ) -> Proposal:
        """A plan by number of payments, by amount per period, both, or neither ("a plan?")."""
        return cls(
            ProposalKind.PLAN, date=start, installments=installments, amount=amount,
            frequency=frequency,
        )

    @classmethod
    def lump_sum(cls, amount: int, on: dt.date | None = None) -> Proposal:
        """A one-off amount: a partial payment now, or a settlement offer."""
        return cls(ProposalKind.LUMP_SUM, date=on, amount=amount)

    @classmethod
    def discount(cls, percent: Decimal | None = None) -> Proposal:
        """A request for a discount, with or without a percent."""
        return cls(ProposalKind.DISCOUNT, discount_percent=percent)

    def as_dict(self) -> dict[str, object]:
        """A JSON-able dict that `Proposal.from_dict` reads back equal."""
        return {
            "type": "proposal",
            "v": FORMAT_VERSION,
            "kind": self.kind.value,
            "date": None if self.date is None else self.date.isoformat(),
            "installments": self.installments,
            "amount": self.amount,
            "frequency": None if self.frequency is None else self.frequency.value,
            "discount_percent": (
                None if self.discount_percent is None else f"{self.discount_percent:f}"
            ),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Proposal:
        """The proposal stored by `as_dict`; raises ValueError on anything else."""
        if data.get("type") != "proposal" or data.get("v") != FORMAT_VERSION:
            raise ValueError("not a stored proposal")
        raw_date, raw_pct = data.get("date"), data.get("discount_percent")
        installments, amount = data.get("installments"), data.get("amount")
        frequency = data.get("frequency")
        for key, value in (("installments", installments), ("amount", amount)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"stored proposal {key} must be an integer or null")
        try:
            percent = None if raw_pct is None else Decimal(str(raw_pct))
        except InvalidOperation as exc:
            raise ValueError("stored proposal discount_percent must be a decimal") from exc
        return cls(
            kind=ProposalKind(str(data.get("kind"))),
            date=None if raw_date is None else dt.date.fromisoformat(str(raw_date)),
            installments=installments,  # type: ignore[arg-type]
            amount=amount,  # type: ignore[arg-type]
            frequency=None if frequency is None else Frequency(str(frequency)),
            discount_percent=percent,
        )


Event = Offer | Proposal
"""One step of a negotiation's history: an offer the bot made or a proposal the debtor made."""


def history_from_dicts(items: Iterable[Mapping[str, object]]) -> tuple[Event, ...]:
    """The history stored as `as_dict()` dicts, in order (each dict has "type")."""
    out: list[Event] = []
    for item in items:
        kind = item.get("type")
        if kind == "offer":
            out.append(Offer.from_dict(item))
        elif kind == "proposal":
            out.append(Proposal.from_dict(item))
        else:
            raise ValueError(f"unknown history item type {kind!r}")
    return tuple(out)


def proposal_from_understanding(reading: Understanding, currency: Currency) -> Proposal | None:
    """The proposal a debtor's message makes, or None when it makes none (e.g. "no puedo")."""
    amount = None
    if reading.amount is not None and reading.amount > 0:
        # Round down: the debtor offered at most what they said.
        amount = currency.to_minor(reading.amount, up=False) or None
    intent = reading.intent
    if intent is Intent.WILL_PAY_NOW:
        return Proposal.pay_in_full()
    if intent is Intent.PROMISE_TO_PAY:
        if reading.recurring and amount is not None:
            return Proposal.plan(reading.installments, amount, start=reading.date)
        return None if reading.date is None else Proposal.promise(reading.date)
    if intent is Intent.REQUEST_PLAN:
        per_period = amount if reading.recurring is not False else None
        return Proposal.plan(reading.installments, per_period, start=reading.date)
    if intent is Intent.REQUEST_DISCOUNT:
        return Proposal.discount() if amount is None else Proposal.lump_sum(amount, reading.date)
    if intent is Intent.OFFER_AMOUNT and amount is not None:
        if reading.recurring:
            return Proposal.plan(reading.installments, amount, start=reading.date)
        return Proposal.lump_sum(amount, reading.date)
    return None
