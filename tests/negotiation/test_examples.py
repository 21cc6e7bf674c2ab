"""What a debtor, an admin and staff see, one example each."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from bot.negotiation import (
    Authority,
    Currency,
    EscalationReason,
    Frequency,
    Installment,
    Limits,
    OfferKind,
    Outcome,
    Proposal,
    Situation,
    evaluate,
    history_from_dicts,
    ladder,
    next_offer,
    offer_from_proposal,
    preview,
    proposal_from_understanding,
    violations,
)
from bot.understanding import Intent, Understanding

COP = Currency.of("COP")
CLP = Currency.of("CLP")
USD = Currency.of("USD")
TODAY = date(2025, 3, 10)


def pesos(major: int) -> int:
    """COP major units as minor units."""
    return major * 100


def amounts(offer: object) -> list[int]:
    """The schedule's amounts."""
    return [a for _, a in offer.schedule]  # type: ignore[attr-defined]


def rules(offer: object, situation: Situation, limits: Limits, **kw: object) -> list[str]:
    """Names of the rules the checker reports."""
    return [v.rule for v in violations(offer, situation, limits, **kw)]  # type: ignore[arg-type]


SIX_MAX = Limits(max_installments=6, min_installment=Decimal("150000"))


def test_a_debtor_who_offers_150000_a_month_on_1200000_with_at_most_6_instalments_and_a_minimum_of_150000_is_countered_with_6_x_200000() -> None:  # noqa: E501
    situation = Situation(pesos(1_200_000), COP, 20, TODAY)
    decision = evaluate(Proposal.plan(amount=pesos(150_000)), situation, SIX_MAX)
    assert decision.outcome is Outcome.OFFER
    assert decision.offer is not None and decision.offer.kind is OfferKind.PLAN
    assert amounts(decision.offer) == [pesos(200_000)] * 6
    assert decision.broken == ("max_installments",)
    assert "max_installments" in decision.offer.binding
    assert rules(decision.offer, situation, SIX_MAX) == []


def test_a_debtor_who_insists_on_150000_a_month_after_the_counter_goes_to_staff_with_the_proposal() -> None:  # noqa: E501
    situation = Situation(pesos(1_200_000), COP, 20, TODAY)
    said = Proposal.plan(amount=pesos(150_000))
    first = evaluate(said, situation, SIX_MAX)
    assert first.offer is not None
    again = evaluate(said, situation, SIX_MAX, [said, first.offer])
    assert again.outcome is Outcome.ESCALATE
    assert again.reason is EscalationReason.INSISTS
    assert again.proposal == said
    assert again.requested is not None and again.requested.installments == 8
    assert again.offer is not None and amounts(again.offer) == [pesos(200_000)] * 6


def test_a_settlement_at_90_days_overdue_with_the_default_table_is_at_most_10_percent_off_and_starts_below_that() -> None:  # noqa: E501
    situation = Situation(pesos(5_000_000), COP, 90, TODAY)
    settlements = [o for o in ladder(situation, Limits()) if o.kind is OfferKind.SETTLEMENT]
    assert len(settlements) == 3
    assert settlements[0].discount_percent < 10
    assert [o.total for o in settlements] == sorted((o.total for o in settlements), reverse=True)
    assert settlements[-1].total == pesos(4_500_000)  # exactly 10% off, the limit
    assert all(o.total * 10 >= situation.balance * 9 for o in settlements)


def test_a_debtor_who_keeps_saying_no_is_walked_down_the_ladder_and_then_handed_to_staff() -> None:
    situation = Situation(pesos(5_000_000), COP, 90, TODAY)
    history: list[object] = []
    seen = []
    while True:
        decision = next_offer(situation, Limits(), history)  # type: ignore[arg-type]
        if decision.outcome is Outcome.ESCALATE:
            break
        assert decision.offer is not None
        history.append(decision.offer)
        seen.append((decision.offer.kind.value, decision.offer.installments))
    assert seen == [("pay_in_full", 1), ("plan", 3), ("plan", 6), ("plan", 12),
                    ("settlement", 1), ("settlement", 1), ("settlement", 1)]
    assert decision.reason is EscalationReason.NO_OFFER_LEFT


