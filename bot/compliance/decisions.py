"""What the gate answers: Allowed, NotBefore(at) or Never, each naming the rule that decided.

A decision is also the audit record: `as_record()` gives a JSON-able dict with the rule code,
the English explanation, and the moment checked in both UTC and the debtor's local time.
Explanations are built on demand, so the millions of decisions nobody reads cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeAlias

from bot.compliance.policy import WEEKDAY_NAMES
from bot.compliance.types import Channel, MessageKind
from bot.compliance.windows import zone


class Verdict(StrEnum):
    """The three possible answers."""

    ALLOWED = "allowed"
    NOT_BEFORE = "not_before"
    NEVER = "never"


class RuleCode(StrEnum):
    """Stable codes for the rule that decided; stored in records and shown in the admin."""

    ALLOWED = "allowed"
    ALLOWED_REPLY = "allowed_reply_in_conversation"
    ALLOWED_OPT_OUT_CONFIRMATION = "allowed_opt_out_confirmation"
    # NotBefore: waiting makes it allowed.
    OUTSIDE_CONTACT_WINDOW = "outside_contact_window"
    OUTSIDE_REPLY_WINDOW = "outside_reply_window"
    PUBLIC_HOLIDAY = "public_holiday"
    DEBTOR_QUIET_TIME = "debtor_quiet_time"
    DAILY_CAP = "daily_cap"
    WEEKLY_CAP = "weekly_cap"
    CHANNEL_WEEKLY_CAP = "channel_weekly_cap"
    MIN_GAP = "min_gap"
    ONE_CHANNEL_PER_WEEK = "one_channel_per_week"
    # Never: waiting does not help; only a change of state or of policy can.
    OPTED_OUT = "opted_out"
    NO_CONSENT = "no_consent"
    THIRD_PARTY = "third_party"
    KIND_FORBIDDEN = "kind_forbidden"
    WHY_QUESTION_OFF = "why_question_off"
    IDENTITY_NOT_CONFIRMED = "identity_not_confirmed"
    NO_OPT_OUT_TO_CONFIRM = "no_opt_out_to_confirm"
    OPT_OUT_ALREADY_CONFIRMED = "opt_out_already_confirmed"
    OPT_OUT_CONFIRMATION_TOO_LATE = "opt_out_confirmation_too_late"
    UNKNOWN_TIME_ZONE = "unknown_time_zone"
    NO_ALLOWED_TIME = "no_allowed_time"


class RequiredText(StrEnum):
    """Texts the composer must include in an allowed message (flags; texts live elsewhere)."""

    FIRST_CONTACT_DISCLOSURE = "first_contact_disclosure"
    OPT_OUT_FOOTER = "opt_out_footer"
    CREDITOR_NAME = "creditor_name"
    CREDITOR_TAX_ID = "creditor_tax_id"  # the CNPJ in Brazil


_SUMMARY: dict[RuleCode, str] = {
    RuleCode.ALLOWED: "allowed: inside the contact window and within every cap",
    RuleCode.ALLOWED_REPLY: "allowed: a reply inside a conversation the debtor started, "
    "inside the reply window",
    RuleCode.ALLOWED_OPT_OUT_CONFIRMATION: "allowed: the one confirmation of an opt-out",
    RuleCode.OUTSIDE_CONTACT_WINDOW: "outside the contact window",
    RuleCode.OUTSIDE_REPLY_WINDOW: "outside the reply window",
    RuleCode.PUBLIC_HOLIDAY: "a public holiday, closed",
    RuleCode.DEBTOR_QUIET_TIME: "inside a time the debtor asked not to be contacted",
    RuleCode.DAILY_CAP: "the daily contact cap is reached",
    RuleCode.WEEKLY_CAP: "the cap per rolling 7 days is reached",
    RuleCode.CHANNEL_WEEKLY_CAP: "the cap per channel per rolling 7 days is reached",
    RuleCode.MIN_GAP: "too soon after the previous contact",
    RuleCode.ONE_CHANNEL_PER_WEEK: "another channel was used in the last 7 days",
    RuleCode.OPTED_OUT: "the debtor opted out",
    RuleCode.NO_CONSENT: "no consent on this channel",
    RuleCode.THIRD_PARTY: "the contact is a third party: collection messages are never sent",
    RuleCode.KIND_FORBIDDEN: "this kind of message is switched off in the policy",
    RuleCode.WHY_QUESTION_OFF: "asking why the debtor has not paid is switched off; "
    "offer options instead",
    RuleCode.IDENTITY_NOT_CONFIRMED: "the debtor's identity is not confirmed and this "
    "message would disclose the debt; send an identity_check first",
    RuleCode.NO_OPT_OUT_TO_CONFIRM: "there is no opt-out on this channel to confirm",
    RuleCode.OPT_OUT_ALREADY_CONFIRMED: "the opt-out was already confirmed once",
    RuleCode.OPT_OUT_CONFIRMATION_TOO_LATE: "too late to confirm the opt-out",
    RuleCode.UNKNOWN_TIME_ZONE: "the debtor's time zone is unknown; fix it to contact them",
    RuleCode.NO_ALLOWED_TIME: "no allowed moment exists within the search horizon",
}


def summary(rule: RuleCode) -> str:
    """The fixed English phrase for a rule code."""
    return _SUMMARY[rule]


def describe_instant(at: datetime, time_zone: str) -> str:
    """'Saturday 2026-03-21 21:30 America/Bogota, 2026-03-22 02:30 UTC'."""
    utc = f"{at:%Y-%m-%d %H:%M} UTC"
    tz = zone(time_zone)
    if tz is None:
        return utc
    local = at.astimezone(tz)
    return f"{WEEKDAY_NAMES[local.weekday()]} {local:%Y-%m-%d %H:%M} {time_zone}, {utc}"


@dataclass(frozen=True, slots=True)
class Step:
    """One rule that pushed a NotBefore later: checked at `at`, not satisfied before `until`."""

    rule: RuleCode
    at: datetime
    until: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class _Decision:
    rule: RuleCode
    now: datetime  # UTC, the moment checked
    time_zone: str
    channel: Channel
    kind: MessageKind
    policy_code: str
    policy_digest: str
    note: str  # rule-specific detail in English, e.g. the window of the day or the cap

    @property
    def now_local(self) -> datetime | None:
        """The moment checked, in the debtor's local time."""
        tz = zone(self.time_zone)
        return None if tz is None else self.now.astimezone(tz)

    def _record(self, verdict: Verdict) -> dict[str, object]:
        local = self.now_local
        return {
            "verdict": verdict.value,
            "rule": self.rule.value,
            "explanation": self.explanation,
            "checked_at_utc": self.now.isoformat(),
            "checked_at_local": None if local is None else local.isoformat(),
            "time_zone": self.time_zone,
            "channel": self.channel.value,
            "kind": self.kind.value,
            "policy": self.policy_code,
            "policy_digest": self.policy_digest,
        }

    @property
    def explanation(self) -> str:
        """Why, in English, with the debtor's local time."""
        note = f" ({self.note})" if self.note else ""
        checked = describe_instant(self.now, self.time_zone)
        return f"{summary(self.rule).capitalize()}{note}. Checked {checked}."


