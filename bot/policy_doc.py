"""The policy document: per segment, the negotiation limits, the reminder cadence, the
override of the country's contact rules, and the channels. Loaded from and dumped to TOML.

    [segments.default]                  # required; the issue's limit keys at this level
    max_installments = 12
    ...
    [segments.default.cadence]          # reminder offsets around the due date, send time
    offsets = [-3, 0, 3, 7, 15, 30, 45]
    send_time = "09:00"
    [segments.default.channels]         # messages the bot starts: channel order, channels off
    order = ["whatsapp", "sms"]
    disabled = []
    [segments.default.compliance]       # a partial override of the country preset
    caps = { per_local_day = 1 }
    [segments.default.escalation]       # what goes to a person at once
    hardship = ["illness"]

Other segments list only what differs: the rest comes from default when the file is read.
What is stored (one version per segment) is always complete, so a version alone says what
an agreement was allowed under. Pure: no I/O.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import tomli_w

from bot import compliance
from bot.cadence import DEFAULT_OFFSETS
from bot.domain import Channel
from bot.negotiation import Limits, LimitsError, limits_as_data, parse_limits
from bot.understanding.types import Reason

DEFAULT_SEGMENT = "default"
SECTIONS = ("cadence", "channels", "compliance", "escalation")
STAGES = ("before_due", "due_today", "overdue", "last_notice")
_CHANNELS = tuple(c.value for c in Channel)
HARDSHIP_REASONS = tuple(r.value for r in Reason)  # why a debtor cannot pay, as understood


class PolicyError(ValueError):
    """A policy that cannot be used; `errors` maps a dotted field path to a sentence."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True, slots=True)
class Cadence:
    """When reminders go: offsets in days from the due date, at a local hour."""

    offsets: tuple[int, ...] = DEFAULT_OFFSETS
    send_time: str = "09:00"
    # The kind of reminder at a step, when not the usual (before_due, due_today, overdue,
    # last_notice): {"15": "last_notice"} ends the cadence's tone at day 15.
    stages: Mapping[str, str] = field(default_factory=dict)
    payment_claim_pause_days: int = 5


@dataclass(frozen=True, slots=True)
class Channels:
    """Channels for messages the bot starts: tried in `order`; `disabled` ones never."""

    order: tuple[str, ...] = ()
    disabled: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EscalationRules:
    """What goes to staff at once, before the bot negotiates."""

    # Reasons for not paying that a person handles (illness: never haggled with by a bot).
    hardship: tuple[str, ...] = ("illness",)


@dataclass(frozen=True, slots=True)
class SegmentPolicy:
    """Everything an admin sets for one segment."""

    limits: Limits = field(default_factory=Limits)
    cadence: Cadence = field(default_factory=Cadence)
    channels: Channels = field(default_factory=Channels)
    compliance: Mapping[str, Any] = field(default_factory=dict)
    escalation: EscalationRules = field(default_factory=EscalationRules)

    def as_data(self) -> dict[str, Any]:
        """The stored form: complete, JSON-able."""
        return {
            "limits": limits_as_data(self.limits),
            "cadence": {"offsets": list(self.cadence.offsets),
                        "send_time": self.cadence.send_time,
                        "stages": dict(self.cadence.stages),
                        "payment_claim_pause_days": self.cadence.payment_claim_pause_days},
            "channels": {"order": list(self.channels.order),
                         "disabled": list(self.channels.disabled)},
            "compliance": dict(self.compliance),
            "escalation": {"hardship": list(self.escalation.hardship)},
        }


def from_data(data: Mapping[str, Any]) -> SegmentPolicy:
    """A stored segment policy (trusted: it was validated when saved)."""
    return parse_segment(dict(data.get("limits", {})) | {
        name: data[name] for name in SECTIONS if name in data}, None, prefix="")


def parse_segment(raw: Mapping[str, Any], base: SegmentPolicy | None, *,
                  prefix: str) -> SegmentPolicy:
    """One segment's table; keys missing here come from `base`. Raises `PolicyError`."""
    errors: dict[str, str] = {}
    inherited = base or SegmentPolicy()
    limit_keys = {k: v for k, v in raw.items() if k not in SECTIONS}
    try:
        limits = parse_limits(limit_keys, base.limits if base else None,
                              require=base is None and prefix.endswith(DEFAULT_SEGMENT))
    except LimitsError as exc:
        errors.update({_join(prefix, k): v for k, v in exc.errors.items()})
        limits = inherited.limits
    cadence = _cadence(raw.get("cadence"), inherited.cadence, _join(prefix, "cadence"), errors)
    channels = _channels(raw.get("channels"), inherited.channels, _join(prefix, "channels"),
                         errors)
    escalation = _escalation(raw.get("escalation"), inherited.escalation,
                             _join(prefix, "escalation"), errors)
    override = raw.get("compliance", inherited.compliance)
    if not isinstance(override, Mapping):
        errors[_join(prefix, "compliance")] = "The contact rules override must be a table."
        override = {}
    else:
        # Checked against the strictest preset's shape; the country preset it is merged
        # over at send time has the same keys.
        for problem in compliance.validate_override(compliance.preset("default"), override):
            errors[_join(prefix, "compliance", problem.path)] = _sentence(problem.message)
    if errors:
        raise PolicyError(errors)
    return SegmentPolicy(limits, cadence, channels, dict(override), escalation)


