"""The compliance gate: may this message go to this debtor on this channel now? If not, when?

`decide` first applies the rules that waiting cannot fix (kind switched off, opt-out,
third party, identity, consent) and answers Never. Otherwise it searches forward from `now`
for the earliest instant where every time rule holds together: the contact (or reply)
window in every candidate time zone, public holidays, the debtor's quiet times, and the
frequency caps. Each rule answers "fine at t" or "not before u" where nothing earlier can
satisfy it, so jumping to the latest u and checking again reaches the earliest common
moment (a fixed point) in a few steps; the search is bounded by an iteration count and a
horizon, and ends in Never(no_allowed_time) rather than loop or guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.compliance.decisions import (
    Allowed,
    Decision,
    Never,
    NotBefore,
    RequiredText,
    RuleCode,
    Step,
)
from bot.compliance.policy import (
    WEEKDAY_NAMES,
    CountBasis,
    OptOutScope,
    Policy,
    Range,
    WeekWindows,
    format_ranges,
)
from bot.compliance.registry import policy_for
from bot.compliance.types import (
    DISCLOSING_KINDS,
    RESPONSIVE_KINDS,
    Channel,
    Contact,
    ContactStatus,
    Debtor,
    MessageKind,
    OptOut,
)
from bot.compliance.windows import (
    US_PER_MINUTE,
    holiday_names,
    local_day_bounds,
    local_microseconds,
    next_open,
    open_ranges,
    quiet_ranges,
    wall_to_utc,
    zone,
)

HORIZON = timedelta(days=400)
MAX_STEPS = 200
_WEEK = timedelta(days=7)
_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
_LONGEST_DAY = timedelta(hours=26)
_MINUTE = timedelta(minutes=1)
_NEVER_OPENS = (datetime.max.replace(tzinfo=UTC), RuleCode.NO_ALLOWED_TIME, "")


def why_question_allowed(policy: Policy) -> bool:
    """May the engine ask why the debtor has not paid? If not, it offers options instead."""
    return (
        policy.content.why_question_allowed
        and MessageKind.REASON_QUESTION not in policy.content.forbidden_kinds
    )


def effective_opt_out(debtor: Debtor, channel: Channel, policy: Policy) -> OptOut | None:
    """The opt-out that silences `channel`, or None.

    An opt-out covers the channel it was made on, every channel when made with
    `channel=None`, and every channel under a preset whose scope is "all". A consent on
    this channel given after the opt-out (the debtor opted back in) lifts it here.
    """
    scope_all = policy.opt_out.scope is OptOutScope.ALL
    latest: OptOut | None = None
    for o in debtor.opt_outs:
        if (o.channel is None or o.channel is channel or scope_all) and (
            latest is None or o.at > latest.at
        ):
            latest = o
    if latest is None:
        return None
    for c in debtor.consents:
        if c.channel is channel and c.at > latest.at:
            return None
    return latest


class _Search:
    """One decision's working state; built per call, discarded after."""

    __slots__ = (
        "channel", "counted", "holiday_country", "holiday_subdivision", "latest_other",
        "policy", "quiet", "same_channel", "tz", "zones",
    )

    def __init__(
        self, debtor: Debtor, channel: Channel, policy: Policy,
        zones: tuple[ZoneInfo, ...], history: Sequence[Contact],
    ) -> None:
        self.channel = channel
        self.policy = policy
        self.zones = zones
        self.tz = zones[0]
        self.quiet = quiet_ranges(debtor.quiet_times) if debtor.quiet_times else None
        self.holiday_country = policy.holidays.country or debtor.country.upper()
        self.holiday_subdivision = (
            debtor.subdivision.upper() or policy.holidays.default_subdivision
        )
        basis_attempt = policy.caps.counts is CountBasis.ATTEMPT
        # Every contact passed counts, even one stamped a little after `now` (another
        # worker's clock may run ahead): counting too much is safe, too little is not.
        if basis_attempt:
            contacts = [c for c in history if c.counted]
        else:
            contacts = [c for c in history if c.counted and c.status is not ContactStatus.FAILED]
        self.counted = sorted([c.at for c in contacts], reverse=True)
        self.same_channel: list[datetime] = []
        self.latest_other: datetime | None = None
        caps = policy.caps
        if caps.per_channel_per_rolling_7_days or caps.one_channel_per_rolling_7_days:
            same = self.same_channel
            latest_other = None
            for c in contacts:
                if c.channel is channel:
                    same.append(c.at)
                elif latest_other is None or c.at > latest_other:
                    latest_other = c.at
            same.sort(reverse=True)
            self.latest_other = latest_other

    def ranges_on(self, window: WeekWindows) -> _RangesOn:
        return _RangesOn(window, self.quiet, self.holiday_country, self.holiday_subdivision)

    def window_block(
        self, t: datetime, window: WeekWindows, outside: RuleCode
    ) -> tuple[datetime, RuleCode, str] | None:
        """None when `t` is inside the window in every zone, else (until, rule, note)."""
        ranges_on = self.ranges_on(window)
        latest: datetime | None = None
        blocked_zone: ZoneInfo | None = None
        for tz in self.zones:
            opening = next_open(t, tz, ranges_on, HORIZON.days)
            if opening is None:
                return _NEVER_OPENS
            if opening > t and (latest is None or opening > latest):
                latest = opening
                if blocked_zone is None:
                    blocked_zone = tz
        if latest is None or blocked_zone is None:
            return None
        rule, note = self._why_closed(t, blocked_zone, window, outside, ranges_on)
        if window.closed_on_holidays:
            note += _skipped_holidays(t, latest, blocked_zone, window, ranges_on)
        return latest, rule, note

    def _why_closed(
        self, t: datetime, tz: ZoneInfo, window: WeekWindows, outside: RuleCode,
        ranges_on: _RangesOn,
    ) -> tuple[RuleCode, str]:
        local = t.astimezone(tz)
        day = local.date()
        where = f" in {tz.key}" if len(self.zones) > 1 else ""
        name = ranges_on.holiday(day)
        if window.closed_on_holidays and name:
            return RuleCode.PUBLIC_HOLIDAY, f"{day.isoformat()}{where}: {name}"
        us = local_microseconds(local)
        plain = window.days[day.weekday()]
        if any(s * US_PER_MINUTE <= us < e * US_PER_MINUTE for s, e in plain):
            return RuleCode.DEBTOR_QUIET_TIME, f"open on {WEEKDAY_NAMES[day.weekday()]}: " + (
                format_ranges(ranges_on(day))
            )
        return outside, f"{WEEKDAY_NAMES[day.weekday()]}{where}: {format_ranges(plain)}"

    def cap_block(self, t: datetime) -> tuple[datetime, RuleCode, str] | None:
        """None when every frequency cap allows `t`, else the latest (until, rule, note)."""
        caps = self.policy.caps
        counted = self.counted
        if not counted:
            return None
        worst: tuple[datetime, RuleCode, str] | None = None

        def consider(until: datetime, rule: RuleCode, note: str) -> None:
            nonlocal worst
            if until > t and (worst is None or until > worst[0]):
                worst = (until, rule, note)

        if caps.min_gap_hours:
            consider(counted[0] + caps.min_gap_hours * _HOUR, RuleCode.MIN_GAP,
                     f"at least {caps.min_gap_hours} h between contacts")
        n = caps.per_rolling_7_days
        if n and len(counted) >= n:
            # The n-th most recent contact leaves the rolling window 7 days after it.
            consider(counted[n - 1] + _WEEK, RuleCode.WEEKLY_CAP, f"at most {n} in 7 days")
        n = caps.per_channel_per_rolling_7_days
        if n and len(self.same_channel) >= n:
            consider(self.same_channel[n - 1] + _WEEK, RuleCode.CHANNEL_WEEKLY_CAP,
                     f"at most {n} on {self.channel.value} in 7 days")
        if caps.one_channel_per_rolling_7_days and self.latest_other is not None:
            consider(self.latest_other + _WEEK, RuleCode.ONE_CHANNEL_PER_WEEK,
                     "one channel per 7 days")
        n = caps.per_local_day
        # No local day is longer than 26 hours: older contacts cannot share t's local day.
        if n and counted[0] > t - _LONGEST_DAY:
            start, end = local_day_bounds(t, self.tz)
            if sum(1 for at in counted if start <= at < end) >= n:
                consider(end, RuleCode.DAILY_CAP, f"at most {n} per local day")
        return worst


