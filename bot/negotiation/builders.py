"""Building offers for one situation under one segment's limits (the generator side).

`Builder` turns terms into `Offer` values and knows which plans fit the bot's limits. It never
decides what to offer; `strategy.py` does. Offers it builds from a debtor's literal terms may
break limits: that is how the strategy learns what a proposal breaks (via the checker).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from bot.negotiation.limits import Frequency, Limits
from bot.negotiation.offers import Installment, Offer, OfferKind, Situation
from bot.negotiation.rules import Rule
from bot.negotiation.schedules import (
    add_periods,
    ceil_div,
    due_dates,
    lump_total,
    percent_of_up,
    plan_charges,
    split,
    split_after_first,
)

MAX_LITERAL_INSTALLMENTS = 1200
"""A debtor's plan longer than this is not built at all (it is reported as too many payments)."""


class Builder:
    """Offer arithmetic for one (situation, limits)."""

    def __init__(self, situation: Situation, limits: Limits) -> None:
        self.situation = situation
        self.limits = limits
        cur = situation.currency
        self.balance = situation.balance
        self.today = situation.today
        self.unit = cur.unit
        self.min_minor = cur.to_minor(limits.min_installment, up=True)
        # A lump sum is due at the end of its window: the debtor gets the whole window.
        self.lump_due = self.today + timedelta(days=limits.settlement_pay_within_days)
        # A plan's down payment falls due like a lump sum, never later than a promise may.
        self.first_due = self.today + timedelta(
            days=min(limits.settlement_pay_within_days, limits.max_postpone_days)
        )
        self.frequency = limits.plan_frequencies[0]
        threshold = limits.approval_threshold
        self.needs_approval = (
            threshold is not None and cur.to_major(self.balance) > threshold
        )
        self.expires_at = situation.moment + timedelta(hours=limits.offer_valid_hours)

    # -- values -------------------------------------------------------------------------

    def offer(
        self,
        kind: OfferKind,
        amounts: tuple[int, ...],
        dues: tuple[date, ...],
        *,
        charges: int = 0,
        frequency: Frequency | None = None,
        binding: tuple[Rule, ...] = (),
    ) -> Offer:
        """An offer with `amounts` due on `dues`."""
        total = sum(amounts)
        off = max(0, self.balance - total)
        hundredths = ceil_div(off * 10000, self.balance)
        rules = binding + ((Rule.APPROVAL_THRESHOLD,) if self.needs_approval else ())
        return Offer(
            kind=kind,
            currency=self.situation.currency.code,
            balance=self.balance,
            schedule=tuple(Installment(d, a) for d, a in zip(dues, amounts, strict=True)),
            total=total,
            discount_percent=Decimal(hundredths).scaleb(-2),
            charges=charges,
            frequency=frequency,
            made_on=self.today,
            expires_at=self.expires_at,
            binding=tuple(dict.fromkeys(r.value for r in rules)),
            needs_approval=self.needs_approval,
        )

    def pay_in_full(self) -> Offer:
        """The whole balance within the lump-sum window, less the early-payment discount."""
        num, den = self.limits.early_payment_discount_percent.as_integer_ratio()
        total = lump_total(self.balance, num, den * 100, self.unit)
        binding = [Rule.SETTLEMENT_PAY_WITHIN_DAYS]
        if total < self.balance:
            binding.append(Rule.EARLY_PAYMENT_DISCOUNT)
        return self.offer(OfferKind.PAY_IN_FULL, (total,), (self.lump_due,),
                          binding=tuple(binding))

    def promise(self, on: date, binding: tuple[Rule, ...] = ()) -> Offer:
        """The whole balance on `on`."""
        return self.offer(OfferKind.PROMISE, (self.balance,), (max(on, self.today),),
                          binding=binding)

    def settlement(self, total: int, on: date | None = None,
                   binding: tuple[Rule, ...] = ()) -> Offer:
        """A lump sum of `total`, due on `on` or at the end of the window."""
        due = self.lump_due if on is None else max(on, self.today)
        return self.offer(OfferKind.SETTLEMENT, (total,), (due,), binding=binding)

    def settlement_at(self, percent: Fraction, binding: tuple[Rule, ...] = ()) -> Offer | None:
        """A settlement `percent`% off, rounded so the discount is never larger; None at 100%."""
        total = lump_total(self.balance, percent.numerator, percent.denominator * 100, self.unit)
        return None if total <= 0 else self.settlement(total, binding=binding)

    # -- plans --------------------------------------------------------------------------

    def plan_amounts(self, count: int, frequency: Frequency) -> tuple[int, tuple[int, ...] | None]:
        """(charges, amounts) of the standard plan of `count`: equal, down payment first."""
        charges = plan_charges(self.balance, count, frequency, self.limits,
                               self.situation.currency)
        total = self.balance + charges
        down = percent_of_up(total, self.limits.min_down_payment_percent)
        return charges, split(total, count, self.unit, down)

    def plan_failure(self, count: int, frequency: Frequency, first_due: date) -> Rule | None:
        """The first bot limit the standard plan of `count` would break, or None if it fits."""
        limits = self.limits
        if count > limits.max_installments:
            return Rule.MAX_INSTALLMENTS
        if frequency not in limits.plan_frequencies:
            return Rule.PLAN_FREQUENCIES
        if (first_due - self.today).days > limits.max_postpone_days:
            return Rule.MAX_POSTPONE_DAYS
        if (add_periods(first_due, count - 1, frequency) - self.today).days > limits.max_plan_days:
            return Rule.MAX_PLAN_DAYS
        _, amounts = self.plan_amounts(count, frequency)
        if amounts is None or amounts[-1] < self.min_minor:
            return Rule.MIN_INSTALLMENT
        return None

    def max_count(self, frequency: Frequency, first_due: date) -> tuple[int, Rule]:
        """The most payments a plan may have (0 if no plan fits), and the limit that caps it."""
        top = self.limits.max_installments
        for count in range(top, 1, -1):
            if self.plan_failure(count, frequency, first_due) is None:
                if count == top:
                    return count, Rule.MAX_INSTALLMENTS
                cap = self.plan_failure(count + 1, frequency, first_due)
                return count, cap or Rule.MAX_INSTALLMENTS
        return 0, self.plan_failure(2, frequency, first_due) or Rule.MAX_INSTALLMENTS

    def plan(self, count: int, frequency: Frequency, first_due: date,
             binding: tuple[Rule, ...] = ()) -> Offer | None:
        """The standard plan of `count` payments (not checked against limits); None if absurd."""
        charges, amounts = self.plan_amounts(count, frequency)
        if amounts is None:
            return None
        total = self.balance + charges
        # The down payment is binding when it made the first payment bigger than an even split.
        if amounts != split(total, count, self.unit, 0):
            binding += (Rule.MIN_DOWN_PAYMENT_PERCENT,)
        if charges:
            binding += (Rule.PLAN_INTEREST, Rule.PLAN_FEE)
        return self.offer(OfferKind.PLAN, amounts, due_dates(first_due, count, frequency),
                          charges=charges, frequency=frequency, binding=binding)

    def count_for_amount(self, amount: int, frequency: Frequency) -> int | None:
        """The fewest payments (>= 2) whose regular payment is at most `amount`; None if none."""

        def fits(count: int) -> bool:
            regular = self.plan_amounts(count, frequency)[1]
            return regular is not None and regular[-1] <= amount

        # Regular payments shrink as the count grows, so search; then step down over the
        # odd rounding wiggle so the result really is the fewest.
        low, high = 2, min(MAX_LITERAL_INSTALLMENTS, max(2, self.balance // self.unit))
        if not fits(high):
            return None
        while low < high:
            mid = (low + high) // 2
            if fits(mid):
                high = mid
            else:
                low = mid + 1
        while low > 2 and fits(low - 1):
            low -= 1
        return low

    def partial_plan(self, first: int, frequency: Frequency) -> Offer | None:
        """A plan whose down payment is `first` (what the debtor has now), inside the limits.

        It takes the fewest payments whose later instalments are not bigger than `first`,
        or the most the limits allow; None when no such plan fits.
        """
        first = first // self.unit * self.unit
        if first < self.min_minor:
            return None
        top, cap = self.max_count(frequency, self.first_due)
        best: Offer | None = None
        for count in range(2, top + 1):
            charges = plan_charges(self.balance, count, frequency, self.limits,
                                   self.situation.currency)
            total = self.balance + charges
            amounts = split_after_first(total, first, count, self.unit)
            if amounts is None or amounts[1] < self.min_minor:
                break  # more payments only make them smaller
            if first < percent_of_up(total, self.limits.min_down_payment_percent):
                continue
            best = self.offer(
                OfferKind.PLAN, amounts, due_dates(self.first_due, count, frequency),
                charges=charges, frequency=frequency,
                binding=(cap,) if count == top else (),
            )
            if amounts[1] <= first:
                break
        return best
