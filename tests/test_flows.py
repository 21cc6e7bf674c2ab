"""The dialogue, tested as pure functions: no database, no network, no clock but a value."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import ClassVar

import pytest

from bot.domain import (
    AgreementView,
    Context,
    DebtorSaid,
    DebtorView,
    InstallmentView,
    InvoiceView,
    PolicyView,
    StaffActed,
    TimerFired,
)
from bot.flows import step
from bot.flows.core import (
    TRANSITIONS,
    CloseAgreement,
    Conversation,
    CreateAgreement,
    Escalate,
    MarkReminded,
    MarkThirdParty,
    OptOut,
    Schedule,
    Send,
    SetInvoiceStatus,
    State,
    check_transitions,
)
from bot.money import Money
from bot.understanding import Intent, Understanding

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday 10:00 in Bogotá
ANA = DebtorView(1, "CO-001", "Ana María Rojas", "es-CO", "CO", "America/Bogota", "default",
                 "whatsapp")


def invoice(key: str = "F-1001", amount: str = "1200000", due: str = "2026-11-10",
            last: int | None = None) -> InvoiceView:
    money = Money.of(amount, "COP")
    return InvoiceView(key, money, money, date.fromisoformat(due), "open", last)


def ctx(*invoices: InvoiceView, agreements: tuple[AgreementView, ...] = (),
        policy: PolicyView | None = None) -> Context:
    return Context(ANA, invoices or (invoice(),), agreements, NOW, "Almacenes Prisma",
                   policy or PolicyView())


def said(text: str, intent: Intent = Intent.UNKNOWN, *, when: date | None = None,
         confidence: float = 0.9, option: str | None = None) -> DebtorSaid:
    return DebtorSaid(text, Understanding(intent, date=when, confidence=confidence), "whatsapp",
                      option)


def sends(decision) -> list[Send]:  # type: ignore[no-untyped-def]
    return [a for a in decision.actions if isinstance(a, Send)]


def of(decision, kind):  # type: ignore[no-untyped-def]
    return [a for a in decision.actions if isinstance(a, kind)]


def test_the_transition_table_covers_every_state() -> None:
    check_transitions()
    assert set(TRANSITIONS) == set(State)


class TestReminders:
    def test_an_overdue_debtor_is_reminded_and_asked_why_with_options(self) -> None:
        d = step(Conversation(), TimerFired("reminder"), ctx())
        [send] = sends(d)
        assert send.kind == "reminder_overdue"
        assert send.say.key == "reminder.overdue"
        assert send.say.params["total"] == Money.of("1200000", "COP")
        assert send.say.options == ("already_paid", "pay_date", "cant_pay", "dispute",
                                    "no_invoice", "human")
        assert d.state == State.AWAITING_REASON
        assert of(d, MarkReminded)[0].offsets == {"F-1001": 7}

    def test_where_the_preset_forbids_asking_why_the_reminder_offers_options_instead(self) -> None:
        d = step(Conversation(), TimerFired("reminder"),
                 ctx(policy=PolicyView(why_question_allowed=False)))
        assert sends(d)[0].say.key == "reminder.overdue_options"

    def test_several_invoices_go_in_one_reminder_with_the_total(self) -> None:
        c = ctx(invoice("A", "850000", "2026-10-30"), invoice("B", "3450000", "2026-11-27"))
        [send] = sends(step(Conversation(), TimerFired("reminder"), c))
        assert send.say.params["total"] == Money.of("4300000", "COP")
        assert [line.params["invoice"] for line in send.say.params["lines"]] == ["A", "B"]

    def test_before_the_due_date_the_reminder_is_friendly(self) -> None:
        [send] = sends(step(Conversation(), TimerFired("reminder"), ctx(invoice(due="2026-11-27"))))
        assert send.kind == "reminder_before_due"

    def test_no_reminder_while_staff_handle_the_case_or_after_opt_out(self) -> None:
        for state in (State.HUMAN, State.DISPUTED, State.OPTED_OUT, State.THIRD_PARTY):
            d = step(Conversation(state), TimerFired("reminder"), ctx())
            assert not sends(d) and d.reminder_at is None

    def test_no_reminder_while_a_promise_runs_and_the_next_one_waits_for_it(self) -> None:
        promise = AgreementView(9, "promise", "active", Money.of("1200000", "COP"), (
            InstallmentView(1, date(2026, 11, 27), Money.of("1200000", "COP"),
                            Money.zero("COP")),))
        d = step(Conversation(State.AGREED), TimerFired("reminder"), ctx(agreements=(promise,)))
        assert not sends(d)
        # after the promised day and its grace days (3 by default)
        assert d.reminder_at is not None and d.reminder_at.date() >= date(2026, 12, 1)

    def test_the_next_reminder_is_at_the_local_send_time_of_the_next_step(self) -> None:
        d = step(Conversation(), TimerFired("reminder"), ctx(invoice(due="2026-11-27")))
        # step -3 done today; step 0 on the due date at 09:00 Bogotá = 14:00 UTC
        assert d.reminder_at == datetime(2026, 11, 27, 14, 0, tzinfo=UTC)


class TestAnswers:
    def test_already_paid_thanks_pauses_reminders_and_asks_staff_to_verify(self) -> None:
        d = step(Conversation(State.AWAITING_REASON), said("ya pagué", Intent.ALREADY_PAID), ctx())
        assert d.state == State.PAYMENT_CLAIMED
        assert sends(d)[0].say.key == "already_paid.ack"
        assert of(d, Escalate)[0].reason == "payment_claimed"
        assert d.data["paused_until"] == "2026-11-29"
        assert d.reminder_at is not None and d.reminder_at.date() >= date(2026, 11, 29)

    def test_tapping_the_first_option_means_the_first_option_offered(self) -> None:
        conv = Conversation(State.AWAITING_REASON, {"options": ["already_paid", "pay_date"]})
        assert step(conv, said("1"), ctx()).state == State.PAYMENT_CLAIMED
        assert step(conv, said("Ya pagué", option="already_paid"), ctx()).state == \
            State.PAYMENT_CLAIMED

    def test_a_promise_with_a_date_is_written_back_for_a_yes(self) -> None:
        d = step(Conversation(State.AWAITING_REASON),
                 said("le pago el viernes", Intent.PROMISE_TO_PAY, when=date(2026, 11, 27)), ctx())
        assert d.state == State.NEGOTIATING
        [send] = sends(d)
        assert send.say.key == "offer.accepted"
        assert send.say.params["terms"].key == "terms.promise"
        assert send.say.params["terms"].params["date"] == date(2026, 11, 27)
        assert send.say.options == ("yes", "no")
        assert not of(d, CreateAgreement)

    def test_the_promise_is_recorded_only_after_the_debtor_confirms(self) -> None:
        proposed = step(Conversation(State.AWAITING_REASON),
                        said("el viernes", Intent.PROMISE_TO_PAY, when=date(2026, 11, 27)), ctx())
        conv = Conversation(proposed.state, proposed.data)
        d = step(conv, said("si", Intent.AFFIRM), ctx())
        assert d.state == State.AGREED
        [agreement] = of(d, CreateAgreement)
        assert (agreement.kind, agreement.authority) == ("promise", "bot")
        assert agreement.schedule == ((date(2026, 11, 27), Money.of("1200000", "COP")),)
        kinds = {s.kind: s.day for s in of(d, Schedule)}
        assert kinds == {"installment_reminder": date(2026, 11, 26),
                         "installment_check": date(2026, 12, 1)}
        assert sends(d)[0].say.key == "agreement.confirmed"
        assert "negotiation" not in d.data and "offer" not in d.data

    def test_saying_no_to_the_day_written_back_asks_for_another_day(self) -> None:
        proposed = step(Conversation(State.AWAITING_DATE),
                        said("el viernes", Intent.PROMISE_TO_PAY, when=date(2026, 11, 27)), ctx())
        d = step(Conversation(proposed.state, proposed.data), said("no", Intent.DENY), ctx())
        assert d.state == State.AWAITING_DATE and not of(d, CreateAgreement)
        assert sends(d)[0].say.key == "promise.ask_date"

    def test_a_day_beyond_the_postponement_limit_goes_to_a_person_never_a_yes(self) -> None:
        d = step(Conversation(State.AWAITING_REASON),
                 said("en enero", Intent.PROMISE_TO_PAY, when=date(2027, 1, 15)), ctx())
        assert not of(d, CreateAgreement)
        [case] = of(d, Escalate)
        assert case.reason == "negotiation_outside_limits"
        assert case.note["decision"]["proposal"]["date"] == "2027-01-15"
        [send] = sends(d)
        assert send.say.key == "negotiation.review_meanwhile"  # and an offer inside the limits
        assert d.state == State.NEGOTIATING

    def test_a_promise_without_a_day_asks_for_one(self) -> None:
        d = step(Conversation(State.AWAITING_REASON), said("voy a pagar", Intent.PROMISE_TO_PAY),
                 ctx())
        assert d.state == State.AWAITING_DATE and sends(d)[0].say.key == "promise.ask_date"

    def test_opting_out_gets_one_confirmation_then_silence(self) -> None:
        d = step(Conversation(State.AWAITING_REASON), said("no me escriban mas", Intent.OPT_OUT),
                 ctx())
        assert d.state == State.OPTED_OUT
        assert of(d, OptOut) == [OptOut("whatsapp")]
        assert [s.kind for s in sends(d)] == ["opt_out_confirmation"]
        assert d.reminder_at is None
        again = step(Conversation(d.state, d.data), said("hola?", Intent.GREETING), ctx())
        assert not sends(again)

    def test_a_wrong_number_never_hears_about_the_debt(self) -> None:
        d = step(Conversation(State.AWAITING_REASON), said("no soy Ana", Intent.WRONG_PERSON),
                 ctx())
        assert d.state == State.THIRD_PARTY and of(d, MarkThirdParty)
        [send] = sends(d)
        assert send.say.key == "wrong_person.ack" and not send.say.params
        assert of(d, Escalate)[0].reason == "wrong_person"

    def test_a_dispute_stops_reminders_and_goes_to_staff(self) -> None:
        d = step(Conversation(State.AWAITING_REASON), said("eso no lo debo", Intent.DISPUTE), ctx())
        assert d.state == State.DISPUTED
        assert of(d, SetInvoiceStatus) == [SetInvoiceStatus("disputed")]
        assert of(d, Escalate)[0].priority == "high"
        assert d.reminder_at is None

    def test_asking_for_a_person_hands_over_and_the_bot_then_waits(self) -> None:
        d = step(Conversation(), said("quiero hablar con un asesor", Intent.TALK_TO_HUMAN), ctx())
        assert d.state == State.HUMAN and of(d, Escalate)[0].reason == "talk_to_human"
        first = step(Conversation(d.state, d.data), said("hola?", Intent.GREETING), ctx())
        assert sends(first)[0].say.key == "handoff.waiting"
        second = step(Conversation(first.state, first.data), said("??"), ctx())
        assert not sends(second)

    def test_staff_return_the_conversation_to_the_bot(self) -> None:
        d = step(Conversation(State.HUMAN, {"human_ack": True}),
                 StaffActed("return_to_bot", "staff:7"), ctx())
        assert d.state == State.IDLE and "human_ack" not in d.data
        assert d.reminder_at is not None

    def test_two_misunderstood_messages_in_a_row_bring_a_person(self) -> None:
        first = step(Conversation(State.AWAITING_REASON), said("asdf qwer"), ctx())
        assert sends(first)[0].say.key == "not_understood"
        assert sends(first)[0].say.options
        second = step(Conversation(first.state, first.data), said("zzz"), ctx())
        assert second.state == State.HUMAN
        assert of(second, Escalate)[0].reason == "misunderstood"

    def test_a_low_confidence_reading_is_not_acted_on(self) -> None:
        d = step(Conversation(State.AWAITING_REASON),
                 said("pague?", Intent.ALREADY_PAID, confidence=0.2), ctx())
        assert d.state == State.AWAITING_REASON and sends(d)[0].say.key == "not_understood"

    def test_a_photo_is_taken_as_a_receipt(self) -> None:
        event = replace(said(""), has_media=True)
        d = step(Conversation(State.AWAITING_REASON), event, ctx())
        assert d.state == State.PAYMENT_CLAIMED
        assert of(d, Escalate)[0].note["receipt"] is True


class TestAgreementFollowUp:
    promise = AgreementView(9, "promise", "active", Money.of("1200000", "COP"), (
        InstallmentView(1, date(2026, 11, 20), Money.of("1200000", "COP"), Money.zero("COP")),))
    due: ClassVar[dict[str, object]] = {"seq": 1, "count": 1, "due": "2026-11-20"}

    def test_the_day_before_the_debtor_is_reminded_of_their_promise(self) -> None:
        tomorrow = AgreementView(9, "promise", "active", Money.of("1200000", "COP"), (
            InstallmentView(1, date(2026, 11, 25), Money.of("1200000", "COP"),
                            Money.zero("COP")),))
        d = step(Conversation(State.AGREED), TimerFired("installment_reminder", "1", {
            "seq": 1, "count": 1, "due": "2026-11-25"}), ctx(agreements=(tomorrow,)))
        assert [s.kind for s in sends(d)] == ["promise_reminder"]

    def test_a_missed_promise_is_broken_and_renegotiated_once(self) -> None:
        d = step(Conversation(State.AGREED), TimerFired("installment_check", "1", self.due),
                 ctx(agreements=(self.promise,)))
        assert of(d, CloseAgreement) == [CloseAgreement(9, "broken")]
        assert d.state == State.AWAITING_REASON and not of(d, Escalate)
        assert sends(d)[0].say.key == "promise.broken"

    def test_a_second_broken_agreement_goes_to_staff(self) -> None:
        d = step(Conversation(State.AGREED, {"broken_agreements": 1}),
                 TimerFired("installment_check", "1", self.due), ctx(agreements=(self.promise,)))
        assert d.state == State.HUMAN
        assert of(d, Escalate)[0].reason == "broken_promise"

    def test_a_paid_promise_is_kept(self) -> None:
        paid = Context(ANA, (), (self.promise,), NOW, "Almacenes Prisma")
        d = step(Conversation(State.AGREED), TimerFired("installment_check", "1", self.due), paid)
        assert of(d, CloseAgreement) == [CloseAgreement(9, "kept")] and not sends(d)

    def test_a_timer_from_a_replaced_agreement_does_nothing(self) -> None:
        stale = {"seq": 1, "count": 1, "due": "2026-11-13"}
        d = step(Conversation(State.AGREED), TimerFired("installment_check", "1", stale),
                 ctx(agreements=(self.promise,)))
        assert not d.actions


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("intent", list(Intent))
def test_no_state_and_intent_breaks_the_transition_table(state: State, intent: Intent) -> None:
    # step() raises FlowError on a forbidden move; every pair must be handled.
    step(Conversation(state), said("x", intent, when=date(2026, 11, 27)), ctx())


def test_control_characters_are_dropped_but_lines_kept() -> None:
    from bot.domain import clean_text

    assert clean_text("ya\x00 pag\x1bué\r\n\tgracias\x7f") == "ya pagué\r\n\tgracias"
    assert len(clean_text("a" * 50_000)) == 10_000


def test_a_late_reminder_for_a_payment_day_already_gone_says_nothing() -> None:
    plan = AgreementView(9, "plan", "active", Money.of("1200000", "COP"), (
        InstallmentView(1, date(2026, 11, 20), Money.of("400000", "COP"), Money.zero("COP")),
        InstallmentView(2, date(2026, 12, 20), Money.of("800000", "COP"), Money.zero("COP"))))
    d = step(Conversation(State.AGREED), TimerFired("installment_reminder", "1", {
        "seq": 1, "count": 2, "due": "2026-11-20"}), ctx(agreements=(plan,)))
    assert not d.actions