def test_a_promise_45_days_ahead_with_max_postpone_days_30_goes_to_staff() -> None:
    situation = Situation(pesos(800_000), COP, 10, TODAY)
    proposal = Proposal.promise(TODAY + timedelta(days=45))
    decision = evaluate(proposal, situation, Limits())
    assert decision.outcome is Outcome.ESCALATE
    assert decision.reason is EscalationReason.OUTSIDE_LIMITS
    assert decision.broken == ("max_postpone_days",)
    assert decision.proposal == proposal
    # Meanwhile the bot may offer the latest date it can accept.
    assert decision.offer is not None
    assert decision.offer.schedule[0].due == TODAY + timedelta(days=30)


def test_a_promise_20_days_ahead_is_accepted() -> None:
    situation = Situation(pesos(800_000), COP, 10, TODAY)
    decision = evaluate(Proposal.promise(TODAY + timedelta(days=20)), situation, Limits())
    assert decision.outcome is Outcome.ACCEPT
    assert decision.offer is not None and decision.offer.kind is OfferKind.PROMISE
    assert rules(decision.offer, situation, Limits()) == []


def test_clp_amounts_have_no_decimals() -> None:
    limits = replace(Limits(), min_installment=Decimal("5000"))
    situation = Situation(1_000_000, CLP, 130, TODAY)  # CLP exponent 0: minor == major
    offers = ladder(situation, limits)
    assert all(isinstance(a, int) for o in offers for a in amounts(o))
    plan3 = next(o for o in offers if o.installments == 3)
    assert amounts(plan3) == [333_334, 333_333, 333_333]
    assert CLP.format(plan3.total) == "1,000,000 CLP"


def test_the_schedule_of_1000000_in_3_sums_exactly() -> None:
    for currency, balance, first, rest in (
        (COP, pesos(1_000_000), pesos(333_334), pesos(333_333)),  # whole pesos
        (USD, 100_000_000, 33_333_334, 33_333_333),  # cents
    ):
        situation = Situation(balance, currency, 0, TODAY)
        plan = offer_from_proposal(Proposal.plan(3), situation, Limits())
        assert plan is not None
        assert amounts(plan) == [first, rest, rest]
        assert sum(amounts(plan)) == plan.total == balance


def test_a_balance_with_cents_puts_the_cents_in_the_down_payment() -> None:
    situation = Situation(pesos(1_000_000) + 50, COP, 0, TODAY)  # 1,000,000.50 COP
    plan = offer_from_proposal(Proposal.plan(3), situation, Limits())
    assert plan is not None
    assert amounts(plan) == [pesos(333_334) + 50, pesos(333_333), pesos(333_333)]
    assert rules(plan, situation, Limits()) == []


def test_the_admin_preview_of_a_5000000_cop_debt_90_days_overdue() -> None:
    offers = preview(Limits(), pesos(5_000_000), COP, 90, TODAY)
    lines = [(o.kind.value, o.installments, COP.format(o.schedule[-1].amount)) for o in offers]
    assert lines == [
        ("pay_in_full", 1, "5,000,000 COP"),
        ("plan", 3, "1,666,666 COP"),
        ("plan", 6, "833,333 COP"),
        ("plan", 12, "409,090 COP"),
        ("settlement", 1, "4,833,334 COP"),
        ("settlement", 1, "4,666,667 COP"),
        ("settlement", 1, "4,500,000 COP"),
    ]
    assert offers[0].schedule[0].due == TODAY + timedelta(days=5)
    twelve = offers[3]
    assert amounts(twelve)[0] == pesos(500_010)  # the 10% down payment absorbs the remainder
    assert "min_down_payment_percent" in twelve.binding


