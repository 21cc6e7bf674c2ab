"""Negotiation and identity in the dialogue, as pure steps: no database, no network."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain import (
    Context,
    DebtorSaid,
    DebtorView,
    InvoiceView,
    PolicyView,
    StaffActed,
    TimerFired,
)
from bot.flows import step
from bot.flows.core import Conversation, CreateAgreement, Escalate, Send, State, VerifyIdentity
from bot.flows.negotiation import situation
from bot.money import Money
from bot.negotiation import Authority, Limits, Offer, parse_limits, violations
from bot.understanding import Intent, Reason, Understanding

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
ANA = DebtorView(1, "CO-001", "Ana María Rojas", "es-CO", "CO", "America/Bogota", "default",
                 "whatsapp")
LIMITS_6 = parse_limits({"max_installments": 6, "min_installment": "150000"})


def ctx(balance: str = "1200000", due: str = "2026-11-10", limits: Limits | None = None,
        **policy: object) -> Context:
    money = Money.of(balance, "COP")
    invoice = InvoiceView("F-1001", money, money, date.fromisoformat(due))
    return Context(ANA, (invoice,), (), NOW, "Almacenes Prisma",
                   PolicyView(limits=limits or Limits(), **policy))  # type: ignore[arg-type]


def said(text: str, intent: Intent, **entities: object) -> DebtorSaid:
    return DebtorSaid(text, Understanding(intent, confidence=0.9, **entities),  # type: ignore[arg-type]
                      "whatsapp")


def sends(decision) -> list[Send]:  # type: ignore[no-untyped-def]
    return [a for a in decision.actions if isinstance(a, Send)]


def offer_of(decision) -> Offer:  # type: ignore[no-untyped-def]
    return Offer.from_dict(decision.data["offer"])


def test_150_000_a_month_on_1_200_000_with_at_most_6_is_countered_with_6_x_200_000() -> None:
    d = step(Conversation(State.AWAITING_REASON),
             said("puedo dar 150 mil mensuales", Intent.OFFER_AMOUNT,
                  amount=Decimal("150000"), recurring=True), ctx(limits=LIMITS_6))
    assert d.state == State.NEGOTIATING
    assert sends(d)[0].say.key == "offer.counter"
    offer = offer_of(d)
    assert [i.amount for i in offer.schedule] == [20_000_000] * 6


def test_a_debtor_who_cannot_pay_is_offered_a_plan_not_the_full_amount_again() -> None:
    d = step(Conversation(State.AWAITING_REASON),
             said("no tengo plata", Intent.CANT_PAY, reason=Reason.NO_MONEY), ctx())
    assert sends(d)[0].say.key == "offer.proposal"
    assert offer_of(d).kind.value == "plan"
    assert next(a for a in d.actions if getattr(a, "kind", "") == "reason").data == {
        "intent": "cant_pay", "reason": "no_money"}


def test_saying_no_to_an_offer_concedes_the_next_step() -> None:
    first = step(Conversation(State.AWAITING_REASON), said("no puedo", Intent.CANT_PAY), ctx())
    second = step(Conversation(first.state, first.data), said("no", Intent.DENY), ctx())
    assert sends(second)[0].say.key == "offer.next"
    assert offer_of(second).installments > offer_of(first).installments


def test_a_yes_to_a_plan_records_it_with_a_reminder_and_a_check_per_payment() -> None:
    first = step(Conversation(State.AWAITING_REASON), said("no puedo", Intent.CANT_PAY), ctx())
    d = step(Conversation(first.state, first.data), said("dale", Intent.AFFIRM), ctx())
    [agreement] = [a for a in d.actions if isinstance(a, CreateAgreement)]
    assert agreement.kind == "plan" and agreement.authority == "bot"
    count = len(agreement.schedule)
    kinds = [getattr(a, "kind", None) for a in d.actions]
    assert kinds.count("installment_check") == count
    assert kinds.count("installment_reminder") == count
    assert sum(m.minor for _, m in agreement.schedule) == 120_000_000
    assert d.state == State.AGREED


def test_asking_for_more_instalments_than_allowed_goes_to_staff_with_the_proposal() -> None:
    d = step(Conversation(State.AWAITING_REASON),
             said("en 24 cuotas", Intent.REQUEST_PLAN, installments=24), ctx(limits=LIMITS_6))
    [case] = [a for a in d.actions if isinstance(a, Escalate)]
    assert case.reason == "negotiation_outside_limits"
    assert case.note["decision"]["requested"]["schedule"]  # the terms staff may approve
    assert not [a for a in d.actions if isinstance(a, CreateAgreement)]


def test_staff_approval_is_written_out_and_recorded_after_the_debtors_yes() -> None:
    c = ctx(limits=replace(LIMITS_6, staff_max_installments=12))
    asked = step(Conversation(State.AWAITING_REASON),
                 said("en 8 cuotas", Intent.REQUEST_PLAN, installments=8), c)
    [case] = [a for a in asked.actions if isinstance(a, Escalate)]
    requested = case.note["decision"]["requested"]
    approved = step(Conversation(State.HUMAN, asked.data),
                    StaffActed("approve_offer", "staff:7", {"offer": requested}), c)
    assert sends(approved)[0].say.key == "offer.approved"
    d = step(Conversation(approved.state, approved.data), said("sí", Intent.AFFIRM), c)
    [agreement] = [a for a in d.actions if isinstance(a, CreateAgreement)]
    assert (agreement.authority, len(agreement.schedule)) == ("staff", 8)


def test_an_offer_no_longer_valid_is_not_recorded_and_a_fresh_one_is_written() -> None:
    first = step(Conversation(State.AWAITING_REASON), said("no puedo", Intent.CANT_PAY), ctx())
    later = replace(ctx(), now=datetime(2026, 11, 27, 15, 0, tzinfo=UTC))  # past 48 hours
    d = step(Conversation(first.state, first.data), said("sí", Intent.AFFIRM), later)
    assert not [a for a in d.actions if isinstance(a, CreateAgreement)]
    assert sends(d)[0].say.key == "offer.expired"


class TestIdentity:
    us = replace(ANA, country="US", timezone="America/New_York", locale="en-US",
                 document_last4="6402")

    def context(self, **kw: object) -> Context:
        base = ctx(identity_required=True)
        return replace(base, debtor=replace(self.us, **kw))  # type: ignore[arg-type]

    def test_the_first_message_names_the_creditor_but_not_the_debt(self) -> None:
        d = step(Conversation(), TimerFired("reminder"),
                 self.context())
        [send] = sends(d)
        assert (send.kind, send.say.key) == ("identity_check", "identity.ask")
        assert set(send.say.params) == {"creditor", "name"}
        assert d.state == State.AWAITING_IDENTITY

    def test_the_right_digits_unlock_the_reminder(self) -> None:
        d = step(Conversation(State.AWAITING_IDENTITY), said("it's 6402", Intent.UNKNOWN),
                 self.context())
        assert any(isinstance(a, VerifyIdentity) for a in d.actions)
        assert [s.say.key for s in sends(d)] == ["identity.confirmed", "reminder.overdue"]

    def test_wrong_digits_are_asked_again_and_three_misses_bring_a_person(self) -> None:
        conv = Conversation(State.AWAITING_IDENTITY)
        for _ in range(3):
            d = step(conv, said("1111", Intent.UNKNOWN), self.context())
            conv = Conversation(d.state, d.data)
        assert d.state == State.HUMAN
        assert [a.reason for a in d.actions if isinstance(a, Escalate)] == ["identity_failed"]
        assert not any(isinstance(a, VerifyIdentity) for a in d.actions)

    def test_nothing_about_the_debt_is_said_before_identity_even_if_asked(self) -> None:
        d = step(Conversation(State.AWAITING_IDENTITY),
                 said("how much do I owe?", Intent.ASK_BALANCE), self.context())
        assert [s.say.key for s in sends(d)] == ["identity.again"]

    def test_without_digits_on_file_a_person_reaches_the_debtor(self) -> None:
        d = step(Conversation(), TimerFired("reminder"),
                 self.context(document_last4=None))
        assert not sends(d) and d.state == State.HUMAN


# Whatever the limits, the balance and what the debtor says, no agreement a step records
# breaks a limit (the engine checks again; this proves the flow never asks it to).
INTENTS = st.sampled_from([Intent.CANT_PAY, Intent.REQUEST_PLAN, Intent.OFFER_AMOUNT,
                           Intent.REQUEST_DISCOUNT, Intent.PROMISE_TO_PAY, Intent.AFFIRM,
                           Intent.DENY, Intent.AFFIRM])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(balance=st.integers(100_000, 50_000_000), overdue=st.integers(0, 400),
       max_installments=st.integers(1, 24), min_installment=st.integers(1_000, 500_000),
       postpone=st.integers(0, 60),
       turns=st.lists(st.tuples(INTENTS, st.integers(1, 30), st.integers(1_000, 3_000_000),
                                st.integers(0, 60)), min_size=1, max_size=8))
def test_no_agreement_recorded_by_the_dialogue_breaks_a_limit(
        balance: int, overdue: int, max_installments: int, min_installment: int, postpone: int,
        turns: list[tuple[Intent, int, int, int]]) -> None:
    limits = parse_limits({"max_installments": max_installments,
                           "min_installment": str(min_installment),
                           "max_postpone_days": postpone})
    due = date.fromordinal(date(2026, 11, 24).toordinal() - overdue).isoformat()
    c = ctx(str(balance), due, limits)
    conv = Conversation(State.AWAITING_REASON)
    for intent, count, amount, days in turns:
        entities: dict[str, object] = {}
        if intent is Intent.REQUEST_PLAN:
            entities = {"installments": count}
        elif intent is Intent.OFFER_AMOUNT:
            entities = {"amount": Decimal(amount), "recurring": count % 2 == 0}
        elif intent is Intent.PROMISE_TO_PAY:
            entities = {"date": date.fromordinal(date(2026, 11, 24).toordinal() + days + 1)}
        d = step(conv, said("x", intent, **entities), c)
        for action in d.actions:
            if isinstance(action, CreateAgreement):
                offer = Offer.from_dict(action.offer)
                sit = situation(c)
                assert sit is not None
                assert violations(offer, sit, limits, Authority(action.authority)) == []
        conv = Conversation(d.state, d.data)
        if d.state in (State.HUMAN, State.AGREED):
            break


def test_staff_cannot_approve_beyond_their_own_ceiling() -> None:
    c = ctx(limits=LIMITS_6)  # no staff ceiling set: staff may grant what the bot may
    asked = step(Conversation(State.AWAITING_REASON),
                 said("en 10 cuotas", Intent.REQUEST_PLAN, installments=10), c)
    [case] = [a for a in asked.actions if isinstance(a, Escalate)]
    d = step(Conversation(State.HUMAN, asked.data),
             StaffActed("approve_offer", "staff:7", {"offer": case.note["decision"]["requested"]}),
             c)
    assert not sends(d) and d.state == State.HUMAN
    assert [a.kind for a in d.actions] == ["approval_refused"]  # type: ignore[union-attr]


def test_the_engine_refuses_any_agreement_outside_the_limits_whatever_the_flow_says() -> None:
    import pytest

    from bot.engine import AgreementOutsideLimits, _guard_limits
    from bot.negotiation import Proposal, offer_from_proposal

    c = ctx(limits=LIMITS_6)
    sit = situation(c)
    assert sit is not None
    twelve = offer_from_proposal(Proposal.plan(installments=12), sit, LIMITS_6)
    assert twelve is not None
    schedule = tuple((i.due, Money(i.amount, "COP")) for i in twelve.schedule)
    with pytest.raises(AgreementOutsideLimits, match="max_installments"):
        _guard_limits(CreateAgreement("plan", schedule, twelve.as_dict(), "bot"), c)
    six = offer_from_proposal(Proposal.plan(installments=6), sit, LIMITS_6)
    assert six is not None
    _guard_limits(CreateAgreement("plan", schedule, six.as_dict(), "bot"), c)  # no raise
