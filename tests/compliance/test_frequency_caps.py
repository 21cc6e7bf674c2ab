"""Frequency caps: per day, per rolling 7 days, minimum gaps, one channel per week."""

from __future__ import annotations

from datetime import timedelta

from compliance_helpers import at_local, contact, debtor, local

from bot.compliance import (
    Allowed,
    Channel,
    ContactStatus,
    MessageKind,
    NotBefore,
    RuleCode,
    apply_override,
    decide,
    preset,
)

WA, SMS, TG = Channel.WHATSAPP, Channel.SMS, Channel.TELEGRAM
OVERDUE = MessageKind.REMINDER_OVERDUE
SCL = "America/Santiago"
BOG = "America/Bogota"


def test_cl_monday_and_wednesday_allowed_a_third_that_week_is_not() -> None:
    who = debtor("CL", SCL)
    monday = local(SCL, 2026, 3, 2, 10, 0)
    wednesday = local(SCL, 2026, 3, 4, 10, 0)
    assert isinstance(decide(who, WA, OVERDUE, [], monday), Allowed)
    assert isinstance(decide(who, WA, OVERDUE, [contact(monday)], wednesday), Allowed)
    third = decide(
        who, WA, OVERDUE, [contact(monday), contact(wednesday)], local(SCL, 2026, 3, 6, 10, 0)
    )
    assert isinstance(third, NotBefore)
    assert third.rule is RuleCode.WEEKLY_CAP
    # The Monday contact leaves the rolling 7 days at the next Monday 10:00.
    assert at_local(third.at, SCL) == (2026, 3, 9, 10, 0)
    assert isinstance(
        decide(who, WA, OVERDUE, [contact(monday), contact(wednesday)], third.at), Allowed
    )


def test_cl_messages_at_least_two_days_apart() -> None:
    who = debtor("CL", SCL)
    monday = local(SCL, 2026, 3, 2, 10, 0)
    d = decide(who, SMS, OVERDUE, [contact(monday)], local(SCL, 2026, 3, 3, 9, 0))
    assert isinstance(d, NotBefore)
    assert d.rule is RuleCode.MIN_GAP
    assert at_local(d.at, SCL) == (2026, 3, 4, 10, 0)


def test_cl_third_message_asked_on_saturday_waits_for_monday_not_sunday() -> None:
    who = debtor("CL", SCL)
    # Contacts Sunday? No: Tuesday 19:00 and Thursday 19:30; the 7 days end Tuesday 19:00.
    tue = local(SCL, 2026, 3, 3, 19, 0)
    thu = local(SCL, 2026, 3, 5, 19, 30)
    d = decide(who, WA, OVERDUE, [contact(tue), contact(thu)], local(SCL, 2026, 3, 7, 9, 0))
    assert isinstance(d, NotBefore)
    assert at_local(d.at, SCL) == (2026, 3, 10, 19, 0)


def test_co_at_most_one_contact_a_day_and_one_per_channel_per_week() -> None:
    who = debtor("CO", BOG)
    morning = local(BOG, 2026, 3, 10, 8, 0)
    d = decide(who, SMS, OVERDUE, [contact(morning, WA)], local(BOG, 2026, 3, 10, 16, 0))
    assert isinstance(d, NotBefore)
    # Another channel inside 7 days is refused ("one channel per week") until 7 days pass.
    assert d.rule is RuleCode.ONE_CHANNEL_PER_WEEK
    assert at_local(d.at, BOG) == (2026, 3, 17, 8, 0)
    # The same channel: once a week per channel (the stricter reading).
    d = decide(who, WA, OVERDUE, [contact(morning, WA)], local(BOG, 2026, 3, 11, 9, 0))
    assert isinstance(d, NotBefore)
    assert d.rule is RuleCode.CHANNEL_WEEKLY_CAP
    assert at_local(d.at, BOG) == (2026, 3, 17, 8, 0)


