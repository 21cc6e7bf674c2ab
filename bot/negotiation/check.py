"""The independent checker: every limit an offer breaks. The engine's last guard.

Written apart from the generator on purpose: it imports no arithmetic from `schedules` or
`strategy`, compares exact ratios by cross-multiplying integers (a Decimal limit becomes
numerator/denominator once), measures dates in plain day counts (no calendar month
arithmetic) and looks the discount table up its own way. An agreement must never be
created from an offer with a violation; staff-approved offers are checked with
`Authority.STAFF`, which applies the staff ceilings instead of the bot's limits and skips the
approval threshold (staff approving IS the approval).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from bot.negotiation.limits import Frequency, Limits
from bot.negotiation.offers import Offer, OfferKind, Situation
from bot.negotiation.rules import Rule


class Authority(StrEnum):
    """Who stands behind an offer: the bot within its limits, or staff within their ceilings."""

    BOT = "bot"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: its name (see `Rule`) and a plain English sentence for audit and staff."""

    rule: str
    message: str


_Add = Callable[[Rule, str], None]

# The longest gap allowed between two payments at each frequency. 31 because months differ;
# the checker does not need to know which month it is to be safe.
_MAX_GAP_DAYS = {Frequency.MONTHLY: 31, Frequency.BIWEEKLY: 14, Frequency.WEEKLY: 7}
# An interest period as a fraction of a 30-day month, by definition of the limit.
_PERIOD_OVER_MONTH = {Frequency.MONTHLY: (1, 1), Frequency.BIWEEKLY: (14, 30),
                      Frequency.WEEKLY: (7, 30)}


def _table_ceiling(limits: Limits, days_overdue: int) -> Decimal:
    # The entry with the largest key not above days_overdue; none -> no discount.
    eligible = [days for days, _ in limits.max_discount_percent_by_days_overdue
                if days <= days_overdue]
    if not eligible:
        return Decimal(0)
    key = max(eligible)
    return dict(limits.max_discount_percent_by_days_overdue)[key]


def _ratio(value: Decimal) -> tuple[int, int]:
    return value.as_integer_ratio()


def _pct(num: int, den: int) -> str:
    return f"{num / den:.2f}%".replace(".00%", "%")


def _compare_moments(a: datetime, b: datetime) -> tuple[datetime, datetime]:
    # Mixed naive/aware datetimes cannot be compared; fall back to wall-clock times.
    if (a.tzinfo is None) != (b.tzinfo is None):
        return a.replace(tzinfo=None), b.replace(tzinfo=None)
    return a, b


