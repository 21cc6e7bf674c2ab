"""The policy schema: what a preset (or a segment's override) may say, and its validation.

A policy travels as a TOML-able dict (tables, strings, integers, booleans, lists; no None)
so the web admin can show, edit and store it; inside the gate it is a frozen `Policy`.
`policy_from_dict` validates a complete dict and reports every problem at once, each with
the dotted path of the field and an English message an admin can act on.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from itertools import pairwise
from typing import Any

from bot.compliance.types import Channel, MessageKind

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MINUTES_PER_DAY = 24 * 60

Range = tuple[int, int]  # [start, end) in minutes after local midnight; end may be 1440


class CountBasis(StrEnum):
    """Which past contacts count toward the caps."""

    # Every outbound attempt counts, even one the provider failed to deliver.
    ATTEMPT = "attempt"
    # Delivered contacts count; so do sent ones whose outcome is not known yet, because a
    # message still in flight may yet be delivered and we must never exceed a cap.
    DELIVERED = "delivered"


class OptOutScope(StrEnum):
    """What an opt-out on one channel silences."""

    CHANNEL = "channel"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class WeekWindows:
    """Allowed local wall-clock ranges per weekday (Monday first), plus the holiday switch."""

    days: tuple[tuple[Range, ...], ...]
    closed_on_holidays: bool


@dataclass(frozen=True, slots=True)
class HolidayRule:
    """Whose public holidays apply: "" means the debtor's country or subdivision."""

    country: str
    default_subdivision: str


@dataclass(frozen=True, slots=True)
class Conversation:
    """How long a conversation the debtor started stays open for replies."""

    hours: int
    # May a reply inside a debtor-started conversation go out without recorded consent?
    reply_without_consent: bool


@dataclass(frozen=True, slots=True)
class Caps:
    """Frequency caps; 0 means no limit. Windows are rolling (168 hours), not calendar weeks."""

    counts: CountBasis
    per_local_day: int
    per_rolling_7_days: int
    per_channel_per_rolling_7_days: int
    min_gap_hours: int
    one_channel_per_rolling_7_days: bool
    exempt_kinds: frozenset[MessageKind]


@dataclass(frozen=True, slots=True)
class OptOutRules:
    """Opt-out scope and the one confirmation."""

    scope: OptOutScope
    confirmation_any_time: bool
    confirmation_max_delay_minutes: int  # 0 = no deadline


@dataclass(frozen=True, slots=True)
class ContentRules:
    """Which kinds may be sent and whether the debt may be disclosed before identity."""

    identity_before_disclosure: bool
    why_question_allowed: bool
    forbidden_kinds: frozenset[MessageKind]


@dataclass(frozen=True, slots=True)
class RequiredTextRules:
    """Flags for texts the composer must include; the texts themselves live elsewhere."""

    first_contact_disclosure: bool
    opt_out_footer_channels: frozenset[Channel]
    creditor_name: bool
    creditor_tax_id: bool


@dataclass(frozen=True, slots=True)
class Retention:
    """Minimum keeping periods in days (0 = no legal minimum in this preset)."""

    contact_log_days: int
    conversation_days: int


