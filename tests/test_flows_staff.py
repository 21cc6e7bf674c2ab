"""What staff decide, and what the bot does around a person, as pure steps."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.domain import (
    AgreementView,
    DebtorSaid,
    InstallmentView,
    PaymentReceived,
    PolicyView,
    StaffActed,
    TimerFired,
)
from bot.flows import step
from bot.flows.core import (
    Conversation,
    Escalate,
    Note,
    NotifyStaff,
    OptOut,
    Schedule,
    SetInvoiceStatus,
    State,
    UpdateCase,
)
from bot.money import Money
from bot.negotiation import Limits, Offer, Proposal, parse_limits
from bot.staff.terms import TermsError, amount, proposal
from bot.understanding import Intent, Reason, Understanding
from tests.test_flows import NOW, ctx, invoice, of, sends

INES = StaffActed("take_over", "staff:111", {"case": 7, "name": "Inés"})


def said(text: str, intent: Intent = Intent.UNKNOWN, **entities: object) -> DebtorSaid:
    return DebtorSaid(text, Understanding(intent, confidence=0.9, **entities),  # type: ignore[arg-type]
                      "whatsapp")


def taken(state: State = State.AWAITING_REASON) -> Conversation:
    d = step(Conversation(state, {"options": ["already_paid"]}), INES, ctx())
    return Conversation(d.state, d.data)


def staff(action: str, **data: object) -> StaffActed:
    return StaffActed(action, "staff:111", {"case": 7, "name": "Inés", **data})


class TestTakeover:
    def test_taking_over_puts_a_person_in_charge_of_every_open_case(self) -> None:
        d = step(Conversation(State.NEGOTIATING), INES, ctx())
        assert d.state == State.HUMAN
        assert (d.data["taken_by"], d.data["taken_name"], d.data["taken_from"]) == (
            "staff:111", "Inés", "negotiating")
        assert of(d, UpdateCase) == [UpdateCase(None, "taken", assignee="staff:111")]
        assert not sends(d) and d.reminder_at is None

    def test_the_debtors_messages_are_relayed_and_the_bot_says_nothing(self) -> None:
        for text, intent in (("¿me pueden llamar?", Intent.UNKNOWN),
                             ("quiero hablar con alguien", Intent.TALK_TO_HUMAN),
                             ("escríbeme por Telegram", Intent.UNKNOWN),
                             ("no puedo pagar", Intent.CANT_PAY)):
            d = step(taken(), said(text, intent), ctx())
            assert d.actions == (NotifyStaff("relay"),), text
            assert d.state == State.HUMAN

    def test_an_opt_out_is_still_honoured_and_staff_see_it(self) -> None:
        d = step(taken(), said("BAJA", Intent.OPT_OUT), ctx())
        assert d.state == State.OPTED_OUT
        assert of(d, OptOut) == [OptOut("whatsapp")] and of(d, NotifyStaff)
        assert [s.say.key for s in sends(d)] == ["opt_out.confirm"]

    def test_an_instalment_follow_up_waits_a_day_instead_of_speaking(self) -> None:
        timer = TimerFired("installment_reminder", "1", {"seq": 1, "due": "2026-11-30"})
        d = step(taken(), timer, ctx())
        assert of(d, Schedule) == [Schedule("installment_reminder", "1",
                                            at=NOW + timedelta(days=1), data=timer.data)]
        assert not sends(d)

    def test_a_payment_during_a_takeover_is_not_thanked_by_the_bot_but_staff_are_told(
            self) -> None:
        d = step(taken(), PaymentReceived(Money.of("100000", "COP"), "r1"),
                 ctx(invoice(amount="1100000")))
        assert not sends(d)
        assert of(d, NotifyStaff) == [NotifyStaff("info", {"event": "payment",
                                                           "held": ["payment_thanks"]})]

    def test_staff_text_goes_out_as_a_staff_message_only_during_a_takeover(self) -> None:
        d = step(taken(), staff("message", text="Hola Ana, soy Inés."), ctx())
        [send] = sends(d)
        assert (send.kind, send.say.key, send.say.params["text"]) == (
            "staff_message", "staff.message", "Hola Ana, soy Inés.")
        refused = step(Conversation(State.HUMAN), staff("message", text="hola"), ctx())
        assert not sends(refused)
        assert [n.kind for n in of(refused, Note)] == ["message_refused"]

    def test_return_to_bot_resumes_where_the_debt_stands_and_sums_up_for_staff(self) -> None:
        d = step(taken(), staff("return_to_bot"), ctx())
        assert d.state == State.IDLE and "taken_by" not in d.data
        assert of(d, UpdateCase) == [UpdateCase(None, "resolved", resolution="returned")]
        [summary] = of(d, NotifyStaff)
        assert summary.kind == "summary" and summary.data["by"] == "Inés"
        assert d.reminder_at is not None  # reminders come back
        plan = AgreementView(3, "plan", "active", Money.of("1200000", "COP"), (
            InstallmentView(1, date(2026, 12, 1), Money.of("600000", "COP"),
                            Money.zero("COP")),))
        with_plan = replace(ctx(), agreements=(plan,))
        assert step(taken(), staff("return_to_bot"), with_plan).state == State.AGREED

    def test_nobody_takes_over_a_debtor_who_asked_for_silence(self) -> None:
        d = step(Conversation(State.OPTED_OUT), INES, ctx())
        assert d.state == State.OPTED_OUT
        assert [n.kind for n in of(d, Note)] == ["takeover_refused"]
        d = step(Conversation(State.OPTED_OUT), staff("reject", reason="dispute"), ctx())
        assert not sends(d) and [n.kind for n in of(d, Note)] == ["reject_refused"]


class TestDecisions:
    def test_rejecting_a_dispute_reopens_the_invoices_and_tells_the_debtor(self) -> None:
        d = step(Conversation(State.DISPUTED), staff("reject", reason="dispute"), ctx())
        assert d.state == State.IDLE
        assert of(d, SetInvoiceStatus) == [SetInvoiceStatus("open", only="disputed")]
        assert [s.say.key for s in sends(d)] == ["dispute.rejected"]
        assert of(d, UpdateCase) == [UpdateCase(7, "resolved", resolution="rejected")]

    def test_rejecting_a_request_offers_the_best_terms_within_the_limits(self) -> None:
        d = step(Conversation(State.HUMAN), staff("reject", reason="negotiation_outside_limits"),
                 ctx())
        assert d.state == State.NEGOTIATING
        [send] = sends(d)
        assert send.say.key == "negotiation.rejected_offer"
        offer = Offer.from_dict(d.data["offer"])
        assert d.data["offer_authority"] == "bot" and not offer.needs_approval
        assert d.data["negotiation"][-1] == offer.as_dict()  # the ladder goes on from here

    def test_a_counter_beyond_the_staff_ceiling_is_refused_and_nothing_is_written(
            self) -> None:
        limits = parse_limits({"max_installments": 6, "min_installment": "50000",
                               "staff_max_installments": 8})
        c = ctx(policy=PolicyView(limits=limits))
        d = step(Conversation(State.HUMAN), staff("counter", proposal=Proposal.plan(
            10).as_dict()), c)
        assert not sends(d)
        [note] = of(d, Note)
        assert note.kind == "counter_refused"
        assert note.data["broken"] == ["staff_max_installments"]
        ok = step(Conversation(State.HUMAN), staff("counter", proposal=Proposal.plan(
            8).as_dict()), c)
        assert ok.state == State.NEGOTIATING and ok.data["offer_authority"] == "staff"
        assert [s.say.key for s in sends(ok)] == ["offer.staff_counter"]

    def test_not_received_ends_the_pause_and_tells_the_debtor(self) -> None:
        conv = Conversation(State.PAYMENT_CLAIMED, {"paused_until": "2026-11-29"})
        d = step(conv, staff("not_received"), ctx())
        assert d.state == State.IDLE and "paused_until" not in d.data
        assert [s.say.key for s in sends(d)] == ["payment.not_found"]
        assert d.reminder_at is not None

    def test_snooze_moves_only_the_case(self) -> None:
        d = step(Conversation(State.HUMAN), staff("snooze", hours=4), ctx())
        assert d.state == State.HUMAN and not sends(d)
        assert of(d, UpdateCase) == [UpdateCase(7, "snoozed", until=NOW + timedelta(hours=4))]


class TestNewEscalations:
    def test_a_debtor_who_is_ill_goes_to_a_person_not_to_a_bargain(self) -> None:
        d = step(Conversation(State.AWAITING_REASON),
                 said("estoy enfermo, no puedo pagar", Intent.CANT_PAY, reason=Reason.ILLNESS),
                 ctx())
        assert d.state == State.HUMAN
        [case] = of(d, Escalate)
        assert (case.reason, case.priority) == ("hardship_illness", "high")
        assert [s.say.key for s in sends(d)] == ["hardship.ack"]

    def test_a_segment_can_let_the_bot_negotiate_with_an_ill_debtor(self) -> None:
        c = ctx(policy=PolicyView(hardship_to_staff=frozenset()))
        d = step(Conversation(State.AWAITING_REASON),
                 said("estoy enfermo, no puedo pagar", Intent.CANT_PAY, reason=Reason.ILLNESS),
                 c)
        assert d.state == State.NEGOTIATING and not of(d, Escalate)

    def test_a_yes_above_the_approval_threshold_goes_to_staff_with_the_terms(self) -> None:
        c = ctx(policy=PolicyView(limits=Limits(approval_threshold=Decimal("1000000"))))
        offered = step(Conversation(State.AWAITING_REASON), said("no puedo", Intent.CANT_PAY), c)
        d = step(Conversation(offered.state, offered.data), said("sí", Intent.AFFIRM), c)
        assert d.state == State.HUMAN
        [case] = of(d, Escalate)
        assert case.reason == "approval_threshold"
        assert case.note["decision"]["requested"] == offered.data["offer"]
        assert [s.say.key for s in sends(d)] == ["negotiation.review"]
        approved = step(Conversation(d.state, d.data), staff(
            "approve_offer", offer=case.note["decision"]["requested"]), c)
        assert approved.state == State.NEGOTIATING
        assert approved.data["offer_authority"] == "staff"


class TestTermsStaffType:
    @pytest.mark.parametrize(("text", "expected"), [
        ("plan 8", Proposal.plan(8)),
        ("plan 8 weekly from 2026-12-01", Proposal.plan(8, None, "weekly",  # type: ignore[arg-type]
                                                        date(2026, 12, 1))),
        ("plan each 150.000 monthly", Proposal.plan(None, 15_000_000, "monthly")),  # type: ignore[arg-type]
        ("pay 2026-12-15", Proposal.promise(date(2026, 12, 15))),
        ("settle 900000 by 2026-12-05", Proposal.lump_sum(90_000_000, date(2026, 12, 5))),
        ("discount 15", Proposal.discount(Decimal("15"))),
    ])
    def test_terms_read_as_staff_mean_them(self, text: str, expected: Proposal) -> None:
        assert proposal(text, "COP") == expected

    @pytest.mark.parametrize("text", ["", "plan", "plan lots", "pay tomorrow",
                                      "settle 900000 on friday", "give them a break"])
    def test_unreadable_terms_say_how_to_write_them(self, text: str) -> None:
        with pytest.raises(TermsError):
            proposal(text, "COP")

    def test_amounts_with_either_separator_and_all_for_the_balance(self) -> None:
        balance = Money.of("1200000", "COP")
        assert amount("1.200.000", "COP") == amount("1,200,000", "COP") == balance
        assert amount("all", "COP", balance) == balance
        assert amount("1500,50", "BRL") == Money.of("1500.50", "BRL")
        with pytest.raises(TermsError):
            amount("0", "COP")