@dataclass(frozen=True, slots=True)
class Allowed(_Decision):
    """Send now. Store `counts_toward_caps` on the contact record."""

    counts_toward_caps: bool
    # False: the text must not reveal the debt (third party, or identity not yet confirmed).
    may_disclose_debt: bool
    required_texts: frozenset[RequiredText]

    verdict = Verdict.ALLOWED

    @property
    def earliest(self) -> datetime:
        """When it may go: now."""
        return self.now

    def as_record(self) -> dict[str, object]:
        """A JSON-able audit record."""
        return {
            **self._record(self.verdict),
            "counts_toward_caps": self.counts_toward_caps,
            "may_disclose_debt": self.may_disclose_debt,
            "required_texts": sorted(t.value for t in self.required_texts),
        }


@dataclass(frozen=True, slots=True)
class NotBefore(_Decision):
    """Not now; `at` (UTC) is the earliest moment every rule allows. Ask again then."""

    at: datetime
    steps: tuple[Step, ...]

    verdict = Verdict.NOT_BEFORE

    @property
    def earliest(self) -> datetime:
        """When it may go: `at`."""
        return self.at

    @property
    def at_local(self) -> datetime | None:
        """`at` in the debtor's local time."""
        tz = zone(self.time_zone)
        return None if tz is None else self.at.astimezone(tz)

    @property
    def explanation(self) -> str:
        """Why not now and why not earlier than `at`, in English, with local times."""
        note = f" ({self.note})" if self.note else ""
        text = (
            f"Not now ({describe_instant(self.now, self.time_zone)}): {summary(self.rule)}"
            f"{note}. Earliest allowed: {describe_instant(self.at, self.time_zone)}."
        )
        later = self.steps[1:]
        if later:
            text += " On the way: " + "; ".join(
                f"at {describe_instant(s.at, self.time_zone)}, {summary(s.rule)}"
                + (f" ({s.note})" if s.note else "")
                for s in later
            ) + "."
        return text

    def as_record(self) -> dict[str, object]:
        """A JSON-able audit record."""
        local = self.at_local
        return {
            **self._record(self.verdict),
            "not_before_utc": self.at.isoformat(),
            "not_before_local": None if local is None else local.isoformat(),
            "steps": [
                {"rule": s.rule.value, "at": s.at.isoformat(), "until": s.until.isoformat(),
                 "note": s.note}
                for s in self.steps
            ],
        }


@dataclass(frozen=True, slots=True)
class Never(_Decision):
    """Do not send; waiting does not help (opt-out, consent, identity, policy, third party)."""

    verdict = Verdict.NEVER

    @property
    def earliest(self) -> None:
        """When it may go: never."""
        return None

    @property
    def explanation(self) -> str:
        """Why never, in English, with the debtor's local time."""
        note = f" ({self.note})" if self.note else ""
        checked = describe_instant(self.now, self.time_zone)
        return f"Never: {summary(self.rule)}{note}. Checked {checked}."

    def as_record(self) -> dict[str, object]:
        """A JSON-able audit record."""
        return self._record(self.verdict)


Decision: TypeAlias = Allowed | NotBefore | Never