@dataclass(frozen=True, slots=True)
class Policy:
    """One complete, validated policy: a preset, possibly with overrides merged in."""

    code: str
    name: str
    holidays: HolidayRule
    contact_window: WeekWindows
    reply_window: WeekWindows
    conversation: Conversation
    caps: Caps
    opt_out: OptOutRules
    content: ContentRules
    required_texts: RequiredTextRules
    retention: Retention
    # A short hash of the dumped policy, so a decision record names the exact rules used.
    digest: str


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem in a policy dict: the dotted field path and an English message."""

    path: str
    message: str

    def __str__(self) -> str:
        """`path: message`, for logs."""
        return f"{self.path}: {self.message}"


class PolicyError(ValueError):
    """A policy dict (or override) is invalid; `errors` lists every field-level problem."""

    def __init__(self, errors: tuple[FieldError, ...]) -> None:
        """Keep the errors and build a readable message."""
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


# The schema: table -> field -> kind of value. Used to reject unknown keys and to document.
SCHEMA: dict[str, Any] = {
    "code": "text",
    "name": "text",
    "holidays": {"country": "country code or empty", "default_subdivision": "text"},
    "contact_window": {
        "closed_on_holidays": "bool",
        **{k: "list of time ranges" for k in WEEKDAY_KEYS},
    },
    "reply_window": {
        "closed_on_holidays": "bool",
        **{k: "list of time ranges" for k in WEEKDAY_KEYS},
    },
    "conversation": {"hours": "int", "reply_without_consent": "bool"},
    "caps": {
        "counts": "attempt|delivered",
        "per_local_day": "int",
        "per_rolling_7_days": "int",
        "per_channel_per_rolling_7_days": "int",
        "min_gap_hours": "int",
        "one_channel_per_rolling_7_days": "bool",
        "exempt_kinds": "list of message kinds",
    },
    "opt_out": {
        "scope": "channel|all",
        "confirmation_any_time": "bool",
        "confirmation_max_delay_minutes": "int",
    },
    "content": {
        "identity_before_disclosure": "bool",
        "why_question_allowed": "bool",
        "forbidden_kinds": "list of message kinds",
    },
    "required_texts": {
        "first_contact_disclosure": "bool",
        "opt_out_footer_channels": "list of channels",
        "creditor_name": "bool",
        "creditor_tax_id": "bool",
    },
    "retention": {"contact_log_days": "int", "conversation_days": "int"},
}

_RANGE_RE = re.compile(r"^\s*(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})\s*$")


class _Reader:
    """Reads a dict against the schema, collecting every error instead of stopping at one."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: list[FieldError] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def table(self, name: str) -> Mapping[str, Any]:
        value = self.data.get(name)
        if not isinstance(value, Mapping):
            self.fail(name, "must be a table of settings" if name in self.data else "is missing")
            return {}
        return value

    def get(self, table: Mapping[str, Any], path: str) -> Any:
        key = path.rsplit(".", 1)[-1]
        if key not in table:
            self.fail(path, "is missing")
        return table.get(key)

    def text(self, table: Mapping[str, Any], path: str, *, empty_ok: bool = True) -> str:
        value = self.get(table, path)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.fail(path, "must be text")
            return ""
        if not empty_ok and not value.strip():
            self.fail(path, "must not be empty")
        return value

    def boolean(self, table: Mapping[str, Any], path: str) -> bool:
        value = self.get(table, path)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(path, "must be true or false")
            return False
        return value

    def integer(self, table: Mapping[str, Any], path: str, *, maximum: int, hint: str) -> int:
        value = self.get(table, path)
        if value is None:
            return 0
        # bool is an int in Python; "true" for a count is a mistake worth reporting.
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(path, f"must be a whole number, 0 or more ({hint})")
            return 0
        if value > maximum:
            self.fail(path, f"must be at most {maximum}")
            return 0
        return value

    def choice(self, table: Mapping[str, Any], path: str, enum: type[StrEnum]) -> Any:
        value = self.get(table, path)
        options = [m.value for m in enum]
        if value not in options:
            if value is not None:
                self.fail(path, f"must be one of {', '.join(repr(o) for o in options)}")
            return next(iter(enum))
        return enum(value)

    def members(self, table: Mapping[str, Any], path: str, enum: type[StrEnum]) -> frozenset[Any]:
        value = self.get(table, path)
        if value is None:
            return frozenset()
        options = [m.value for m in enum]
        if not isinstance(value, list):
            self.fail(path, f"must be a list of: {', '.join(options)}")
            return frozenset()
        out = set()
        for i, item in enumerate(value):
            if item in options:
                out.add(enum(item))
            else:
                self.fail(f"{path}[{i}]", f"{item!r} is not one of: {', '.join(options)}")
        return frozenset(out)

    def windows(self, name: str) -> WeekWindows:
        table = self.table(name)
        closed = self.boolean(table, f"{name}.closed_on_holidays")
        days: list[tuple[Range, ...]] = []
        for key in WEEKDAY_KEYS:
            days.append(self.ranges(table, f"{name}.{key}"))
        if table and all(key in table for key in WEEKDAY_KEYS) and not any(days):
            self.fail(name, "no day has a time range, so no message could ever be sent")
        return WeekWindows(tuple(days), closed)

    def ranges(self, table: Mapping[str, Any], path: str) -> tuple[Range, ...]:
        value = self.get(table, path)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(path, 'must be a list of time ranges like "07:00-19:00" ([] = closed)')
            return ()
        parsed: list[tuple[Range, str]] = []
        for i, item in enumerate(value):
            rng = _parse_range(item)
            if isinstance(rng, str):
                self.fail(f"{path}[{i}]", rng)
            else:
                parsed.append((rng, item))
        parsed.sort()
        for (a, a_text), (b, b_text) in pairwise(parsed):
            if b[0] < a[1]:
                self.fail(path, f"{a_text!r} overlaps {b_text!r}")
        return tuple(rng for rng, _ in parsed)

    def unknown_keys(self) -> None:
        for key, value in self.data.items():
            spec = SCHEMA.get(key)
            if spec is None:
                self.fail(key, "is not a known setting")
            elif isinstance(spec, dict) and isinstance(value, Mapping):
                for sub in value:
                    if sub not in spec:
                        self.fail(f"{key}.{sub}", "is not a known setting")