def test_the_opening_offer_carries_the_early_payment_discount() -> None:
    limits = replace(Limits(), early_payment_discount_percent=Decimal("5"))
    situation = Situation(pesos(1_000_000), COP, 10, TODAY)
    opening = next_offer(situation, limits).offer
    assert opening is not None and opening.kind is OfferKind.PAY_IN_FULL
    assert opening.total == pesos(950_000)
    assert opening.discount_percent == Decimal("5.00")
    assert "early_payment_discount_percent" in opening.binding


def test_a_debtor_with_only_2000000_of_2500000_at_90_days_is_offered_to_pay_that_now_and_the_rest_next_month() -> None:  # noqa: E501
    situation = Situation(pesos(2_500_000), COP, 90, TODAY)
    said = Proposal.lump_sum(pesos(2_000_000))  # "solo tengo 2 millones, ¿me lo reciben?"
    decision = evaluate(said, situation, Limits())
    assert decision.outcome is Outcome.OFFER  # 20% off is above the 10% allowed: never a yes
    assert decision.broken == ("max_discount_percent_by_days_overdue",)
    assert decision.offer is not None
    assert amounts(decision.offer) == [pesos(2_000_000), pesos(500_000)]
    insisted = evaluate(said, situation, Limits(), [said, decision.offer])
    assert insisted.outcome is Outcome.ESCALATE
    assert insisted.reason is EscalationReason.INSISTS


def test_a_settlement_inside_the_limits_is_countered_once_then_accepted() -> None:
    situation = Situation(pesos(2_500_000), COP, 130, TODAY)  # 25% allowed
    said = Proposal.lump_sum(pesos(2_000_000))  # 20% off
    first = evaluate(said, situation, Limits())
    assert first.outcome is Outcome.OFFER
    assert first.offer is not None
    assert pesos(2_000_000) < first.offer.total < pesos(2_500_000)
    second = evaluate(said, situation, Limits(), [said, first.offer])
    assert second.outcome is Outcome.ACCEPT
    assert second.offer is not None and second.offer.total == pesos(2_000_000)
    assert rules(second.offer, situation, Limits()) == []


def test_a_discount_request_when_no_discount_is_allowed_goes_to_staff_with_a_plan_meanwhile() -> None:  # noqa: E501
    situation = Situation(pesos(1_000_000), COP, 30, TODAY)
    history = [next_offer(situation, Limits()).offer]
    decision = evaluate(Proposal.discount(), situation, Limits(), history)  # type: ignore[arg-type]
    assert decision.outcome is Outcome.ESCALATE
    assert decision.broken == ("max_discount_percent_by_days_overdue",)
    assert decision.offer is not None and decision.offer.kind is OfferKind.PLAN


def test_a_discount_request_at_130_days_gets_the_first_settlement_step() -> None:
    situation = Situation(pesos(1_000_000), COP, 130, TODAY)
    decision = evaluate(Proposal.discount(), situation, Limits())
    assert decision.outcome is Outcome.OFFER
    assert decision.offer is not None and decision.offer.kind is OfferKind.SETTLEMENT
    assert 0 < decision.offer.discount_percent < 25


def test_a_request_for_24_instalments_when_12_are_allowed_goes_to_staff_with_12_meanwhile() -> None:
    situation = Situation(pesos(2_400_000), COP, 10, TODAY)
    decision = evaluate(Proposal.plan(24), situation, Limits())
    assert decision.outcome is Outcome.ESCALATE
    # 24 monthly payments also end past max_plan_days (365).
    assert set(decision.broken) == {"max_installments", "max_plan_days"}
    assert decision.offer is not None and decision.offer.installments == 12
    assert decision.requested is not None and decision.requested.installments == 24


