"""The scheduler's helper, DST corner cases, and the decision record an admin reads."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

from compliance_helpers import at_local, contact, debtor, local

from bot.compliance import (
    Allowed,
    Channel,
    MessageKind,
    Never,
    NotBefore,
    OptOut,
    RuleCode,
    apply_override,
    decide,
    first_allowed_at,
    preset,
)
from bot.compliance.windows import local_day_bounds, wall_to_utc, zone

WA = Channel.WHATSAPP
DUE = MessageKind.REMINDER_DUE
BOG = "America/Bogota"
NY = "America/New_York"


def test_the_reminder_for_saturday_0900_local_goes_at_0900() -> None:
    d = first_allowed_at(debtor("CO", BOG), WA, DUE, [], date(2026, 3, 14), time(9, 0))
    assert isinstance(d, Allowed)
    assert d.earliest == local(BOG, 2026, 3, 14, 9, 0)


def test_the_reminder_for_saturday_1600_local_goes_monday_0700() -> None:
    d = first_allowed_at(debtor("CO", BOG), WA, DUE, [], date(2026, 3, 14), time(16, 0))
    assert isinstance(d, NotBefore)
    assert at_local(d.earliest, BOG) == (2026, 3, 16, 7, 0)


def test_the_reminder_for_a_time_already_past_goes_after_now() -> None:
    now = local(BOG, 2026, 3, 14, 10, 0)
    d = first_allowed_at(debtor("CO", BOG), WA, DUE, [], date(2026, 3, 14), time(9, 0), now=now)
    assert isinstance(d, Allowed) and d.earliest == now


def test_the_scheduler_hears_never_for_an_opted_out_debtor() -> None:
    who = debtor("CO", BOG, opt_outs=(OptOut(None, datetime(2026, 1, 1, tzinfo=UTC)),))
    d = first_allowed_at(who, WA, DUE, [], date(2026, 3, 14), time(9, 0))
    assert isinstance(d, Never) and d.earliest is None


def test_a_preferred_time_inside_the_skipped_dst_hour_starts_when_the_clock_jumps() -> None:
    start = wall_to_utc(date(2026, 3, 8), 2 * 60 + 30, zone(NY))  # type: ignore[arg-type]
    assert start == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT, the jump itself


def test_a_window_opening_inside_the_skipped_hour_opens_at_the_jump() -> None:
    policy = apply_override(preset("US"), {"contact_window": {"sun": ["02:30-05:00"]}})
    d = decide(debtor("US", NY), WA, DUE, [], local(NY, 2026, 3, 8, 1, 0), policy)
    assert isinstance(d, NotBefore)
    assert d.at == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT
    assert isinstance(decide(debtor("US", NY), WA, DUE, [], d.at, policy), Allowed)


def test_a_window_inside_the_repeated_hour_is_open_on_both_passes() -> None:
    policy = apply_override(preset("US"), {"contact_window": {"sun": ["01:30-02:00"]}})
    who = debtor("US", NY)
    first_pass = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert isinstance(decide(who, WA, DUE, [], first_pass, policy), Allowed)
    between = datetime(2026, 11, 1, 6, 10, tzinfo=UTC)  # 01:10 EST, second pass
    d = decide(who, WA, DUE, [], between, policy)
    assert isinstance(d, NotBefore)
    assert d.at == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST


def test_chile_midnight_dst_jump_does_not_break_the_daily_cap() -> None:
    # America/Santiago springs forward at 24:00 on Saturday 2026-09-05: Sunday has no 00:00,
    # so Saturday ends at the jump (04:00 UTC), and Sunday is closed anyway: Monday 08:00.
    scl = "America/Santiago"
    tz = zone(scl)
    assert tz is not None
    saturday = local(scl, 2026, 9, 5, 19, 0)
    assert local_day_bounds(saturday, tz)[1] == datetime(2026, 9, 6, 4, 0, tzinfo=UTC)
    relaxed = apply_override(preset("CL"), {"caps": {"min_gap_hours": 0,
                                                     "per_rolling_7_days": 0}})
    d = decide(debtor("CL", scl), WA, DUE, [contact(saturday)],
               saturday + timedelta(minutes=30), relaxed)
    assert isinstance(d, NotBefore)
    assert d.rule is RuleCode.DAILY_CAP
    assert at_local(d.at, scl) == (2026, 9, 7, 8, 0)


def test_the_record_has_rule_explanation_and_both_local_and_utc_times() -> None:
    d = decide(debtor("CO", BOG), WA, DUE, [], local(BOG, 2026, 3, 21, 21, 30))
    record = d.as_record()
    json.dumps(record)  # JSON-able for the audit log
    assert record["verdict"] == "not_before"
    assert record["rule"] == "outside_contact_window"
    assert record["checked_at_utc"] == "2026-03-22T02:30:00+00:00"
    assert record["checked_at_local"] == "2026-03-21T21:30:00-05:00"
    assert record["not_before_utc"] == "2026-03-24T12:00:00+00:00"
    assert record["not_before_local"] == "2026-03-24T07:00:00-05:00"
    assert record["policy"] == "CO" and record["policy_digest"]
    assert "Saturday 2026-03-21 21:30 America/Bogota" in str(record["explanation"])


def test_allowed_and_never_records_explain_themselves() -> None:
    allowed = decide(debtor("CO", BOG), WA, DUE, [], local(BOG, 2026, 3, 10, 10, 0))
    assert allowed.as_record()["verdict"] == "allowed"
    assert "Tuesday 2026-03-10 10:00 America/Bogota" in allowed.explanation
    never = decide(debtor("CO", BOG, channels=()), WA, DUE, [], local(BOG, 2026, 3, 10, 10, 0))
    record = never.as_record()
    assert record["verdict"] == "never" and record["rule"] == "no_consent"
    assert "no consent" in never.explanation
    json.dumps(record)


def test_a_debtor_who_blocks_every_hour_is_never_contacted_and_told_why() -> None:
    from bot.compliance import QuietTime

    always = (QuietTime(frozenset(range(7)), time(0, 0), time(0, 0)),)
    d = decide(debtor("CO", BOG, quiet_times=always), WA, DUE, [],
               local(BOG, 2026, 3, 10, 10, 0))
    assert isinstance(d, Never) and d.rule is RuleCode.NO_ALLOWED_TIME