def violations(
    offer: Offer,
    situation: Situation,
    limits: Limits,
    authority: Authority = Authority.BOT,
) -> list[Violation]:
    """Every rule `offer` breaks for `situation` under `limits`; empty means it may be agreed."""
    found: list[Violation] = []

    def add(rule: Rule, message: str) -> None:
        found.append(Violation(rule.value, message))

    cur = situation.currency
    per_major = 10**cur.exponent
    balance = situation.balance
    money = cur.format
    staff = authority is Authority.STAFF

    if offer.currency != cur.code:
        add(Rule.CURRENCY, f"The offer is in {offer.currency} but the debt is in {cur.code}.")
    if offer.balance != balance:
        add(Rule.BALANCE, f"The offer was made for a balance of {money(offer.balance)}, "
                          f"but the balance is now {money(balance)}.")
    schedule = offer.schedule
    if not schedule:
        add(Rule.SHAPE, "The offer has no payments.")
        return found
    amounts = [amount for _, amount in schedule]
    dues = [due for due, _ in schedule]
    days_ahead = [(due - situation.today).days for due in dues]

    if any(amount <= 0 for amount in amounts):
        add(Rule.POSITIVE_AMOUNTS, "Every payment must be more than zero.")
    if sum(amounts) != offer.total:
        add(Rule.SCHEDULE_SUM, f"The payments add up to {money(sum(amounts))}, not to the "
                               f"total of {money(offer.total)}.")
    if any(later <= earlier for earlier, later in itertools.pairwise(dues)):
        add(Rule.DATE_ORDER, "Each payment must fall due after the previous one.")
    if min(days_ahead) < 0:
        add(Rule.DUE_IN_PAST, "A payment falls due before the agreement date.")
    if sum(1 for amount in amounts if amount % cur.unit != 0) > 1:
        add(Rule.WHOLE_UNITS, f"Only one payment may break the payment unit of "
                              f"{money(cur.unit)} (to absorb the remainder).")

    expires, moment = _compare_moments(offer.expires_at, situation.moment)
    if moment > expires:
        add(Rule.OFFER_EXPIRED, "The offer expired before it was accepted.")

    threshold = limits.approval_threshold
    if not staff and threshold is not None and \
            balance * _ratio(threshold)[1] > _ratio(threshold)[0] * per_major:
        add(Rule.APPROVAL_THRESHOLD, f"The balance is above the approval threshold of "
                                     f"{threshold:f}; staff must approve.")

    one_payment = offer.kind is not OfferKind.PLAN
    if one_payment and len(schedule) != 1:
        add(Rule.SHAPE, f"A {offer.kind.value} has exactly one payment, not {len(schedule)}.")
    if not one_payment and len(schedule) < 2:
        add(Rule.SHAPE, "A plan has at least two payments.")

    if offer.kind in (OfferKind.PAY_IN_FULL, OfferKind.SETTLEMENT):
        _check_lump_sum(offer, situation, limits, staff, days_ahead, add)
    elif offer.kind is OfferKind.PROMISE:
        if offer.total != balance:
            add(Rule.FULL_BALANCE, f"A promise is for the whole balance of {money(balance)}.")
        _check_postpone(max(days_ahead), limits, staff, "The promised date", add)
    else:
        _check_plan(offer, situation, limits, staff, amounts, days_ahead, add)
    return found


def _check_postpone(days: int, limits: Limits, staff: bool, what: str, add: _Add) -> None:
    ceiling, rule = limits.max_postpone_days, Rule.MAX_POSTPONE_DAYS
    if staff:
        rule = Rule.STAFF_MAX_POSTPONE_DAYS
        if limits.staff_max_postpone_days is not None:
            ceiling = limits.staff_max_postpone_days
    if days > ceiling:
        add(rule, f"{what} is {days} days ahead; the limit is {ceiling} days.")


def _check_lump_sum(
    offer: Offer, situation: Situation, limits: Limits, staff: bool,
    days_ahead: list[int], add: _Add,
) -> None:
    balance = situation.balance
    if offer.total > balance:
        add(Rule.OVERCHARGE, f"The lump sum of {situation.currency.format(offer.total)} is "
                             "more than the balance.")
    if max(days_ahead) > limits.settlement_pay_within_days:
        add(Rule.SETTLEMENT_PAY_WITHIN_DAYS,
            f"A lump sum must be paid within {limits.settlement_pay_within_days} days, not "
            f"{max(days_ahead)}.")
    # The discount in percent is off * 100 / balance; compare it with num/den by
    # cross-multiplying: off * 100 * den > num * balance.
    off_100 = (balance - offer.total) * 100

    def above(percent: Decimal) -> bool:
        num, den = _ratio(percent)
        return off_100 * den > num * balance

    early = limits.early_payment_discount_percent
    if offer.kind is OfferKind.PAY_IN_FULL:
        if above(early):
            add(Rule.EARLY_PAYMENT_DISCOUNT,
                f"Paying in full earns at most {early:f}% off; this offer gives "
                f"{_pct(off_100, balance)}.")
        return
    if staff:
        rule = Rule.STAFF_MAX_DISCOUNT
        ceiling = (
            limits.staff_max_discount_percent
            if limits.staff_max_discount_percent is not None
            else _table_ceiling(limits, situation.days_overdue)
        )
    else:
        rule = Rule.MAX_DISCOUNT
        ceiling = _table_ceiling(limits, situation.days_overdue)
    # Paying in full now earns the early-payment discount, so a settlement may always give that.
    if above(ceiling) and above(early):
        add(rule, f"At {situation.days_overdue} days overdue the discount may be at most "
                  f"{max(ceiling, early):f}%; this offer gives {_pct(off_100, balance)}.")