def test_a_plan_the_limits_allow_is_accepted_as_asked() -> None:
    situation = Situation(pesos(2_400_000), COP, 10, TODAY)
    decision = evaluate(Proposal.plan(4), situation, Limits())
    assert decision.outcome is Outcome.ACCEPT
    assert decision.offer is not None
    assert amounts(decision.offer) == [pesos(600_000)] * 4


def test_a_weekly_plan_is_offered_only_where_weekly_is_allowed() -> None:
    situation = Situation(pesos(600_000), COP, 10, TODAY)
    asked = Proposal.plan(6, frequency=Frequency.WEEKLY)
    monthly_only = evaluate(asked, situation, Limits())
    assert monthly_only.outcome is Outcome.ESCALATE
    assert monthly_only.broken == ("plan_frequencies",)
    assert monthly_only.offer is not None and monthly_only.offer.frequency is Frequency.MONTHLY
    weekly_ok = replace(Limits(), plan_frequencies=(Frequency.MONTHLY, Frequency.WEEKLY))
    decision = evaluate(asked, situation, weekly_ok)
    assert decision.outcome is Outcome.ACCEPT
    assert decision.offer is not None
    dues = [d for d, _ in decision.offer.schedule]
    assert all((b - a).days == 7 for a, b in itertools.pairwise(dues))


def test_plan_interest_is_added_to_the_total_and_the_schedule_still_sums_exactly() -> None:
    limits = replace(Limits(), plan_interest_monthly_percent=Decimal("2"),
                     plan_fee=Decimal("10000"))
    situation = Situation(pesos(1_000_000), COP, 10, TODAY)
    plan = offer_from_proposal(Proposal.plan(6), situation, limits)
    assert plan is not None
    # 2% a month for the 5 months after the down payment, plus the fee.
    assert plan.charges == pesos(100_000) + pesos(10_000)
    assert sum(amounts(plan)) == plan.total == pesos(1_110_000)
    assert rules(plan, situation, limits) == []
    # Waiving the charges is a concession the limits do not allow.
    last = plan.schedule[-1]
    waived = replace(plan, total=pesos(1_000_000), schedule=(
        *plan.schedule[:-1], Installment(last.due, last.amount - pesos(110_000))))
    assert rules(waived, situation, limits) == ["plan_charges"]


def test_monthly_payments_from_january_31_fall_on_each_month_end() -> None:
    situation = Situation(pesos(300_000), COP, 0, date(2025, 1, 26))
    plan = offer_from_proposal(Proposal.plan(3), situation, Limits())
    assert plan is not None
    dues = [d for d, _ in plan.schedule]
    assert dues == [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)]


def test_above_the_approval_threshold_every_deal_waits_for_staff() -> None:
    limits = replace(Limits(), approval_threshold=Decimal("10000000"))
    situation = Situation(pesos(12_000_000), COP, 10, TODAY)
    opening = next_offer(situation, limits)
    assert opening.outcome is Outcome.OFFER
    assert opening.offer is not None and opening.offer.needs_approval  # "pending approval"
    decision = evaluate(Proposal.plan(6), situation, limits)
    assert decision.outcome is Outcome.ESCALATE
    assert decision.reason is EscalationReason.APPROVAL_REQUIRED
    assert decision.offer is not None and decision.offer.installments == 6
    assert rules(decision.offer, situation, limits) == ["approval_threshold"]
    assert rules(decision.offer, situation, limits, authority=Authority.STAFF) == []


def test_staff_may_counter_beyond_the_bot_up_to_the_staff_ceiling() -> None:
    limits = replace(Limits(), staff_max_discount_percent=Decimal("35"), staff_max_installments=24)
    situation = Situation(pesos(1_000_000), COP, 90, TODAY)  # the bot may give 10%
    thirty = offer_from_proposal(Proposal.discount(Decimal("30")), situation, limits)
    forty = offer_from_proposal(Proposal.discount(Decimal("40")), situation, limits)
    assert thirty is not None and forty is not None
    assert rules(thirty, situation, limits) == ["max_discount_percent_by_days_overdue"]
    assert rules(thirty, situation, limits, authority=Authority.STAFF) == []
    assert rules(forty, situation, limits, authority=Authority.STAFF) == [
        "staff_max_discount_percent"
    ]
    long_plan = offer_from_proposal(Proposal.plan(18), situation, limits)
    assert long_plan is not None
    # 18 monthly payments end 17 months out: past max_plan_days too, which staff do not lift.
    assert set(rules(long_plan, situation, limits, authority=Authority.STAFF)) == {
        "staff_max_plan_days"
    }


