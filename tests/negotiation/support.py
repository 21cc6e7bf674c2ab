"""Test support: random limits/debts/debtors (hypothesis and seeded), and a third, test-only
reading of the limits (`oracle_problems`) to hold both the generator and the checker to.

The oracle uses Decimal arithmetic and calendar-free day counts written for the tests only, so a
mistake shared by the generator and the checker would have to be made a third time to pass.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal, localcontext

from hypothesis import strategies as st

from bot.negotiation import (
    Currency,
    Frequency,
    Limits,
    Offer,
    OfferKind,
    Proposal,
    Situation,
    validate_limits,
)

CURRENCIES = (
    Currency.of("COP"),  # exponent 2, whole pesos
    Currency.of("CLP"),  # exponent 0
    Currency.of("BRL"),
    Currency.of("USD"),
    Currency.of("JPY"),
    Currency("KWD", 3),  # three decimals
    Currency("XTS", 2, 500),  # an odd payment unit: 5.00
)

TODAY = date(2025, 1, 31)  # month ends make monthly dates interesting

MIN_AMOUNTS = ("1", "10", "50", "100", "1000", "50000", "150000", "12.5", "0.99")
PERCENTS = ("0", "2", "5", "10", "12.5", "20", "33.3", "50")


# -- seeded generator (the 100,000-negotiation run) --------------------------------------


def random_limits(rng: random.Random) -> Limits:
    """Valid random limits, biased towards the edges (tiny windows, odd steps)."""
    while True:
        keys = sorted(rng.sample(range(0, 200), rng.randint(1, 4)))
        percents = sorted(Decimal(rng.choice((*PERCENTS, "60", "75", "99"))) for _ in keys)
        max_installments = rng.choice((1, 2, 3, 4, 6, 12, 13, 24, 36))
        minimum = Decimal(rng.choice(MIN_AMOUNTS))
        frequencies = list(Frequency)
        rng.shuffle(frequencies)
        staff = rng.random() < 0.3
        limits = Limits(
            max_installments=max_installments,
            min_installment=minimum,
            min_down_payment_percent=Decimal(rng.choice((*PERCENTS, "90", "100"))),
            max_plan_days=rng.choice((0, 10, 30, 90, 180, 365, 730)),
            max_postpone_days=rng.choice((0, 1, 7, 30, 60)),
            settlement_pay_within_days=rng.choice((0, 1, 5, 10)),
            max_discount_percent_by_days_overdue=tuple(zip(keys, percents, strict=True)),
            plan_interest_monthly_percent=Decimal(rng.choice(("0", "0", "1.5", "3", "0.7"))),
            plan_fee=Decimal(rng.choice(("0", "0", "10", "0.5"))),
            early_payment_discount_percent=Decimal(rng.choice(("0", "0", "2", "5"))),
            offer_valid_hours=rng.choice((1, 48)),
            approval_threshold=(
                None if rng.random() < 0.8 else minimum * rng.choice((1, 10, 100, 1000))
            ),
            plan_frequencies=tuple(frequencies[: rng.randint(1, 3)]),
            staff_max_discount_percent=Decimal("99") if staff else None,
            staff_max_installments=max_installments * 2 if staff else None,
            staff_max_plan_days=1000 if staff else None,
            staff_max_postpone_days=90 if staff else None,
            concession_steps=rng.randint(2, 5),
        )
        if not validate_limits(limits):
            return limits


def random_situation(rng: random.Random, limits: Limits) -> Situation:
    """A debt sized around the limits: below one instalment up to many times the plan."""
    currency = rng.choice(CURRENCIES)
    scale = 10**currency.exponent
    minimum = int(limits.min_installment * scale) or 1
    balance = max(1, int(minimum * rng.choice((0.3, 1, 1.7, 2, 3.3, 6, 12, 40, 1000))))
    balance += rng.randint(0, scale * 3)  # odd cents
    return Situation(balance, currency, rng.choice((0, 30, 59, 60, 90, 119, 120, 400)), TODAY)


def random_proposal(rng: random.Random, situation: Situation) -> Proposal:
    """Something a debtor could say, often just outside some limit."""
    balance = situation.balance
    roll = rng.random()
    if roll < 0.1:
        return Proposal.pay_in_full()
    if roll < 0.25:
        ahead = rng.choice((0, 3, 15, 30, 31, 45))
        return Proposal.promise(situation.today + timedelta(days=ahead))
    if roll < 0.6:
        count = rng.choice((None, 1, 2, 3, 5, 6, 7, 12, 13, 24, 40))
        share = rng.choice((0.01, 0.1, 0.2, 0.33, 0.5, 1.1))
        amount = rng.choice((None, None, max(1, int(balance * share))))
        frequency = rng.choice((None, *Frequency))
        start = rng.choice((None, None, situation.today + timedelta(days=rng.choice((0, 10, 40)))))
        return Proposal.plan(count, amount, frequency, start)
    if roll < 0.85:
        amount = max(1, int(balance * rng.choice((0.1, 0.5, 0.75, 0.8, 0.9, 0.95, 0.99, 1, 1.2))))
        on = rng.choice((None, None, situation.today + timedelta(days=rng.choice((1, 7, 40)))))
        return Proposal.lump_sum(amount, on)
    percent = rng.choice((None, None, Decimal("3"), Decimal("10"), Decimal("25"), Decimal("60")))
    return Proposal.discount(percent)


# -- hypothesis strategies ----------------------------------------------------------------


@st.composite
def limits_st(draw: st.DrawFn) -> Limits:
    """Valid random limits (hypothesis), drawn field by field so failures shrink."""
    keys = sorted(draw(st.sets(st.integers(0, 200), min_size=1, max_size=4)))
    percents = sorted(
        draw(st.lists(st.decimals("0", "99", places=1), min_size=len(keys), max_size=len(keys)))
    )
    max_installments = draw(st.integers(1, 36))
    minimum = draw(st.sampled_from(MIN_AMOUNTS))
    frequencies = draw(st.permutations(list(Frequency)))[: draw(st.integers(1, 3))]
    staff = draw(st.booleans())
    limits = Limits(
        max_installments=max_installments,
        min_installment=Decimal(minimum),
        min_down_payment_percent=draw(st.decimals("0", "99.9", places=1)),
        max_plan_days=draw(st.integers(0, 800)),
        max_postpone_days=draw(st.integers(0, 90)),
        settlement_pay_within_days=draw(st.integers(0, 15)),
        max_discount_percent_by_days_overdue=tuple(zip(keys, percents, strict=True)),
        plan_interest_monthly_percent=draw(st.sampled_from(("0", "1.5", "3", "0.7")).map(Decimal)),
        plan_fee=draw(st.sampled_from(("0", "10", "0.5")).map(Decimal)),
        early_payment_discount_percent=draw(st.sampled_from(("0", "2", "5")).map(Decimal)),
        offer_valid_hours=draw(st.integers(1, 72)),
        approval_threshold=draw(
            st.none() | st.sampled_from((1, 10, 100, 10000)).map(lambda k: Decimal(minimum) * k)
        ),
        plan_frequencies=tuple(frequencies),
        staff_max_discount_percent=Decimal("99") if staff else None,
        staff_max_installments=max_installments * 2 if staff else None,
        staff_max_plan_days=1000 if staff else None,
        staff_max_postpone_days=120 if staff else None,
        concession_steps=draw(st.integers(2, 6)),
    )
    assert not validate_limits(limits), validate_limits(limits)
    return limits


@st.composite
def situations_st(draw: st.DrawFn, limits: Limits) -> Situation:
    """A debt for `limits` (hypothesis): currency, balance, days overdue."""
    currency = draw(st.sampled_from(CURRENCIES))
    scale = 10**currency.exponent
    minimum = max(1, int(limits.min_installment * scale))
    balance = draw(st.integers(1, minimum * 60) | st.integers(1, 10**12))
    days = draw(st.integers(0, 500))
    return Situation(balance, currency, days, TODAY)


@st.composite
def proposals_st(draw: st.DrawFn, situation: Situation) -> Proposal:
    """A debtor proposal (hypothesis): any kind, amounts relative to the balance."""
    balance = situation.balance
    today = situation.today
    amounts = st.integers(1, balance * 2) | st.sampled_from(
        (balance, max(1, balance - 1), max(1, balance // 2), max(1, balance // 10))
    )
    days = st.integers(0, 120).map(lambda n: today + timedelta(days=n))
    return draw(
        st.one_of(
            st.just(Proposal.pay_in_full()),
            days.map(Proposal.promise),
            st.builds(
                Proposal.plan,
                st.none() | st.integers(1, 60),
                st.none() | amounts,
                st.none() | st.sampled_from(list(Frequency)),
                st.none() | days,
            ),
            st.builds(Proposal.lump_sum, amounts, st.none() | days),
            st.builds(Proposal.discount, st.none() | st.decimals("0.1", "100", places=1)),
        )
    )


# -- the oracle ---------------------------------------------------------------------------

_GAP = {Frequency.MONTHLY: 31, Frequency.BIWEEKLY: 14, Frequency.WEEKLY: 7}
_DAYS_PER_PERIOD = {Frequency.MONTHLY: 30, Frequency.BIWEEKLY: 14, Frequency.WEEKLY: 7}


def table_at(limits: Limits, days: int) -> Decimal:
    """Table lookup, written again for the tests."""
    best_key, best = -1, Decimal(0)
    for key, percent in limits.max_discount_percent_by_days_overdue:
        if best_key < key <= days:
            best_key, best = key, percent
    return best


def oracle_problems(
    offer: Offer, situation: Situation, limits: Limits, staff: bool = False
) -> set[str]:
    """The rule names an offer breaks, by a test-only reading of the limits."""
    with localcontext() as ctx:
        ctx.prec = 80  # exact for every product below
        return _oracle(offer, situation, limits, staff)


def _oracle(offer: Offer, situation: Situation, limits: Limits, staff: bool) -> set[str]:
    out: set[str] = set()
    cur = situation.currency
    scale = Decimal(10) ** cur.exponent
    b = situation.balance
    amounts = [a for _, a in offer.schedule]
    if offer.currency != cur.code:
        out.add("currency")
    if offer.balance != b:
        out.add("balance")
    if not amounts:
        return out | {"shape"}
    days = [(d - situation.today).days for d, _ in offer.schedule]
    if min(amounts) <= 0:
        out.add("positive_amounts")
    if sum(amounts) != offer.total:
        out.add("schedule_sum")
    if any(days[i + 1] <= days[i] for i in range(len(days) - 1)):
        out.add("date_order")
    if min(days) < 0:
        out.add("due_in_past")
    if len([a for a in amounts if a % cur.unit]) >= 2:
        out.add("whole_units")
    if situation.moment > offer.expires_at:
        out.add("offer_expired")
    if (not staff and limits.approval_threshold is not None
            and Decimal(b) > limits.approval_threshold * scale):
        out.add("approval_threshold")
    kind = offer.kind
    if (kind is OfferKind.PLAN) != (len(amounts) >= 2):
        out.add("shape")
    total = Decimal(offer.total)
    early = limits.early_payment_discount_percent
    if kind in (OfferKind.PAY_IN_FULL, OfferKind.SETTLEMENT):
        if offer.total > b:
            out.add("overcharge")
        if max(days) > limits.settlement_pay_within_days:
            out.add("settlement_pay_within_days")
        off_times_100 = (Decimal(b) - total) * 100
        if kind is OfferKind.PAY_IN_FULL:
            if off_times_100 > early * b:
                out.add("early_payment_discount_percent")
        else:
            ceiling = table_at(limits, situation.days_overdue)
            if staff and limits.staff_max_discount_percent is not None:
                ceiling = limits.staff_max_discount_percent
            if off_times_100 > max(ceiling, early) * b:
                out.add("staff_max_discount_percent" if staff else
                        "max_discount_percent_by_days_overdue")
        return out
    postpone = limits.max_postpone_days
    if staff and limits.staff_max_postpone_days is not None:
        postpone = limits.staff_max_postpone_days
    postpone_rule = "staff_max_postpone_days" if staff else "max_postpone_days"
    if kind is OfferKind.PROMISE:
        if offer.total != b:
            out.add("full_balance")
        if max(days) > postpone:
            out.add(postpone_rule)
        return out
    freq = offer.frequency
    if freq is None or freq not in limits.plan_frequencies:
        out.add("plan_frequencies")
    elif any(days[i + 1] - days[i] > _GAP[freq] for i in range(len(days) - 1)):
        out.add("payment_interval")
    count_cap = limits.max_installments
    days_cap = limits.max_plan_days
    if staff:
        count_cap = limits.staff_max_installments or count_cap
        if limits.staff_max_plan_days is not None:
            days_cap = limits.staff_max_plan_days
    if len(amounts) > count_cap:
        out.add("staff_max_installments" if staff else "max_installments")
    if days[-1] > days_cap:
        out.add("staff_max_plan_days" if staff else "max_plan_days")
    if days[0] > postpone:
        out.add(postpone_rule)
    if freq is not None and len(amounts) >= 2:
        # Interest for (count - 1) periods, a month being 30 days. One division, last: the
        # numerator is exact, and a true fraction is at least 1/3000 from a whole number,
        # far above the 80-digit rounding, so int() floors correctly.
        term_days = _DAYS_PER_PERIOD[freq] * (len(amounts) - 1)
        interest = int(b * limits.plan_interest_monthly_percent * term_days / 3000)
        expected = b + interest + int(limits.plan_fee * scale)
        if offer.total < b:
            out.add("full_balance")
        elif offer.total != expected or offer.charges != offer.total - b:
            out.add("plan_charges")
    if Decimal(amounts[0]) * 100 < limits.min_down_payment_percent * total:
        out.add("min_down_payment_percent")
    if min(amounts) < limits.min_installment * scale:
        out.add("min_installment")
    return out


@dataclass
class Tally:
    """Counts for the report of the many-negotiations run."""

    negotiations: int = 0
    decisions: int = 0
    offers_checked: int = 0
    agreements: int = 0
    escalations: int = 0
    violations: int = 0

    def add(self, other: Tally) -> Tally:
        """Sum of two tallies."""
        return replace(
            self,
            **{k: getattr(self, k) + getattr(other, k) for k in self.__dataclass_fields__},
        )


# -- the negotiation driver ---------------------------------------------------------------


def audit(offer: Offer, situation: Situation, limits: Limits, tally: Tally,
          problems: list[str], where: str, *, agreement: bool = False) -> None:
    """Check one offer the core produced: checker == oracle, and nothing broken.

    An offer marked `needs_approval` may break only the approval threshold (staff approve
    it); an agreement the bot accepts may break nothing at all.
    """
    from bot.negotiation import violations

    tally.offers_checked += 1
    found = {v.rule for v in violations(offer, situation, limits)}
    expected = oracle_problems(offer, situation, limits)
    if found != expected:
        problems.append(f"{where}: checker {sorted(found)} != oracle {sorted(expected)}: {offer}")
    threshold = limits.approval_threshold
    above = threshold is not None and situation.currency.to_major(situation.balance) > threshold
    if offer.needs_approval != above:
        problems.append(f"{where}: needs_approval={offer.needs_approval} but above={above}")
    allowed = set() if agreement else {"approval_threshold"}
    bad = (found | expected) - allowed
    if bad:
        tally.violations += len(bad)
        problems.append(f"{where}: breaks {sorted(bad)}: {offer} for {situation} under {limits}")


def negotiate(rng: random.Random, limits: Limits, situation: Situation, tally: Tally,
              problems: list[str], steps: int = 6, audit_ladder: bool = True) -> None:
    """One negotiation of random debtor behaviour: rejects, proposals, accepts."""
    from bot.negotiation import EscalationReason, Outcome, evaluate, ladder, next_offer

    tally.negotiations += 1
    history: list[Offer | Proposal] = []
    last: Offer | None = None
    for rung in ladder(situation, limits) if audit_ladder else ():
        audit(rung, situation, limits, tally, problems, "ladder")
    for step in range(steps):
        roll = rng.random()
        if roll < 0.15 and last is not None:
            # The debtor says yes to the bot's last offer: the engine's guard decides.
            audit(last, situation, limits, tally, problems, "accepted offer",
                  agreement=not last.needs_approval)
            tally.agreements += 1
            return
        if roll < 0.45:
            decision = next_offer(situation, limits, history)
            where = f"next_offer step {step}"
        else:
            proposal = random_proposal(rng, situation)
            decision = evaluate(proposal, situation, limits, history)
            history.append(proposal)
            where = f"evaluate {proposal} step {step}"
        tally.decisions += 1
        if decision.outcome is Outcome.ACCEPT:
            assert decision.offer is not None
            audit(decision.offer, situation, limits, tally, problems, where, agreement=True)
            tally.agreements += 1
            return
        if decision.offer is not None:
            audit(decision.offer, situation, limits, tally, problems, where)
        if decision.outcome is Outcome.OFFER:
            assert decision.offer is not None
            history.append(decision.offer)
            last = decision.offer
            continue
        tally.escalations += 1
        outside = decision.reason in (EscalationReason.OUTSIDE_LIMITS, EscalationReason.INSISTS)
        if outside and not decision.broken:
            problems.append(f"{where}: escalated as outside the limits without a broken limit")
        # An escalation for being outside the limits must really be outside them.
        requested = decision.requested
        if outside and requested is not None and \
                not oracle_problems(requested, situation, limits) - {"approval_threshold"}:
            problems.append(f"{where}: escalated an in-limits request {requested}")
        if rng.random() < 0.5:
            return  # staff take over