def _skipped_holidays(
    t: datetime, until: datetime, tz: ZoneInfo, window: WeekWindows, ranges_on: _RangesOn
) -> str:
    """"; skipped public holiday Monday 2026-03-23 (...)" for days the window would open."""
    day = t.astimezone(tz).date() + _DAY
    last = until.astimezone(tz).date()
    skipped: list[str] = []
    while day <= last and len(skipped) < 5:
        name = ranges_on.holiday(day)
        if name and window.days[day.weekday()]:
            skipped.append(f"{WEEKDAY_NAMES[day.weekday()]} {day.isoformat()} ({name})")
        day += _DAY
    return f"; skipped public holiday {', '.join(skipped)}" if skipped else ""


class _RangesOn:
    """A date -> open ranges function for one window, with holidays and quiet times."""

    __slots__ = ("country", "quiet", "subdivision", "window")

    def __init__(
        self, window: WeekWindows, quiet: tuple[tuple[Range, ...], ...] | None,
        country: str, subdivision: str,
    ) -> None:
        self.window = window
        self.quiet = quiet
        self.country = country
        self.subdivision = subdivision

    def holiday(self, day: date) -> str | None:
        """The holiday's name when `day` is a public holiday."""
        return holiday_names(self.country, self.subdivision, day.year).get(day)

    def __call__(self, day: date) -> tuple[Range, ...]:
        if self.window.closed_on_holidays and self.holiday(day) is not None:
            return ()
        ranges = self.window.days[day.weekday()]
        if self.quiet is None:
            return ranges
        return open_ranges(ranges, self.quiet[day.weekday()])