def parse_document(data: Mapping[str, Any]) -> dict[str, SegmentPolicy]:
    """Every segment of a parsed TOML document, complete; raises `PolicyError`."""
    errors: dict[str, str] = {}
    for key in data:
        if key != "segments":
            errors[key] = f'The section "{key}" is unknown; only [segments.*] sections are.'
    segments = data.get("segments")
    if not isinstance(segments, Mapping) or DEFAULT_SEGMENT not in segments:
        errors["segments.default"] = ("There must be a [segments.default] section; it applies "
                                      "to debtors without a segment.")
        raise PolicyError(errors)
    result: dict[str, SegmentPolicy] = {}
    names = [DEFAULT_SEGMENT, *sorted(n for n in segments if n != DEFAULT_SEGMENT)]
    for name in names:
        raw = segments[name]
        prefix = f"segments.{name}"
        if not isinstance(raw, Mapping):
            errors[prefix] = f'The segment "{name}" must be a table of settings.'
            continue
        try:
            result[name] = parse_segment(raw, result.get(DEFAULT_SEGMENT)
                                         if name != DEFAULT_SEGMENT else None, prefix=prefix)
        except PolicyError as exc:
            errors.update(exc.errors)
    if errors:
        raise PolicyError(errors)
    return result


def load_document(text: str) -> dict[str, SegmentPolicy]:
    """Every segment of a TOML policy file; raises `PolicyError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError({"": f"The file is not valid TOML: {exc}."}) from exc
    return parse_document(data)


def dump_document(segments: Mapping[str, SegmentPolicy]) -> str:
    """TOML for these segments, each written in full (what is stored is what is read)."""
    out: dict[str, Any] = {}
    for name in sorted(segments, key=lambda n: (n != DEFAULT_SEGMENT, n)):
        data = segments[name].as_data()
        table: dict[str, Any] = dict(data["limits"])
        table["cadence"] = {k: v for k, v in data["cadence"].items() if v != {}}
        table["channels"] = data["channels"]
        table["escalation"] = data["escalation"]
        if data["compliance"]:
            table["compliance"] = data["compliance"]
        out[name] = table
    return tomli_w.dumps({"segments": out})


def _cadence(raw: Any, base: Cadence, prefix: str, errors: dict[str, str]) -> Cadence:
    if raw is None:
        return base
    if not isinstance(raw, Mapping):
        errors[prefix] = "The cadence must be a table."
        return base
    offsets = raw.get("offsets", list(base.offsets))
    if (not isinstance(offsets, list) or not offsets
            or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)):
        errors[f"{prefix}.offsets"] = ("The reminder offsets must be a list of whole numbers of "
                                       "days from the due date, like [-3, 0, 3, 7].")
        offsets = list(base.offsets)
    elif any(o < -60 or o > 365 for o in offsets):
        errors[f"{prefix}.offsets"] = "Each offset must be between -60 and 365 days."
    elif len(set(offsets)) != len(offsets):
        errors[f"{prefix}.offsets"] = "An offset appears twice; list each day once."
    send_time = raw.get("send_time", base.send_time)
    if not _is_hhmm(send_time):
        errors[f"{prefix}.send_time"] = "The send time must be a local time like \"09:00\"."
        send_time = base.send_time
    stages = raw.get("stages", dict(base.stages))
    if not isinstance(stages, Mapping) or not all(
            str(k).lstrip("-").isdigit() and v in STAGES for k, v in stages.items()):
        errors[f"{prefix}.stages"] = ("Stages map an offset to one of before_due, due_today, "
                                      "overdue or last_notice, like { \"15\" = \"last_notice\" }.")
        stages = dict(base.stages)
    pause = raw.get("payment_claim_pause_days", base.payment_claim_pause_days)
    if not isinstance(pause, int) or isinstance(pause, bool) or not 0 <= pause <= 60:
        errors[f"{prefix}.payment_claim_pause_days"] = ("The pause after a claimed payment must "
                                                       "be 0 to 60 days.")
        pause = base.payment_claim_pause_days
    return Cadence(tuple(sorted(offsets)), str(send_time), {str(k): str(v)
                                                           for k, v in stages.items()}, pause)


def _channels(raw: Any, base: Channels, prefix: str, errors: dict[str, str]) -> Channels:
    if raw is None:
        return base
    if not isinstance(raw, Mapping):
        errors[prefix] = "The channels must be a table."
        return base
    values = {}
    for key in ("order", "disabled"):
        value = raw.get(key, list(getattr(base, key)))
        if not isinstance(value, list) or not all(v in _CHANNELS for v in value):
            errors[f"{prefix}.{key}"] = (f"The channel {key} must be a list of "
                                         f"{', '.join(_CHANNELS)}.")
            value = list(getattr(base, key))
        values[key] = tuple(value)
    unknown = set(raw) - {"order", "disabled"}
    for key in sorted(unknown):
        errors[f"{prefix}.{key}"] = f'The setting "{key}" is unknown; use order and disabled.'
    if set(values["order"]) and set(values["order"]) <= set(values["disabled"]):
        errors[f"{prefix}.disabled"] = "Every channel in the order is disabled: nothing could go."
    return Channels(values["order"], values["disabled"])


def _escalation(raw: Any, base: EscalationRules, prefix: str,
                errors: dict[str, str]) -> EscalationRules:
    if raw is None:
        return base
    if not isinstance(raw, Mapping):
        errors[prefix] = "The escalation settings must be a table."
        return base
    for key in sorted(set(raw) - {"hardship"}):
        errors[f"{prefix}.{key}"] = f'The setting "{key}" is unknown; use hardship.'
    hardship = raw.get("hardship", list(base.hardship))
    if not isinstance(hardship, list) or not all(h in HARDSHIP_REASONS for h in hardship):
        errors[f"{prefix}.hardship"] = ("The hardship reasons must be a list of "
                                        f"{', '.join(HARDSHIP_REASONS)}.")
        return base
    return EscalationRules(tuple(dict.fromkeys(hardship)))


def _is_hhmm(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        return False
    hours, minutes = value[:2], value[3:]
    return hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def _sentence(message: str) -> str:
    text = message.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