def _parse_range(item: object) -> Range | str:
    """Parse "07:00-19:00" into minutes, or return the English error."""
    if not isinstance(item, str) or not (m := _RANGE_RE.match(item)):
        return f'{item!r} is not a time range like "07:00-19:00"'
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or m1 > 59:
        return f"{item!r} starts at an impossible time of day"
    if (h2, m2) != (24, 0) and (h2 > 23 or m2 > 59):
        return f"{item!r} ends at an impossible time of day (24:00 is the latest end)"
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        return f"{item!r} does not end after it starts; split a range across midnight in two days"
    return (start, end)


def _format_range(rng: Range) -> str:
    return f"{rng[0] // 60:02d}:{rng[0] % 60:02d}-{rng[1] // 60:02d}:{rng[1] % 60:02d}"


def format_ranges(ranges: tuple[Range, ...]) -> str:
    """Ranges as an admin reads them: "08:00-12:00, 14:00-18:00" or "closed"."""
    return ", ".join(_format_range(r) for r in ranges) if ranges else "closed"


def policy_from_dict(data: Mapping[str, Any]) -> Policy:
    """Validate a complete policy dict and build the `Policy`; raise `PolicyError` if invalid."""
    r = _Reader(data)
    r.unknown_keys()
    code = r.text(data, "code", empty_ok=False)
    name = r.text(data, "name")
    hol = r.table("holidays")
    country = r.text(hol, "holidays.country")
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        r.fail("holidays.country", 'must be an ISO 3166 code like "CO", or "" for the debtor\'s')
    holidays = HolidayRule(country, r.text(hol, "holidays.default_subdivision"))
    contact_window = r.windows("contact_window")
    reply_window = r.windows("reply_window")
    conv = r.table("conversation")
    conversation = Conversation(
        hours=r.integer(conv, "conversation.hours", maximum=720, hint="0 means never"),
        reply_without_consent=r.boolean(conv, "conversation.reply_without_consent"),
    )
    c = r.table("caps")
    no_limit = "0 means no limit"
    caps = Caps(
        counts=r.choice(c, "caps.counts", CountBasis),
        per_local_day=r.integer(c, "caps.per_local_day", maximum=1000, hint=no_limit),
        per_rolling_7_days=r.integer(c, "caps.per_rolling_7_days", maximum=1000, hint=no_limit),
        per_channel_per_rolling_7_days=r.integer(
            c, "caps.per_channel_per_rolling_7_days", maximum=1000, hint=no_limit
        ),
        min_gap_hours=r.integer(c, "caps.min_gap_hours", maximum=24 * 60, hint="0 means no gap"),
        one_channel_per_rolling_7_days=r.boolean(c, "caps.one_channel_per_rolling_7_days"),
        exempt_kinds=r.members(c, "caps.exempt_kinds", MessageKind),
    )
    o = r.table("opt_out")
    opt_out = OptOutRules(
        scope=r.choice(o, "opt_out.scope", OptOutScope),
        confirmation_any_time=r.boolean(o, "opt_out.confirmation_any_time"),
        confirmation_max_delay_minutes=r.integer(
            o, "opt_out.confirmation_max_delay_minutes", maximum=60 * 24 * 30,
            hint="0 means no deadline",
        ),
    )
    ct = r.table("content")
    content = ContentRules(
        identity_before_disclosure=r.boolean(ct, "content.identity_before_disclosure"),
        why_question_allowed=r.boolean(ct, "content.why_question_allowed"),
        forbidden_kinds=r.members(ct, "content.forbidden_kinds", MessageKind),
    )
    rt = r.table("required_texts")
    required_texts = RequiredTextRules(
        first_contact_disclosure=r.boolean(rt, "required_texts.first_contact_disclosure"),
        opt_out_footer_channels=r.members(rt, "required_texts.opt_out_footer_channels", Channel),
        creditor_name=r.boolean(rt, "required_texts.creditor_name"),
        creditor_tax_id=r.boolean(rt, "required_texts.creditor_tax_id"),
    )
    ret = r.table("retention")
    retention = Retention(
        contact_log_days=r.integer(
            ret, "retention.contact_log_days", maximum=36500, hint="0 means no minimum"
        ),
        conversation_days=r.integer(
            ret, "retention.conversation_days", maximum=36500, hint="0 means no minimum"
        ),
    )
    if r.errors:
        raise PolicyError(tuple(r.errors))
    policy = Policy(
        code=code, name=name, holidays=holidays, contact_window=contact_window,
        reply_window=reply_window, conversation=conversation, caps=caps, opt_out=opt_out,
        content=content, required_texts=required_texts, retention=retention, digest="",
    )
    dumped = json.dumps(policy_to_dict(policy), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(dumped.encode()).hexdigest()[:12]
    return replace(policy, digest=digest)


def _dump_windows(w: WeekWindows) -> dict[str, Any]:
    out: dict[str, Any] = {"closed_on_holidays": w.closed_on_holidays}
    for key, ranges in zip(WEEKDAY_KEYS, w.days, strict=True):
        out[key] = [_format_range(r) for r in ranges]
    return out


def _sorted_values(items: frozenset[Any]) -> list[str]:
    return sorted(str(i.value) for i in items)


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    """Dump a `Policy` as a TOML-able dict; `policy_from_dict` reads it back unchanged."""
    c = policy.caps
    return {
        "code": policy.code,
        "name": policy.name,
        "holidays": {
            "country": policy.holidays.country,
            "default_subdivision": policy.holidays.default_subdivision,
        },
        "contact_window": _dump_windows(policy.contact_window),
        "reply_window": _dump_windows(policy.reply_window),
        "conversation": {
            "hours": policy.conversation.hours,
            "reply_without_consent": policy.conversation.reply_without_consent,
        },
        "caps": {
            "counts": c.counts.value,
            "per_local_day": c.per_local_day,
            "per_rolling_7_days": c.per_rolling_7_days,
            "per_channel_per_rolling_7_days": c.per_channel_per_rolling_7_days,
            "min_gap_hours": c.min_gap_hours,
            "one_channel_per_rolling_7_days": c.one_channel_per_rolling_7_days,
            "exempt_kinds": _sorted_values(c.exempt_kinds),
        },
        "opt_out": {
            "scope": policy.opt_out.scope.value,
            "confirmation_any_time": policy.opt_out.confirmation_any_time,
            "confirmation_max_delay_minutes": policy.opt_out.confirmation_max_delay_minutes,
        },
        "content": {
            "identity_before_disclosure": policy.content.identity_before_disclosure,
            "why_question_allowed": policy.content.why_question_allowed,
            "forbidden_kinds": _sorted_values(policy.content.forbidden_kinds),
        },
        "required_texts": {
            "first_contact_disclosure": policy.required_texts.first_contact_disclosure,
            "opt_out_footer_channels": _sorted_values(
                policy.required_texts.opt_out_footer_channels
            ),
            "creditor_name": policy.required_texts.creditor_name,
            "creditor_tax_id": policy.required_texts.creditor_tax_id,
        },
        "retention": {
            "contact_log_days": policy.retention.contact_log_days,
            "conversation_days": policy.retention.conversation_days,
        },
    }


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge a partial override over a dict: tables merge key by key, other values replace."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def validate_override(base: Policy, override: Mapping[str, Any]) -> tuple[FieldError, ...]:
    """Every field-level problem of `override` merged over `base` (empty when it is valid)."""
    if not isinstance(override, Mapping):
        return (FieldError("", "an override must be a table of settings"),)
    try:
        policy_from_dict(merge(policy_to_dict(base), override))
    except PolicyError as exc:
        return exc.errors
    return ()


def apply_override(base: Policy, override: Mapping[str, Any]) -> Policy:
    """`base` with a partial override merged in; raise `PolicyError` with field errors."""
    if not isinstance(override, Mapping):
        raise PolicyError((FieldError("", "an override must be a table of settings"),))
    return policy_from_dict(merge(policy_to_dict(base), override))
