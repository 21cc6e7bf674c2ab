"""The independent checker catches every kind of broken limit, and agrees with the test oracle."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.negotiation import (
    Authority,
    Currency,
    Frequency,
    Installment,
    Limits,
    Offer,
    OfferKind,
    Proposal,
    Situation,
    ladder,
    offer_from_proposal,
    violations,
)

from .support import (
    limits_st,
    oracle_problems,
    proposals_st,
    situations_st,
)

COP = Currency.of("COP")
TODAY = date(2025, 3, 10)
SITUATION = Situation(100_000_000, COP, 90, TODAY)  # 1,000,000 COP, 90 days overdue
LIMITS = Limits()


def rungs() -> dict[str, Offer]:
    """One valid offer of each kind on SITUATION."""
    offers = ladder(SITUATION, LIMITS)
    promise = offer_from_proposal(Proposal.promise(TODAY + timedelta(days=10)), SITUATION, LIMITS)
    assert promise is not None
    return {
        "pay_in_full": offers[0],
        "plan": next(o for o in offers if o.installments == 6),
        "settlement": next(o for o in offers if o.kind is OfferKind.SETTLEMENT),
        "promise": promise,
    }


def with_amounts(offer: Offer, amounts: list[int], *, keep_total: bool = False) -> Offer:
    """`offer` with new amounts (same dates); the total follows unless `keep_total`."""
    schedule = tuple(Installment(d, a) for (d, _), a in zip(offer.schedule, amounts, strict=True))
    total = offer.total if keep_total else sum(amounts)
    return replace(offer, schedule=schedule, total=total)


def with_dues(offer: Offer, dues: list[date]) -> Offer:
    """`offer` with new due dates."""
    return replace(offer, schedule=tuple(
        Installment(d, a) for d, (_, a) in zip(dues, offer.schedule, strict=True)))


def names(offer: Offer, **kw: object) -> set[str]:
    """Rule names the checker reports on SITUATION/LIMITS."""
    return {v.rule for v in violations(offer, SITUATION, LIMITS, **kw)}  # type: ignore[arg-type]


def test_offers_from_the_ladder_pass() -> None:
    for offer in rungs().values():
        assert names(offer) == set()


def test_each_broken_rule_is_reported_by_name() -> None:
    r = rungs()
    plan, settlement, full, promise = r["plan"], r["settlement"], r["pay_in_full"], r["promise"]
    a = [x for _, x in plan.schedule]
    dues = [d for d, _ in plan.schedule]
    cases: list[tuple[Offer, set[str]]] = [
        (with_amounts(plan, [a[0] + 100, *a[1:]], keep_total=True), {"schedule_sum"}),
        (with_amounts(plan, [a[0] - 1, *a[1:-1], a[-1] + 1]), {"whole_units"}),
        (with_amounts(plan, [a[0] - 7_000_000, *a[1:-1], a[-1] + 7_000_000]),
         {"min_down_payment_percent"}),
        (with_dues(plan, [*dues[:-1], TODAY + timedelta(days=400)]),
         {"max_plan_days", "payment_interval"}),
        (with_dues(plan, [dues[1], dues[0], *dues[2:]]),
         {"date_order", "payment_interval", "max_postpone_days"}),  # first due 36 days out
        (with_dues(plan, [TODAY - timedelta(days=1), *dues[1:]]),
         {"due_in_past", "payment_interval"}),
        (with_dues(plan, [TODAY + timedelta(days=31 + 7 * i) for i in range(6)]),
         {"max_postpone_days"}),
        (replace(plan, frequency=Frequency.WEEKLY), {"plan_frequencies"}),
        (replace(plan, frequency=None), {"plan_frequencies"}),
        (with_amounts(plan, [a[0] - 1_000_000, *a[1:]]), {"full_balance"}),
        (with_amounts(plan, [a[0] + 1_000_000, *a[1:]]), {"plan_charges"}),
        (replace(plan, kind=OfferKind.SETTLEMENT),
         {"shape", "settlement_pay_within_days"}),
        (with_amounts(settlement, [settlement.total - 10_000_000]),
         {"max_discount_percent_by_days_overdue"}),
        (with_dues(settlement, [TODAY + timedelta(days=6)]), {"settlement_pay_within_days"}),
        (with_amounts(full, [full.total - 100]), {"early_payment_discount_percent"}),
        (with_amounts(full, [full.total + 100]), {"overcharge"}),
        (with_dues(promise, [TODAY + timedelta(days=31)]), {"max_postpone_days"}),
        (with_amounts(promise, [promise.total - 100]), {"full_balance"}),
        (replace(full, currency="USD"), {"currency"}),
        (replace(full, balance=full.balance + 1), {"balance"}),
        (replace(full, schedule=(), total=0), {"shape"}),
        (with_amounts(full, [0]), {"positive_amounts", "early_payment_discount_percent"}),
    ]
    for offer, expected in cases:
        assert names(offer) == expected, offer


def test_a_plan_with_too_many_or_too_small_payments_is_reported() -> None:
    tight = replace(LIMITS, max_installments=4, min_installment=Decimal("200000"))
    plan = rungs()["plan"]  # 6 payments of about 166,666 COP
    assert {v.rule for v in violations(plan, SITUATION, tight)} == {
        "max_installments", "min_installment"
    }


def test_the_staff_authority_applies_the_staff_ceilings_and_skips_the_threshold() -> None:
    limits = replace(LIMITS, approval_threshold=Decimal("500000"),
                     staff_max_discount_percent=Decimal("30"))
    settlement = with_amounts(rungs()["settlement"], [75_000_000])  # 25% off
    assert {v.rule for v in violations(settlement, SITUATION, limits)} == {
        "approval_threshold", "max_discount_percent_by_days_overdue"
    }
    assert violations(settlement, SITUATION, limits, Authority.STAFF) == []
    deeper = with_amounts(settlement, [65_000_000])  # 35% off
    assert [v.rule for v in violations(deeper, SITUATION, limits, Authority.STAFF)] == [
        "staff_max_discount_percent"
    ]


def test_violation_messages_are_plain_sentences() -> None:
    plan = rungs()["plan"]
    bad = with_dues(plan, [*[d for d, _ in plan.schedule][:-1], TODAY + timedelta(days=400)])
    messages = {v.rule: v.message for v in violations(bad, SITUATION, LIMITS)}
    assert messages["max_plan_days"] == (
        "The last payment is 400 days after the agreement; the limit is 365 days."
    )


@st.composite
def mutated(draw: st.DrawFn) -> tuple[Offer, Situation, Limits]:
    """An offer from the core or a debtor, then randomly bent, with its situation and limits."""
    limits = draw(limits_st())
    situation = draw(situations_st(limits))
    offers = list(ladder(situation, limits))
    literal = offer_from_proposal(draw(proposals_st(situation)), situation, limits)
    if literal is not None:
        offers.append(literal)
    offer = draw(st.sampled_from(offers))
    for _ in range(draw(st.integers(0, 3))):
        offer = draw(st.sampled_from(MUTATIONS))(draw, offer)
    return offer, situation, limits


def _nudge_amount(draw: st.DrawFn, offer: Offer) -> Offer:
    i = draw(st.integers(0, len(offer.schedule) - 1))
    delta = draw(st.sampled_from((-1000, -1, 1, 1000, 100_000)))
    amounts = [a for _, a in offer.schedule]
    amounts[i] += delta
    return with_amounts(offer, amounts, keep_total=draw(st.booleans()))


def _nudge_date(draw: st.DrawFn, offer: Offer) -> Offer:
    i = draw(st.integers(0, len(offer.schedule) - 1))
    dues = [d for d, _ in offer.schedule]
    dues[i] += timedelta(days=draw(st.sampled_from((-40, -1, 1, 7, 400))))
    return with_dues(offer, dues)


def _drop_or_add(draw: st.DrawFn, offer: Offer) -> Offer:
    last = offer.schedule[-1]
    if draw(st.booleans()) and len(offer.schedule) > 1:
        schedule = offer.schedule[:-1]
    else:
        schedule = (*offer.schedule, Installment(last.due + timedelta(days=30), last.amount))
    return replace(offer, schedule=schedule, total=sum(a for _, a in schedule))


def _other_kind(draw: st.DrawFn, offer: Offer) -> Offer:
    return replace(offer, kind=draw(st.sampled_from(list(OfferKind))),
                   frequency=draw(st.none() | st.sampled_from(list(Frequency))))


def _other_time(draw: st.DrawFn, offer: Offer) -> Offer:
    return replace(offer, expires_at=offer.expires_at - timedelta(hours=draw(st.integers(0, 100))))


MUTATIONS = (_nudge_amount, _nudge_date, _drop_or_add, _other_kind, _other_time)


@settings(max_examples=int(os.environ.get("NEGOTIATION_EXAMPLES", "500")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.sampled_from(list(Authority)))
def test_the_checker_and_the_oracle_agree_on_any_offer(
    case: tuple[Offer, Situation, Limits], authority: Authority
) -> None:
    offer, situation, limits = case
    found = {v.rule for v in violations(offer, situation, limits, authority)}
    assert found == oracle_problems(offer, situation, limits, staff=authority is Authority.STAFF)


@pytest.mark.parametrize("currency", [Currency.of("USD"), Currency("KWD", 3)])
def test_limits_in_major_units_compare_exactly_in_every_exponent(currency: Currency) -> None:
    limits = replace(LIMITS, min_installment=Decimal("12.5"), max_installments=2,
                     min_down_payment_percent=Decimal("0"))
    scale = 10**currency.exponent
    situation = Situation(25 * scale, currency, 0, TODAY)
    plan = offer_from_proposal(Proposal.plan(2), situation, limits)
    assert plan is not None and [a for _, a in plan.schedule] == [125 * scale // 10] * 2
    assert violations(plan, situation, limits) == []
    short = with_amounts(plan, [plan.total - (125 * scale // 10 - 1), 125 * scale // 10 - 1])
    assert {v.rule for v in violations(short, situation, limits)} == {"min_installment"}


def test_a_minimum_of_12_5_is_not_rounded_down_for_a_currency_without_decimals() -> None:
    limits = replace(LIMITS, min_installment=Decimal("12.5"), max_installments=2,
                     min_down_payment_percent=Decimal("0"))
    situation = Situation(25, Currency.of("CLP"), 0, TODAY)
    plan = offer_from_proposal(Proposal.plan(2), situation, limits)
    assert plan is not None and [a for _, a in plan.schedule] == [13, 12]
    assert [v.rule for v in violations(plan, situation, limits)] == ["min_installment"]
    assert not any(o.kind is OfferKind.PLAN for o in ladder(situation, limits))