def decide(
    debtor: Debtor,
    channel: Channel,
    kind: MessageKind,
    history: Sequence[Contact],
    now: datetime,
    policy: Policy | None = None,
    *,
    last_inbound_at: datetime | None = None,
) -> Decision:
    """Allowed, NotBefore(earliest UTC moment) or Never for one outbound message at `now`.

    `history` is the debtor's outbound contacts (all channels); `last_inbound_at` is when
    the debtor last wrote to us on `channel` (opens the reply window and cap exemptions).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    now = now.astimezone(UTC)
    if last_inbound_at is not None and last_inbound_at.utcoffset() is None:
        raise ValueError("last_inbound_at must be a timezone-aware datetime")
    if policy is None:
        policy = policy_for(debtor)

    def never(rule: RuleCode, note: str = "") -> Never:
        return Never(rule, now, debtor.time_zone, channel, kind, policy.code, policy.digest, note)

    zones: list[ZoneInfo] = []
    for name in (debtor.time_zone, *debtor.other_time_zones):
        tz = zone(name)
        if tz is None:
            return never(RuleCode.UNKNOWN_TIME_ZONE, f"{name!r} is not an IANA time zone")
        zones.append(tz)

    # Rules that waiting cannot fix.
    if kind in policy.content.forbidden_kinds:
        return never(RuleCode.KIND_FORBIDDEN, kind.value)
    if kind is MessageKind.REASON_QUESTION and not policy.content.why_question_allowed:
        return never(RuleCode.WHY_QUESTION_OFF)
    opt_out = effective_opt_out(debtor, channel, policy)
    deadline: datetime | None = None
    if kind is MessageKind.OPT_OUT_CONFIRMATION:
        if opt_out is None:
            return never(RuleCode.NO_OPT_OUT_TO_CONFIRM)
        if opt_out.channel is not None and opt_out.channel is not channel:
            return never(RuleCode.NO_OPT_OUT_TO_CONFIRM,
                         f"confirm on {opt_out.channel.value}, where the debtor opted out")
        for c in history:
            if (c.kind is MessageKind.OPT_OUT_CONFIRMATION and c.at >= opt_out.at
                    and c.status is not ContactStatus.FAILED):
                return never(RuleCode.OPT_OUT_ALREADY_CONFIRMED)
        if policy.opt_out.confirmation_max_delay_minutes:
            deadline = opt_out.at + policy.opt_out.confirmation_max_delay_minutes * _MINUTE
            if now > deadline:
                return never(RuleCode.OPT_OUT_CONFIRMATION_TOO_LATE,
                             f"more than {policy.opt_out.confirmation_max_delay_minutes} "
                             "minutes after the opt-out")
    elif opt_out is not None:
        if opt_out.channel is channel:
            where = "on this channel"
        elif opt_out.channel is None:
            where = "on all channels"
        else:  # the preset's scope is "all"
            where = f"on {opt_out.channel.value}, which silences all channels"
        source = f", {opt_out.source}" if opt_out.source else ""
        return never(
            RuleCode.OPTED_OUT,
            f"{where}, at {opt_out.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC{source}",
        )

    responsive = kind in RESPONSIVE_KINDS
    # Some kinds are only allowed while a conversation the debtor started is open.
    only_in_conversation: RuleCode | None = None
    if debtor.third_party and kind is not MessageKind.OPT_OUT_CONFIRMATION:
        if not responsive:
            return never(RuleCode.THIRD_PARTY)
        only_in_conversation = RuleCode.THIRD_PARTY
    elif (
        kind in DISCLOSING_KINDS
        and policy.content.identity_before_disclosure
        and not debtor.identity_confirmed
    ):
        return never(RuleCode.IDENTITY_NOT_CONFIRMED)
    if kind is not MessageKind.OPT_OUT_CONFIRMATION and not any(
        c.channel is channel for c in debtor.consents
    ):
        if not (responsive and policy.conversation.reply_without_consent):
            return never(RuleCode.NO_CONSENT, channel.value)
        only_in_conversation = only_in_conversation or RuleCode.NO_CONSENT

    conversation_end: datetime | None = None
    if responsive and last_inbound_at is not None and policy.conversation.hours:
        conversation_end = last_inbound_at.astimezone(UTC) + policy.conversation.hours * _HOUR

    search = _Search(debtor, channel, policy, tuple(zones), history)
    exempt = kind in policy.caps.exempt_kinds
    steps: list[Step] = []
    t = now
    for _ in range(MAX_STEPS):
        in_conversation = conversation_end is not None and t < conversation_end
        if only_in_conversation is not None and not in_conversation:
            return never(only_in_conversation, "outside a conversation the debtor started")
        if deadline is not None and t > deadline:
            return never(RuleCode.OPT_OUT_CONFIRMATION_TOO_LATE, "no allowed moment before "
                         f"{policy.opt_out.confirmation_max_delay_minutes} minutes had passed")
        if kind is MessageKind.OPT_OUT_CONFIRMATION:
            window = None if policy.opt_out.confirmation_any_time else policy.reply_window
            outside = RuleCode.OUTSIDE_REPLY_WINDOW
            capped = not exempt
        elif responsive and in_conversation:
            window, outside, capped = policy.reply_window, RuleCode.OUTSIDE_REPLY_WINDOW, not exempt
        else:
            # Outside a conversation a reply is an ordinary contact: never exempt.
            window, outside = policy.contact_window, RuleCode.OUTSIDE_CONTACT_WINDOW
            capped = not exempt or responsive

        block = None if window is None else search.window_block(t, window, outside)
        if block is _NEVER_OPENS:
            return never(RuleCode.NO_ALLOWED_TIME, "the window never opens")
        if capped:
            cap = search.cap_block(t)
            if cap is not None and (block is None or cap[0] > block[0]):
                block = cap
        if block is None:
            if t == now:
                return _allowed(debtor, channel, kind, history, now, policy, capped,
                                responsive and in_conversation)
            return NotBefore(steps[0].rule, now, debtor.time_zone, channel, kind, policy.code,
                             policy.digest, steps[0].note, t, tuple(steps))
        until, rule, note = block
        steps.append(Step(rule, t, until, note))
        if conversation_end is not None and t < conversation_end < until:
            # The rules change when the conversation closes: look again from that moment.
            until = conversation_end
        if until - now > HORIZON:
            return never(RuleCode.NO_ALLOWED_TIME, f"nothing within {HORIZON.days} days")
        t = until.astimezone(UTC)
    return never(RuleCode.NO_ALLOWED_TIME, f"no fixed point in {MAX_STEPS} steps")


def _allowed(
    debtor: Debtor, channel: Channel, kind: MessageKind, history: Sequence[Contact],
    now: datetime, policy: Policy, counts: bool, in_conversation: bool,
) -> Allowed:
    may_disclose = not debtor.third_party and (
        debtor.identity_confirmed or not policy.content.identity_before_disclosure
    )
    texts = policy.required_texts
    required: set[RequiredText] = set()
    if texts.first_contact_disclosure and not any(
        c.status is not ContactStatus.FAILED for c in history
    ):
        required.add(RequiredText.FIRST_CONTACT_DISCLOSURE)
    if channel in texts.opt_out_footer_channels and kind is not MessageKind.OPT_OUT_CONFIRMATION:
        required.add(RequiredText.OPT_OUT_FOOTER)
    if may_disclose and kind in DISCLOSING_KINDS:
        if texts.creditor_name:
            required.add(RequiredText.CREDITOR_NAME)
        if texts.creditor_tax_id:
            required.add(RequiredText.CREDITOR_TAX_ID)
    if kind is MessageKind.OPT_OUT_CONFIRMATION:
        rule = RuleCode.ALLOWED_OPT_OUT_CONFIRMATION
    elif in_conversation:
        rule = RuleCode.ALLOWED_REPLY
    else:
        rule = RuleCode.ALLOWED
    return Allowed(
        rule, now, debtor.time_zone, channel, kind, policy.code, policy.digest, "",
        counts, may_disclose, frozenset(required),
    )


def first_allowed_at(
    debtor: Debtor,
    channel: Channel,
    kind: MessageKind,
    history: Sequence[Contact],
    local_date: date,
    local_time: time,
    policy: Policy | None = None,
    *,
    now: datetime | None = None,
    last_inbound_at: datetime | None = None,
) -> Decision:
    """The gate's answer for a send preferred at `local_time` on `local_date`, debtor's clock.

    `decision.earliest` is then the first allowed moment at or after that preferred time
    (and after `now`, when given), or None for Never.
    """
    tz = zone(debtor.time_zone)
    if tz is None:
        fallback = now or datetime.combine(local_date, local_time, UTC)
        return decide(debtor, channel, kind, history, fallback, policy,
                      last_inbound_at=last_inbound_at)
    preferred = wall_to_utc(local_date, local_time.hour * 60 + local_time.minute, tz)
    preferred += timedelta(seconds=local_time.second, microseconds=local_time.microsecond)
    start = max(preferred, now.astimezone(UTC)) if now is not None else preferred
    return decide(debtor, channel, kind, history, start, policy, last_inbound_at=last_inbound_at)
