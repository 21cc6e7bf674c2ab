"""The policy document: limits per segment, loaded from and dumped to TOML.

    [segments.default]          # required; applies to debtors without a segment
    max_installments = 12
    ...
    [segments.vip]              # other segments list only what differs from default
    max_installments = 18

The dumper is a small writer for this fixed schema (strings, integers, one inline table and
one list of strings), so the project needs no TOML-writing dependency; `tomllib` reads it back.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.negotiation.limits import Limits, LimitsError, limits_as_data, parse_limits

DEFAULT_SEGMENT = "default"


@dataclass(frozen=True, slots=True)
class Policy:
    """Limits by segment name; `segments` always holds "default"."""

    segments: Mapping[str, Limits] = field(default_factory=lambda: {DEFAULT_SEGMENT: Limits()})

    def limits_for(self, segment: str | None) -> Limits:
        """The limits of `segment`, or the default segment's when it is unknown or None."""
        if segment is not None and segment in self.segments:
            return self.segments[segment]
        return self.segments[DEFAULT_SEGMENT]


def parse_policy(data: Mapping[str, object]) -> Policy:
    """A policy from parsed TOML; `LimitsError` keys are "segments.<name>.<field>"."""
    errors: dict[str, str] = {}
    for key in data:
        if key != "segments":
            errors[str(key)] = f'The section "{key}" is unknown; only [segments.*] sections are.'
    raw_segments = data.get("segments")
    if not isinstance(raw_segments, Mapping) or DEFAULT_SEGMENT not in raw_segments:
        errors["segments.default"] = (
            "There must be a [segments.default] section; it applies to debtors without a segment."
        )
        raise LimitsError(errors)
    segments: dict[str, Limits] = {}
    default: Limits | None = None
    # The default segment first: the others inherit what they leave out from it.
    names = [DEFAULT_SEGMENT, *sorted(n for n in raw_segments if n != DEFAULT_SEGMENT)]
    for name in names:
        raw = raw_segments[name]
        prefix = f"segments.{name}"
        if not isinstance(raw, Mapping):
            errors[prefix] = f'The segment "{name}" must be a table of settings.'
            continue
        try:
            limits = parse_limits(raw, default, require=name == DEFAULT_SEGMENT)
        except LimitsError as exc:
            errors.update({f"{prefix}.{k}": v for k, v in exc.errors.items()})
            continue
        segments[name] = limits
        if name == DEFAULT_SEGMENT:
            default = limits
    if errors:
        raise LimitsError(errors)
    return Policy(segments)


def load_policy(text: str) -> Policy:
    """A policy from TOML text; raises `LimitsError` (key "" for a file that is not TOML)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LimitsError({"": f"The file is not valid TOML: {exc}."}) from exc
    return parse_policy(data)


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _string(value: str) -> str:
    out = ['"']
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _value(value: object) -> str:
    if isinstance(value, bool):  # not in the schema today; guard the int branch below
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_string(str(k))} = {_value(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to the policy TOML")


def dump_policy(policy: Policy) -> str:
    """The policy as TOML text; other segments list only what differs from default."""
    default = policy.segments[DEFAULT_SEGMENT]
    lines = [
        "# Recobro negotiation limits. Amounts are in major units of the debt's currency,",
        "# written as text so no decimals are lost. Other segments inherit from default.",
    ]
    names = [DEFAULT_SEGMENT, *sorted(n for n in policy.segments if n != DEFAULT_SEGMENT)]
    for name in names:
        limits = policy.segments[name]
        base = None if name == DEFAULT_SEGMENT else default
        lines.append("")
        lines.append(f"[segments.{_key(name)}]")
        for key, value in limits_as_data(limits, base).items():
            lines.append(f"{key} = {_value(value)}")
    return "\n".join(lines) + "\n"
