"""The values that understanding returns: one intent and the entities found in a debtor's text.

This module is the contract between `bot.understanding` and the rest of the bot. It holds
values only: no I/O, no imports from the shell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Intent(StrEnum):
    """What a debtor means. The names are part of the public `recobro understand` output."""

    GREETING = "greeting"
    ASK_BALANCE = "ask_balance"
    ASK_PAYMENT_METHODS = "ask_payment_methods"
    WILL_PAY_NOW = "will_pay_now"
    PROMISE_TO_PAY = "promise_to_pay"
    ALREADY_PAID = "already_paid"
    REQUEST_PLAN = "request_plan"
    REQUEST_DISCOUNT = "request_discount"
    OFFER_AMOUNT = "offer_amount"
    CANT_PAY = "cant_pay"
    DIDNT_RECEIVE_INVOICE = "didnt_receive_invoice"
    DISPUTE = "dispute"
    WRONG_PERSON = "wrong_person"
    TALK_TO_HUMAN = "talk_to_human"
    OPT_OUT = "opt_out"
    AFFIRM = "affirm"
    DENY = "deny"
    THANKS = "thanks"
    ABUSE = "abuse"
    UNKNOWN = "unknown"


class Reason(StrEnum):
    """Why a debtor cannot pay, when they say so."""

    NO_MONEY = "no_money"
    JOB_LOSS = "job_loss"
    ILLNESS = "illness"
    BUSINESS_SLOW = "business_slow"


@dataclass(frozen=True, slots=True)
class Understanding:
    """The reading of one message.

    Attributes:
        intent: what the debtor means.
        amount: an amount in major units of the debt's currency ("150 mil" -> Decimal("150000")).
        date: the day meant, never before `today`.
        installments: number of payments asked for ("en 3 cuotas" -> 3).
        recurring: True when `amount` is per period, False when once, None without an amount.
        reason: why they cannot pay, for `cant_pay`.
        confidence: 0..1; below `LOW_CONFIDENCE` the flows ask again instead of acting.
    """

    intent: Intent
    amount: Decimal | None = None
    date: date | None = None
    installments: int | None = None
    recurring: bool | None = None
    reason: Reason | None = None
    confidence: float = 1.0

    def as_json(self) -> dict[str, object]:
        """The `recobro understand` output line for this reading."""
        return {
            "intent": self.intent.value,
            "amount": None if self.amount is None else format(self.amount, "f"),
            "date": None if self.date is None else self.date.isoformat(),
            "installments": self.installments,
            "recurring": self.recurring,
            "reason": None if self.reason is None else self.reason.value,
            "confidence": round(self.confidence, 3),
        }


LOW_CONFIDENCE = 0.5
