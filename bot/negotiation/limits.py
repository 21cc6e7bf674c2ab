"""The limits of one segment: the value, its parsing from plain data, and its validation.

Amounts are in MAJOR units of the debt's currency (Decimal, written as text in TOML so no
decimals are lost); percents are Decimal percents (10 means 10%). Every error is a standalone
English sentence keyed by the field it belongs to, for the web admin to show next to the field.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


class Frequency(StrEnum):
    """How often the payments of a plan fall due."""

    MONTHLY = "monthly"
    BIWEEKLY = "biweekly"
    WEEKLY = "weekly"


DiscountTable = tuple[tuple[int, Decimal], ...]
"""(days overdue, max discount percent) pairs sorted by days: the largest key <= days applies."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What the bot may agree to for one segment. Defaults are the issue's example and safe extras.

    Attributes:
        max_installments: payments in a plan, down payment included.
        min_installment: no plan payment smaller (major units).
        min_down_payment_percent: first payment of a plan, percent of the plan total.
        max_plan_days: last payment at most this many days after the agreement.
        max_postpone_days: a promise (and a plan's first payment) at most this many days ahead.
        settlement_pay_within_days: a lump sum (settlement or pay in full) is paid within this.
        max_discount_percent_by_days_overdue: settlement discount ceiling by days overdue.
        plan_interest_monthly_percent: simple interest on the balance per month of plan term.
        plan_fee: flat fee added to every plan (major units).
        early_payment_discount_percent: discount for paying in full within the lump-sum window.
        offer_valid_hours: an offer expires this many hours after it is made.
        approval_threshold: a balance above it makes every deal need staff (None: no threshold).
        plan_frequencies: frequencies the bot may agree to; the first is the one it offers.
        staff_max_discount_percent: ceiling for discounts staff grant (None: the bot's table).
        staff_max_installments: ceiling on instalments staff grant (None: the bot's limit).
        staff_max_plan_days: ceiling on plan length staff grant (None: the bot's limit).
        staff_max_postpone_days: ceiling on postponement staff grant (None: the bot's limit).
        concession_steps: offers from the first plan (or settlement) to the limit.
        grace_days: days after a due date before a payment counts as missed.
        max_renegotiations: broken agreements the bot renegotiates before handing to staff.
    """

    max_installments: int = 12
    min_installment: Decimal = Decimal("50000")
    min_down_payment_percent: Decimal = Decimal("10")
    max_plan_days: int = 365
    max_postpone_days: int = 30
    settlement_pay_within_days: int = 5
    max_discount_percent_by_days_overdue: DiscountTable = (
        (0, Decimal("0")),
        (60, Decimal("10")),
        (120, Decimal("25")),
    )
    plan_interest_monthly_percent: Decimal = Decimal("0")
    plan_fee: Decimal = Decimal("0")
    early_payment_discount_percent: Decimal = Decimal("0")
    offer_valid_hours: int = 48
    approval_threshold: Decimal | None = None
    plan_frequencies: tuple[Frequency, ...] = (Frequency.MONTHLY,)
    staff_max_discount_percent: Decimal | None = None
    staff_max_installments: int | None = None
    staff_max_plan_days: int | None = None
    staff_max_postpone_days: int | None = None
    concession_steps: int = 3
    grace_days: int = 3
    max_renegotiations: int = 1

    def max_discount_at(self, days_overdue: int) -> Decimal:
        """The settlement discount ceiling (percent) at `days_overdue`, from the table."""
        allowed = Decimal(0)
        for days, percent in self.max_discount_percent_by_days_overdue:
            if days <= days_overdue:
                allowed = percent
        return allowed


class LimitsError(ValueError):
    """Limits an admin wrote that cannot be used; `errors` maps each field to a sentence."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors: dict[str, str] = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


# The keys: an admin must decide them, because amounts depend on the currency.
REQUIRED = (
    "max_installments",
    "min_installment",
    "min_down_payment_percent",
    "max_plan_days",
    "max_postpone_days",
    "settlement_pay_within_days",
    "max_discount_percent_by_days_overdue",
)

LABELS: dict[str, str] = {
    "max_installments": "The maximum number of instalments",
    "min_installment": "The minimum instalment",
    "min_down_payment_percent": "The minimum down payment",
    "max_plan_days": "The longest plan, in days,",
    "max_postpone_days": "The longest postponement, in days,",
    "settlement_pay_within_days": "The days to pay a settlement",
    "max_discount_percent_by_days_overdue": "The discount table",
    "plan_interest_monthly_percent": "The monthly interest on plans",
    "plan_fee": "The plan fee",
    "early_payment_discount_percent": "The discount for paying in full now",
    "offer_valid_hours": "The hours an offer stays valid",
    "approval_threshold": "The approval threshold",
    "plan_frequencies": "The plan frequencies",
    "staff_max_discount_percent": "The staff discount ceiling",
    "staff_max_installments": "The staff ceiling on instalments",
    "staff_max_plan_days": "The staff ceiling on plan length",
    "staff_max_postpone_days": "The staff ceiling on postponement",
    "concession_steps": "The number of concession steps",
    "grace_days": "The grace days before a payment counts as missed",
    "max_renegotiations": "The number of renegotiations after a broken agreement",
}

# Whole-number fields: (smallest, largest). The caps keep plans and loops humanly sized.
_INTS: dict[str, tuple[int, int]] = {
    "max_installments": (1, 360),
    "max_plan_days": (0, 3650),
    "max_postpone_days": (0, 3650),
    "settlement_pay_within_days": (0, 365),
    "offer_valid_hours": (1, 720),
    "concession_steps": (2, 10),
    "grace_days": (0, 90),
    "max_renegotiations": (0, 10),
    "staff_max_installments": (1, 360),
    "staff_max_plan_days": (0, 3650),
    "staff_max_postpone_days": (0, 3650),
}
_AMOUNTS = ("min_installment", "plan_fee", "approval_threshold")
# Percent fields: (largest, whether the largest itself is allowed).
_PERCENTS: dict[str, tuple[Decimal, bool]] = {
    "min_down_payment_percent": (Decimal(100), True),
    "plan_interest_monthly_percent": (Decimal(100), True),
    "early_payment_discount_percent": (Decimal(100), False),
    "staff_max_discount_percent": (Decimal(100), False),
}
OPTIONAL = frozenset(
    {
        "approval_threshold",
        "staff_max_discount_percent",
        "staff_max_installments",
        "staff_max_plan_days",
        "staff_max_postpone_days",
    }
)
INT_FIELDS = frozenset(_INTS)  # whole-number fields, for forms that must read text as ints
NONE_WORD = "none"  # how TOML (which has no null) writes "no value" for an optional field
FIELD_NAMES = tuple(f.name for f in fields(Limits))


def _decimal(raw: object) -> Decimal | None:
    # Floats are refused on purpose: 0.1 in a TOML float is not 0.1, and money must be exact.
    if isinstance(raw, bool) or not isinstance(raw, (int, str, Decimal)):
        return None
    try:
        value = Decimal(raw.strip() if isinstance(raw, str) else raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _parse_int(name: str, raw: object, errors: dict[str, str]) -> int | None:
    label = LABELS[name]
    if isinstance(raw, bool) or not isinstance(raw, int):
        errors[name] = f"{label} must be a whole number, like 12."
        return None
    low, high = _INTS[name]
    if raw < low:
        errors[name] = (
            f"{label} cannot be negative." if low == 0 else f"{label} must be at least {low}."
        )
    elif raw > high:
        errors[name] = f"{label} must be at most {high}."
    return raw


def _parse_amount(name: str, raw: object, errors: dict[str, str]) -> Decimal | None:
    label = LABELS[name]
    value = _decimal(raw)
    if value is None:
        errors[name] = f'{label} must be an amount written as text, like "50000" or "50000.50".'
    elif value < 0:
        errors[name] = f"{label} cannot be negative."
    elif value == 0 and name != "plan_fee":
        errors[name] = f"{label} must be more than zero."
    return value


def _parse_percent(name: str, raw: object, errors: dict[str, str]) -> Decimal | None:
    label = LABELS[name]
    value = _decimal(raw)
    if value is None:
        errors[name] = f'{label} must be a percent written as text, like "10" or "2.5".'
        return None
    top, inclusive = _PERCENTS[name]
    if value < 0:
        errors[name] = f"{label} cannot be negative."
    elif value > top:
        errors[name] = f"{label} cannot be more than 100%."
    elif value == top and not inclusive:
        errors[name] = f"{label} of 100% would forgive the whole debt; use a value below 100."
    return value


def _parse_table(raw: object, errors: dict[str, str]) -> DiscountTable | None:
    name = "max_discount_percent_by_days_overdue"
    if not isinstance(raw, Mapping) or not raw:
        errors[name] = (
            'The discount table must list days overdue and percents, like { "0" = "0", '
            '"60" = "10" }.'
        )
        return None
    pairs: list[tuple[int, Decimal]] = []
    for key, percent_raw in raw.items():
        text = str(key).strip()
        if not text.isdigit():
            errors[name] = (
                f'Each key of the discount table must be a whole number of days overdue, like '
                f'"60"; "{key}" is not.'
            )
            return None
        percent = _decimal(percent_raw)
        if percent is None or percent < 0 or percent >= 100:
            errors[name] = (
                f'The discount at {text} days overdue must be a percent from "0" to below '
                f'"100", written as text.'
            )
            return None
        pairs.append((int(text), percent))
    pairs.sort()
    for (d1, _), (d2, _) in itertools.pairwise(pairs):
        if d1 == d2:
            errors[name] = f"The discount table lists {d1} days overdue twice."
            return None
    return tuple(pairs)


def _parse_frequencies(raw: object, errors: dict[str, str]) -> tuple[Frequency, ...] | None:
    name = "plan_frequencies"
    allowed = '"monthly", "biweekly" or "weekly"'
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, (list, tuple)) or not raw:
        errors[name] = f"The plan frequencies must be a list with one or more of {allowed}."
        return None
    out: list[Frequency] = []
    for item in raw:
        if item not in {f.value for f in Frequency}:
            errors[name] = f'The plan frequency "{item}" is unknown; use {allowed}.'
            return None
        if Frequency(item) in out:
            errors[name] = f'The plan frequencies list "{item}" twice.'
            return None
        out.append(Frequency(item))
    return tuple(out)


def _parse_field(name: str, raw: object, errors: dict[str, str]) -> Any:
    if name in OPTIONAL and isinstance(raw, str) and raw.strip().lower() == NONE_WORD:
        return None
    if name in _INTS:
        return _parse_int(name, raw, errors)
    if name in _AMOUNTS:
        return _parse_amount(name, raw, errors)
    if name in _PERCENTS:
        return _parse_percent(name, raw, errors)
    if name == "max_discount_percent_by_days_overdue":
        return _parse_table(raw, errors)
    return _parse_frequencies(raw, errors)


def parse_limits(
    data: Mapping[str, object], base: Limits | None = None, *, require: bool = False
) -> Limits:
    """Limits from plain data (a TOML table or a web form); missing keys come from `base`.

    `require=True` makes the issue's keys mandatory (the default segment must set them).
    Raises `LimitsError` with one sentence per bad field; keys are the field names.
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key not in FIELD_NAMES:
            errors[str(key)] = f'The setting "{key}" is unknown; check its spelling.'
            continue
        values[key] = _parse_field(key, raw, errors)
    if require:
        for key in REQUIRED:
            if key not in data:
                errors[key] = (
                    f"{LABELS[key]} is missing; the default segment must set it."
                )
    if errors:
        raise LimitsError(errors)
    limits = replace(base if base is not None else Limits(), **values)
    problems = validate_limits(limits)
    if problems:
        raise LimitsError(problems)
    return limits


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def validate_limits(limits: Limits) -> dict[str, str]:
    """Field-level problems of `limits` as {field: sentence}; empty when they are usable.

    Besides each field's range it checks that fields agree: the discount table must not
    decrease as debts age (a smaller discount for an older debt is almost surely a typo, and
    the ladder assumes it), the minimum instalment must not exceed the approval threshold,
    and the staff ceilings must not be below what the bot itself may grant.
    """
    errors: dict[str, str] = {}
    for name in FIELD_NAMES:
        value = getattr(limits, name)
        if value is None and name in OPTIONAL:
            continue
        if name in _INTS:
            _parse_int(name, value, errors)
        elif name in _AMOUNTS:
            _parse_amount(name, value, errors)
        elif name in _PERCENTS:
            _parse_percent(name, value, errors)
        elif name == "max_discount_percent_by_days_overdue":
            _parse_table({str(d): p for d, p in value} if _is_table(value) else None, errors)
        else:
            _parse_frequencies([getattr(f, "value", f) for f in value], errors)
    if errors:
        return errors

    table = limits.max_discount_percent_by_days_overdue
    if len({d for d, _ in table}) != len(table) or list(table) != sorted(table):
        errors["max_discount_percent_by_days_overdue"] = (
            "The discount table must be sorted by days overdue, each listed once."
        )
    for (d1, p1), (d2, p2) in itertools.pairwise(table):
        if p2 < p1:
            errors["max_discount_percent_by_days_overdue"] = (
                f"Discounts must not shrink as debts age: {d2} days overdue allows "
                f"{_pct(p2)}, less than the {_pct(p1)} allowed at {d1} days."
            )
            break
    threshold = limits.approval_threshold
    if threshold is not None and limits.min_installment > threshold:
        errors["min_installment"] = (
            f"The minimum instalment ({limits.min_installment:f}) is above the approval "
            f"threshold ({threshold:f}), so no plan could be agreed without staff; lower it or "
            "raise the threshold."
        )
    if limits.min_down_payment_percent == 100 and limits.max_installments > 1:
        errors["min_down_payment_percent"] = (
            "A down payment of 100% leaves nothing to pay in instalments; to forbid plans, set "
            "the maximum number of instalments to 1 instead."
        )
    top = max(p for _, p in table)
    bot_top = max(top, limits.early_payment_discount_percent)
    staff_discount = limits.staff_max_discount_percent
    if staff_discount is not None and staff_discount < bot_top:
        errors["staff_max_discount_percent"] = (
            f"The staff discount ceiling ({_pct(staff_discount)}) is below the "
            f"{_pct(bot_top)} the bot may already give; it must be at least that."
        )
    for staff_name, bot_name in (
        ("staff_max_installments", "max_installments"),
        ("staff_max_plan_days", "max_plan_days"),
        ("staff_max_postpone_days", "max_postpone_days"),
    ):
        staff_value = getattr(limits, staff_name)
        bot_value = getattr(limits, bot_name)
        if staff_value is not None and staff_value < bot_value:
            errors[staff_name] = (
                f"{LABELS[staff_name]} ({staff_value}) is below the bot's own limit "
                f"({bot_value}); it must be at least that."
            )
    return errors


def _is_table(value: object) -> bool:
    return isinstance(value, tuple) and all(
        isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], int) for p in value
    )


def limits_as_data(limits: Limits, base: Limits | None = None) -> dict[str, object]:
    """The TOML-shaped data of `limits` (text amounts); with `base`, only fields that differ."""
    out: dict[str, object] = {}
    for name in FIELD_NAMES:
        value = getattr(limits, name)
        if base is not None and getattr(base, name) == value:
            continue
        if value is None:
            if base is not None:  # override an inherited value back to "none"
                out[name] = NONE_WORD
            continue
        if isinstance(value, Decimal):
            out[name] = f"{value:f}"
        elif name == "max_discount_percent_by_days_overdue":
            out[name] = {str(d): f"{p:f}" for d, p in value}
        elif name == "plan_frequencies":
            out[name] = [f.value for f in value]
        else:
            out[name] = value
    return out