def test_co_relaxed_reading_one_contact_per_local_day() -> None:
    relaxed = apply_override(
        preset("CO"),
        {"caps": {"per_channel_per_rolling_7_days": 0, "one_channel_per_rolling_7_days": False}},
    )
    who = debtor("CO", BOG)
    morning = local(BOG, 2026, 3, 10, 8, 0)
    d = decide(who, WA, OVERDUE, [contact(morning)], local(BOG, 2026, 3, 10, 16, 0), relaxed)
    assert isinstance(d, NotBefore)
    assert d.rule is RuleCode.DAILY_CAP
    assert at_local(d.at, BOG) == (2026, 3, 11, 7, 0)  # next local day, when the window opens


def test_co_counts_delivered_contacts_not_failed_ones() -> None:
    who = debtor("CO", BOG)
    morning = local(BOG, 2026, 3, 10, 8, 0)
    later = local(BOG, 2026, 3, 10, 16, 0)
    failed = contact(morning, status=ContactStatus.FAILED)
    assert isinstance(decide(who, WA, OVERDUE, [failed], later), Allowed)
    in_flight = contact(morning, status=ContactStatus.SENT)  # may yet be delivered
    assert isinstance(decide(who, WA, OVERDUE, [in_flight], later), NotBefore)


def test_attempt_counting_presets_count_failed_attempts_too() -> None:
    who = debtor("CL", SCL)
    monday = local(SCL, 2026, 3, 2, 10, 0)
    failed = contact(monday, status=ContactStatus.FAILED)
    assert isinstance(decide(who, WA, OVERDUE, [failed], local(SCL, 2026, 3, 3, 10, 0)), NotBefore)


def test_contacts_that_did_not_count_do_not_count() -> None:
    who = debtor("CL", SCL)
    monday = local(SCL, 2026, 3, 2, 10, 0)
    reply = contact(monday, kind=MessageKind.REPLY, counted=False)
    assert isinstance(decide(who, WA, OVERDUE, [reply], monday + timedelta(hours=2)), Allowed)


def test_us_massachusetts_two_per_seven_days() -> None:
    ny = "America/New_York"
    days = [local(ny, 2026, 6, d, 10, 0) for d in (1, 2, 3)]
    elsewhere = debtor("US", ny, subdivision="NY")
    in_ma = debtor("US", ny, subdivision="MA")
    history = [contact(days[0]), contact(days[1])]
    assert isinstance(decide(elsewhere, SMS, OVERDUE, history, days[2]), Allowed)
    d = decide(in_ma, SMS, OVERDUE, history, days[2])
    assert isinstance(d, NotBefore) and d.rule is RuleCode.WEEKLY_CAP
    assert at_local(d.at, ny) == (2026, 6, 8, 10, 0)


def test_us_seven_in_seven_days() -> None:
    ny = "America/New_York"
    history = [contact(local(ny, 2026, 6, d, 10, 0)) for d in range(1, 8)]
    d = decide(debtor("US", ny), SMS, OVERDUE, history, local(ny, 2026, 6, 8, 9, 0))
    assert isinstance(d, NotBefore) and d.rule is RuleCode.WEEKLY_CAP
    assert at_local(d.at, ny) == (2026, 6, 8, 10, 0)


def test_caps_and_window_together_give_the_earliest_moment_satisfying_both() -> None:
    # CL: the gap ends Saturday 21:00 (closed), Sunday closed: Monday 08:00.
    who = debtor("CL", SCL)
    thursday = local(SCL, 2026, 3, 5, 21, 0) - timedelta(hours=2)  # 19:00
    d = decide(who, WA, OVERDUE, [contact(thursday)], local(SCL, 2026, 3, 6, 10, 0))
    assert isinstance(d, NotBefore)
    assert at_local(d.at, SCL) == (2026, 3, 7, 19, 0)  # Saturday is open until 20:00
    later = decide(who, WA, OVERDUE, [contact(local(SCL, 2026, 3, 5, 21, 30))],
                   local(SCL, 2026, 3, 6, 10, 0))
    assert isinstance(later, NotBefore)
    assert at_local(later.at, SCL) == (2026, 3, 9, 8, 0)
    assert [s.rule for s in later.steps] == [RuleCode.MIN_GAP, RuleCode.OUTSIDE_CONTACT_WINDOW]