def test_an_offer_accepted_after_it_expired_is_refused_by_the_checker() -> None:
    now = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    situation = Situation(pesos(500_000), COP, 10, TODAY, now)
    offer = next_offer(situation, Limits()).offer
    assert offer is not None and offer.expires_at == now + timedelta(hours=48)
    later = replace(situation, now=now + timedelta(hours=49), today=TODAY + timedelta(days=2))
    assert "offer_expired" in rules(offer, later, Limits())
    assert rules(offer, replace(situation, now=now + timedelta(hours=47)), Limits()) == []


def test_a_stale_offer_for_an_old_balance_is_refused() -> None:
    situation = Situation(pesos(500_000), COP, 10, TODAY)
    offer = next_offer(situation, Limits()).offer
    assert offer is not None
    assert "balance" in rules(offer, replace(situation, balance=pesos(400_000)), Limits())


def test_the_negotiation_history_rebuilt_from_stored_json_gives_the_same_next_offer() -> None:
    situation = Situation(pesos(5_000_000), COP, 90, TODAY,
                          datetime(2025, 3, 10, 9, 0, tzinfo=timezone(timedelta(hours=-5))))
    history: list[object] = []
    for proposal in (Proposal.plan(amount=pesos(100_000)), Proposal.discount()):
        history.append(proposal)
        decision = evaluate(proposal, situation, Limits(), history)  # type: ignore[arg-type]
        if decision.offer is not None:
            history.append(decision.offer)
    stored = json.loads(json.dumps([e.as_dict() for e in history]))  # type: ignore[attr-defined]
    rebuilt = history_from_dicts(stored)
    assert list(rebuilt) == history
    assert next_offer(situation, Limits(), rebuilt) == next_offer(
        situation, Limits(), history  # type: ignore[arg-type]
    )


def test_appending_the_proposal_to_the_history_before_evaluating_it_changes_nothing() -> None:
    situation = Situation(pesos(1_200_000), COP, 20, TODAY)
    said = Proposal.plan(amount=pesos(150_000))
    assert evaluate(said, situation, SIX_MAX, [said]) == evaluate(said, situation, SIX_MAX)
    first = evaluate(said, situation, SIX_MAX).offer
    assert first is not None
    assert evaluate(said, situation, SIX_MAX, [said, first, said]).reason is (
        EscalationReason.INSISTS
    )


def test_what_the_debtor_says_becomes_a_proposal() -> None:
    def read(intent: Intent, **kw: object) -> Proposal | None:
        return proposal_from_understanding(Understanding(intent, **kw), COP)  # type: ignore[arg-type]

    assert read(Intent.WILL_PAY_NOW) == Proposal.pay_in_full()
    assert read(Intent.PROMISE_TO_PAY, date=TODAY) == Proposal.promise(TODAY)
    assert read(Intent.PROMISE_TO_PAY) is None
    assert read(Intent.OFFER_AMOUNT, amount=Decimal("150000"), recurring=True) == Proposal.plan(
        amount=pesos(150_000)
    )
    assert read(Intent.OFFER_AMOUNT, amount=Decimal("2000000"), recurring=False) == (
        Proposal.lump_sum(pesos(2_000_000))
    )
    assert read(Intent.REQUEST_PLAN, installments=6) == Proposal.plan(6)
    assert read(Intent.REQUEST_DISCOUNT) == Proposal.discount()
    assert read(Intent.CANT_PAY) is None