def _check_plan(
    offer: Offer, situation: Situation, limits: Limits, staff: bool,
    amounts: list[int], days_ahead: list[int], add: _Add,
) -> None:
    cur = situation.currency
    per_major = 10**cur.exponent
    count = len(amounts)
    frequency = offer.frequency
    if frequency is None or frequency not in limits.plan_frequencies:
        allowed = ", ".join(f.value for f in limits.plan_frequencies)
        add(Rule.PLAN_FREQUENCIES, f"Plans may be {allowed}; this one is "
                                   f"{'unset' if frequency is None else frequency.value}.")
    else:
        gaps = [b - a for a, b in itertools.pairwise(days_ahead)]
        if gaps and max(gaps) > _MAX_GAP_DAYS[frequency]:
            add(Rule.PAYMENT_INTERVAL, f"Two payments are {max(gaps)} days apart; a "
                                       f"{frequency.value} plan allows "
                                       f"{_MAX_GAP_DAYS[frequency]}.")

    max_count, count_rule = limits.max_installments, Rule.MAX_INSTALLMENTS
    max_days, days_rule = limits.max_plan_days, Rule.MAX_PLAN_DAYS
    if staff:
        count_rule, days_rule = Rule.STAFF_MAX_INSTALLMENTS, Rule.STAFF_MAX_PLAN_DAYS
        max_count = limits.staff_max_installments or max_count
        if limits.staff_max_plan_days is not None:
            max_days = limits.staff_max_plan_days
    if count > max_count:
        add(count_rule, f"The plan has {count} payments; the limit is {max_count}.")
    if days_ahead[-1] > max_days:
        add(days_rule, f"The last payment is {days_ahead[-1]} days after the agreement; the "
                       f"limit is {max_days} days.")
    _check_postpone(days_ahead[0], limits, staff, "The first payment", add)

    # The plan total is the balance plus exactly the charges the limits set.
    if frequency is not None and count >= 2:
        # Simple interest: balance x monthly rate x months of term, floored to a minor unit.
        rate_num, rate_den = _ratio(limits.plan_interest_monthly_percent)
        period_num, period_den = _PERIOD_OVER_MONTH[frequency]
        interest = (situation.balance * rate_num * (count - 1) * period_num) // (
            rate_den * 100 * period_den
        )
        fee_num, fee_den = _ratio(limits.plan_fee)
        fee = fee_num * per_major // fee_den
        expected = situation.balance + interest + fee
        if offer.total < situation.balance:
            add(Rule.FULL_BALANCE, f"A plan must pay the whole balance of "
                                   f"{cur.format(situation.balance)}; it pays "
                                   f"{cur.format(offer.total)}.")
        elif offer.total != expected:
            add(Rule.PLAN_CHARGES, f"With interest and fees this plan must total "
                                   f"{cur.format(expected)}, not {cur.format(offer.total)}.")
        elif offer.charges != offer.total - situation.balance:
            add(Rule.PLAN_CHARGES, "The charges shown do not match the plan total.")

    down_num, down_den = _ratio(limits.min_down_payment_percent)
    if amounts[0] * 100 * down_den < down_num * offer.total:
        add(Rule.MIN_DOWN_PAYMENT_PERCENT,
            f"The first payment must be at least {limits.min_down_payment_percent:f}% of the "
            f"plan total; it is {cur.format(amounts[0])}.")
    min_num, min_den = _ratio(limits.min_installment)
    small = [amount for amount in amounts if amount * min_den < min_num * per_major]
    if small:
        add(Rule.MIN_INSTALLMENT, f"No plan payment may be below "
                                  f"{limits.min_installment:f}; one is "
                                  f"{cur.format(min(small))}.")


