"""Properties of the gate for random debtors, histories, kinds and clocks (hypothesis).

- NotBefore(t): t is after now, asking again at t says Allowed (same history), and nothing
  in between is allowed (t is the earliest moment).
- Allowed is never inside a forbidden time: outside the window in any candidate zone, on a
  closed holiday, inside the debtor's quiet time, or beyond a cap. This is checked with an
  oracle written independently of the gate's own arithmetic.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.compliance import (
    Allowed,
    Channel,
    Consent,
    Contact,
    ContactStatus,
    CountBasis,
    Debtor,
    MessageKind,
    Never,
    NotBefore,
    OptOut,
    Policy,
    QuietTime,
    apply_override,
    decide,
    preset_for,
)
from bot.compliance.types import RESPONSIVE_KINDS

ZONES = [
    "America/Bogota", "America/Santiago", "America/Lima", "America/Tijuana",
    "America/Mexico_City", "America/New_York", "America/Los_Angeles", "America/Sao_Paulo",
    "Europe/Madrid", "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns",
]
COUNTRIES = ["CO", "CL", "PE", "MX", "US", "BR", "ES", "AR", "QQ"]
SUBDIVISIONS = ["", "", "SP", "RJ", "MA", "NY", "MD"]
# Days around daylight-saving changes in the zones above, to shake the wall-clock code.
DST_DAYS = [
    datetime(2026, 3, 8, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC),
    datetime(2026, 4, 5, tzinfo=UTC), datetime(2026, 9, 6, tzinfo=UTC),
    datetime(2026, 3, 29, tzinfo=UTC), datetime(2026, 10, 25, tzinfo=UTC),
    datetime(2026, 10, 4, tzinfo=UTC),
]
OVERRIDES: list[dict[str, object]] = [
    {},
    {},
    {"opt_out": {"confirmation_any_time": False, "confirmation_max_delay_minutes": 600}},
    {"conversation": {"reply_without_consent": True, "hours": 3}},
    {"caps": {"counts": "delivered", "per_local_day": 2, "per_rolling_7_days": 3,
              "min_gap_hours": 5, "one_channel_per_rolling_7_days": True,
              "per_channel_per_rolling_7_days": 2}},
    {"contact_window": {"mon": ["06:15-09:45", "12:00-13:00", "17:30-24:00"],
                        "sun": ["00:00-01:30", "02:15-03:10"]},
     "reply_window": {"sat": ["00:00-24:00"], "wed": []}},
    {"caps": {"exempt_kinds": ["payment_thanks", "reply"]}, "opt_out": {"scope": "channel"}},
]

minutes = st.integers(min_value=0, max_value=24 * 60 - 1)
clock = st.builds(lambda m: time(m // 60, m % 60), minutes)


@st.composite
def nows(draw: st.DrawFn) -> datetime:
    if draw(st.booleans()):
        base = draw(st.sampled_from(DST_DAYS))
        offset = draw(st.integers(min_value=-36 * 3600, max_value=36 * 3600))
        return base + timedelta(seconds=offset)
    return draw(st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31),
                             timezones=st.just(UTC)))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Debtor, Channel, MessageKind, list[Contact], datetime,
                                        Policy, datetime | None]:
    now = draw(nows())
    country = draw(st.sampled_from(COUNTRIES))
    subdivision = draw(st.sampled_from(SUBDIVISIONS))
    tz = draw(st.sampled_from(ZONES))
    others = tuple(draw(st.lists(st.sampled_from(ZONES), max_size=2, unique=True)))
    # Mostly debtors who can be written to, so most examples reach the time rules.
    everything = draw(st.integers(0, 3)) > 0
    consented = set(Channel) if everything else draw(st.sets(st.sampled_from(list(Channel))))
    consents = tuple(
        Consent(c, "test", now - timedelta(days=draw(st.integers(0, 400)))) for c in consented
    )
    opt_outs = tuple(
        OptOut(draw(st.none() | st.sampled_from(list(Channel))),
               now - timedelta(minutes=draw(st.integers(0, 3000))))
        for _ in range(draw(st.integers(0, 2)))
    ) if draw(st.integers(0, 5)) == 0 else ()
    quiet = tuple(
        QuietTime(frozenset(draw(st.sets(st.integers(0, 6), min_size=1))), draw(clock),
                  draw(clock))
        for _ in range(draw(st.integers(0, 2)))
    ) if draw(st.booleans()) else ()
    debtor = Debtor(
        country, tz, consents=consents, opt_outs=opt_outs, quiet_times=quiet,
        identity_confirmed=draw(st.integers(0, 3)) > 0, third_party=draw(st.integers(0, 9)) == 0,
        subdivision=subdivision, other_time_zones=others,
    )
    history = [
        Contact(
            now + timedelta(seconds=draw(st.integers(-15 * 86400, 600))),
            draw(st.sampled_from(list(Channel))),
            draw(st.sampled_from(list(MessageKind))),
            counted=draw(st.integers(0, 4)) > 0,
            status=draw(st.sampled_from(list(ContactStatus))),
        )
        for _ in range(draw(st.integers(0, 25)))
    ]
    inbound = None
    if draw(st.booleans()):
        inbound = now + timedelta(seconds=draw(st.integers(-72 * 3600, 300)))
    policy = preset_for(country, subdivision)
    override = draw(st.sampled_from(OVERRIDES))
    if override:
        policy = apply_override(policy, override)
    return (debtor, draw(st.sampled_from(list(Channel))), draw(st.sampled_from(list(MessageKind))),
            history, now, policy, inbound)


# --- the oracle: what "forbidden" means, written from the policy data directly --------------

@cache
def _holidays(country: str, subdivision: str, year: int) -> frozenset[date]:
    for subdiv in (subdivision or None, None):
        try:
            return frozenset(holidays_lib.country_holidays(country, subdiv=subdiv, years=year))
        except NotImplementedError:
            continue
    return frozenset()


def _quiet(debtor: Debtor, local: datetime) -> bool:
    weekday = local.weekday()
    t = local.time().replace(tzinfo=None, fold=0)
    for q in debtor.quiet_times:
        if q.start == q.end:
            if weekday in q.days:
                return True
        elif q.start < q.end:
            if weekday in q.days and q.start <= t < q.end:
                return True
        elif (weekday in q.days and t >= q.start) or ((weekday - 1) % 7 in q.days and t < q.end):
            return True
    return False


def _in_conversation(kind: MessageKind, policy: Policy, inbound: datetime | None,
                     t: datetime) -> bool:
    return (kind in RESPONSIVE_KINDS and inbound is not None and policy.conversation.hours > 0
            and t < inbound + timedelta(hours=policy.conversation.hours))


def forbidden_time(debtor: Debtor, kind: MessageKind, policy: Policy, t: datetime,
                   inbound: datetime | None) -> str | None:
    """Why `t` is a forbidden time for this message, or None."""
    in_conv = _in_conversation(kind, policy, inbound, t)
    if kind is MessageKind.OPT_OUT_CONFIRMATION:
        if policy.opt_out.confirmation_any_time:
            return None
        window = policy.reply_window
    else:
        window = policy.reply_window if in_conv else policy.contact_window
    country = policy.holidays.country or debtor.country
    subdivision = debtor.subdivision or policy.holidays.default_subdivision
    for name in (debtor.time_zone, *debtor.other_time_zones):
        local = t.astimezone(ZoneInfo(name))
        if window.closed_on_holidays and local.date() in _holidays(country, subdivision,
                                                                    local.year):
            return f"holiday in {name}"
        minute = local.hour * 60 + local.minute + local.second / 60 + local.microsecond / 6e7
        if not any(s <= minute < e for s, e in window.days[local.weekday()]):
            return f"outside window in {name} at {local}"
        if _quiet(debtor, local):
            return f"quiet time in {name}"
    return None


def cap_violation(debtor: Debtor, channel: Channel, kind: MessageKind, history: list[Contact],
                  policy: Policy, t: datetime, inbound: datetime | None) -> str | None:
    """Which cap `t` would break, or None."""
    caps = policy.caps
    in_conv = _in_conversation(kind, policy, inbound, t)
    if kind in caps.exempt_kinds and (kind not in RESPONSIVE_KINDS or in_conv):
        return None
    counted = [c for c in history if c.counted and (
        caps.counts is CountBasis.ATTEMPT or c.status is not ContactStatus.FAILED)]
    week = timedelta(days=7)
    if caps.min_gap_hours and any(t - c.at < timedelta(hours=caps.min_gap_hours)
                                  for c in counted):
        return "min gap"
    if caps.per_rolling_7_days and sum(t - c.at < week for c in counted) >= caps.per_rolling_7_days:
        return "weekly cap"
    n = caps.per_channel_per_rolling_7_days
    if n and sum(t - c.at < week for c in counted if c.channel is channel) >= n:
        return "channel weekly cap"
    if caps.one_channel_per_rolling_7_days and any(
        t - c.at < week for c in counted if c.channel is not channel
    ):
        return "one channel per week"
    tz = ZoneInfo(debtor.time_zone)
    day = t.astimezone(tz).date()
    if caps.per_local_day and sum(
        c.at.astimezone(tz).date() == day for c in counted
    ) >= caps.per_local_day:
        return "daily cap"
    return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_not_before_is_the_earliest_allowed_moment_and_allowed_is_never_forbidden(
    scenario: tuple[Debtor, Channel, MessageKind, list[Contact], datetime, Policy,
                    datetime | None],
) -> None:
    debtor, channel, kind, history, now, policy, inbound = scenario
    decision = decide(debtor, channel, kind, history, now, policy, last_inbound_at=inbound)
    if isinstance(decision, Never):
        return
    when = decision.earliest
    assert when.tzinfo is not None and when >= now
    if isinstance(decision, NotBefore):
        assert when > now
        again = decide(debtor, channel, kind, history, when, policy, last_inbound_at=inbound)
        assert isinstance(again, Allowed), (decision.explanation, again.explanation)
        # Nothing earlier is allowed: probe just before, and a few points in between.
        span = when - now
        for probe in {now, now + span / 3, now + span / 2, when - timedelta(seconds=1),
                      when - timedelta(microseconds=1)}:
            if probe >= now:
                earlier = decide(debtor, channel, kind, history, probe, policy,
                                 last_inbound_at=inbound)
                assert not isinstance(earlier, Allowed), (decision.explanation, probe)
    assert forbidden_time(debtor, kind, policy, when, inbound) is None, decision.explanation
    assert cap_violation(debtor, channel, kind, history, policy, when, inbound) is None, (
        decision.explanation
    )
