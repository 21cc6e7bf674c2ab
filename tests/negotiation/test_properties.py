"""Property-based tests: whatever the limits, debt and debtor, the core never breaks a limit."""

from __future__ import annotations

import json
import os
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.negotiation import (
    EscalationReason,
    Limits,
    Offer,
    OfferKind,
    Outcome,
    Proposal,
    Situation,
    evaluate,
    history_from_dicts,
    ladder,
    next_offer,
)
from bot.negotiation.schedules import split

from .support import (
    Tally,
    audit,
    limits_st,
    oracle_problems,
    proposals_st,
    situations_st,
    table_at,
)

# NEGOTIATION_EXAMPLES=5000 for a deeper local run.
EXAMPLES = int(os.environ.get("NEGOTIATION_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def keeps_the_limits(offer: Offer, situation: Situation, limits: Limits) -> None:
    """The brief's invariants, spelled out one by one (Decimal arithmetic, test-only)."""
    amounts = [a for _, a in offer.schedule]
    days = [(d - situation.today).days for d, _ in offer.schedule]
    scale = Decimal(10) ** situation.currency.exponent
    assert sum(amounts) == offer.total, "the schedule sums exactly"
    assert days == sorted(set(days)) and days[0] >= 0, "dates ahead and in order"
    if offer.kind is OfferKind.PLAN:
        assert 2 <= len(amounts) <= limits.max_installments
        assert days[-1] <= limits.max_plan_days, "last payment within max_plan_days"
        assert Decimal(amounts[0]) * 100 >= limits.min_down_payment_percent * offer.total, (
            "first payment >= down payment percent"
        )
        assert all(Decimal(a) >= limits.min_installment * scale for a in amounts), (
            "every plan payment >= min_installment"
        )
        assert offer.total >= situation.balance
    elif offer.kind is OfferKind.PROMISE:
        assert offer.total == situation.balance and days[0] <= limits.max_postpone_days
    else:
        ceiling = max(table_at(limits, situation.days_overdue),
                      limits.early_payment_discount_percent)
        if offer.kind is OfferKind.PAY_IN_FULL:
            ceiling = limits.early_payment_discount_percent
        off = Decimal(situation.balance - offer.total) * 100
        assert 0 <= off <= ceiling * situation.balance, "discount within the limit"
        assert days[0] <= limits.settlement_pay_within_days
    non_unit = [a for a in amounts if a % situation.currency.unit]
    assert len(non_unit) <= 1, "whole payment units, one payment may absorb the remainder"


@SETTINGS
@given(st.data())
def test_no_offer_or_agreement_the_core_makes_breaks_a_limit(data: st.DataObject) -> None:
    limits = data.draw(limits_st(), "limits")
    situation = data.draw(situations_st(limits), "situation")
    tally = Tally()
    problems: list[str] = []
    history: list[Offer | Proposal] = []
    last: Offer | None = None
    for _ in range(data.draw(st.integers(1, 6), "steps")):
        action = data.draw(st.sampled_from(("reject", "propose", "propose", "accept")))
        if action == "accept" and last is not None:
            audit(last, situation, limits, tally, problems, "accept",
                  agreement=not last.needs_approval)
            keeps_the_limits(last, situation, limits)
            break
        if action == "reject":
            decision = next_offer(situation, limits, history)
        else:
            proposal = data.draw(proposals_st(situation), "proposal")
            decision = evaluate(proposal, situation, limits, history)
            history.append(proposal)
            refused = decision.outcome is Outcome.ESCALATE and decision.requested is not None
            if refused and decision.reason is not EscalationReason.APPROVAL_REQUIRED:
                # Not a yes only when the request is really outside the limits.
                assert decision.broken
        if decision.offer is not None:
            audit(decision.offer, situation, limits, tally, problems, str(decision.outcome),
                  agreement=decision.outcome is Outcome.ACCEPT)
            keeps_the_limits(decision.offer, situation, limits)
        if decision.outcome is Outcome.ACCEPT:
            assert decision.requested is not None
            assert not oracle_problems(decision.requested, situation, limits)
            break
        if decision.outcome is Outcome.OFFER and decision.offer is not None:
            history.append(decision.offer)
            last = decision.offer
    assert problems == []
    assert tally.violations == 0


@SETTINGS
@given(st.data())
def test_the_ladder_concedes_step_by_step_and_never_opens_a_settlement_at_the_limit(
    data: st.DataObject,
) -> None:
    limits = data.draw(limits_st())
    situation = data.draw(situations_st(limits))
    offers = ladder(situation, limits)
    assert offers[0].kind is OfferKind.PAY_IN_FULL
    kinds = [o.kind for o in offers]
    assert kinds == sorted(kinds, key=[OfferKind.PAY_IN_FULL, OfferKind.PLAN,
                                       OfferKind.SETTLEMENT].index)
    counts = [o.installments for o in offers if o.kind is OfferKind.PLAN]
    assert counts == sorted(set(counts))
    assert len(counts) <= limits.concession_steps
    totals = [o.total for o in offers if o.kind is OfferKind.SETTLEMENT]
    assert totals == sorted(set(totals), reverse=True)
    assert all(t < offers[0].total for t in totals)
    ceiling = table_at(limits, situation.days_overdue)
    if len(totals) >= 2:
        assert Decimal(situation.balance - totals[0]) * 100 < ceiling * situation.balance
    for offer in offers:
        keeps_the_limits(offer, situation, limits)


@SETTINGS
@given(
    total=st.integers(1, 10**13),
    count=st.integers(1, 60),
    unit=st.sampled_from((1, 100, 500, 1000)),
    down_percent=st.integers(0, 100),
)
def test_a_split_sums_exactly_in_whole_units_with_the_down_payment_first(
    total: int, count: int, unit: int, down_percent: int
) -> None:
    down = -(-total * down_percent // 100)
    amounts = split(total, count, unit, down)
    if amounts is None:
        # Only when an even split, or what the down payment leaves, is below one unit each.
        assert count > 1
        assert total // count < unit or (total - down) // (count - 1) < unit
        return
    assert sum(amounts) == total and len(amounts) == count
    assert amounts[0] >= down and all(a > 0 for a in amounts)
    assert all(a % unit == 0 for a in amounts[1:])
    assert len(set(amounts[1:])) <= 1 and amounts[0] >= amounts[-1]


@SETTINGS
@given(st.data())
def test_offers_and_proposals_survive_a_json_round_trip(data: st.DataObject) -> None:
    limits = data.draw(limits_st())
    situation = data.draw(situations_st(limits))
    events: list[Offer | Proposal] = [*ladder(situation, limits),
                                      data.draw(proposals_st(situation))]
    stored = json.loads(json.dumps([e.as_dict() for e in events]))
    assert list(history_from_dicts(stored)) == events
