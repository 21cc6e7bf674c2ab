"""Opt-out, consent, identity and third parties: the rules waiting cannot fix (Never)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from compliance_helpers import contact, debtor, local

from bot.compliance import (
    Allowed,
    Channel,
    Consent,
    ContactStatus,
    MessageKind,
    Never,
    NotBefore,
    OptOut,
    RequiredText,
    RuleCode,
    apply_override,
    decide,
    preset,
    preset_for,
    why_question_allowed,
)

WA, SMS, TG = Channel.WHATSAPP, Channel.SMS, Channel.TELEGRAM
K = MessageKind
BOG = "America/Bogota"
OPEN = local(BOG, 2026, 3, 10, 10, 0)  # a Tuesday, window open
OPTED = OPEN - timedelta(minutes=2)
COLLECTION = [
    K.REMINDER_BEFORE_DUE, K.REMINDER_DUE, K.REMINDER_OVERDUE, K.LAST_NOTICE,
    K.PROMISE_REMINDER, K.INSTALLMENT_REMINDER,
]


def test_an_opted_out_debtor_gets_nothing_more_on_that_channel() -> None:
    per_channel = apply_override(preset("CO"), {"opt_out": {"scope": "channel"}})
    who = debtor("CO", BOG, opt_outs=(OptOut(SMS, OPTED, "keyword:STOP"),))
    for kind in [*COLLECTION, K.REPLY, K.STAFF_MESSAGE, K.PAYMENT_THANKS]:
        d = decide(who, SMS, kind, [], OPEN, per_channel)
        assert isinstance(d, Never) and d.rule is RuleCode.OPTED_OUT
    # Other channels keep working under a per-channel scope.
    assert isinstance(decide(who, WA, K.REMINDER_DUE, [], OPEN, per_channel), Allowed)


def test_an_opt_out_silences_all_channels_when_the_preset_says_so() -> None:
    assert preset("CO").opt_out.scope.value == "all"
    who = debtor("CO", BOG, opt_outs=(OptOut(SMS, OPTED, "keyword:STOP"),))
    for channel in Channel:
        d = decide(who, channel, K.REMINDER_DUE, [], OPEN)
        assert isinstance(d, Never) and d.rule is RuleCode.OPTED_OUT
    assert "sms" in d.explanation and "all channels" in d.explanation


def test_an_opt_out_from_everything_silences_every_channel_under_any_scope() -> None:
    per_channel = apply_override(preset("CO"), {"opt_out": {"scope": "channel"}})
    who = debtor("CO", BOG, opt_outs=(OptOut(None, OPTED, "staff"),))
    for channel in Channel:
        assert isinstance(decide(who, channel, K.REMINDER_DUE, [], OPEN, per_channel), Never)


def test_opting_back_in_on_a_channel_lifts_the_opt_out_there_only() -> None:
    who = debtor(
        "CO", BOG, channels=(SMS,),
        opt_outs=(OptOut(SMS, OPTED - timedelta(days=30), "keyword:STOP"),),
    )
    who = replace(who, consents=(*who.consents, Consent(WA, "whatsapp_opt_in", OPTED)))
    assert isinstance(decide(who, WA, K.REMINDER_DUE, [], OPEN), Allowed)
    assert isinstance(decide(who, SMS, K.REMINDER_DUE, [], OPEN), Never)


def test_the_opt_out_is_confirmed_once_at_any_hour_then_silence() -> None:
    night = local(BOG, 2026, 3, 10, 23, 40)
    who = debtor("CO", BOG, opt_outs=(OptOut(SMS, night, "keyword:STOP"),))
    d = decide(who, SMS, K.OPT_OUT_CONFIRMATION, [], night + timedelta(seconds=5))
    assert isinstance(d, Allowed)
    assert d.rule is RuleCode.ALLOWED_OPT_OUT_CONFIRMATION
    assert d.counts_toward_caps is False
    sent = contact(night + timedelta(seconds=5), SMS, K.OPT_OUT_CONFIRMATION, counted=False)
    again = decide(who, SMS, K.OPT_OUT_CONFIRMATION, [sent], night + timedelta(minutes=1))
    assert isinstance(again, Never) and again.rule is RuleCode.OPT_OUT_ALREADY_CONFIRMED
    # The confirmation goes on the channel the debtor used, not another.
    other = decide(who, WA, K.OPT_OUT_CONFIRMATION, [], night + timedelta(seconds=5))
    assert isinstance(other, Never) and other.rule is RuleCode.NO_OPT_OUT_TO_CONFIRM


def test_a_failed_confirmation_may_be_retried() -> None:
    who = debtor("CO", BOG, opt_outs=(OptOut(SMS, OPTED),))
    failed = contact(OPTED + timedelta(seconds=1), SMS, K.OPT_OUT_CONFIRMATION,
                     counted=False, status=ContactStatus.FAILED)
    assert isinstance(decide(who, SMS, K.OPT_OUT_CONFIRMATION, [failed], OPEN), Allowed)


def test_no_confirmation_without_an_opt_out() -> None:
    d = decide(debtor("CO", BOG), SMS, K.OPT_OUT_CONFIRMATION, [], OPEN)
    assert isinstance(d, Never) and d.rule is RuleCode.NO_OPT_OUT_TO_CONFIRM


def test_us_confirmation_later_than_five_minutes_is_dropped() -> None:
    ny = "America/New_York"
    stop = local(ny, 2026, 6, 10, 23, 0)
    who = debtor("US", ny, opt_outs=(OptOut(SMS, stop, "keyword:STOP"),))
    assert isinstance(decide(who, SMS, K.OPT_OUT_CONFIRMATION, [], stop + timedelta(minutes=4)),
                      Allowed)
    late = decide(who, SMS, K.OPT_OUT_CONFIRMATION, [], stop + timedelta(minutes=6))
    assert isinstance(late, Never) and late.rule is RuleCode.OPT_OUT_CONFIRMATION_TOO_LATE


def test_a_confirmation_bound_to_the_reply_window_and_its_deadline() -> None:
    strict = apply_override(preset("CO"), {"opt_out": {"confirmation_any_time": False}})
    night = local(BOG, 2026, 3, 10, 23, 0)
    who = debtor("CO", BOG, opt_outs=(OptOut(SMS, night),))
    d = decide(who, SMS, K.OPT_OUT_CONFIRMATION, [], night, strict)
    assert isinstance(d, NotBefore) and d.rule is RuleCode.OUTSIDE_REPLY_WINDOW
    assert d.at == local(BOG, 2026, 3, 11, 7, 0)
    tight = apply_override(strict, {"opt_out": {"confirmation_max_delay_minutes": 60}})
    d = decide(who, SMS, K.OPT_OUT_CONFIRMATION, [], night, tight)
    assert isinstance(d, Never) and d.rule is RuleCode.OPT_OUT_CONFIRMATION_TOO_LATE


@pytest.mark.parametrize("kind", [*COLLECTION, K.REPLY, K.REQUESTED_INFO, K.STAFF_MESSAGE])
def test_no_consent_on_the_channel_means_never(kind: MessageKind) -> None:
    who = debtor("CO", BOG, channels=(WA,))
    d = decide(who, SMS, kind, [], OPEN, last_inbound_at=OPEN - timedelta(minutes=1))
    assert isinstance(d, Never) and d.rule is RuleCode.NO_CONSENT


def test_a_preset_may_let_replies_go_without_consent_inside_the_conversation() -> None:
    lenient = apply_override(preset("CO"), {"conversation": {"reply_without_consent": True}})
    who = debtor("CO", BOG, channels=())
    wrote = OPEN - timedelta(minutes=1)
    assert isinstance(decide(who, SMS, K.REPLY, [], OPEN, lenient, last_inbound_at=wrote),
                      Allowed)
    d = decide(who, SMS, K.REPLY, [], OPEN + timedelta(days=2), lenient, last_inbound_at=wrote)
    assert isinstance(d, Never) and d.rule is RuleCode.NO_CONSENT
    assert isinstance(decide(who, SMS, K.REMINDER_DUE, [], OPEN, lenient), Never)


@pytest.mark.parametrize("kind", [*COLLECTION, K.REASON_QUESTION, K.PAYMENT_THANKS,
                                  K.IDENTITY_CHECK])
def test_third_party_mode_never_gets_collection_messages(kind: MessageKind) -> None:
    policy = apply_override(preset("CO"), {"content": {"why_question_allowed": True}})
    d = decide(debtor("CO", BOG, third_party=True), WA, kind, [], OPEN, policy)
    assert isinstance(d, Never) and d.rule is RuleCode.THIRD_PARTY


def test_third_party_who_writes_may_be_answered_without_the_debt() -> None:
    who = debtor("CO", BOG, third_party=True)
    d = decide(who, WA, K.REPLY, [], OPEN, last_inbound_at=OPEN - timedelta(minutes=3))
    assert isinstance(d, Allowed) and d.may_disclose_debt is False
    later = decide(who, WA, K.REPLY, [], OPEN + timedelta(days=3),
                   last_inbound_at=OPEN - timedelta(minutes=3))
    assert isinstance(later, Never) and later.rule is RuleCode.THIRD_PARTY


def test_us_identity_before_disclosure() -> None:
    ny = "America/New_York"
    now = local(ny, 2026, 6, 10, 10, 0)
    unknown = debtor("US", ny, identity_confirmed=False)
    d = decide(unknown, SMS, K.REMINDER_DUE, [], now)
    assert isinstance(d, Never) and d.rule is RuleCode.IDENTITY_NOT_CONFIRMED
    check = decide(unknown, SMS, K.IDENTITY_CHECK, [], now)
    assert isinstance(check, Allowed) and check.may_disclose_debt is False
    reply = decide(unknown, SMS, K.REPLY, [], now, last_inbound_at=now)
    assert isinstance(reply, Allowed) and reply.may_disclose_debt is False
    known = decide(debtor("US", ny), SMS, K.REMINDER_DUE, [], now)
    assert isinstance(known, Allowed) and known.may_disclose_debt is True
    # Colombia does not require it.
    assert isinstance(decide(debtor("CO", BOG, identity_confirmed=False), WA, K.REMINDER_DUE,
                             [], OPEN), Allowed)


def test_the_why_question_is_switchable_per_preset() -> None:
    assert why_question_allowed(preset("CO")) is False
    assert why_question_allowed(preset("CL")) is True
    d = decide(debtor("CO", BOG), WA, K.REASON_QUESTION, [], OPEN)
    assert isinstance(d, Never) and d.rule is RuleCode.WHY_QUESTION_OFF
    assert isinstance(decide(debtor("CL", "America/Santiago"), WA, K.REASON_QUESTION, [],
                             local("America/Santiago", 2026, 3, 10, 10, 0)), Allowed)
    off = apply_override(preset("CL"), {"content": {"forbidden_kinds": ["reason_question"]}})
    assert why_question_allowed(off) is False


def test_a_kind_the_policy_forbids_is_never_sent() -> None:
    policy = apply_override(preset("CO"), {"content": {"forbidden_kinds": ["last_notice"]}})
    d = decide(debtor("CO", BOG), WA, K.LAST_NOTICE, [], OPEN, policy)
    assert isinstance(d, Never) and d.rule is RuleCode.KIND_FORBIDDEN


def test_an_unknown_time_zone_is_never_guessed() -> None:
    d = decide(debtor("CO", "Mars/Olympus"), WA, K.REMINDER_DUE, [], OPEN)
    assert isinstance(d, Never) and d.rule is RuleCode.UNKNOWN_TIME_ZONE


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        decide(debtor("CO", BOG), WA, K.REMINDER_DUE, [], datetime(2026, 3, 10, 10, 0))


def test_required_text_flags() -> None:
    ny = "America/New_York"
    now = local(ny, 2026, 6, 10, 10, 0)
    first = decide(debtor("US", ny), SMS, K.REMINDER_DUE, [], now)
    assert isinstance(first, Allowed)
    assert first.required_texts == {RequiredText.FIRST_CONTACT_DISCLOSURE,
                                    RequiredText.OPT_OUT_FOOTER}
    second = decide(debtor("US", ny), SMS, K.REMINDER_DUE,
                    [contact(now - timedelta(days=2), SMS)], now)
    assert isinstance(second, Allowed)
    assert second.required_texts == {RequiredText.OPT_OUT_FOOTER}
    sp = "America/Sao_Paulo"
    br = decide(debtor("BR", sp), WA, K.REMINDER_DUE, [], local(sp, 2026, 3, 10, 10, 0))
    assert isinstance(br, Allowed)
    assert br.required_texts == {RequiredText.CREDITOR_NAME, RequiredText.CREDITOR_TAX_ID}
    assert preset_for("CL").retention.contact_log_days == 730


def test_contacts_a_little_in_the_future_still_count() -> None:
    # Another worker's clock runs 30 s ahead: its contact must still block this one.
    scl = "America/Santiago"
    now = local(scl, 2026, 3, 10, 10, 0)
    ahead = contact(now + timedelta(seconds=30))
    d = decide(debtor("CL", scl), WA, K.REMINDER_DUE, [ahead], now)
    assert isinstance(d, NotBefore) and d.at > now + timedelta(days=1)
    assert d.at.tzinfo is UTC
